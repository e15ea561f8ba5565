"""Every registered panel renders against the fixture warehouse, for every kind of user, and
for an empty warehouse: a new panel is covered here without new test code."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.io as pio
import pytest

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
def test_every_panel_renders_for_every_user(dash_app, panel, who):
    scope = SCOPES[who]
    ctx = Context(scope=scope, filters=Filters(), as_of=date.fromisoformat(FIXTURE_DAY))
    assert panel.description and panel.title
    if panel.table:
        if scope.role not in panel.roles:
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
    monkeypatch.setenv("PVP_DB_PATH", str(db))
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
    }.get(panel.id, "empty-state")
    assert expected in text.replace(": ", ":"), panel.id


def test_panel_ids_are_unique_and_pages_are_known():
    pages = {"today", "child", "quality", "quality-entries", "data", "audit"}
    assert {p.page for p in PANELS} <= pages
    assert len({p.id for p in PANELS}) == len(PANELS)


def test_the_template_an_analyst_copies_works(dash_app):
    from dashboard.panels import _template

    ctx = Context(scope=SCOPES["force"], filters=Filters(), as_of=date.fromisoformat(FIXTURE_DAY))
    assert "template-graph" in _json(_template.PANEL.render(ctx))
