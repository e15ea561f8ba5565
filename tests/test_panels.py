"""Every registered panel renders against the fixture warehouse, for every kind of user, and
for an empty warehouse: a new panel is covered here without new test code."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from conftest import call, use_warehouse

from dashboard.panels import Context, discover
from dashboard.scope import Filters, Scope
from etl.testing import FIXTURE_DAY, write_extracts

SCOPES = {
    "force": Scope("force", "force", ("West", "East", "South")),
    "west": Scope("west", "area", ("West",)),
    "nobody": Scope("nobody", "area", ()),
    "admin": Scope("admin", "admin", ("West", "East", "South")),
}
PANELS = sorted(discover().values(), key=lambda p: (p.page, p.order))


def _json(component) -> str:
    return pio.json.to_json_plotly(component)


@pytest.mark.parametrize("panel", PANELS, ids=lambda p: p.id)
@pytest.mark.parametrize("who", list(SCOPES))
def test_every_panel_renders_for_every_user(dash_app, client_for, panel, who):
    scope = SCOPES[who]
    ctx = Context(scope, Filters(), date.fromisoformat(FIXTURE_DAY), case_id="E-OVERDUE")
    assert panel.description and panel.title
    if panel.table:
        if scope.role not in panel.roles:
            # Not theirs (the audit log is for admins): the page's grid answers with no rows.
            assert _grid_rows(dash_app, client_for(who), panel) == 0
            return
        df = panel.table.rows(ctx)
        assert isinstance(df, pd.DataFrame)
        if len(df):
            missing = {c.field for c in panel.table.columns} - set(df.columns)
            assert not missing, missing
        if who == "nobody" and panel.page != "audit":
            assert df.empty
    else:
        _json(panel.render(ctx))


@pytest.mark.parametrize("panel", [p for p in PANELS if not p.table], ids=lambda p: p.id)
def test_every_chart_panel_says_why_when_empty(dash_app, panel, tmp_path, monkeypatch):
    from dashboard.data import warehouse
    from etl.load import load
    from etl.settings import Settings

    db = tmp_path / "empty.duckdb"
    load(write_extracts(tmp_path / "x"), db, Settings())
    use_warehouse(monkeypatch, db)
    assert warehouse().path == db
    ctx = Context(scope=SCOPES["force"], filters=Filters(), as_of=None)
    text = _json(panel.render(ctx))
    # An empty warehouse (a load of header-only files) is a state, not an error.
    # Panels say why they are empty through figures.empty() (class empty-state); the cards
    # show zeros and the load table its (empty) loads.
    expected = {
        "today-cards": '"children":"0"',
        "data-loads": '"children":"incidents.csv"',
        "quality-definition": "Each entry is checked for five elements",  # words, not data
        "data-checks": "no load has brought custody.csv",  # a state, not data
    }.get(panel.id, "empty-state")
    assert expected in text.replace(": ", ":"), panel.id


def _grid_rows(app, client, panel) -> int:
    client.get("/_dash-layout")  # Dash fills callback_map on the first request
    grid = f"{panel.id}-grid"
    key = next(k for k in app.callback_map if k.startswith(f"..{grid}.getRowsResponse"))
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    _, body = call(app, client, key, {f"{grid}.getRowsRequest": request,
                                      f"{panel.page}-filters.data": {}})  # fmt: skip
    return body["response"][grid]["getRowsResponse"]["rowCount"]


def test_every_table_panel_is_shown_to_its_roles(dash_app, client_for):
    # The counterpart of the refusal above: the admin's audit log grid does have rows.
    panel = discover()["audit-log"]
    assert _grid_rows(dash_app, client_for("admin"), panel) > 0


def test_pages_are_known():
    pages = {
        "today", "child", "quality", "quality-entries", "data", "audit", "case", "pvp",
        "custody", "missing",
    }  # fmt: skip
    assert {p.page for p in PANELS} <= pages


def test_two_panels_with_one_id_are_refused(tmp_path, monkeypatch):
    import sys

    from dashboard import panels

    for name in ("first_panel", "second_panel"):
        (tmp_path / f"{name}.py").write_text(
            "from dashboard.panels import Panel\n"
            "PANEL = Panel(id='same', page='child', order=1, title='t', description='d')\n"
        )
    monkeypatch.setattr(panels, "__path__", [str(tmp_path)])
    monkeypatch.setattr(panels, "_REGISTRY", {})
    try:
        with pytest.raises(RuntimeError, match="two panels share the id same"):
            panels.discover()
    finally:
        for name in ("first_panel", "second_panel"):
            sys.modules.pop(f"dashboard.panels.{name}", None)


def _figures(node):
    """Every figure in a rendered panel (the Graph components' figures)."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from _figures(child)
        return
    if getattr(node, "figure", None) is not None:
        yield go.Figure(node.figure)
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str):
            yield from _figures(child)


# What each chart draws on the fixture on 30/06/2018 (etl/testing.py FIXTURE): its series, its
# axis titles, and its total for a force-wide and a West user (bars: the sum of the bars;
# "points": how many points are drawn). Open child-related cases: West W-OVERDUE, W-NEW,
# W-DUE, W-RESP, W-OK; East E-OVERDUE, E-RESP; South S-DUE. The case page is E-OVERDUE's.
CRIME_TYPES = {"Anti-social behaviour", "Burglary", "Criminal damage and arson", "Other",
               "Other theft", "Public order", "Violence and sexual offences"}  # fmt: skip
CHARTS = {
    "child-by-area": {
        "series": {"Child protection", "Response", "Online child abuse", "CSE"},
        "titles": (None, "Open cases"),
        "total": {"force": 8, "west": 5},
    },
    "child-by-reason": {  # a case counts once per reason; 6 of the 8 are in specialist teams
        "series": {None},  # one unnamed series
        "titles": ("Cases", None),
        "total": {"force": 10, "west": 7},
    },
    "child-weekly": {  # by week opened, every child-related case opened in the year
        "series": {"Child protection", "CSE", "Online child abuse", "Response"},
        "titles": ("Week beginning", "New cases"),
        "total": {"force": 8, "west": 5},
    },
    "data-quarantine": {  # I-BAD, E-BAD, R-EBAD; West's user sees none of them
        "series": {"incidents.csv", "investigations.csv", "supervision.csv"},
        "titles": ("Rows", None),
        "total": {"force": 3, "west": 0},
    },
    "today-published-crime": {  # the six commonest types and Other, in one month (Nov 2021)
        "series": CRIME_TYPES,
        "titles": (None, "Crimes"),
        "total": {"force": 16165, "west": 5358},
        "day": "2021-11-30",  # the published sample's month, not the cases' year
    },
    "pvp-published-crime": {
        "series": CRIME_TYPES,
        "titles": (None, "Crimes"),
        "total": {"force": 16165, "west": 5358},
        "day": "2021-11-30",
    },
    "case-timeline": {  # E-OVERDUE's three entries: two DS reviews count, the DC's does not
        "series": {
            "Counts as supervision for this case",
            "Does not count (rank below the rule, or after the close)",
        },
        "titles": (None, None),
        "total": {"force": 3, "west": 0},  # not West's case: nothing drawn
        "count": "points",
    },
    "pvp-trends": {  # six trends; the first, compliance, over the twelve months to June 2018
        "figures": 6,
        "series": {"month average", "month end"},
        "titles": (None, "share"),
        "total": {"force": 24, "west": 24},
        "count": "points",
    },
}


def _total(fig: go.Figure, count: str) -> int:
    if count == "points":
        return sum(len(t.x) for t in fig.data)
    horizontal = fig.data[0].orientation == "h"
    return int(sum(sum(t.x if horizontal else t.y) for t in fig.data))


@pytest.mark.parametrize("panel_id", sorted(CHARTS))
def test_chart_panels_draw_the_fixture(dash_app, panel_id):
    want = CHARTS[panel_id]
    panel = discover()[panel_id]
    for who, total in want["total"].items():
        day = date.fromisoformat(want.get("day", FIXTURE_DAY))
        ctx = Context(SCOPES[who], Filters(), day, "E-OVERDUE")
        figures = list(_figures(panel.render(ctx)))
        if total == 0:
            assert not figures and "empty-state" in _json(panel.render(ctx))
            continue
        assert len(figures) == want.get("figures", 1)
        fig = figures[0]
        assert _total(fig, want.get("count", "bars")) == total, who
        if who == "force":
            assert {t.name for t in fig.data} == want["series"]
            titles = (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text)
            assert titles == want["titles"]


def test_every_chart_panel_is_checked_for_what_it_draws(dash_app):
    drawing = set()
    for day in {FIXTURE_DAY, *(want.get("day", FIXTURE_DAY) for want in CHARTS.values())}:
        ctx = Context(SCOPES["force"], Filters(), date.fromisoformat(day), "E-OVERDUE")
        drawing |= {p.id for p in PANELS if not p.table and list(_figures(p.render(ctx)))}
    assert drawing == set(CHARTS)


def test_every_chart_draws_points_on_the_fixture(dash_app):
    # Any chart panel, a new one too: what it draws for a force-wide user on the fixture is
    # not blank (the built-in ones are checked in detail above, CHARTS).
    ctx = Context(SCOPES["force"], Filters(), date.fromisoformat(FIXTURE_DAY), "E-OVERDUE")
    for panel in PANELS:
        if panel.table:
            continue
        for fig in _figures(panel.render(ctx)):
            assert fig.data, panel.id
            assert sum(len(t.x if t.x is not None else t.y) for t in fig.data), panel.id


def test_the_template_an_analyst_copies_works(dash_app):
    from dashboard.panels import _template

    ctx = Context(scope=SCOPES["force"], filters=Filters(), as_of=date.fromisoformat(FIXTURE_DAY))
    assert "template-graph" in _json(_template.PANEL.render(ctx))


def test_published_crime_says_when_it_does_not_cover_the_day(dash_app):
    ctx = Context(SCOPES["force"], Filters(), date.fromisoformat(FIXTURE_DAY), None)
    shown = _json(discover()["today-published-crime"].render(ctx))
    assert "covers November 2021 to November 2021: none for the 12 months to June 2018" in shown
    assert not list(_figures(discover()["today-published-crime"].render(ctx)))


def test_the_custody_summary_shows_every_area_shown_with_a_0_where_none(dash_app):
    """A newcomer's walk (session 25): the table by area left out an area with no detention
    (South, in the fixture's window: K-W1 West, K-E1 East), which read as missing data."""
    from dashboard.panels import custody_summary

    ctx = Context(SCOPES["force"], Filters(), date.fromisoformat(FIXTURE_DAY))
    table = json.loads(pio.json.to_json_plotly(custody_summary.render(ctx)))
    text = json.dumps(table)
    assert all(f'"{a}"' in text for a in ("West", "East", "South"))
    rows = table["props"]["children"][1]["props"]["children"]
    detained = [c["props"]["children"] for c in rows[0]["props"]["children"]]
    assert detained == ["children detained", "1", "1", "0", "2"]
