"""Data quality: the latest load of each extract, and every load's row accounting."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from dashboard import data
from dashboard.figures import empty
from dashboard.panels import Context, Panel

SHOWN = [
    "load_id", "finished_at", "folder", "file", "rows_read", "loaded", "duplicates",
    "quarantined", "inserted", "updated", "unchanged", "encoding",
]  # fmt: skip


def render(ctx: Context):
    df = data.last_loads()
    if df.empty:
        return empty("No loads recorded yet.")
    df = df.copy()
    df["finished_at"] = df["finished_at"].dt.strftime("%d/%m/%Y %H:%M")
    # Where the files came from (a folder, a database), so two loads of "supervision.csv" can
    # be told apart.
    df["folder"] = df["source"].fillna("")
    shown = df[SHOWN].rename(
        columns={
            "load_id": "load",
            "finished_at": "finished",
            "folder": "from",
            "rows_read": "read",
        }
    )
    return dbc.Table.from_dataframe(
        shown.head(60), striped=True, bordered=False, hover=True, size="sm", id="loads-table"
    )


PANEL = Panel(
    id="data-loads",
    page="data",
    order=10,
    title="Loads",
    description=(
        "Newest first. For every file, read = loaded + duplicates + quarantined. Loaded rows "
        "are new (inserted), changed (updated) or identical to what the warehouse held."
    ),
    render=render,
)
