"""The Dash app. Until the dashboard pages land (issue 3) this serves one page: today's flag
counts per area from the warehouse, read fresh on every page load.

    python app.py --db data/warehouse.duckdb --host 127.0.0.1 --port 8050
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import Dash, html

from etl.flags import FLAG_NAMES, flags, latest_date
from etl.settings import get_settings
from etl.warehouse import connect_read_only

FLAG_LABELS = {
    "child_related": "Open child-related cases",
    "ds_review_overdue": "DS reviews overdue (over 28 days)",
    "ds_review_due_soon": "DS reviews due within 7 days",
    "response_unsupervised": "Response child cases never supervised",
}


def _db_path() -> Path:
    return Path(os.environ.get("PVP_DB_PATH") or get_settings().db_path)


def layout() -> html.Div:
    """Read the warehouse on each page load, so a refreshed file is picked up."""
    db = _db_path()
    try:
        con = connect_read_only(db)
    except FileNotFoundError:
        return dbc.Container(
            [
                html.H1("Supervision of child-protection investigations"),
                dbc.Alert(
                    [
                        "No data loaded yet. Load extracts with ",
                        html.Code(f"python -m etl load SOURCE --db {db}"),
                        " or run ",
                        html.Code("make run"),
                        ".",
                    ],
                    color="warning",
                ),
            ]
        )
    try:
        day = latest_date(con)
        df = flags(con, get_settings(), day) if day else None
    finally:
        con.close()
    if df is None:
        return dbc.Container([html.H1("Supervision"), dbc.Alert("The warehouse is empty.")])
    counts = df.groupby(["area", "flag"]).size().unstack(fill_value=0)
    header = html.Thead(html.Tr([html.Th("Area"), *[html.Th(FLAG_LABELS[f]) for f in FLAG_NAMES]]))
    body = html.Tbody(
        [
            html.Tr(
                [html.Th(area), *[html.Td(int(counts.loc[area].get(f, 0))) for f in FLAG_NAMES]]
            )
            for area in counts.index
        ]
    )
    return dbc.Container(
        [
            html.H1("Supervision of child-protection investigations"),
            html.P(f"As of {day:%d/%m/%Y} (latest date in the warehouse)."),
            dbc.Table([header, body], bordered=True, striped=True, id="today-counts"),
            html.P("The full dashboard is being built; this page shows the flag counts only."),
        ],
        className="py-3",
    )


app = Dash(__name__, external_stylesheets=[dbc.themes.BOOTSTRAP], title="PVP supervision")
app.layout = layout
server = app.server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="warehouse file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (never in use)")
    args = parser.parse_args()
    if args.db:
        os.environ["PVP_DB_PATH"] = str(args.db)
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
