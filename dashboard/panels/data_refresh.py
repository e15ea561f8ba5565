"""Data quality: the scheduled refresh's recent attempts, failures first to the eye."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from dashboard import data
from dashboard.figures import empty
from dashboard.panels import Context, Panel
from etl.redact import redact
from etl.refresh import RefreshLog


def render(ctx: Context):
    runs = RefreshLog(data.settings().refresh_log_path).recent(30)
    if runs.empty:
        return empty("No scheduled refresh has run (python -m etl refresh --every 20m SOURCE).")
    runs = runs.copy()
    runs["status"] = runs["status"].map({"ok": "✓ ok", "failed": "⚠ FAILED"})
    for col in ("source", "message"):  # rows logged before redaction existed, too
        runs[col] = runs[col].fillna("").map(redact)
    shown = runs[["started_at", "source", "status", "message", "load_id"]].rename(
        columns={"started_at": "started (UTC)", "load_id": "load"}
    )
    return dbc.Table.from_dataframe(shown, striped=True, size="sm", id="refresh-table")


PANEL = Panel(
    id="data-refresh",
    page="data",
    order=15,
    title="Scheduled refresh",
    description=(
        "Each attempt to load a source. A failed one leaves the previous warehouse live; the "
        "message says why."
    ),
    render=render,
)
