"""The dashboard's data layer on the fixture warehouse, with hand-worked answers."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from conftest import use_warehouse

from dashboard import data
from dashboard.scope import Filters, Scope

DAY = date(2018, 6, 30)
FORCE = Scope("force", "force", ("West", "East", "South"))
WEST = Scope("west", "area", ("West",))
NOBODY = Scope("nobody", "area", ())


def test_scope_narrowing_never_widens():
    assert WEST.narrow(None) == ["West"]
    assert WEST.narrow(["West", "East"]) == ["West"]
    assert WEST.narrow("East") == []
    assert NOBODY.narrow(["West"]) == []


def test_action_list_worst_first_with_last_supervisory_entry(dash_app):
    df = data.action_list(FORCE, Filters(as_of=DAY))
    assert list(df["investigation_id"]) == [
        "E-OVERDUE", "W-OVERDUE", "W-NEW", "W-RESP", "E-RESP", "S-DUE", "W-DUE",
    ]  # fmt: skip
    row = df.set_index("investigation_id").loc["E-OVERDUE"]
    assert row["flag_words"] == "DS review overdue" and row["days"] == 60
    # The DC's entry on 10/06 is not supervision; the DS's at 09:30 BST on 01/05 is.
    assert row["last_entry"] == "DS24 (DS), 01/05/2018 09:30, partial"  # its grade after the date
    assert df.set_index("investigation_id").loc["W-RESP", "last_entry"] == "none"
    assert "victim under 18" in df.set_index("investigation_id").loc["W-RESP", "reasons_words"]


def test_filters_narrow_the_action_list(dash_app):
    ids = set(data.action_list(FORCE, Filters(as_of=DAY, team_type="cse"))["investigation_id"])
    assert ids == {"W-NEW", "W-DUE"}
    ids = set(data.action_list(WEST, Filters(as_of=DAY, officer_id="PC13"))["investigation_id"])
    assert ids == {"W-RESP"}


def test_counts_and_change_since_yesterday(dash_app):
    counts = data.flag_counts(WEST, Filters(as_of=DAY))
    assert counts == {
        "child_related": (5, 0),
        "ds_review_overdue": (2, 1),  # W-NEW passed 28 days today
        "response_unsupervised": (1, 0),
        "ds_review_due_soon": (1, -1),
        "ds_review_not_substantive": (0, 0),  # W-OK's DS review has actions, plan and ABE
    }
    assert data.flag_counts(NOBODY, Filters(as_of=DAY))["child_related"] == (0, 0)


def test_case_record_is_none_outside_the_scope(dash_app):
    assert data.case_record(FORCE, "E-OVERDUE")["area"] == "East"
    assert data.case_record(WEST, "E-OVERDUE") is None
    assert data.case_record(WEST, "NOPE") is None
    assert data.case_entries(WEST, "E-OVERDUE", DAY).empty
    assert len(data.case_entries(FORCE, "E-OVERDUE", DAY)) == 3


def test_review_intervals_mark_gaps(dash_app):
    iv = data.review_intervals(FORCE, DAY, "E-OVERDUE")
    got = [
        (str(r.started_on)[:10], str(r.ended_on)[:10], r.days, r.is_breach, r.still_running)
        for r in iv.itertuples()
    ]
    assert got == [
        ("2018-04-01", "2018-04-20", 19, False, False),
        ("2018-04-20", "2018-05-01", 11, False, False),
        ("2018-05-01", "2018-06-30", 60, True, True),  # the DC's entry does not end it
    ]
    assert data.review_intervals(WEST, DAY, "E-OVERDUE").empty


def test_quality_measures(dash_app, monkeypatch):
    """Counting entries only: on East CP 1's case the two DS reviews ("Reviewed." with 2
    actions, "Reviewed again." with 1: partial), not the DC's "Chased."; on West CP 1's, the
    DS's substantive review of W-OK, not the PC's "Seen."."""
    teams = data.quality(FORCE, Filters(as_of=DAY), by="team", days=365).set_index("team")
    east = teams.loc["East CP 1"]
    assert (east["entries"], east["cases"]) == (2, 1)
    # Fewer entries than min_entries_for_share (10): no shares, and it says so.
    assert east["small_numbers"] and pd.isna(east["partial_share"])
    # Of the 3 entries on the (child-related) East case, 1 is by a DC.
    assert abs(east["non_supervisor_share_child"] - 1 / 3) < 1e-9
    people = data.quality(FORCE, Filters(as_of=DAY), by="reviewer", days=365)
    assert set(people["reviewer_id"]) == {"DS14", "DS24"}  # supervisors only
    ds24 = people.set_index("reviewer_id").loc["DS24"]
    assert (ds24["entries"], ds24["cases"]) == (2, 1)

    one = data.settings().model_copy(update={"min_entries_for_share": 1})
    monkeypatch.setattr(data, "settings", lambda: one)
    teams = data.quality(FORCE, Filters(as_of=DAY), by="team", days=365).set_index("team")
    east, west = teams.loc["East CP 1"], teams.loc["West CP 1"]
    assert (east["partial_share"], east["thin_share"], east["actions_share"]) == (1, 0, 1)
    assert (east["child_share"], east["concern"]) == (0, 0)
    assert (west["entries"], west["substantive_share"]) == (1, 1)
    # W-OK's review: actions (3 set), plan ("Plan agreed", "strategy"), child (ABE); no risk.
    assert (west["risk_share"], west["plan_share"], west["child_share"]) == (0, 1, 1)


def test_the_quality_tables_are_the_same_with_or_without_the_row_in_all(dash_app):
    """The page's tables come from entry_quality.sql without its row in all (the include
    quality_in_all.sql left out); the pack asks that row first, and the same query then
    answers its other tables. Either way the tables are the same, and a table asked first
    never gives the row in all a result without it."""
    wh = data.warehouse()

    def fresh() -> None:
        with wh._lock:
            wh._cache.clear()
            wh._sizes.clear()

    for scope in (FORCE, WEST):
        for chosen in (Filters(as_of=DAY), Filters(as_of=DAY, team_type="child_protection")):
            fresh()
            page = {by: data.quality(scope, chosen, by=by, days=365) for by in ("team", "reviewer")}
            in_all = data.quality(scope, chosen, by="all", days=365)
            fresh()
            assert data.quality(scope, chosen, by="all", days=365).equals(in_all)
            for by, rows in page.items():
                pd.testing.assert_frame_equal(data.quality(scope, chosen, by=by, days=365), rows)
            assert len(in_all) == 1 and int(in_all["entries"].iloc[0]) == int(
                page["team"]["entries"].sum()
            )


def test_quality_entries_drill_down(dash_app):
    ds24 = data.quality_entries(FORCE, Filters(as_of=DAY, reviewer="DS24"), days=365)
    assert ds24["review_id"].tolist() == ["R-E2", "R-E1"]  # newest first
    assert ds24["elements_words"].tolist() == ["actions checked or set"] * 2
    assert ds24["missing_words"].iloc[0] == (
        "risk reviewed, investigation plan or direction, next review set, "
        "child's voice, behaviour or demeanour"
    )
    assert data.quality_entries(WEST, Filters(as_of=DAY, reviewer="DS24"), days=365).empty


def test_new_child_cases_by_week(dash_app):
    weeks = data.new_child_cases_by_week(FORCE, Filters(as_of=DAY))
    assert int(weeks["cases"].sum()) == 8  # every child-related case opened in the year
    assert int(data.new_child_cases_by_week(WEST, Filters(as_of=DAY))["cases"].sum()) == 5


def test_the_child_page_is_kept_per_choice_of_filters_and_each_choice_is_its_own(dash_app):
    """child_cases and the weeks are kept per day, scope and filter choice: asked in turn and
    again, each choice gives what it gives alone (a key missing a filter would hand one
    choice another's cases)."""
    choices = [
        Filters(as_of=DAY), Filters(as_of=DAY, areas=["West"]), Filters(as_of=DAY, areas=["East"]),
        Filters(as_of=DAY, team_type="cse"), Filters(as_of=DAY, areas=["West"], team_type="cse"),
        Filters(as_of=DAY, officer_id="PC13"), Filters(as_of=DAY, team="no such team"),
        Filters(as_of=DAY - timedelta(days=200)),
    ]  # fmt: skip
    wh = data.warehouse()

    def alone(scope, f):
        with wh._lock:
            wh._cache.clear()
            wh._sizes.clear()
        weeks = data.new_child_cases_by_week(scope, f)
        return set(data.child_cases(scope, f)["investigation_id"]), int(weeks["cases"].sum())

    for scope in (FORCE, WEST):
        expected = [alone(scope, f) for f in choices]
        flagged = [data.flags(scope, f) for f in choices]
        assert [e[0] for e in expected] == [
            set(df.loc[df["flag"] == "child_related", "investigation_id"]) for df in flagged
        ]
        for _ in range(2):
            got = [
                (set(data.child_cases(scope, f)["investigation_id"]),
                 int(data.new_child_cases_by_week(scope, f)["cases"].sum()))
                for f in choices
            ]  # fmt: skip
            assert got == expected
    assert expected[0][1] == 5 and expected[2] == (set(), 0)  # WEST asking for East: nothing
    assert len({(frozenset(ids), n) for ids, n in expected}) > 3  # choices the test tells apart


def test_todays_counts_and_options_kept_per_choice_are_each_choices_own_and_counted(dash_app):
    """flag_counts, check_counts and filter_options are kept per choice of filters: asked in
    turn and again, each choice gives what it gives alone, and the case rows behind it are
    counted for the audit log each time, as when it is made."""
    choices = [
        Filters(as_of=DAY), Filters(as_of=DAY, areas=["West"]), Filters(as_of=DAY, areas=["East"]),
        Filters(as_of=DAY, team_type="cse"), Filters(as_of=DAY, team="West CP 1"),
        Filters(as_of=DAY, officer_id="PC13"), Filters(as_of=DAY - timedelta(days=1)),
        Filters(as_of=DAY, check="no_plan"), Filters(as_of=DAY, follow_up="all"),
    ]  # fmt: skip
    wh = data.warehouse()

    def each(scope, f):
        with data.counting_rows() as rows:
            got = (
                data.flag_counts(scope, f),
                data.check_counts(scope, f),
                data.filter_options(scope, f, ("reviewer",)),
                data.filter_options(scope, f),
            )
        return got, rows[0]

    def alone(scope, f):
        with wh._lock:
            wh._cache.clear()
            wh._sizes.clear()
        return each(scope, f)

    for scope in (FORCE, WEST):
        expected = [alone(scope, f) for f in choices]
        for _ in range(2):
            assert [each(scope, f) for f in choices] == expected
    assert all(rows > 0 for _, rows in expected[:2])
    assert len({repr(got) for got, _ in expected}) > 4  # choices the test tells apart
    options, with_reviewers = expected[0][0][3], expected[0][0][2]
    assert options["reviewer"] == [] and with_reviewers["reviewer"]


def test_the_weekly_chart_asks_the_rule_once_per_year_whatever_the_area_and_team_type(dash_app):
    """A year of child_cases_opened.sql is kept for all the user's areas and team types, and
    each choice of area or team type is taken from it: moving between them on a day already
    read runs no query (and an officer, not in the rule's grain, still gets a run of its own)."""
    wh = data.warehouse()
    with wh._lock:
        wh._cache.clear()
        wh._sizes.clear()

    def years_kept() -> int:
        return sum(1 for key in wh._cache if key[1] == "child_cases_opened")

    data.new_child_cases_by_week(FORCE, Filters(as_of=DAY, areas=["West"], team_type="cse"))
    assert years_kept() == 2  # the as-of year and the one before
    for f in (
        Filters(as_of=DAY),
        Filters(as_of=DAY, areas=["East"]),
        Filters(as_of=DAY, team_type="response"),
        Filters(as_of=DAY - timedelta(days=30)),
    ):
        data.new_child_cases_by_week(FORCE, f)
    assert years_kept() == 2
    data.new_child_cases_by_week(FORCE, Filters(as_of=DAY, officer_id="PC13"))
    assert years_kept() == 4


# The weekly chart's window written the plain way, per as-of day (what child_cases_opened.sql
# and new_child_cases_by_week replaced: one run per day).
_WEEKS_ONE_DAY = """
SELECT date_trunc('week', opened_on) AS week, team_type, count(*) AS cases
FROM ({child_cases}) AS c
WHERE valid_to IS NULL AND len(child_reasons) > 0 AND list_contains($areas, area)
  AND opened_on > $as_of - INTERVAL 365 DAY AND opened_on <= $as_of
GROUP BY ALL ORDER BY week, team_type
"""


def test_weekly_window_on_every_day_a_case_enters_or_leaves_it(dash_app):
    """Each day from before the first case opened to after the last left the 365-day window,
    across the turns of the year (one run serves two calendar years): the weeks and counts of
    the window worked out for that day alone."""
    import re

    from etl import queries

    text = re.sub(r"\{child_cases\}", lambda _: queries.sql("child_cases"), _WEEKS_ONE_DAY)
    first, last = (
        data.warehouse().df("SELECT min(opened_on), max(opened_on) FROM case_facts").iloc[0]
    )
    day, end = first.date() - timedelta(days=2), last.date() + timedelta(days=368)
    compared = 0
    while day <= end:
        for scope in (FORCE, WEST):
            values = queries.params(text, data.settings(), as_of=day, areas=list(scope.areas))
            want = data.warehouse().df(text, values)
            got = data.new_child_cases_by_week(scope, Filters(as_of=day))
            want["week"] = pd.to_datetime(want["week"])
            pd.testing.assert_frame_equal(
                got.reset_index(drop=True), want, check_dtype=False, obj=f"{scope.username} {day}"
            )
            compared += int(want["cases"].sum())
        day += timedelta(days=1)
    assert compared > 0  # the window held cases on some of the days


def test_quarantine_counts_are_the_rows_counted(dash_app):
    """The chart's counts (counted in the warehouse) equal the rows each kind of user sees,
    counted: force-wide (rows naming no area too), one area, another, and none."""
    east = Scope("east", "area", ("East",))
    for scope in (FORCE, WEST, east, NOBODY):
        rows = data.quarantine(scope)
        want = rows.groupby(["source", "reason"]).size().reset_index(name="rows")
        got = data.quarantine_by_reason(scope)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=scope.username)
    assert int(data.quarantine_by_reason(FORCE)["rows"].sum()) == len(data.quarantine(FORCE)) > 0


def test_quarantine_by_area(dash_app):
    assert data.quarantine(WEST).empty
    assert set(data.quarantine(FORCE)["record_id"]) == {"I-BAD", "E-BAD", "R-EBAD"}
    east = Scope("east", "area", ("East",))
    assert set(data.quarantine(east)["record_id"]) == {"E-BAD", "R-EBAD"}


def test_a_swapped_warehouse_is_picked_up_without_restart(dash_app, tmp_path, monkeypatch):
    from etl.load import load
    from etl.settings import Settings
    from etl.testing import write_extracts

    db = tmp_path / "w.duckdb"
    load(write_extracts(tmp_path / "a", investigations=[{"investigation_id": "A1",
         "team_type": "cse"}]), db, Settings())  # fmt: skip
    use_warehouse(monkeypatch, db)
    assert set(data.child_cases(FORCE, Filters(as_of=DAY))["investigation_id"]) == {"A1"}
    load(write_extracts(tmp_path / "b", investigations=[{"investigation_id": "A2",
         "team_type": "cse"}]), db, Settings())  # fmt: skip
    assert set(data.child_cases(FORCE, Filters(as_of=DAY))["investigation_id"]) == {"A1", "A2"}
    assert isinstance(data.last_loads(), pd.DataFrame) and len(data.last_loads()) == 6


def test_the_officer_list_narrows_by_team_and_team_type(dash_app):
    """West on 30/06: DC11 (West CP 1), DC12 (West CSE), PC13 (West Resp 1). Choosing West CSE
    leaves DC12 only; choosing the response team type leaves West Resp 1 and PC13."""
    west = Scope("west", "area", ("West",))
    day = date(2018, 6, 30)
    everyone = data.filter_options(west, Filters(as_of=day))
    assert everyone["officer_id"] == ["DC11", "DC12", "PC13"]
    cse = data.filter_options(west, Filters(as_of=day, team="West CSE"))
    assert cse["officer_id"] == ["DC12"]
    assert cse["team"] == ["West CP 1", "West CSE", "West Resp 1"]  # a team is changed freely
    response = data.filter_options(west, Filters(as_of=day, team_type="response"))
    assert (response["team"], response["officer_id"]) == (["West Resp 1"], ["PC13"])


def test_the_warehouse_is_the_one_the_settings_name_not_the_environment(
    dash_app, tmp_path, monkeypatch
):
    before = data.warehouse().path
    # A variable set after start-up (as app.py once did for --db) is not read behind the
    # settings' back: the settings were resolved once.
    monkeypatch.setenv("PVP_DB_PATH", str(tmp_path / "elsewhere.duckdb"))
    assert data.warehouse().path == before
    # --db (app.py, python -m dashboard pack) configures the settings the dashboard runs with.
    monkeypatch.setattr(data, "_configured", None)
    data.configure(data.settings().model_copy(update={"db_path": tmp_path / "chosen.duckdb"}))
    assert data.warehouse().path == tmp_path / "chosen.duckdb"


def test_the_result_cache_is_bounded_by_size_not_count(tmp_path):
    """Frames of about 110 KB each under a 350 KB budget: the three newest stay (a hit makes
    one newest again), whatever their count; what is kept is within the budget."""
    from dashboard.data import Warehouse, _size_of

    path = tmp_path / "w.duckdb"
    path.write_bytes(b"")  # only its identity (inode, time) keys the cache
    wh = Warehouse(path, cache_bytes=350_000)
    frame = lambda i: pd.DataFrame({"note": [f"{i}" + "x" * 1_000] * 100, "n": range(100)})  # noqa: E731
    assert 100_000 < _size_of(frame(0)) < 120_000
    made: list[int] = []

    def get(i: int) -> pd.DataFrame:
        return wh.cached(("t", i), lambda: made.append(i) or frame(i))

    for i in range(3):
        get(i)
    get(0)  # a hit: 0 is the newest now, 1 the oldest
    assert made == [0, 1, 2]
    get(3)  # over the budget: 1 goes
    assert [k[-1] for k in wh._cache] == [2, 0, 3]
    assert wh.cached_bytes <= 350_000
    get(1)
    assert made == [0, 1, 2, 3, 1]  # made again: it had been let go
    assert get(3)["note"][0].startswith("3")


def test_a_result_larger_than_half_the_cache_is_not_kept(tmp_path):
    """One result of about 220 KB under a 350 KB budget is made each time it is asked, and
    the smaller ones already kept stay."""
    from dashboard.data import Warehouse, _size_of

    path = tmp_path / "w.duckdb"
    path.write_bytes(b"")
    wh = Warehouse(path, cache_bytes=350_000)
    small = pd.DataFrame({"note": ["x" * 1_000] * 50})
    big = pd.DataFrame({"note": ["y" * 1_000] * 200})
    assert _size_of(small) < 175_000 < _size_of(big) < 350_000
    made: list[str] = []
    wh.cached(("small",), lambda: made.append("small") or small)
    for _ in range(2):
        assert wh.cached(("big",), lambda: made.append("big") or big) is big
    wh.cached(("small",), lambda: made.append("small") or small)
    assert made == ["small", "big", "big"]
    assert [k[-1] for k in wh._cache] == ["small"]


def test_a_warehouse_an_earlier_loader_built_says_so_until_it_is_loaded_again(
    dash_app, monkeypatch, tmp_path
):
    """After an upgrade, before the next load: a warehouse without a column this version
    reads (here investigations.suspect_status) gives every page a message saying what to do,
    not a failing query; the next load makes it current."""
    import shutil

    import duckdb

    from dashboard.compose import no_data_message
    from etl.load import load
    from etl.settings import Settings
    from etl.testing import build_fixture_warehouse

    source, db = tmp_path / "extract", tmp_path / "w.duckdb"
    build_fixture_warehouse(source, db)
    old = tmp_path / "old.duckdb"
    shutil.copy(db, old)
    con = duckdb.connect(str(old))
    con.execute("ALTER TABLE investigations DROP COLUMN suspect_status")
    con.close()
    use_warehouse(monkeypatch, old)
    data._warehouses.clear()
    try:
        data.action_list(FORCE, Filters(as_of=DAY))
    except data.OutdatedWarehouse as exc:
        assert "investigations.suspect_status" in str(exc)
    else:
        raise AssertionError("an outdated warehouse was read")
    said = str(no_data_message().children)
    assert "earlier version of the loader" in said and "investigations.suspect_status" in said
    # Every page and panel catches NoWarehouse and shows no_data_message (compose.py).
    assert issubclass(data.OutdatedWarehouse, data.NoWarehouse)
    load(source, old, Settings())  # the next load carries everything over into the new schema
    assert len(data.action_list(FORCE, Filters(as_of=DAY))) > 0
    assert not data.warehouse().outdated
    data._warehouses.clear()


def test_last_supervisory_entry_is_one_entry_when_two_share_the_instant(load_rows, db):
    """Two DS entries at one instant: the list names one of them (the greater review_id) with
    its own reviewer, rank and grade, never a mix of the two."""
    from etl import queries
    from etl.settings import Settings

    load_rows(
        investigations=[{"investigation_id": "CP1", "opened_at": "2018-06-01 10:00",
                         "team_type": "child_protection"}],
        supervision=[
            {"review_id": "R2", "investigation_id": "CP1", "reviewed_at": "2018-06-20 10:00",
             "reviewer_id": "DS1", "reviewer_rank": "DS", "note": "Seen."},
            {"review_id": "R1", "investigation_id": "CP1", "reviewed_at": "2018-06-20 10:00",
             "reviewer_id": "DI9", "reviewer_rank": "DI",
             "note": "Risk assessed: child safe at home. Actions: ABE interview by 25/06. "
                     "Plan: strategy meeting. Next review 18/07."},
            {"review_id": "R0", "investigation_id": "CP1", "reviewed_at": "2018-06-10 10:00",
             "reviewer_id": "DS3", "reviewer_rank": "DS", "note": "Seen."},
        ],
    )  # fmt: skip
    text = queries.sql("last_supervisory_entry")
    values = queries.params(text, Settings(), as_of=DAY, areas=["West", "East", "South"],
                            investigation_ids=["CP1"])  # fmt: skip
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(text, values).df().to_dict("records")
        grades = dict(con.execute("SELECT review_id, grade FROM entry_assessment").fetchall())
    assert grades["R2"] != grades["R1"]  # else a mix could not be seen
    assert len(row) == 1
    assert (row[0]["last_reviewer"], row[0]["last_rank"], row[0]["last_grade"]) == (
        "DS1", "DS", grades["R2"],
    )  # fmt: skip


def test_the_cards_counts_over_the_spans_are_the_days_rows_counted(dash_app):
    """flag_counts counts over the load's spans (flag_counts_on_days.sql) where they hold the
    day: the same numbers as the day's rows, counted, for every day of June and each filter."""
    from datetime import timedelta

    from etl import daily

    filter_sets = [
        {}, {"areas": ["West"]}, {"team_type": "cse"}, {"officer_id": "PC13"},
        {"areas": ["East", "South"], "team_type": "child_protection"},
    ]  # fmt: skip
    for day in range(1, 31):
        as_of = date(2018, 6, day)
        with data.warehouse().cursor() as cur:
            assert daily.covers(cur, data.settings(), as_of)
        for given in filter_sets:
            for scope in (FORCE, WEST):
                filters = Filters(as_of=as_of, **given)
                before = Filters(as_of=as_of - timedelta(days=1), **given)
                today = data.flags(scope, filters)["flag"].value_counts()
                yesterday = data.flags(scope, before)["flag"].value_counts()
                assert data.flag_counts(scope, filters) == {
                    f: (int(today.get(f, 0)), int(today.get(f, 0) - yesterday.get(f, 0)))
                    for f in data.FLAGS
                }, (as_of, given, scope.username)


def _warehouse_file(tmp_path):
    from dashboard.data import Warehouse

    path = tmp_path / "w.duckdb"
    path.write_bytes(b"")  # only its identity (inode, time) keys the cache
    return Warehouse(path)


def test_a_result_asked_while_it_is_being_made_is_made_once(tmp_path):
    """Four threads ask one key at once (a browser's callbacks for one page): one makes it,
    the others wait and get that very frame; another key is made alongside, not queued."""
    import threading
    import time

    wh = _warehouse_file(tmp_path)
    started, release = threading.Event(), threading.Event()
    made: list[str] = []

    def slow() -> pd.DataFrame:
        made.append("day")
        started.set()
        assert release.wait(timeout=10)
        return pd.DataFrame({"n": [1, 2]})

    got: list[pd.DataFrame] = []
    threads = [threading.Thread(target=lambda: got.append(wh.cached(("day",), slow)))]
    threads[0].start()
    assert started.wait(timeout=10)
    threads += [
        threading.Thread(target=lambda: got.append(wh.cached(("day",), slow))) for _ in range(3)
    ]
    for t in threads[1:]:
        t.start()
    other = wh.cached(("other",), lambda: made.append("other") or pd.DataFrame({"n": [3]}))
    assert list(other["n"]) == [3]  # not held up by the day being made
    time.sleep(0.3)  # the three are waiting by now (had they not asked yet, they'd read it kept)
    release.set()
    for t in threads:
        t.join(timeout=10)
    assert made == ["day", "other"]
    assert len(got) == 4 and all(g is got[0] for g in got)
    assert wh.cached(("day",), slow) is got[0]  # and kept


def test_when_the_maker_fails_a_waiting_thread_makes_it_itself(tmp_path):
    import threading

    wh = _warehouse_file(tmp_path)
    started, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def failing() -> pd.DataFrame:
        started.set()
        assert release.wait(timeout=10)
        raise RuntimeError("the query failed")

    def first() -> None:
        try:
            wh.cached(("day",), failing)
        except RuntimeError as exc:
            errors.append(exc)

    maker = threading.Thread(target=first)
    maker.start()
    assert started.wait(timeout=10)
    got: list[pd.DataFrame] = []
    waiter = threading.Thread(
        target=lambda: got.append(wh.cached(("day",), lambda: pd.DataFrame({"n": [7]})))
    )
    waiter.start()
    release.set()
    maker.join(timeout=10)
    waiter.join(timeout=10)
    assert [str(e) for e in errors] == ["the query failed"]
    assert list(got[0]["n"]) == [7]
    assert not wh._making  # nothing left marked as being made


def test_the_warehouse_connection_holds_duckdb_to_duckdb_mb_and_spills_past_it(load_rows, db):
    """``duckdb_mb`` bounds the process's DuckDB (its blocks and its queries' memory); a query
    needing more (a sort of about 200 MB under 64 MB) still answers, spilling to a folder only
    this process can read. Every connection to the file in the process shares the bound."""
    import os
    import stat

    import duckdb

    from dashboard.data import Warehouse, _spill_dir

    load_rows(investigations=[{"investigation_id": "CP1", "opened_at": "2018-06-01 10:00"}])
    wh = Warehouse(db, duckdb_mb=64)
    with wh.cursor() as cur:
        limit, spill = cur.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()[0]
        sorted_rows = cur.execute(
            "SELECT count(*), max(k) FROM (SELECT md5(range::VARCHAR) AS k, range AS n "
            "FROM range(4000000) ORDER BY k, n)"
        ).fetchall()[0]
    assert limit.endswith("MiB") and float(limit.split()[0]) < 64
    assert spill == str(_spill_dir())
    assert stat.S_IMODE(os.stat(spill).st_mode) == 0o700
    assert sorted_rows[0] == 4_000_000
    other = duckdb.connect(str(db), read_only=True)  # the same database, the same bound
    assert other.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == limit
    other.close()


def test_the_quality_window_is_the_setting_and_its_titles_say_it(tmp_path, monkeypatch):
    """quality_window_days (90) to the as-of day, 30/06: an entry on 01/04 (90 days before)
    is outside, one on 02/04 inside; with 30 days, 31/05 is outside and 01/06 inside. The
    tables' titles say the window the running settings hold."""
    from dashboard.panels import discover
    from etl.load import load
    from etl.settings import Settings
    from etl.testing import write_extracts

    case = {"investigation_id": "CP1", "opened_at": "2018-03-01 10:00", "team": "West CP",
            "team_type": "child_protection"}  # fmt: skip
    note = "Risk reviewed; plan agreed; actions set; next review in 28 days."
    days = ["2018-04-01", "2018-04-02", "2018-05-31", "2018-06-01", "2018-06-30"]
    entries = [
        {"review_id": f"R{i}", "investigation_id": "CP1", "reviewed_at": f"{day} 10:00",
         "reviewer_id": "DS1", "reviewer_rank": "DS", "actions_set": "2", "note": note}
        for i, day in enumerate(days)
    ]  # fmt: skip
    db = tmp_path / "w.duckdb"
    load(write_extracts(tmp_path / "x", investigations=[case], supervision=entries), db,
         Settings(), extracted_on=DAY)  # fmt: skip
    use_warehouse(monkeypatch, db)
    running = data.settings()
    titles = {p.id: p for p in discover().values() if p.id.startswith("quality-")}
    for window, counted in ((None, ["R1", "R2", "R3", "R4"]), (30, ["R3", "R4"])):
        s = running if window is None else running.model_copy(update={"quality_window_days": 30})
        monkeypatch.setattr(data, "settings", lambda s=s: s)
        chosen = Filters(as_of=DAY, areas=["West"])
        teams = data.quality(WEST, chosen, by="team")
        assert teams.set_index("team").loc["West CP", "entries"] == len(counted)
        assert sorted(data.quality_entries(WEST, chosen)["review_id"]) == counted
        shown = f"(last {s.quality_window_days} days)"
        assert titles["quality-teams"].heading(s) == f"By team {shown}"
        assert titles["quality-supervisors"].heading(s) == f"By supervisor {shown}"
        assert titles["quality-entries"].heading(s) == f"Entries {shown}"
