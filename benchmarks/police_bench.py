"""`make bench` for published crime: the whole year in ../shared/data/police-uk-lancashire-2021
(when it is there) loaded into a fresh warehouse, every row accounted for, with counts per
area and crime type."""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.etl_bench import OUT

YEAR = Path(
    os.environ.get(
        "PVP_BENCH_POLICE_DIR",
        Path(__file__).parent.parent.parent / "shared" / "data" / "police-uk-lancashire-2021",
    )
)


def main() -> None:
    if not YEAR.is_dir():
        print(f"skipped: {YEAR} is not here", file=sys.stderr)
        return
    from etl.police_uk import load_police_uk
    from etl.settings import Settings

    db = OUT / "police.duckdb"
    db.unlink(missing_ok=True)
    source_rows = 0
    for path in sorted(YEAR.glob("*-street.csv")):
        with path.open(encoding="utf-8") as fh:
            source_rows += sum(1 for _ in csv.reader(fh)) - 1
    start = time.perf_counter()
    files = load_police_uk(YEAR, db, Settings())
    seconds = time.perf_counter() - start
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT count(*) FROM police_uk_crimes").fetchall()[0][0]
    by_area = dict(
        con.execute(
            "SELECT area, count(*) FROM police_uk_crimes GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    )
    by_type = dict(
        con.execute(
            "SELECT crime_type, count(*) FROM police_uk_crimes GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    )
    asb = con.execute("SELECT count(*) FROM police_uk_crimes WHERE crime_id IS NULL").fetchall()[0][
        0
    ]
    con.close()  # fmt: skip
    report = {
        "files": len(files),
        "rows_in_files": source_rows,
        "rows_read": sum(f.rows_read for f in files),
        "loaded": sum(f.loaded for f in files),
        "quarantined": sum(f.quarantined for f in files),
        "stored": stored,
        "without_crime_id_asb": asb,
        "load_s": round(seconds, 2),
        "by_area": by_area,
        "by_crime_type": by_type,
    }
    (OUT / "police.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = report["rows_in_files"] == report["rows_read"] == report["loaded"] + report[
        "quarantined"] == report["stored"] + report["quarantined"]  # fmt: skip
    print(f"{'met' if ok else 'MISSED'}  every row accounted for")


if __name__ == "__main__":
    main()
