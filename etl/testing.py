"""Helpers to write small extracts in tests (ours and an analyst's): give only the columns that
matter to the test; every other required column gets a valid default.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from etl.contract import EXTRACTS

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
}


def write_extracts(
    folder: Path,
    incidents: Iterable[dict] = (),
    investigations: Iterable[dict] = (),
    supervision: Iterable[dict] = (),
    encoding: str = "utf-8",
) -> Path:
    """Write the three extract files (all of them, header-only when given no rows)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    given = {"incidents": incidents, "investigations": investigations, "supervision": supervision}
    for ex in EXTRACTS:
        with (folder / ex.file).open("w", newline="", encoding=encoding) as fh:
            writer = csv.DictWriter(fh, fieldnames=list(ex.names))
            writer.writeheader()
            for row in given[ex.name]:
                writer.writerow({**DEFAULTS[ex.name], **row})
    return folder
