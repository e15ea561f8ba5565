"""Each flag's edges, on a real warehouse loaded by the real loader."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from etl.flags import flags
from etl.settings import Settings


def flag_rows(db, settings, as_of: date) -> dict[tuple[str, str], dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        df = flags(con, settings, as_of)
    finally:
        con.close()
    return {(r["investigation_id"], r["flag"]): r for r in df.to_dict("records")}


def specialist(case_id="CP1", opened="2018-06-01 10:00", **extra) -> dict:
    return {
        "investigation_id": case_id,
        "opened_at": opened,
        "team": "West CP 1",
        "team_type": "child_protection",
        **extra,
    }


def review(review_id, case_id, at, rank="DS") -> dict:
    return {
        "review_id": review_id,
        "investigation_id": case_id,
        "reviewed_at": at,
        "reviewer_rank": rank,
    }


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2018, 6, 1), None),  # opening day: 0 days, nothing due
        (date(2018, 6, 22), None),  # 21 days
        (date(2018, 6, 23), ("ds_review_due_soon", 22)),
        (date(2018, 6, 29), ("ds_review_due_soon", 28)),
        (date(2018, 6, 30), ("ds_review_overdue", 29)),
    ],
)
def test_28_day_rule_counts_from_opening_when_never_reviewed(
    load_rows, db, settings, as_of, expected
):
    load_rows(investigations=[specialist()])
    rows = flag_rows(db, settings, as_of)
    ds = {flag: r for (cid, flag), r in rows.items() if flag.startswith("ds_review")}
    if expected is None:
        assert ds == {}
    else:
        flag, days = expected
        assert list(ds) == [flag]
        assert ds[flag]["days"] == days
        assert ds[flag]["reasons"] == "no_ds_review_since_opening"


def test_28_day_rule_counts_from_last_ds_review(load_rows, db, settings):
    load_rows(
        investigations=[specialist()],
        supervision=[review("R1", "CP1", "2018-06-10 15:00"), review("R2", "CP1", "2018-07-01")],
    )
    # 28 days after the 1 July review: due soon; 29: overdue.
    assert flag_rows(db, settings, date(2018, 7, 29))[("CP1", "ds_review_due_soon")]["days"] == 28
    overdue = flag_rows(db, settings, date(2018, 7, 30))[("CP1", "ds_review_overdue")]
    assert overdue["days"] == 29
    assert overdue["reasons"] == "since_last_ds_review"
    assert str(overdue["last_ds_review_on"])[:10] == "2018-07-01"


def test_reviews_after_the_as_of_date_are_ignored(load_rows, db, settings):
    load_rows(investigations=[specialist()], supervision=[review("R1", "CP1", "2018-07-05")])
    # On 30 June the 5 July review has not happened yet.
    assert ("CP1", "ds_review_overdue") in flag_rows(db, settings, date(2018, 6, 30))
    assert ("CP1", "ds_review_overdue") not in flag_rows(db, settings, date(2018, 7, 5))


@pytest.mark.parametrize(
    ("rank", "counts"),
    [
        ("DS", True),
        ("DI", True),
        ("DCI", True),
        ("DSUPT", True),
        ("PS", False),
        ("INSP", False),
        ("CI", False),
        ("SUPT", False),
        ("DC", False),
        ("PC", False),
        ("STAFF", False),
    ],
)
def test_only_detective_sergeant_or_above_satisfies_the_28_day_rule(
    load_rows, db, settings, rank, counts
):
    load_rows(investigations=[specialist()], supervision=[review("R1", "CP1", "2018-06-20", rank)])
    rows = flag_rows(db, settings, date(2018, 7, 10))  # 39 days open, 20 since the entry
    assert (("CP1", "ds_review_overdue") in rows) is not counts


@pytest.mark.parametrize(
    ("rank", "supervised"),
    [
        ("PS", True),
        ("DS", True),
        ("INSP", True),
        ("DI", True),
        ("CI", True),
        ("DCI", True),
        ("SUPT", True),
        ("DSUPT", True),
        ("PC", False),
        ("DC", False),
        ("STAFF", False),
    ],
)
def test_response_child_case_supervision_by_rank(load_rows, db, settings, rank, supervised):
    load_rows(
        investigations=[{"investigation_id": "R1", "victim_age": "9"}],
        supervision=[review("E1", "R1", "2018-06-02", rank)],
    )
    rows = flag_rows(db, settings, date(2018, 6, 10))
    assert (("R1", "response_unsupervised") in rows) is not supervised


def test_response_unsupervised_needs_one_day_open_and_a_child(load_rows, db, settings):
    load_rows(
        investigations=[
            {"investigation_id": "CHILD", "victim_age": "17"},
            {"investigation_id": "ADULT", "victim_age": "18", "suspect_age": "40"},
        ]
    )
    assert ("CHILD", "response_unsupervised") not in flag_rows(db, settings, date(2018, 6, 1))
    rows = flag_rows(db, settings, date(2018, 6, 2))
    assert rows[("CHILD", "response_unsupervised")]["days"] == 1
    assert rows[("CHILD", "response_unsupervised")]["reasons"] == "child_victim"
    assert not any(cid == "ADULT" for cid, _ in rows)


def test_closed_on_the_as_of_date_is_not_open(load_rows, db, settings):
    load_rows(
        investigations=[
            specialist("C1", closed_at="2018-07-10 18:00"),
            specialist("C2", closed_at="2018-07-11 08:00"),
        ]
    )
    rows = flag_rows(db, settings, date(2018, 7, 10))
    assert ("C1", "child_related") not in rows
    assert rows[("C2", "child_related")]["days"] == 39
    assert rows[("C2", "ds_review_overdue")]["days"] == 39


def test_not_yet_opened_is_not_open(load_rows, db, settings):
    load_rows(investigations=[specialist(opened="2018-06-02 00:10")])
    assert flag_rows(db, settings, date(2018, 6, 1)) == {}


def test_utc_review_near_midnight_in_summer_time_counts_on_the_local_day(load_rows, db, settings):
    # 23:30Z on 2 July is 00:30 on 3 July in Lancashire.
    load_rows(
        investigations=[specialist()],
        supervision=[review("R1", "CP1", "2018-07-02T23:30:00Z")],
    )
    assert ("CP1", "ds_review_due_soon") not in flag_rows(db, settings, date(2018, 7, 24))
    rows = flag_rows(db, settings, date(2018, 7, 25))  # 22 days after 3 July
    assert rows[("CP1", "ds_review_due_soon")]["days"] == 22
    # Not yet made on 2 July, local time.
    assert rows[("CP1", "ds_review_due_soon")]["last_ds_review_on"].day == 3
    assert ("CP1", "ds_review_overdue") in flag_rows(db, settings, date(2018, 7, 2))


def test_utc_review_near_midnight_in_winter_stays_on_the_same_day(load_rows, db, settings):
    load_rows(
        investigations=[specialist(opened="2018-01-01 10:00")],
        supervision=[review("R1", "CP1", "2018-01-02T23:30:00Z")],
    )
    rows = flag_rows(db, settings, date(2018, 1, 24))  # 22 days after 2 January
    assert rows[("CP1", "ds_review_due_soon")]["days"] == 22


def test_day_first_dates(load_rows, db, settings):
    load_rows(investigations=[specialist(opened="03/01/2018 10:00")])
    rows = flag_rows(db, settings, date(2018, 1, 31))  # 3 January + 28 days
    assert rows[("CP1", "ds_review_due_soon")]["days"] == 28


def test_every_child_reason_is_listed(load_rows, db, settings):
    load_rows(
        incidents=[{"incident_id": "I1", "child_linked": "yes", "children_present": "2"}],
        investigations=[
            specialist(
                incident_id="I1", victim_age="5", suspect_age="15", child_protection_concern="Y"
            )
        ],
    )
    row = flag_rows(db, settings, date(2018, 6, 5))[("CP1", "child_related")]
    assert row["reasons"] == (
        "child_marker;children_present;child_victim;child_suspect;specialist_team;cp_concern"
    )
    assert row["days"] == 4


def test_no_child_reason_means_no_child_flag(load_rows, db, settings):
    load_rows(
        incidents=[{"incident_id": "I1", "child_linked": "no", "children_present": "0"}],
        investigations=[
            {"investigation_id": "A", "incident_id": "I1", "victim_age": "30", "suspect_age": "40"}
        ],
    )
    assert flag_rows(db, settings, date(2018, 6, 5)) == {}


def test_thresholds_are_settings(load_rows, db):
    aged_16 = {"investigation_id": "R16", "opened_at": "2018-06-01 10:00", "team": "West R 1",
               "team_type": "response", "victim_age": "16", "suspect_age": "40"}  # fmt: skip
    load_rows(investigations=[specialist(), aged_16])
    strict = Settings(review_window_days=14, due_soon_days=3, child_age_under=16)
    rows = flag_rows(db, strict, date(2018, 6, 16))  # 15 days
    assert rows[("CP1", "ds_review_overdue")]["days"] == 15
    assert ("CP1", "ds_review_due_soon") in flag_rows(db, strict, date(2018, 6, 13))  # 12 days
    assert ("CP1", "ds_review_due_soon") not in flag_rows(db, strict, date(2018, 6, 12))
    # A 16-year-old victim is a child under 18 (the default), not under 16.
    default = flag_rows(db, Settings(), date(2018, 6, 16))
    assert default[("R16", "child_related")]["reasons"] == "child_victim"
    assert ("R16", "response_unsupervised") in default
    assert not {flag for case, flag in rows if case == "R16"}


def test_settings_refuse_unknown_ranks():
    with pytest.raises(ValueError, match="unknown ranks"):
        Settings(ds_review_ranks=["DS", "SGT"])


def test_due_on_is_the_last_ds_review_or_opening_plus_the_window(load_rows, db, settings):
    """CP1 opened 01/06, DS review 01/07: due 29/07 (28 days on), whether due soon or overdue;
    CP2 never reviewed: due 28 days from its opening; a response child case: its opening day.
    With a 21-day window CP1 falls due on 22/07."""
    load_rows(
        investigations=[
            specialist(),
            specialist("CP2", "2018-07-05 10:00"),
            {"investigation_id": "R1", "opened_at": "2018-07-20 10:00", "victim_age": "9"},
        ],
        supervision=[review("D1", "CP1", "2018-07-01 09:00")],
    )
    rows = flag_rows(db, settings, date(2018, 7, 30))
    assert str(rows[("CP1", "ds_review_overdue")]["due_on"])[:10] == "2018-07-29"
    assert str(rows[("CP2", "ds_review_due_soon")]["due_on"])[:10] == "2018-08-02"
    assert str(rows[("R1", "response_unsupervised")]["due_on"])[:10] == "2018-07-20"
    assert rows[("R1", "child_related")]["due_on"] is None or str(
        rows[("R1", "child_related")]["due_on"]
    ) in ("NaT", "None")
    shorter = settings.model_copy(update={"review_window_days": 21, "due_soon_days": 5})
    rows = flag_rows(db, shorter, date(2018, 7, 30))
    assert str(rows[("CP1", "ds_review_overdue")]["due_on"])[:10] == "2018-07-22"


def test_flagged_since_is_the_first_day_of_the_flags_run(load_rows, db, settings):
    """CP1 reviewed 01/07: on the list (due soon) from 22 days on, 23/07, and still on it as
    overdue on 30/07; CP2 opened 05/07: from 27/07; the response case from its opening plus the
    minimum days open; a thin DS review: from that review's day. The day before 23/07 CP1 is
    on the list for its review at all."""
    load_rows(
        investigations=[
            specialist(),
            specialist("CP2", "2018-07-05 10:00"),
            {"investigation_id": "R1", "opened_at": "2018-07-20 10:00", "victim_age": "9"},
            specialist("CP3", "2018-07-02 10:00"),
        ],
        supervision=[
            review("D1", "CP1", "2018-07-01 09:00"),
            {**review("D3", "CP3", "2018-07-25 09:00"), "note": "Seen.", "actions_set": "0"},
        ],
    )
    rows = flag_rows(db, settings, date(2018, 7, 30))
    since = {key: str(row["flagged_since"])[:10] for key, row in rows.items()}
    assert settings.due_soon_from_days == 22
    assert since[("CP1", "ds_review_overdue")] == "2018-07-23"
    assert since[("CP2", "ds_review_due_soon")] == "2018-07-27"
    assert since[("CP3", "ds_review_not_substantive")] == "2018-07-25"
    opened = date(2018, 7, 20) + timedelta(days=settings.response_min_days_open)
    assert since[("R1", "response_unsupervised")] == opened.isoformat()
    assert ("CP1", "ds_review_due_soon") in flag_rows(db, settings, date(2018, 7, 23))
    before = flag_rows(db, settings, date(2018, 7, 22))
    assert [flag for case, flag in before if case == "CP1"] == ["child_related"]
