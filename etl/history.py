"""What was known when: each load's extract day, every version of an investigation, and the
reviews a later version makes impossible.

A past day is replayed with the record **as the force saw it then**: the version of each
investigation from the latest load whose extract day is on or before that day (the first version
for days before any load knew the case). So a pack for a past month does not change when a later
extract moves a case to another team or closes it.

The **extract day** of a load is the last local day its extracts cover: ``--extracted-on`` when
given, else the latest local date of any timestamp in its loaded rows, but never earlier than the
previous load's (a delta that only changes a team type is as new as the last extract).
"""

from __future__ import annotations

from datetime import date

import duckdb

from etl.contract import EXTRACTS, INVESTIGATIONS, SUPERVISION, Extract, Reason
from etl.settings import Settings
from etl.validate import SQL_TYPES, _lit
from etl.warehouse import VERSIONS_TABLE, prev_has_table


def newest_day(con: duckdb.DuckDBPyConnection, ex: Extract, valid_table: str) -> date | None:
    """The latest local day among an extract's valid rows' past timestamps (none: None). The
    three main extracts set the extract day; the optional ones do not move it."""
    if ex not in EXTRACTS or not ex.past_timestamp_columns:
        return None
    latest = " UNION ALL ".join(
        f"SELECT max(CAST({col} AS DATE)) AS d FROM {valid_table}"
        for col in ex.past_timestamp_columns
    )
    return con.execute(f"SELECT max(d) FROM ({latest})").fetchall()[0][0]


def extract_day(
    con: duckdb.DuckDBPyConnection, given: date | None, newest: list[date | None]
) -> date | None:
    """The extract day of the load being built (see the module's docstring). ``newest``: each
    extract's newest_day."""
    previous = None
    if prev_has_table(con, "load_log", "extract_day"):
        previous = con.execute("SELECT max(extract_day) FROM prev.load_log").fetchall()[0][0]
    if given is not None:
        return max(given, previous) if previous else given
    candidates = [d for d in (*newest, previous) if d is not None]
    return max(candidates) if candidates else None


def record_versions(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    day: date | None,
    settings: Settings,
    in_place: bool = False,
) -> None:
    """Carry the previous versions over (``in_place``: the table holds them already) and add
    one for every investigation this load inserted or changed (unchanged rows keep their load
    id, so they add nothing)."""
    cols = ", ".join(INVESTIGATIONS.stored_names)
    if not in_place:
        _carry_versions(con, settings)
    con.execute(
        f"""
        INSERT INTO {VERSIONS_TABLE} ({cols}, load_id, version, known_from, valid_from)
        SELECT {", ".join(f"i.{c}" for c in INVESTIGATIONS.stored_names)}, i.load_id,
               coalesce(v.latest, 0) + 1, $day,
               -- As the update below would set it: a row rewritten there costs a rewrite of
               -- the table when the warehouse is written out (a first load's every row).
               CASE WHEN v.latest IS NULL THEN DATE '-infinity' ELSE $day END
        FROM investigations AS i
        LEFT JOIN (SELECT investigation_id, max(version) AS latest FROM {VERSIONS_TABLE}
                   WHERE investigation_id IN (SELECT investigation_id FROM investigations
                                              WHERE load_id = $load_id)
                   GROUP BY ALL) AS v USING (investigation_id)
        WHERE i.load_id = $load_id
        """,
        {"day": day, "load_id": load_id},
    )
    # The days each version describes, worked out once here rather than in every replay: from
    # its extract day (the first version: from the beginning) to the next version's. Only the
    # cases with a version from this load can change (and, carried from a warehouse from
    # before versions, those without days): the whole table cost a ten-year delta 1.2 s.
    con.execute(
        f"""
        UPDATE {VERSIONS_TABLE} AS v
        SET valid_from = w.valid_from, valid_to = w.valid_to
        FROM (SELECT investigation_id, version,
                     CASE WHEN version = 1 THEN DATE '-infinity' ELSE known_from END AS valid_from,
                     lead(known_from) OVER (PARTITION BY investigation_id ORDER BY version)
                       AS valid_to
              FROM {VERSIONS_TABLE}
              WHERE investigation_id IN (SELECT investigation_id FROM {VERSIONS_TABLE}
                                         WHERE load_id = $load_id OR valid_from IS NULL)) AS w
        WHERE v.investigation_id = w.investigation_id AND v.version = w.version
          AND (v.valid_from IS DISTINCT FROM w.valid_from OR v.valid_to IS DISTINCT FROM w.valid_to)
        """,
        {"load_id": load_id},
    )


def _carry_versions(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    if prev_has_table(con, VERSIONS_TABLE):
        con.execute(f"INSERT INTO {VERSIONS_TABLE} BY NAME SELECT * FROM prev.{VERSIONS_TABLE}")
        return
    # A warehouse from before versions were kept: what it holds is the first known version.
    con.execute(
        f"INSERT INTO {VERSIONS_TABLE} BY NAME SELECT *, 1 AS version FROM prev.investigations"
    )
    fill_missing_instants(
        con, VERSIONS_TABLE, INVESTIGATIONS.name, INVESTIGATIONS.timestamp_columns, settings
    )


def record_entry_arrivals(con: duckdb.DuckDBPyConnection) -> None:
    """Fill ``entry_arrivals``: each entry on a case whose versions are in more than one area,
    with the extract day of the load that brought it as it is (``supervision.load_id``) and
    the case's area as known that day. An area a case has left must not read, on a day it held
    the case, an entry that arrived later under another area (etl/sql/entry_known_under.sql).
    Made again by every load from the whole table: cases rarely move, so it is small. Call
    after the load log has this load's rows."""
    con.execute("DELETE FROM entry_arrivals")
    con.execute(
        f"""
        INSERT INTO entry_arrivals
        WITH moved AS (
          SELECT investigation_id FROM {VERSIONS_TABLE}
          GROUP BY ALL HAVING count(DISTINCT area) > 1
        ),
        loads AS (SELECT load_id, max(extract_day) AS arrived_on FROM load_log GROUP BY ALL)
        SELECT s.review_id, l.arrived_on, v.area
        FROM supervision AS s
        JOIN moved USING (investigation_id)
        JOIN loads AS l USING (load_id)
        JOIN {VERSIONS_TABLE} AS v
          ON v.investigation_id = s.investigation_id AND v.valid_from <= l.arrived_on
         AND (v.valid_to IS NULL OR v.valid_to > l.arrived_on)
        """
    )


def quarantine_reviews_before_moved_openings(
    con: duckdb.DuckDBPyConnection, load_id: int, only_changed_cases: bool = False
) -> int:
    """Reviews already in the warehouse that are now before their case's opening (a later
    extract moved ``opened_at``) leave the supervision table for the quarantine, so every rule
    counts from the same opening. Returns how many.

    ``only_changed_cases``: look only at the cases this load brought or changed. Enough on top
    of a warehouse this code made: every earlier load left none (this step), and a review this
    load brings before its case's opening is refused by validate.py (REVIEW_BEFORE_OPENED), so
    only a moved opening makes one. Scanning every case cost 1.6 s of a ten-year delta."""
    changed = f"AND i.load_id = {int(load_id)}" if only_changed_cases else ""
    raw = "to_json({" + ", ".join(f"'{c}': s.{c}" for c in SUPERVISION.names) + "})"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE moved_reviews AS
        SELECT s.review_id, {raw} AS raw,
               format('reviewed_at {{}} is before the case opened at {{}}: load {{}} moved the '
                      'opening (it was {{}})',
                      strftime(s.reviewed_at, '%d/%m/%Y %H:%M'),
                      strftime(i.opened_at, '%d/%m/%Y %H:%M'), {load_id},
                      coalesce(strftime(p.opened_at, '%d/%m/%Y %H:%M'), 'unknown')) AS detail
        FROM supervision AS s
        JOIN investigations AS i USING (investigation_id)
        LEFT JOIN prev.investigations AS p USING (investigation_id)
        WHERE s.reviewed_at_utc < i.opened_at_utc {changed}
        """
    )
    moved = con.execute("SELECT count(*) FROM moved_reviews").fetchall()[0][0]
    if moved:
        con.execute(
            f"""
            INSERT INTO quarantine BY NAME
            SELECT 'warehouse' AS source, {_lit(SUPERVISION.name)} AS extract, NULL AS line,
                   review_id AS record_id, {_lit(Reason.REVIEW_BEFORE_OPENED)} AS reason,
                   detail, raw, md5(raw) AS raw_hash, {load_id} AS first_load_id,
                   {load_id} AS load_id
            FROM moved_reviews
            """
        )
        con.execute(
            "DELETE FROM supervision WHERE review_id IN (SELECT review_id FROM moved_reviews)"
        )
    con.execute("DROP TABLE moved_reviews")
    return moved


def restore_reviews_after_moved_openings(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    settings: Settings,
    only_changed_cases: bool = False,
) -> int:
    """Reviews that quarantine_reviews_before_moved_openings took out come back to supervision
    once a later load moves their case's opening back to or before them (a mistyped
    ``opened_at`` corrected): a daily delta never sends an unchanged review again, so without
    this the case lost its DS review for good and was flagged overdue from its opening. The
    quarantine row is marked resolved by this load. Returns how many.

    The review is rebuilt from the quarantine's raw record (its typed values), its instants
    worked out again from its local times (an hour repeated in autumn read as GMT), and it
    counts as brought by this load (``load_id``), so the assessment and every day's flags work
    its case out again. ``only_changed_cases`` as for the quarantining: only a moved opening
    can bring one back."""
    taken_out = (
        f"source = 'warehouse' AND extract = {_lit(SUPERVISION.name)} "
        f"AND reason = {_lit(Reason.REVIEW_BEFORE_OPENED)} AND resolved_load_id IS NULL"
    )
    if not con.execute(f"SELECT count(*) FROM quarantine WHERE {taken_out}").fetchall()[0][0]:
        return 0  # the usual load: no review is waiting, and supervision is not read
    changed = f"AND i.load_id = {int(load_id)}" if only_changed_cases else ""
    typed = {col.name: SQL_TYPES[col.kind] for col in SUPERVISION.columns}
    values = ", ".join(f"CAST(raw->>{_lit(c)} AS {t}) AS {c}" for c, t in typed.items())
    instants = ", ".join(
        f"timezone('UTC', timezone({_lit(settings.timezone)}, {c})) AS {c}_utc"
        for c in SUPERVISION.timestamp_columns
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE restored_reviews AS
        SELECT r.*, {int(load_id)} AS load_id
        FROM (SELECT *, {instants}
              FROM (SELECT {values}
                    FROM (SELECT arg_max(raw, first_load_id) AS raw FROM quarantine
                          WHERE {taken_out} GROUP BY record_id))) AS r
        JOIN investigations AS i USING (investigation_id)
        WHERE r.reviewed_at_utc >= i.opened_at_utc {changed}
          AND r.review_id NOT IN (SELECT review_id FROM supervision)
        """
    )
    restored = con.execute("SELECT count(*) FROM restored_reviews").fetchall()[0][0]
    if restored:
        con.execute("INSERT INTO supervision BY NAME SELECT * FROM restored_reviews")
        con.execute(
            f"""
            UPDATE quarantine SET resolved_load_id = {int(load_id)}
            WHERE {taken_out} AND record_id IN (SELECT review_id FROM restored_reviews)
            """
        )
    con.execute("DROP TABLE restored_reviews")
    return restored


def fill_missing_instants(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: str,
    columns: tuple[str, ...],
    settings: Settings,
) -> None:
    """Rows carried from a warehouse built before instants were stored (``prev.<source>``
    without ``<column>_utc``) get them from their local time (an ambiguous autumn hour is read
    as GMT). Nothing to do, and no scan, for a warehouse that has them."""
    for col in columns:
        if not prev_has_table(con, source) or prev_has_table(con, source, f"{col}_utc"):
            continue
        con.execute(
            f"UPDATE {table} SET {col}_utc = timezone('UTC', timezone(?, {col})) "
            f"WHERE {col}_utc IS NULL AND {col} IS NOT NULL",
            [settings.timezone],
        )


def touched_cases(con: duckdb.DuckDBPyConnection, load_id: int) -> str:
    """The name of a work table of the investigations load ``load_id`` touched
    (touched_cases_sql, each once), made on first use: the entry assessment and every day's
    flags both read it, and nothing between them changes what it holds."""
    table = f"touched_cases_{int(load_id)}"
    if not _work_table_made(con, table):
        con.execute(
            f"CREATE TEMP TABLE {table} AS "
            f"SELECT DISTINCT investigation_id FROM ({touched_cases_sql(load_id)})"
        )
    return table


def touched_cases_sql(load_id: int) -> str:
    """A SELECT of the investigations (``investigation_id``, repeats possible) whose record,
    incident or entries load ``load_id`` brought, changed or took away: a new or changed
    version, an incident of any of its versions, an entry brought or changed (the old row's
    case too) or removed. What the entry assessment (etl/assessment.py) and every day's flags
    (etl/daily.py) work out again; the rest they carry over."""
    return f"""
        SELECT investigation_id FROM (
          SELECT investigation_id FROM (SELECT * FROM investigation_versions
                                        EXCEPT SELECT * FROM prev.investigation_versions)
          UNION ALL
          SELECT v.investigation_id FROM investigation_versions AS v
          JOIN incidents AS i USING (incident_id) WHERE i.load_id = {int(load_id)}
          UNION ALL
          SELECT investigation_id FROM supervision WHERE load_id = {int(load_id)}
          UNION ALL
          SELECT p.investigation_id FROM prev.supervision AS p
          LEFT JOIN supervision AS s USING (review_id)
          WHERE s.review_id IS NULL OR s.load_id = {int(load_id)}
        ) WHERE investigation_id IS NOT NULL
    """


# The entry assessment's columns that the day's flags (etl/daily.py) and the quality measures'
# pairs of entry and version (etl/readings.py) read.
_ASSESSED = (
    "grade, repeated, restarts_clock, has_risk, has_actions, has_plan, has_next_review, "
    "has_child, n_applicable, days_since_previous"
)


def changed_cases(con: duckdb.DuckDBPyConnection, load_id: int) -> int:
    """How many investigations the work table ``changed_cases`` holds, made on first use:
    those whose flags on some day, or whose entries' readings, may differ from the previous
    build's. Those the load touched (touched_cases_sql), and those with an entry whose
    assessment changed (repeated text looks 30 days back, across cases)."""
    if not _work_table_made(con, "changed_cases"):
        con.execute(
            f"""
            CREATE TEMP TABLE changed_cases AS
            SELECT DISTINCT investigation_id FROM (
              SELECT investigation_id FROM {touched_cases(con, load_id)}
              UNION ALL
              SELECT s.investigation_id FROM supervision AS s
              JOIN (SELECT review_id, {_ASSESSED} FROM entry_assessment
                    EXCEPT
                    SELECT review_id, {_ASSESSED} FROM prev.entry_assessment) AS a
                USING (review_id)
            )
            """
        )
    return con.execute("SELECT count(*) FROM changed_cases").fetchall()[0][0]


def _work_table_made(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether this build's connection holds the work table ``name`` already."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [name]
        ).fetchall()[0][0]
    )
