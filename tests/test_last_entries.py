"""Each case's last supervisory entry as runs of days, made at load time (etl/last_entries.py,
etl/sql/last_entry_spans.sql), read back for one day by last_entry_on_day.sql: checked
against last_supervisory_entry.sql (every entry before the day, asked on the spot) on the sample
and its delta, and hand-worked at its edges on real loads."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import daily, last_entries, queries
from etl.load import load
from etl.settings import Settings
from etl.testing import write_extracts

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "small"
AREAS = ["West", "East", "South"]
# The cases flagged to act on on $as_of (every flag but child_related): the only ones the
# Today list asks, and so the only ones the runs answer for.
FLAGGED_ON_DAY = """
SELECT DISTINCT investigation_id FROM flag_spans
WHERE first_day <= ? AND last_day >= ? AND flag <> 'child_related'
"""


def last_entry(
    db: Path, name: str, as_of: date, ids: list[str] | None = None, areas: list[str] = AREAS
) -> pd.DataFrame:
    """``name``'s rows (last_entry_on_day or last_supervisory_entry) for the cases ``ids``
    (default: every case flagged to act on on the day), by case."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        if ids is None:
            ids = [r[0] for r in con.execute(FLAGGED_ON_DAY, [as_of, as_of]).fetchall()]
        text = queries.with_includes(queries.sql(name))
        values = queries.params(text, Settings(), as_of=as_of, areas=areas,
                                investigation_ids=sorted(ids))  # fmt: skip
        df = con.execute(text, values).df()
    finally:
        con.close()
    return df.sort_values("investigation_id").reset_index(drop=True)


def runs_made_again_whole(db: Path) -> tuple[int, int]:
    """Rows of the table the load left that the rule over every case does not give, and the
    reverse: (0, 0) when an incremental build gave what a whole one gives."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        text = queries.sql(last_entries.RULE)
        values = queries.params(text, Settings(), investigation_ids=None)
        table = f"SELECT * FROM {last_entries.TABLE}"
        only = "SELECT count(*) FROM (SELECT * FROM ({}) EXCEPT ALL SELECT * FROM ({}))"
        a, b = (
            con.execute(only.format(x, y), values).fetchall()[0][0]
            for x, y in ((table, text), (text, table))
        )
        return a, b
    finally:
        con.close()


def test_the_runs_name_what_every_entry_before_the_day_names_on_the_sample_and_its_delta(
    tmp_path,
):
    """On days across the sample's history and into the week past it, for every case flagged
    to act on on the day, all areas and one: the runs give the entry the query over every
    earlier entry gives. The delta (versions changed, entries back-dated) makes the runs of its
    changed cases only, and the table is then what the rule over every case gives."""
    db = tmp_path / "w.duckdb"
    said: list[str] = []
    load(SAMPLE, db, Settings())
    load(SAMPLE / "delta", db, Settings(), progress=said.append)
    assert any("runs of" in m and "changed or newly flagged case(s)" in m for m in said), said
    assert runs_made_again_whole(db) == (0, 0)
    con = duckdb.connect(str(db), read_only=True)
    first, last = con.execute("SELECT min(opened_on), max(opened_on) FROM case_facts").fetchall()[0]
    con.close()
    compared = 0
    for as_of in [first + (last - first) * k // 16 for k in range(1, 17)] + [last + timedelta(3)]:
        for areas in (AREAS, ["East"]):
            got = last_entry(db, "last_entry_on_day", as_of, areas=areas)
            want = last_entry(db, "last_supervisory_entry", as_of, areas=areas)
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
            compared += len(got)
    assert compared > 300  # real rows, not empty frames compared


def case(**extra) -> dict:
    return {"investigation_id": "CP1", "opened_at": "2018-06-01 10:00", "team": "West CP",
            "team_type": "child_protection", **extra}  # fmt: skip


def entry(review_id: str, at: str, rank: str = "DS", who: str = "DS1") -> dict:
    return {"review_id": review_id, "investigation_id": "CP1", "reviewed_at": at,
            "reviewer_id": who, "reviewer_rank": rank, "note": "Seen."}  # fmt: skip


def who_on(db: Path, as_of: date, name: str = "last_entry_on_day") -> str | None:
    df = last_entry(db, name, as_of, ids=["CP1"])
    return None if df.empty else f"{df['last_reviewer'][0]}@{df['last_at'][0]:%d/%m %H:%M}"


def test_an_entry_is_the_last_from_its_day_until_the_next_days_entry(tmp_path):
    """DS1 on 5 June; PS2 at 09:00 and DS3 at 17:00 on 12 June; a PC on 20 June (not a
    supervisor rank). As of 4 June nothing; 5-11 June DS1; from 12 June DS3 (the later of the
    day, never PS2); the PC's entry changes nothing."""
    db = tmp_path / "w.duckdb"
    load(write_extracts(tmp_path / "x", investigations=[case()], supervision=[
        entry("R1", "2018-06-05 10:00"), entry("R3", "2018-06-12 17:00", who="DS3"),
        entry("R2", "2018-06-12 09:00", rank="PS", who="PS2"),
        entry("R4", "2018-06-20 10:00", rank="PC", who="PC4"),
    ]), db, Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip
    expected = {
        date(2018, 6, 4): None, date(2018, 6, 5): "DS1@05/06 10:00",
        date(2018, 6, 11): "DS1@05/06 10:00", date(2018, 6, 12): "DS3@12/06 17:00",
        date(2018, 6, 25): "DS3@12/06 17:00", date(2018, 7, 30): "DS3@12/06 17:00",
    }  # fmt: skip
    for day, want in expected.items():
        assert (who_on(db, day), who_on(db, day, "last_supervisory_entry")) == (want, want), day


def test_a_case_closed_has_no_run_from_its_closing_day(tmp_path):
    """CP1 opens on 1 May, DS1 reviews it on 5 May (due soon from 26 May: flagged) and it
    closes at 08:00 on 20 June: open on 19 June (DS1 named), closed on 20 June, when the runs
    hold nothing for it (the list asks only open cases; the query over every entry would still
    name DS1)."""
    db = tmp_path / "w.duckdb"
    opened = case(opened_at="2018-05-01 10:00", closed_at="2018-06-20 08:00")
    load(write_extracts(tmp_path / "x", investigations=[opened],
                        supervision=[entry("R1", "2018-05-05 10:00")]),
         db, Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip
    assert who_on(db, date(2018, 6, 19)) == "DS1@05/05 10:00"
    assert who_on(db, date(2018, 6, 20)) is None
    assert who_on(db, date(2018, 6, 20), "last_supervisory_entry") == "DS1@05/05 10:00"


def test_a_case_first_flagged_in_a_loads_new_days_gets_its_runs(tmp_path):
    """CP1's DS review on 20 June falls due soon on 11 July: not flagged by the 30 June load
    (its flags run to 7 July); the 20 July load changes another case only, and CP1, flagged
    in the new days though unchanged, gets its runs, as a whole build would give them."""
    db = tmp_path / "w.duckdb"
    other = case(investigation_id="CP2")
    load(write_extracts(tmp_path / "a", investigations=[case(), other],
                        supervision=[entry("R1", "2018-06-20 10:00")]),
         db, Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip
    assert last_entry(db, "last_entry_on_day", date(2018, 7, 5), ids=["CP1"]).empty
    load(write_extracts(tmp_path / "b", investigations=[{**other, "team": "West CP 2"}]),
         db, Settings(), extracted_on=date(2018, 7, 20))  # fmt: skip
    assert who_on(db, date(2018, 7, 15)) == "DS1@20/06 10:00"
    assert runs_made_again_whole(db) == (0, 0)


def test_a_new_version_reads_the_older_entries_from_the_day_it_is_valid(tmp_path):
    """DS1 reviews on 5 June; the extract of 10 July moves CP1 to West CID, and DS2 reviews on
    8 July (known from that load). Up to 7 July the first version names DS1; from 8 July DS2;
    the new version (valid from the extract's day or before) never names an entry it cannot
    read, and a run of the old version ends the day before it."""
    db = tmp_path / "w.duckdb"
    load(write_extracts(tmp_path / "a", investigations=[case()],
                        supervision=[entry("R1", "2018-06-05 10:00")]),
         db, Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip
    load(write_extracts(tmp_path / "b", investigations=[case(team="West CID", team_type="cid")],
                        supervision=[entry("R2", "2018-07-08 10:00", who="DS2")]),
         db, Settings(), extracted_on=date(2018, 7, 10))  # fmt: skip
    for day in [date(2018, 6, 20), date(2018, 7, 1), date(2018, 7, 7), date(2018, 7, 8),
                date(2018, 7, 9), date(2018, 7, 12)]:  # fmt: skip
        assert who_on(db, day) == who_on(db, day, "last_supervisory_entry"), day
    assert who_on(db, date(2018, 7, 12)) == "DS2@08/07 10:00"
    assert runs_made_again_whole(db) == (0, 0)


def test_two_entries_at_one_instant_name_the_greater_review_id_whole(tmp_path):
    """Two entries on 20 June at 10:00 (R2 by DS1, R1 by DI9): the runs name R2's reviewer,
    rank and grade together, as the query over every entry does."""
    db = tmp_path / "w.duckdb"
    rich = {**entry("R1", "2018-06-20 10:00", rank="DI", who="DI9"),
            "note": "Risk assessed: child safe at home. Actions: ABE interview by 25/06. "
                    "Plan: strategy meeting. Next review 18/07."}  # fmt: skip
    load(write_extracts(tmp_path / "x", investigations=[case()],
                        supervision=[entry("R2", "2018-06-20 10:00"), rich]),
         db, Settings(), extracted_on=date(2018, 7, 31))  # fmt: skip
    got = last_entry(db, "last_entry_on_day", date(2018, 6, 25), ids=["CP1"])
    want = last_entry(db, "last_supervisory_entry", date(2018, 6, 25), ids=["CP1"])
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert (got["last_reviewer"][0], got["last_rank"][0]) == ("DS1", "DS")


@pytest.mark.parametrize("ranks, hold", [(None, True), (["DS", "DI"], False)])
def test_the_runs_are_read_only_with_the_settings_they_were_made_with(tmp_path, ranks, hold):
    """A warehouse made with the default supervisor ranks answers, for them, the days its
    flags were made for; for other ranks none (the list then asks every entry before the
    day)."""
    db = tmp_path / "w.duckdb"
    load(write_extracts(tmp_path / "x", investigations=[case()],
                        supervision=[entry("R1", "2018-06-05 10:00")]),
         db, Settings(), extracted_on=date(2018, 6, 30))  # fmt: skip
    asked = Settings() if ranks is None else Settings(supervisor_ranks=ranks)
    with duckdb.connect(str(db), read_only=True) as con:
        flags_through = daily.through(con, Settings())
        assert last_entries.through(con, asked) == (flags_through if hold else None)
    assert flags_through == date(2018, 7, 7)


def test_the_today_list_asks_every_entry_when_the_runs_were_made_with_other_ranks(
    dash_app, monkeypatch
):
    """With supervisor_ranks narrowed to inspector and above (the runs were made with PS and DS),
    the list's last supervisory entry is what last_supervisory_entry.sql gives with those ranks,
    case by case, not what the runs hold."""
    from dashboard import data
    from dashboard.scope import Filters, Scope

    force = Scope("force", "force", ("West", "East", "South"))
    day = date(2018, 6, 28)
    before = data.action_list(force, Filters(as_of=day))
    ranks = [r for r in data.settings().supervisor_ranks if r not in ("PS", "DS")]
    narrow = data.settings().model_copy(update={"supervisor_ranks": ranks})
    monkeypatch.setattr(data, "settings", lambda: narrow)
    got = data.action_list(force, Filters(as_of=day)).drop_duplicates("investigation_id")
    text = queries.sql("last_supervisory_entry")
    want = data.warehouse().df(text, queries.params(
        text, narrow, as_of=day, areas=list(force.areas),
        investigation_ids=sorted(got["investigation_id"]),
    )).set_index("investigation_id")  # fmt: skip
    shown = dict(zip(got["investigation_id"], got["last_by"], strict=True))
    expected = {
        i: f"{want['last_reviewer'][i]} ({want['last_rank'][i]})" if i in want.index else "none"
        for i in shown
    }
    assert shown == expected
    assert set(before["last_by"]) != set(got["last_by"])  # a DS's entry was last somewhere
