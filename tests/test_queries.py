"""Every query file runs on the fixture warehouse for every kind of user, and no row it returns
is outside the user's areas: a new query file is covered here without new test code."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import data
from dashboard.scope import Scope
from etl import queries

DAY = date(2018, 6, 30)
SCOPES = {
    "force": Scope("force", "force", ("West", "East", "South")),
    "west": Scope("west", "area", ("West",)),
    "east": Scope("east", "area", ("East",)),
    "nobody": Scope("nobody", "area", ()),
}
# A value for every parameter a query may take besides the settings and $areas (each query
# is given the ones it names).
GIVEN = {
    "as_of": DAY,
    "as_of_days": [date(2018, 5, 31), DAY],
    "first_day": date(2018, 6, 1),
    "last_day": DAY,
    "start": date(2017, 7, 1),
    "end": DAY,
    "first": date(2018, 1, 1),
    "last": DAY,
    "since": None,
    "known_on": None,
    "investigation_id": None,
    "investigation_ids": None,
    "open_in_month": False,
    "team": None,
    "team_type": None,
    "officer_id": None,
    "months": 12,
    "window_days": 30,
    "until": date(2021, 11, 30),  # the published crime sample's month
    "all_areas": ["West", "East", "South"],
    "follow_up_ids": ["W-OVERDUE", "E-OVERDUE", "S-DUE"],
    "follow_up_since": [date(2018, 4, 1)] * 3,
    "follow_up_flags": ["ds_review_overdue"] * 3,
}
# The load materialises the flags up to its extract day (the fixture's is 28/06/2018): the
# query that reads them back is asked a day they hold.
GIVEN_FOR = {"flags_on_day": {"as_of": date(2018, 6, 28)}}
# Not area data: the load log and the month the data starts.
UNSCOPED = {"loads", "newest_load", "first_opened_month", "published_months", "check_inputs"}
# Grouped per supervisor and in all as well as per team: no area column to check row by row.
GROUPED_WITHOUT_AREA = {"entry_quality"}
SCOPED = [n for n in queries.names() if "areas" in queries.wanted(queries.sql(n))]


def test_every_query_file_says_its_grain_and_readers():
    for name in queries.names():
        header = queries.QUERIES_DIR.joinpath(f"{name}.sql").read_text().split("\nSELECT")[0]
        header = header.split("\nWITH")[0].lower()
        assert header.startswith(f"-- {name}:"), name
        assert "grain" in header and "reader" in header, name


def test_only_the_load_log_and_the_data_s_months_are_unscoped():
    assert set(queries.names()) - set(SCOPED) == UNSCOPED
    with pytest.raises(ValueError, match="does not filter by"):
        data.query("loads", SCOPES["force"])
    with pytest.raises(ValueError, match="filters by"):
        data.unscoped("flags")


def test_areas_come_from_the_scope_never_from_the_settings(settings):
    # A query that names $areas cannot silently get every area from the settings object.
    with pytest.raises(KeyError, match=r"\$areas"):
        queries.params(
            queries.sql("flags"), settings, first_day=DAY, last_day=DAY, investigation_ids=None
        )


def _areas(name: str, df) -> set[str]:
    """The areas the rows of ``df`` are about (lower case)."""
    if name in ("scoped_quarantine", "quarantine_counts"):
        return {a for mentioned in df["mentioned_areas"] for a in mentioned}
    if name == "case_areas":  # where the case is now and on the day: neither outside the scope
        return {a.lower() for col in ("current_area", "day_area") for a in df[col].dropna()}
    if name in GROUPED_WITHOUT_AREA:
        df = df[df["grouping"] == "team"]
    assert "area" in df.columns, f"{name}: say the area of each row"
    return {a.lower() for a in df["area"]}


# Queries about one case: asked about a case of each area in turn.
ONE_CASE = {"case_areas", "case_record", "case_versions"}
CASES = ("E-OVERDUE", "W-OVERDUE", "S-DUE")


@pytest.mark.parametrize("name", SCOPED)
@pytest.mark.parametrize("who", list(SCOPES))
def test_every_query_stays_inside_the_scope(dash_app, name, who):
    scope = SCOPES[who]
    allowed = {a.lower() for a in scope.areas}
    # A query with several ways to its rows (case_checks: the runs the load made, or the rule
    # from the load's child-related spans or from child_cases) is checked every way.
    wanted = queries.wanted(queries.sql(name))
    ways = [{}]
    if "from_spans" in wanted:
        ways = [{"from_spans": True}, {"from_spans": False}]
    if "materialised" in wanted:
        ways = [{**w, "materialised": m} for w in ways for m in (True, False)]
    for case, way in [(c, w) for c in (CASES if name in ONE_CASE else (None,)) for w in ways]:
        given = GIVEN | GIVEN_FOR.get(name, {}) | {"investigation_id": case} | way
        df = data.query(name, scope, **given)
        if who == "force":
            assert len(df), f"{name} returns nothing on the fixture: the check proves nothing"
        if who == "nobody":
            assert df.empty, name
        if name in ("scoped_quarantine", "quarantine_counts") and who == "force":
            continue  # force-wide roles also see rows that name no known area
        assert _areas(name, df) <= allowed, name
        # What the page asks for narrows the scope and never widens it.
        narrowed = data.query(name, scope, ["East", "Mars"], **given)
        assert _areas(name, narrowed) <= allowed & {"east"}, name
