"""Data quality (admins): the morning digest's recent runs, failures and stale-data refusals
first to the eye (python -m dashboard digest --send)."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from dashboard import digest
from dashboard.audits import app_db, app_db_exists
from dashboard.figures import empty
from dashboard.panels import Context, Panel

MARKS = {"sent": "✓ sent", "written": "written (dry run)", "failed": "⚠ FAILED",
         "stale": "⚠ NOT SENT: old data"}  # fmt: skip


def render(ctx: Context):
    runs = digest.recent_sends(app_db(), 50) if app_db_exists() else None
    if runs is None or runs.empty:
        return empty("No digest has run (python -m dashboard digest --send, from cron).")
    runs["status"] = runs["status"].map(lambda s: MARKS.get(s, s))
    runs["run_at"] = runs["run_at"].dt.strftime("%d/%m/%Y %H:%M")
    shown = runs.rename(columns={"run_at": "run", "username": "to", "cases": "cases listed"})
    return dbc.Table.from_dataframe(shown, striped=True, size="sm", id="digest-table")


PANEL = Panel(
    id="data-digest",
    page="data",
    order=16,
    title="Morning digest",
    description=(
        "Each digest sent, failed (after its retries) or written by a dry run, and the runs "
        "not sent because the newest load was too old. A failure does not stop the others."
    ),
    render=render,
    roles=("admin",),
)
