"""Every bad row is quarantined with its file, line, id and a stable reason; nothing is lost."""

from __future__ import annotations

import pytest

from etl.contract import Reason


def rejects(query) -> dict[tuple[str, int], tuple]:
    rows = query("SELECT source, line, record_id, reason, detail FROM quarantine")
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


@pytest.mark.parametrize(
    ("row", "reason", "detail_part"),
    [
        ({"reported_at": "31/02/2018 10:00"}, Reason.BAD_TIMESTAMP, "'31/02/2018 10:00'"),
        ({"reported_at": "12/25/2018 10:00"}, Reason.BAD_TIMESTAMP, "12/25/2018"),
        ({"reported_at": "03/01/18 10:00"}, Reason.BAD_TIMESTAMP, "years 1990-2100"),
        ({"reported_at": ""}, Reason.MISSING_REQUIRED, "reported_at is empty"),
        ({"area": "  "}, Reason.MISSING_REQUIRED, "area is empty"),
        ({"area": "North"}, Reason.UNKNOWN_ENUM, "'North' is not one of West, East, South"),
        ({"children_present": "two"}, Reason.BAD_NUMBER, "'two' is not a whole number"),
        ({"children_present": "1.5"}, Reason.BAD_NUMBER, "'1.5'"),
        ({"children_present": "-1"}, Reason.OUT_OF_RANGE, "must be 0 or more"),
        ({"child_linked": "maybe"}, Reason.BAD_BOOLEAN, "'maybe'"),
    ],
)
def test_incident_reasons(load_rows, query, row, reason, detail_part):
    result = load_rows(incidents=[{"incident_id": "OK"}, {"incident_id": "BAD", **row}])
    got = rejects(query)
    assert list(got) == [("incidents.csv", 3)]
    record_id, got_reason, detail = got[("incidents.csv", 3)]
    assert (record_id, got_reason) == ("BAD", reason.value)
    assert detail_part in detail
    assert result.files[0].loaded == 1 and result.files[0].quarantined == 1


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"opened_at": "tbc"}, Reason.BAD_TIMESTAMP),
        ({"closed_at": "2018-05-31 23:59"}, Reason.CLOSED_BEFORE_OPENED),
        ({"team_type": "Child Protection Unit"}, Reason.UNKNOWN_ENUM),
        ({"team": ""}, Reason.MISSING_REQUIRED),
        ({"victim_age": "121"}, Reason.OUT_OF_RANGE),
        ({"suspect_age": "12yrs"}, Reason.BAD_NUMBER),
        ({"child_protection_concern": "perhaps"}, Reason.BAD_BOOLEAN),
    ],
)
def test_investigation_reasons(load_rows, query, row, reason):
    load_rows(investigations=[{"investigation_id": "BAD", **row}])
    assert [r[:2] for r in rejects(query).values()] == [("BAD", reason.value)]


def test_investigation_edges_that_are_fine(load_rows, query):
    load_rows(
        investigations=[
            {"investigation_id": "A", "victim_age": "0", "suspect_age": "120"},
            {"investigation_id": "B", "closed_at": "2018-06-01 10:00"},  # closed as it opened
            {"investigation_id": "C", "team_type": "  CHILD_Protection "},
        ]
    )
    assert rejects(query) == {}
    assert query("SELECT team_type FROM investigations WHERE investigation_id = 'C'") == [
        ("child_protection",)
    ]


def test_review_reasons(load_rows, query):
    load_rows(
        investigations=[
            {"investigation_id": "OK", "opened_at": "2018-06-01 10:00"},
            {"investigation_id": "BROKEN", "opened_at": "not a date"},
        ],
        supervision=[
            {"review_id": "R1", "investigation_id": "OK", "reviewed_at": "2018-06-01 09:59"},
            {"review_id": "R2", "investigation_id": "NOPE"},
            {"review_id": "R3", "investigation_id": "BROKEN"},
            {"review_id": "R4", "investigation_id": "OK", "reviewer_rank": "Sgt"},
            {"review_id": "R5", "investigation_id": "OK", "reviewer_id": ""},
            {"review_id": "R6", "investigation_id": "OK", "actions_set": "-2"},
            {"review_id": "R7", "investigation_id": "OK", "reviewed_at": "2018-06-01 10:00"},
            {"review_id": "", "investigation_id": "OK"},
        ],
    )
    got = {k: v[:2] for k, v in rejects(query).items() if k[0] == "supervision.csv"}
    assert got == {
        ("supervision.csv", 2): ("R1", "review_before_opened"),
        ("supervision.csv", 3): ("R2", "unknown_investigation"),
        ("supervision.csv", 4): ("R3", "unknown_investigation"),
        ("supervision.csv", 5): ("R4", "unknown_enum"),
        ("supervision.csv", 6): ("R5", "missing_required"),
        ("supervision.csv", 7): ("R6", "out_of_range"),
        ("supervision.csv", 9): (None, "missing_required"),
    }
    detail = rejects(query)[("supervision.csv", 4)][2]
    assert "its own row was quarantined" in detail
    assert "investigations.csv line 3: bad_timestamp" in detail
    assert "is not in the warehouse" in rejects(query)[("supervision.csv", 3)][2]
    assert query("SELECT review_id FROM supervision") == [("R7",)]


def test_a_review_can_name_a_case_loaded_earlier(load_rows, query):
    load_rows(investigations=[{"investigation_id": "A"}])
    result = load_rows(supervision=[{"review_id": "R1", "investigation_id": "A"}])
    assert result.files[2].loaded == 1
    assert query("SELECT count(*) FROM quarantine") == [(0,)]


def test_a_case_quarantined_in_an_earlier_load_is_named(load_rows, query):
    load_rows(investigations=[{"investigation_id": "A", "team_type": "PPU"}])
    load_rows(supervision=[{"review_id": "R1", "investigation_id": "A"}])
    detail = dict(query("SELECT record_id, detail FROM quarantine"))["R1"]
    assert "its own row was quarantined (investigations.csv line 2: unknown_enum)" in detail


def test_every_problem_of_a_row_is_in_the_detail(load_rows, query):
    load_rows(investigations=[{"investigation_id": "A", "area": "Mars", "victim_age": "x"}])
    ((reason, detail),) = query("SELECT reason, detail FROM quarantine")
    assert reason == "unknown_enum"
    assert "area 'Mars'" in detail and "victim_age 'x'" in detail


def test_exact_duplicates_collapse_and_are_counted(load_rows, query):
    row = {"incident_id": "I1", "area": "East"}
    result = load_rows(incidents=[row, row, {"incident_id": "I2"}, row])
    inc = result.files[0]
    assert (inc.rows_read, inc.loaded, inc.duplicates, inc.quarantined) == (4, 2, 2, 0)
    assert query("SELECT count(*) FROM incidents") == [(2,)]
    stored = query("SELECT rows_read, loaded, duplicates, quarantined FROM load_log")
    assert stored[0] == (4, 2, 2, 0)


def test_copies_differing_only_in_spacing_or_case_are_exact_copies(load_rows, query):
    """Surrounding spaces and the case of an area or enumeration are not read (README): two
    such rows are one record, counted as a duplicate, not a duplicate_id quarantined "with
    different values" (an adversarial pass). A real difference still is."""
    result = load_rows(
        investigations=[
            {"investigation_id": "W1", "team": "West CP 1", "area": "West"},
            {"investigation_id": "W1", "team": " West CP 1 ", "area": "west"},
            {"investigation_id": "W2", "team": "West CP 1", "area": "West"},
            {"investigation_id": "W2", "team": "West CP 2", "area": "WEST"},
        ],
        custody=[
            {"custody_id": "K1", "area": "West", "detained_at": "2018-06-02 10:00"},
            {"custody_id": "K1", "area": "WEST", "detained_at": "2018-06-02 10:00 "},
        ],
    )
    files = {f.file: f for f in result.files}
    inv, cus = files["investigations.csv"], files["custody.csv"]
    assert (inv.rows_read, inv.loaded, inv.duplicates, inv.quarantined) == (4, 2, 1, 1)
    assert (cus.rows_read, cus.loaded, cus.duplicates, cus.quarantined) == (2, 1, 1, 0)
    assert query("SELECT record_id, reason FROM quarantine") == [("W2", "duplicate_id")]
    assert query("SELECT investigation_id, team FROM investigations ORDER BY 1") == [
        ("W1", "West CP 1"), ("W2", "West CP 2")
    ]  # fmt: skip


def test_same_id_different_values_keeps_the_later_row(load_rows, query):
    result = load_rows(
        incidents=[
            {"incident_id": "I1", "area": "East"},
            {"incident_id": "I1", "area": "West"},
        ]
    )
    assert query("SELECT area FROM incidents") == [("West",)]
    assert rejects(query)[("incidents.csv", 2)][:2] == ("I1", "duplicate_id")
    assert "line 3" in rejects(query)[("incidents.csv", 2)][2]
    assert result.files[0].quarantined == 1


def test_accounting_holds_for_every_file_and_is_logged(load_rows, query):
    load_rows(
        incidents=[{"incident_id": "I1"}, {"incident_id": "I1"}, {"incident_id": "X", "area": ""}],
        investigations=[{"investigation_id": "A"}, {"investigation_id": "B", "team": ""}],
        supervision=[{"review_id": "R1", "investigation_id": "B"}],
    )
    for read, loaded, dups, quarantined in query(
        "SELECT rows_read, loaded, duplicates, quarantined FROM load_log"
    ):
        assert read == loaded + dups + quarantined
    assert query("SELECT sum(quarantined) FROM load_log") == [(3,)]
    assert query("SELECT count(*) FROM quarantine") == [(3,)]


def test_reloading_the_same_bad_rows_adds_no_quarantine_rows(load_rows, query):
    bad = {"incident_id": "X", "area": ""}
    load_rows(incidents=[bad])
    load_rows(incidents=[bad])
    assert query("SELECT count(*), min(first_load_id), max(load_id) FROM quarantine") == [(1, 1, 2)]
