"""Published crime from data.police.uk: every row accounted for, labelled, never dropped."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import read as q

from dashboard import data
from dashboard.scope import Scope
from etl.load import LoadError, load
from etl.police_uk import load_police_uk
from etl.testing import POLICE_UK_SAMPLE, write_extracts

SAMPLE_FILE = POLICE_UK_SAMPLE / "2021-11-lancashire-street.csv"


def source_counts() -> dict:
    with SAMPLE_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        "rows": len(rows),
        "asb": sum(r["Crime ID"] == "" for r in rows),
        "no_location": sum(r["LSOA name"] == "" for r in rows),
    }


def test_the_committed_month_loads_with_every_row_accounted_for(db, settings):
    counts = source_counts()
    (result,) = load_police_uk(POLICE_UK_SAMPLE, db, settings)
    assert result.rows_read == result.loaded + result.quarantined == counts["rows"]
    assert q(db, "SELECT count(*) FROM police_uk_crimes") == [(counts["rows"],)]
    assert q(db, "SELECT count(*) FROM police_uk_crimes WHERE crime_id IS NULL") == [
        (counts["asb"],)
    ]
    by_area = dict(q(db, "SELECT area, count(*) FROM police_uk_crimes GROUP BY area"))
    assert by_area["No location"] == counts["no_location"]
    assert set(by_area) == {"West", "East", "South", "No location", "Outside the force area"}
    outside = q(db, "SELECT DISTINCT local_authority FROM police_uk_crimes "
                    "WHERE area = 'Outside the force area'")  # fmt: skip
    assert ("Sefton",) in outside and ("Preston",) not in outside
    assert q(db, "SELECT area FROM police_uk_crimes WHERE local_authority = 'Preston' LIMIT 1") == [
        ("South",)
    ]
    assert q(db, "SELECT rows_read, loaded FROM load_log WHERE source = 'data.police.uk'") == [
        (counts["rows"], counts["rows"])
    ]


def test_reloading_a_month_replaces_it_and_extract_loads_keep_it(tmp_path, db, settings):
    load_police_uk(POLICE_UK_SAMPLE, db, settings)
    load_police_uk(POLICE_UK_SAMPLE, db, settings)
    n = source_counts()["rows"]
    assert q(db, "SELECT count(*) FROM police_uk_crimes") == [(n,)]
    load(write_extracts(tmp_path / "x", incidents=[{"incident_id": "I1"}]), db, settings)
    assert q(db, "SELECT count(*) FROM police_uk_crimes") == [(n,)]


def test_a_malformed_row_is_quarantined_not_lost(tmp_path, db, settings):
    folder = tmp_path / "p"
    folder.mkdir()
    target = folder / "2021-11-lancashire-street.csv"
    shutil.copy(SAMPLE_FILE, target)
    with target.open("a", encoding="utf-8", newline="") as fh:
        fh.write("abc,2021-11,Lancashire Constabulary,too,few\r\n")
    (result,) = load_police_uk(folder, db, settings)
    assert (result.rows_read, result.quarantined) == (source_counts()["rows"] + 1, 1)
    assert q(db, "SELECT reason FROM quarantine WHERE extract = 'police_uk'") == [
        ("malformed_row",)
    ]


def test_a_folder_without_files_is_refused(tmp_path, db, settings):
    with pytest.raises(LoadError, match=r"no data\.police\.uk"):
        load_police_uk(tmp_path, db, settings)


def test_published_crime_is_scoped_by_area_and_follows_the_day(dash_app):
    november = date(2021, 11, 30)
    west = data.published_crime(Scope("w", "area", ("West",)), None, november)
    everyone = data.published_crime(Scope("f", "force", ("West", "East", "South")), None, november)
    nobody = data.published_crime(Scope("n", "area", ()), None, november)
    assert 0 < west["crimes"].sum() < everyone["crimes"].sum()
    assert nobody.empty
    # The sample holds November 2021 only: the 12 months to October 2022 still hold it, the
    # 12 months to June 2018 (the cases' year) do not.
    assert data.published_months() == (date(2021, 11, 1), date(2021, 11, 1))
    later = data.published_crime(Scope("w", "area", ("West",)), None, date(2022, 10, 31))
    assert later["crimes"].sum() == west["crimes"].sum()
    assert data.published_crime(Scope("w", "area", ("West",)), None, date(2018, 6, 30)).empty


YEAR = Path(__file__).parent.parent.parent / "shared" / "data" / "police-uk-lancashire-2021"


@pytest.mark.skipif(not YEAR.is_dir(), reason="../shared/data/police-uk-lancashire-2021 absent")
def test_the_whole_published_year_loads_with_every_row_accounted_for(db, settings):
    files = load_police_uk(YEAR, db, settings)
    in_files = 0
    for path in sorted(YEAR.glob("*-street.csv")):
        with path.open(encoding="utf-8") as fh:
            in_files += sum(1 for _ in csv.reader(fh)) - 1
    assert len(files) == 12
    assert sum(f.rows_read for f in files) == in_files == 217_257
    assert sum(f.loaded + f.quarantined for f in files) == in_files
    assert q(db, "SELECT count(*) FROM police_uk_crimes WHERE crime_id IS NULL") == [(77_049,)]
