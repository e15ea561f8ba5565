"""Helpers to write small extracts in tests (ours and an analyst's): give only the columns that
matter to the test; every other required column gets a valid default.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from etl.contract import ALL_EXTRACTS

DEFAULTS = {
    "incidents": {
        "reported_at": "2018-06-01 09:00",
        "area": "West",
        "incident_type": "domestic",
        "child_linked": "",
        "children_present": "",
    },
    "investigations": {
        "incident_id": "",
        "opened_at": "2018-06-01 10:00",
        "closed_at": "",
        "area": "West",
        "team": "West Response 1",
        "team_type": "response",
        "officer_id": "PC1001",
        "offence": "common assault",
        "victim_age": "",
        "suspect_age": "",
        "child_protection_concern": "",
    },
    "supervision": {
        "reviewed_at": "2018-06-02 10:00",
        "reviewer_id": "DS2001",
        "reviewer_rank": "DS",
        "review_type": "supervisor review",
        "actions_set": "1",
        "note": "Reviewed.",
    },
    "custody": {"area": "West", "detained_at": "2018-06-01 10:00", "child_age": "15"},
    "missing": {
        "person_ref": "P-1",
        "area": "West",
        "reported_at": "2018-06-01 10:00",
        "child_age": "14",
    },
}


def write_extracts(
    folder: Path,
    incidents: Iterable[dict] = (),
    investigations: Iterable[dict] = (),
    supervision: Iterable[dict] = (),
    encoding: str = "utf-8",
    custody: Iterable[dict] | None = None,
    missing: Iterable[dict] | None = None,
) -> Path:
    """Write the three extract files (all of them, header-only when given no rows), and the
    optional ones (custody, missing) when given. A column that switches a check on
    (``Column.enables``) is written only when a row gives it: absent, its check is off."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    given = {
        "incidents": incidents, "investigations": investigations, "supervision": supervision,
        "custody": custody, "missing": missing,
    }  # fmt: skip
    for ex in ALL_EXTRACTS:
        rows = given[ex.name]
        if rows is None:
            continue
        rows = list(rows)
        names = [
            c.name for c in ex.columns
            if not c.enables or any(c.name in row for row in rows)
        ]  # fmt: skip
        with (folder / ex.file).open("w", newline="", encoding=encoding) as fh:
            writer = csv.DictWriter(fh, fieldnames=names)
            writer.writeheader()
            for row in rows:
                writer.writerow({**DEFAULTS.get(ex.name, {}), **row})
    return folder


# A small warehouse with known answers, used by the dashboard, panel and browser tests (and
# by anyone adding a panel). As of FIXTURE_DAY (30/06/2018):
#   West:  W-OVERDUE (overdue 60), W-NEW (overdue 29; due soon the day before), W-DUE (due soon
#          25), W-RESP (response, never supervised, 10 days), W-OK (child-related only)
#   East:  E-OVERDUE (overdue 60 since a DS review on 01/05), E-RESP (never supervised, 2 days)
#   South: S-DUE (due soon 27), S-ADULT (no flags)
# plus one quarantined row per area.
FIXTURE_DAY = "2018-06-30"
FIXTURE = {
    "incidents": [
        {"incident_id": "I-W1", "area": "West", "child_linked": "yes", "children_present": "2"},
        {"incident_id": "I-E1", "area": "East", "reported_at": "2018-04-01 08:00"},
        {"incident_id": "I-BAD", "area": "South", "reported_at": "not a date"},
    ],
    "investigations": [
        {"investigation_id": "W-OVERDUE", "incident_id": "I-W1", "opened_at": "2018-05-01 09:00",
         "team": "West CP 1", "team_type": "child_protection", "officer_id": "DC11"},
        {"investigation_id": "W-NEW", "opened_at": "2018-06-01 09:00", "team": "West CSE",
         "team_type": "cse", "officer_id": "DC12"},
        {"investigation_id": "W-DUE", "opened_at": "2018-06-05 09:00", "team": "West CSE",
         "team_type": "cse", "officer_id": "DC12"},
        {"investigation_id": "W-RESP", "opened_at": "2018-06-20 22:00", "team": "West Resp 1",
         "team_type": "response", "officer_id": "PC13", "victim_age": "10"},
        {"investigation_id": "W-OK", "opened_at": "2018-06-01 09:00", "team": "West CP 1",
         "team_type": "child_protection", "officer_id": "DC11"},
        {"investigation_id": "E-OVERDUE", "incident_id": "I-E1", "area": "East",
         "opened_at": "2018-04-01 09:00", "team": "East CP 1", "team_type": "child_protection",
         "officer_id": "DC21"},
        {"investigation_id": "E-RESP", "area": "East", "opened_at": "2018-06-28 10:00",
         "team": "East Resp 1", "team_type": "response", "officer_id": "PC22",
         "suspect_age": "15"},
        {"investigation_id": "S-DUE", "area": "South", "opened_at": "2018-06-03 09:00",
         "team": "South OCA", "team_type": "online_child_abuse", "officer_id": "DC31"},
        {"investigation_id": "S-ADULT", "area": "South", "opened_at": "2018-06-03 09:00",
         "team": "South Resp 1", "team_type": "response", "officer_id": "PC32",
         "victim_age": "40", "suspect_age": "50"},
        {"investigation_id": "E-BAD", "area": "East", "opened_at": "2018-06-01",
         "team": "East CP 1", "team_type": "Child Protection Unit"},
    ],
    "supervision": [
        {"review_id": "R-W1", "investigation_id": "W-OVERDUE", "reviewed_at": "2018-05-03 10:00",
         "reviewer_id": "PC13", "reviewer_rank": "PC", "actions_set": "0", "note": "Seen."},
        {"review_id": "R-W2", "investigation_id": "W-OK", "reviewed_at": "2018-06-25 10:00",
         "reviewer_id": "DS14", "reviewer_rank": "DS", "actions_set": "3",
         "note": "Plan agreed: ABE interview, strategy meeting, MASH referral checked."},
        {"review_id": "R-W3", "investigation_id": "W-RESP", "reviewed_at": "2018-06-21 10:00",
         "reviewer_id": "PC13", "reviewer_rank": "PC", "actions_set": "1", "note": "Update."},
        {"review_id": "R-E1", "investigation_id": "E-OVERDUE", "reviewed_at": "2018-04-20 10:00",
         "reviewer_id": "DS24", "reviewer_rank": "DS", "actions_set": "2", "note": "Reviewed."},
        {"review_id": "R-E2", "investigation_id": "E-OVERDUE",
         "reviewed_at": "2018-05-01T09:30:00+01:00", "reviewer_id": "DS24",
         "reviewer_rank": "DS", "actions_set": "1", "note": "Reviewed again."},
        {"review_id": "R-E3", "investigation_id": "E-OVERDUE", "reviewed_at": "2018-06-10 10:00",
         "reviewer_id": "DC21", "reviewer_rank": "DC", "actions_set": "0", "note": "Chased."},
        {"review_id": "R-EBAD", "investigation_id": "E-OVERDUE", "reviewer_rank": "Sgt"},
    ],
    # The optional extracts (issue 17): one child in custody per area West and East, missing
    # episodes in each area (a South child three times: a repeat pattern).
    "custody": [
        {"custody_id": "K-W1", "investigation_id": "W-NEW", "area": "West",
         "detained_at": "2018-06-28 18:00", "charged_at": "2018-06-28 21:00",
         "bail_refused": "yes", "accommodation_requested_at": "2018-06-28 23:30",
         "accommodation_outcome": "not_available", "certificate_completed": "no",
         "released_at": "2018-06-29 10:00"},
        {"custody_id": "K-E1", "area": "East", "detained_at": "2018-06-27 10:00",
         "charged_at": "2018-06-27 14:00", "bail_refused": "yes",
         "accommodation_requested_at": "2018-06-27 14:30", "accommodation_outcome": "secured",
         "released_at": "2018-06-27 18:00"},
    ],
    "missing": [
        {"episode_id": "M-W1", "person_ref": "P-W1", "area": "West",
         "reported_at": "2018-06-27 20:00", "risk_category": "absent",
         "returned_at": "2018-06-28 08:00"},
        {"episode_id": "M-E1", "person_ref": "P-E1", "area": "East",
         "reported_at": "2018-06-19 20:00", "risk_category": "medium",
         "returned_at": "2018-06-20 10:00"},
        *[{"episode_id": f"M-S{n}", "person_ref": "P-S1", "area": "South",
           "reported_at": f"2018-06-{day} 21:00", "risk_category": "low",
           "returned_at": f"2018-06-{day + 1} 09:00",
           "return_interview_offered_at": f"2018-06-{day + 2} 12:00"}
          for n, day in ((1, 2), (2, 12), (3, 22))],
    ],
}  # fmt: skip
# The optional investigation columns on a few fixture cases (a separate list: tests that build
# their own extracts from FIXTURE's investigations keep the columns off).
FIXTURE_CASE_COLUMNS = {
    "W-NEW": {"suspect_status": "rui", "cawn_issued": "yes", "online": "no",
              "allocated_at": "2018-06-01 12:00", "plan_recorded_at": "2018-06-04 10:00"},
    "W-DUE": {"suspect_status": "bailed", "bail_until": "2018-07-02 12:00", "online": "yes"},
    "E-OVERDUE": {"suspect_status": "bailed", "bail_until": "2018-06-29 12:00",
                  "allocated_at": "2018-04-01 12:00"},
}  # fmt: skip


def build_fixture_warehouse(folder: Path, db: Path):
    """Load FIXTURE with the real loader into ``db``; returns the LoadResult."""
    from etl.load import load
    from etl.settings import Settings

    investigations = [
        {**row, **FIXTURE_CASE_COLUMNS.get(row["investigation_id"], {})}
        for row in FIXTURE["investigations"]
    ]
    write_extracts(folder, **{**FIXTURE, "investigations": investigations})
    return load(folder, db, Settings())


POLICE_UK_SAMPLE = Path(__file__).parent.parent / "sample_data" / "police-uk"
