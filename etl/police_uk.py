"""Published street-level crime from data.police.uk (the format of the monthly
``YYYY-MM-<force>-street.csv`` files), loaded beside the extracts for context: how busy each
area is. Every row is kept; rows outside the force's areas or without a location are labelled,
never dropped. A month loaded again replaces that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from etl.build import (
    LoadError,
    attach_previous,
    carry_over,
    next_load_id,
    swap_in,
)
from etl.contract import Reason
from etl.settings import Settings
from etl.warehouse import create_marts, prev_has_table

COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
OUTSIDE = "Outside the force area"
NO_LOCATION = "No location"

TABLE_DDL = """
CREATE TABLE police_uk_crimes (
  file VARCHAR, record BIGINT, crime_id VARCHAR, month DATE, reported_by VARCHAR,
  falls_within VARCHAR, longitude DOUBLE, latitude DOUBLE, location VARCHAR,
  lsoa_code VARCHAR, lsoa_name VARCHAR, local_authority VARCHAR, area VARCHAR,
  crime_type VARCHAR, outcome VARCHAR, load_id INTEGER
)
"""


@dataclass
class PoliceFile:
    file: str
    rows_read: int
    loaded: int
    quarantined: int


def load_police_uk(folder: Path, db_path: Path, settings: Settings) -> list[PoliceFile]:
    folder = Path(folder)
    files = sorted(folder.glob("*-street.csv")) if folder.is_dir() else []
    if not files:
        raise LoadError(f"{folder}: no data.police.uk *-street.csv files")
    return swap_in(db_path, lambda con, _work, _kept: _build(con, files, Path(db_path), settings))


def _build(con, files: list[Path], db_path: Path, settings: Settings) -> list[PoliceFile]:
    started = datetime.now()
    attach_previous(con, db_path)
    load_id = next_load_id(con)
    areas = settings.local_authority_areas
    con.execute(
        "CREATE TEMP TABLE la_areas AS SELECT * FROM (VALUES "
        + ", ".join(f"('{la.replace(chr(39), chr(39) * 2)}', '{a}')" for la, a in areas.items())
        + ") AS t(local_authority, area)"
    )
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS) + "}"
    results, rejects = [], []
    staged = []
    for n, path in enumerate(files):
        table = f"police_{n}"
        try:
            header = path.open(encoding="utf-8-sig").readline().strip().split(",")
        except (OSError, UnicodeDecodeError) as exc:
            raise LoadError(f"{path.name}: unreadable file: {exc}") from exc
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise LoadError(f"{path.name}: missing column(s) {', '.join(missing)}")
        try:
            con.execute(
                f"CREATE TEMP TABLE {table} AS SELECT row_number() OVER () AS record, * FROM "
                f"read_csv(?, header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
                f"columns={columns}, store_rejects=true, rejects_table='{table}_rej', "
                f"rejects_scan='{table}_scan')",
                [str(path)],
            )
        except duckdb.Error as exc:
            raise LoadError(f"{path.name}: unreadable file: {str(exc).splitlines()[0]}") from exc
        # DuckDB lists each error of a line; one line is one rejected row.
        bad = con.execute(
            f"SELECT line, any_value(csv_line), string_agg(DISTINCT error_message, '; ') "
            f"FROM {table}_rej GROUP BY line ORDER BY line"
        ).fetchall()
        read = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] + len(bad)
        rejects += [(path.name, line, raw, msg) for line, raw, msg in bad]
        results.append(PoliceFile(path.name, read, read - len(bad), len(bad)))
        staged.append((path.name, table))
    union = " UNION ALL ".join(f"SELECT '{name}' AS file, * FROM {table}" for name, table in staged)
    con.execute(
        f"""
        CREATE TEMP TABLE new_crimes AS
        WITH raw AS ({union}),
        parsed AS (
          SELECT file, record, nullif("Crime ID", '') AS crime_id,
                 try_strptime("Month", '%Y-%m')::DATE AS month,
                 "Reported by" AS reported_by, "Falls within" AS falls_within,
                 TRY_CAST("Longitude" AS DOUBLE) AS longitude,
                 TRY_CAST("Latitude" AS DOUBLE) AS latitude,
                 nullif("Location", '') AS location, nullif("LSOA code", '') AS lsoa_code,
                 nullif("LSOA name", '') AS lsoa_name,
                 nullif(regexp_extract("LSOA name", '^(.*) [0-9]{{3}}[A-Z]$', 1), '')
                   AS local_authority,
                 "Crime type" AS crime_type, nullif("Last outcome category", '') AS outcome
          FROM raw)
        SELECT p.* EXCLUDE (local_authority), p.local_authority,
               CASE WHEN p.lsoa_name IS NULL THEN '{NO_LOCATION}'
                    ELSE coalesce(a.area, '{OUTSIDE}') END AS area
        FROM parsed AS p LEFT JOIN la_areas AS a USING (local_authority)
        """
    )
    months = [r[0] for r in con.execute("SELECT DISTINCT month FROM new_crimes").fetchall()]
    con.execute(TABLE_DDL)
    if prev_has_table(con, "police_uk_crimes"):
        con.execute(
            "INSERT INTO police_uk_crimes BY NAME SELECT * FROM prev.police_uk_crimes "
            "WHERE month IS NULL OR NOT list_contains(?, month)",
            [months],
        )
    con.execute(
        f"INSERT INTO police_uk_crimes BY NAME SELECT *, {load_id} AS load_id FROM new_crimes"
    )
    carry_over(con)  # the extracts' tables, quarantine and load log, as they were
    finished = datetime.now()
    for f in results:
        con.execute(
            "INSERT INTO load_log (load_id, started_at, finished_at, source, file, encoding, "
            "rows_read, loaded, inserted, updated, unchanged, duplicates, quarantined, "
            "missing_optional_columns) VALUES (?, ?, ?, 'data.police.uk', ?, 'utf-8', ?, ?, ?, "
            "0, 0, 0, ?, '')",
            [load_id, started, finished, f.file, f.rows_read, f.loaded, f.loaded, f.quarantined],
        )
    for file, line, raw, message in rejects:
        con.execute(
            "INSERT INTO quarantine (source, extract, line, record_id, reason, detail, raw, "
            "raw_hash, first_load_id, load_id) VALUES (?, 'police_uk', ?, NULL, ?, ?, "
            "to_json(?), md5(?), ?, ?)",
            [file, line, Reason.MALFORMED_ROW.value, message, raw, raw, load_id, load_id],
        )
    create_marts(con)
    con.execute("DETACH prev")
    return results
