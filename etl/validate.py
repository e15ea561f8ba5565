"""Turn a staged file of raw text into typed rows and quarantined rows, in SQL generated from the
contract. Every record ends up in exactly one of: valid, duplicate (exact copy), quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd

from etl.contract import FALSE_WORDS, TRUE_WORDS, Column, Extract, Kind, Reason
from etl.reader import StagedFile
from etl.settings import Settings

SQL_TYPES = {
    Kind.TEXT: "VARCHAR",
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.INT: "INTEGER",
    Kind.BOOL: "BOOLEAN",
    Kind.ENUM: "VARCHAR",
}
DAY_FIRST_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"]


@dataclass
class Validated:
    staged: StagedFile
    valid_table: str  # typed contract columns + _rec
    reject_table: str  # source, line, record_id, reason, detail, raw, raw_hash
    rows_read: int
    valid: int
    duplicates: int
    quarantined: int

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Free the work tables behind ``valid_table`` once the load no longer reads it."""
        raw = self.staged.table
        con.execute(f"DROP VIEW IF EXISTS {self.valid_table}")
        for t in ("_checked", "_faults", "_ranked"):
            con.execute(f"DROP TABLE IF EXISTS {raw}{t}")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


# ISO 8601 date with an optional time (month and day may be one digit; 24:00 is midnight at
# the end of the day, as ISO 8601 has it), and the same with an offset or zone after the time.
ISO_LOCAL = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
ISO_ZONED = (
    r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
    r" ?(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?|UTC|GMT)"
)


def load_cutoff(settings: Settings) -> datetime:
    """The latest moment a past timestamp may name: now, plus ``future_tolerance_hours``."""
    return datetime.now(UTC) + timedelta(hours=settings.future_tolerance_hours)


def define_macros(
    con: duckdb.DuckDBPyConnection, settings: Settings, cutoff_utc: datetime | None = None
) -> None:
    """A timestamp's text is read in two steps, each value once: wall_clock(text), the
    TIMESTAMP it names when it has no offset, and, where that is NULL, offset_instant(text),
    the TIMESTAMPTZ it names with one. Then local_of(wall, instant) is the wall-clock time in
    settings.timezone and utc_from(wall, instant) the same moment as a UTC TIMESTAMP (the
    instant); both NULL when the text is neither. after_cutoff(utc): later than the load's
    cutoff (now plus ``future_tolerance_hours``).

    Text without an offset is local time; with ``Z``, ``±hh``, ``±hhmm``, ``±hh:mm``, ``UTC`` or
    ``GMT`` after the time it is an instant, converted. Anything else after a time is refused.
    Wall-clock times repeat when summer time ends, so comparisons use the instant; day counts
    use the local calendar date. An ambiguous local time (01:30 on the last Sunday of October)
    is read as the later, GMT, one.
    Each shape goes to one parser: DuckDB's ISO cast is fast, strptime lists are not.
    """
    tz = _lit(settings.timezone)
    zoned = _lit("^" + ISO_ZONED + "$")
    # One format per shape (by its number of colons): a list of formats is tried in turn, four
    # times slower.
    day_first_by_colons = " ".join(
        f"WHEN {f.count(':')} THEN try_strptime(s, {_lit(f)})" for f in DAY_FIRST_FORMATS
    )
    cutoff = cutoff_utc or load_cutoff(settings)
    con.execute(
        f"""
        -- An instant's UTC wall-clock from its microseconds since the epoch: the same as
        -- timezone('UTC', ts) without a second time-zone lookup per value.
        CREATE OR REPLACE TEMP MACRO utc_of(ts) AS (make_timestamp(epoch_us(ts)));
        CREATE OR REPLACE TEMP MACRO zoned_instant(s) AS (
          TRY_CAST(regexp_extract(s, {zoned}, 1) ||
                   CASE WHEN upper(regexp_extract(s, {zoned}, 2)) IN ('Z', 'UTC', 'GMT')
                        THEN '+00:00' ELSE regexp_extract(s, {zoned}, 2) END AS TIMESTAMPTZ));
        CREATE OR REPLACE TEMP MACRO day_first(s) AS (
          CASE length(s) - length(replace(s, ':', ''))
            {day_first_by_colons}
          END);
        CREATE OR REPLACE TEMP MACRO wall_clock(s) AS (
          CASE
            WHEN contains(s, '/') THEN day_first(s)
            WHEN regexp_full_match(s, {_lit(ISO_LOCAL)}) THEN TRY_CAST(s AS TIMESTAMP)
          END);
        -- The two shapes do not overlap: an offset follows a time, never a day-first date.
        CREATE OR REPLACE TEMP MACRO offset_instant(s) AS (
          CASE WHEN regexp_full_match(s, {_lit(ISO_ZONED)}) THEN zoned_instant(s) END);
        CREATE OR REPLACE TEMP MACRO local_of(wall, instant) AS (
          coalesce(wall, timezone({tz}, instant)));
        CREATE OR REPLACE TEMP MACRO utc_from(wall, instant) AS (
          CASE WHEN wall IS NOT NULL THEN utc_of(timezone({tz}, wall)) ELSE utc_of(instant) END);
        CREATE OR REPLACE TEMP MACRO after_cutoff(utc_ts) AS (
          utc_ts > TIMESTAMP '{cutoff.astimezone(UTC).replace(tzinfo=None).isoformat(" ")}');
        """
    )


def _clean(col: str) -> str:
    """Surrounding spaces are ignored. trim() copies every value, which costs as much as the
    rest of the validation for a column of long notes: only values with a space at either end
    are trimmed (trim() with a character set is slower still)."""
    c = f'"{col}"'
    return f"nullif(CASE WHEN prefix({c}, ' ') OR suffix({c}, ' ') THEN trim({c}) ELSE {c} END, '')"


def _column_sql(col: Column, settings: Settings) -> tuple[str, list[tuple[str, str, str]]]:
    """(typed value expression, [(condition, reason, detail expression)]) for one column.

    Conditions are written over ``v_<name>`` (trimmed text) and ``t_<name>`` (typed value).
    """
    v, t, name = f"v_{col.name}", f"t_{col.name}", col.name
    shown = f"left({v}, 60)"
    checks: list[tuple[str, str, str]] = []
    if col.required:
        checks.append((f"{v} IS NULL", Reason.MISSING_REQUIRED, _lit(f"{name} is empty")))
    if col.kind is Kind.TEXT:
        typed = v
    elif col.kind is Kind.TIMESTAMP:
        typed = f"local_of(w_{name}, i_{name})"
        lo, hi = settings.min_timestamp_year, settings.max_timestamp_year
        checks.append(
            (
                f"{v} IS NOT NULL AND ({t} IS NULL OR year({t}) NOT BETWEEN {lo} AND {hi})",
                Reason.BAD_TIMESTAMP,
                f"format('{name} ''{{}}'' is not a timestamp (YYYY-MM-DD HH:MM or "
                f"DD/MM/YYYY HH:MM; after a time optionally Z, +hh, +hhmm, +hh:mm, UTC or GMT) "
                f"in years {lo}-{hi}', {shown})",
            )
        )
        if not col.may_be_future:
            checks.append(
                (
                    f"after_cutoff(u_{name})",
                    Reason.FUTURE_TIMESTAMP,
                    f"format('{name} ''{{}}'' is later than the load (by more than "
                    f"{settings.future_tolerance_hours} hours)', {shown})",
                )
            )
    elif col.kind is Kind.INT:
        typed = f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]{{1,9}}') THEN {v}::INTEGER END"
        checks.append(
            (
                f"{v} IS NOT NULL AND {t} IS NULL",
                Reason.BAD_NUMBER,
                f"format('{name} ''{{}}'' is not a whole number', {shown})",
            )
        )
        bounds = []
        if col.min_value is not None:
            bounds.append(f"{t} < {col.min_value}")
        if col.max_value is not None:
            bounds.append(f"{t} > {col.max_value}")
        if bounds:
            if col.max_value is None:
                allowed = f"must be {col.min_value} or more"
            else:
                allowed = f"must be between {col.min_value} and {col.max_value}"
            checks.append(
                (
                    " OR ".join(bounds),
                    Reason.OUT_OF_RANGE,
                    f"format('{name} {{}} is out of range: {allowed}', {t})",
                )
            )
    elif col.kind is Kind.BOOL:
        typed = (
            f"CASE WHEN lower({v}) IN {tuple(TRUE_WORDS)} THEN true "
            f"WHEN lower({v}) IN {tuple(FALSE_WORDS)} THEN false END"
        )
        checks.append(
            (
                f"{v} IS NOT NULL AND {t} IS NULL",
                Reason.BAD_BOOLEAN,
                f"format('{name} ''{{}}'' is not yes/no, true/false, y/n or 1/0', {shown})",
            )
        )
    else:
        allowed = col.allowed_values(settings)
        cases = " ".join(f"WHEN {_lit(a.lower())} THEN {_lit(a)}" for a in allowed)
        typed = f"CASE lower({v}) {cases} END"
        checks.append(
            (
                f"{v} IS NOT NULL AND {t} IS NULL",
                Reason.UNKNOWN_ENUM,
                # Allowed values are settings (an area may hold an apostrophe): quoted as a
                # literal of their own, never pasted into the format string.
                f"format('{name} ''{{}}'' is not one of {{}}', {shown}, "
                f"{_lit(', '.join(allowed))})",
            )
        )
    return typed, checks


def _any(checks: list[tuple[str, str, str]]) -> str:
    """True when any check fails. Building the problem list only for such rows is much
    cheaper than building (mostly empty) lists for every row."""
    return " OR ".join(f"coalesce({cond}, false)" for cond, _, _ in checks) or "false"


def _problems_list(checks: list[tuple[str, str, str]]) -> str:
    items = [
        f"CASE WHEN {cond} THEN {{'reason': {_lit(reason)}, 'detail': {detail}}} END"
        for cond, reason, detail in checks
    ]
    return f"list_filter([{', '.join(items)}], lambda p: p IS NOT NULL)"


def _own_row_checks(extract: Extract) -> list[tuple[str, str, str]]:
    """Checks that look across a record's own columns (see Extract.row_rules)."""
    checks = []
    for rule in extract.row_rules:
        if rule is Reason.CLOSED_BEFORE_OPENED:
            checks.append(
                (
                    "u_closed_at < u_opened_at",
                    rule,
                    "format('closed_at {} is before opened_at {}', "
                    "strftime(t_closed_at, '%d/%m/%Y %H:%M'), "
                    "strftime(t_opened_at, '%d/%m/%Y %H:%M'))",
                )
            )
    return checks


def _warehouse_checks(extract: Extract) -> tuple[str, list[tuple[str, str, str]]]:
    """Joins and checks that look a record up in the warehouse being built (Extract.row_rules)."""
    joins, checks = "", []
    for rule in extract.row_rules:
        if rule is Reason.UNKNOWN_INVESTIGATION:
            # merged_investigations: the warehouse's cases after this load's cases merged in.
            joins += (
                " LEFT JOIN merged_investigations inv ON inv.investigation_id = t_investigation_id"
                " LEFT JOIN (SELECT record_id, arg_max(format('{} line {}: {}', source, line,"
                " reason), load_id) AS why FROM all_case_rejects GROUP BY record_id) qi"
                " ON qi.record_id = t_investigation_id AND inv.investigation_id IS NULL"
            )
            checks.append(
                (
                    "t_investigation_id IS NOT NULL AND inv.investigation_id IS NULL",
                    rule,
                    "CASE WHEN qi.why IS NULL THEN format('investigation {} is not in the "
                    "warehouse', t_investigation_id) ELSE format('investigation {} is not in the "
                    "warehouse: its own row was quarantined ({})', t_investigation_id, qi.why) END",
                )
            )
        elif rule is Reason.REVIEW_BEFORE_OPENED:
            checks.append(
                (
                    "u_reviewed_at < inv.opened_at_utc",
                    rule,
                    "format('reviewed_at {} is before the case opened at {}', "
                    "strftime(t_reviewed_at, '%d/%m/%Y %H:%M'), "
                    "strftime(inv.opened_at, '%d/%m/%Y %H:%M'))",
                )
            )
    return joins, checks


@dataclass
class Checked:
    """A staged file's distinct records typed and checked column by column: the first half of
    validate, which needs nothing from the warehouse, so a load can do it before the cases its
    records name are merged. ``table``: _rec, _repeated, the typed values, problems."""

    staged: StagedFile
    table: str


def check_columns(
    con: duckdb.DuckDBPyConnection, staged: StagedFile, settings: Settings
) -> Checked:
    """Type and check each record of the raw_<extract> view on its own (define_macros first)."""
    ex = staged.extract
    raw = staged.table
    raw_cols = ", ".join(f'"{c}"' for c in ex.names)
    cleaned = ", ".join(f"{_clean(c)} AS v_{c}" for c in ex.names)
    # Each timestamp's text is parsed once (a step of its own: a column named in the same
    # SELECT is worked out again for each use), into the wall-clock time or the instant.
    parsed = ["*"]
    typed_cols, checks = [], []
    for col in ex.columns:
        expr, col_checks = _column_sql(col, settings)
        if col.kind is Kind.TIMESTAMP:
            w, i = f"w_{col.name}", f"i_{col.name}"
            parsed.append(f"wall_clock(v_{col.name}) AS {w}")
            parsed.append(f"CASE WHEN {w} IS NULL THEN offset_instant(v_{col.name}) END AS {i}")
        typed_cols.append(f"{expr} AS t_{col.name}")
        if col.kind is Kind.TIMESTAMP:
            typed_cols.append(f"utc_from(w_{col.name}, i_{col.name}) AS u_{col.name}")
        checks.extend(col_checks)
    checks.extend(_own_row_checks(ex))
    key_text = f"coalesce({_clean(ex.key)}, '')"
    # Exact copies and same-id conflicts can only occur among records whose id repeats (or is
    # missing); only those few pay for the window functions below. They are found on the id
    # column alone, and then taken by record number: a join on the id would read every
    # column of every record once more.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {raw}_repeated AS
        SELECT _rec FROM {raw} WHERE {key_text} IN (
          SELECT {key_text} AS _key FROM {raw} GROUP BY 1 HAVING count(*) > 1 OR _key = '')
        """
    )
    # Exact copies of an earlier record (same value in every contract column) are counted,
    # not loaded or quarantined.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {raw}_checked AS
        WITH distinct_rows AS (
               SELECT *, false AS _repeated FROM {raw} ANTI JOIN {raw}_repeated USING (_rec)
               UNION ALL
               SELECT *, true AS _repeated FROM {raw} SEMI JOIN {raw}_repeated USING (_rec)
               QUALIFY row_number() OVER (PARTITION BY {raw_cols} ORDER BY _rec) = 1),
             cleaned AS (SELECT *, {cleaned} FROM distinct_rows),
             parsed AS (SELECT {", ".join(parsed)} FROM cleaned),
             typed AS (SELECT *, {", ".join(typed_cols)} FROM parsed)
        SELECT _rec, _repeated, {_typed_names(ex)},
               CASE WHEN {_any(checks)} THEN {_problems_list(checks)} END AS problems
        FROM typed
        """
    )
    con.execute(f"DROP TABLE {raw}_repeated")
    return Checked(staged, f"{raw}_checked")


def _typed_names(ex: Extract) -> str:
    return ", ".join([f"t_{c}" for c in ex.names] + [f"u_{c}" for c in ex.timestamp_columns])


def validate(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    settings: Settings,
    load_id: int,
    checked: Checked | None = None,
) -> Validated:
    """Create temp tables valid_<extract> and rejects_<extract> from the raw_<extract> view,
    checking its records column by column first unless ``checked`` (check_columns) did."""
    ex = staged.extract
    raw, valid, rejects = staged.table, f"valid_{ex.name}", f"rejects_{ex.name}"
    checked = checked or check_columns(con, staged, settings)
    source = _lit(staged.label)
    typed_names = _typed_names(ex)
    stored = ", ".join(
        [f"t_{c} AS {c}" for c in ex.names] + [f"u_{c} AS {c}_utc" for c in ex.timestamp_columns]
    )
    # Every faulty record with all its problems: its own columns' first, then the lookups in
    # the warehouse (a review's case), which see the cases merged by now.
    joins, lookups = _warehouse_checks(ex)
    problems = "problems"
    if lookups:
        found = _problems_list(lookups)
        problems = (
            f"CASE WHEN problems IS NULL THEN {found} ELSE list_concat(problems, {found}) END"
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {raw}_faults AS
        SELECT _rec, {problems} AS problems FROM {checked.table} {joins}
        WHERE problems IS NOT NULL OR {_any(lookups)}
        """
    )
    key = f"t_{ex.key}"
    # Two different records with one id: the later line wins, the earlier ones are quarantined.
    # Records that differ only where the contract does not look (spaces around a value, the
    # case of an area or an enumeration) are one record once typed: exact copies, counted as
    # duplicates like those found on the raw text, the latest standing for them.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {raw}_ranked AS
        SELECT _rec, {typed_names},
               row_number() OVER (PARTITION BY {key} ORDER BY _rec DESC) AS _rank,
               max(_rec) OVER (PARTITION BY {key}) AS _kept_rec
        FROM (SELECT _rec, {typed_names}
              FROM {checked.table} ANTI JOIN {raw}_faults USING (_rec) WHERE _repeated
              QUALIFY row_number() OVER (PARTITION BY {typed_names} ORDER BY _rec DESC) = 1)
        """
    )
    typed_copies = con.execute(
        f"SELECT (SELECT count(*) FROM {checked.table} ANTI JOIN {raw}_faults USING (_rec) "
        f"WHERE _repeated) - (SELECT count(*) FROM {raw}_ranked)"
    ).fetchall()[0][0]
    # A view, not a copy: the merge reads it once (and the extract day one column of it).
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {valid} AS SELECT _rec, "
        + stored
        + f" FROM {checked.table} ANTI JOIN {raw}_faults USING (_rec) WHERE NOT _repeated "
        + f"UNION ALL SELECT _rec, {stored} FROM {raw}_ranked WHERE _rank = 1"
    )
    raw_json = "to_json({" + ", ".join(f"'{c}': \"{c}\"" for c in ex.names) + "})"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {rejects}_found AS
        WITH bad AS (
          SELECT _rec, c.{key} AS typed_id, f.problems[1].reason AS reason,
                 array_to_string(list_transform(f.problems, lambda p: p.detail), '; ') AS detail,
                 NULL::BIGINT AS _kept_rec
          FROM {raw}_faults AS f JOIN {checked.table} AS c USING (_rec)
          UNION ALL
          SELECT _rec, {key}, {_lit(Reason.DUPLICATE_ID)}, NULL, _kept_rec
          FROM {raw}_ranked WHERE _rank > 1)
        -- The raw text comes from the staged file, for the rejected records only (carrying
        -- every raw column through the checks would copy each long note once more).
        SELECT bad._rec, coalesce(bad.typed_id, {_clean(ex.key)}) AS record_id, bad.reason,
               bad.detail, bad._kept_rec, {raw_json} AS raw
        FROM bad JOIN {raw} USING (_rec)
        """
    )
    # Lines are worked out for the rejected records only (see StagedFile.lines).
    found = con.execute(f"SELECT _rec, _kept_rec FROM {rejects}_found").fetchnumpy()
    recs = found["_rec"].astype("int64")
    kept = pd.array(found["_kept_rec"], dtype="Int64")
    line_map = pd.DataFrame(
        {
            "_rec": recs,
            "line": staged.lines(recs),
            "kept_line": pd.array(
                [None if pd.isna(k) else int(staged.lines([k])[0]) for k in kept], dtype="Int64"
            ),
        }
    )
    con.register("line_map", line_map)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {rejects} AS
        SELECT {source} AS source, m.line, f.record_id, f.reason,
               coalesce(f.detail, format('{ex.key} {{}} appears again at line {{}} with '
                                         'different values; that later row was kept',
                                         f.record_id, m.kept_line)) AS detail,
               f.raw, md5(f.raw) AS raw_hash, {load_id} AS load_id, {_lit(ex.name)} AS extract
        FROM {rejects}_found AS f JOIN line_map AS m USING (_rec)
        """
    )
    con.unregister("line_map")
    con.execute(f"DROP TABLE {rejects}_found")
    for bad in staged.malformed:
        con.execute(
            f"INSERT INTO {rejects} VALUES ({source}, ?, ?, ?, ?, to_json(?), md5(?), ?, ?)",
            [bad.line, bad.record_id, bad.reason, bad.detail, bad.raw, bad.raw, load_id, ex.name],
        )
    n_valid = con.execute(f"SELECT count(*) FROM {valid}").fetchall()[0][0]
    n_rejects = con.execute(f"SELECT count(*) FROM {rejects}").fetchall()[0][0]
    n_distinct = con.execute(f"SELECT count(*) FROM {checked.table}").fetchall()[0][0]
    n_raw = staged.rows_read - len(staged.malformed)
    result = Validated(
        staged=staged,
        valid_table=valid,
        reject_table=rejects,
        rows_read=staged.rows_read,
        valid=n_valid,
        duplicates=n_raw - n_distinct + typed_copies,
        quarantined=n_rejects,
    )
    if result.valid + result.duplicates + result.quarantined != result.rows_read:
        result.drop(con)
        # An internal error, never bad input: refuse to write a warehouse that lost rows.
        raise RuntimeError(
            f"{ex.file}: row accounting does not add up: read {result.rows_read}, "
            f"loaded {result.valid} + duplicates {result.duplicates} + "
            f"quarantined {result.quarantined}"
        )
    return result
