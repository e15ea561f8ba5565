"""The only module that reads the warehouse.

Every public function takes the signed-in user's ``Scope`` and filters by its areas here, on
the server: a browser can only narrow what it asks for, never widen it. A case outside the
scope is answered exactly like a case that does not exist (``None``).

The warehouse is opened read-only, once per process; when the file is swapped by a load (new
inode or mtime) the next call reconnects, so a refresh needs no restart.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from dashboard.words import ACTION_FLAGS, FLAG_WORDS, GRADES, WAITING_FLAGS, reasons_in_words
from etl.flags import (
    CASE_ENTRIES_SQL,
    ENTRY_QUALITY_SQL,
    FLAG_COLUMNS,
    FLAGS_SQL,
    REVIEW_INTERVALS_SQL,
    bind,
    child_cases_sql,
    latest_date,
)
from etl.redact import redact
from etl.settings import Settings, get_settings


@dataclass(frozen=True)
class Scope:
    """Who is asking, and the areas they may see. No areas: they see nothing."""

    username: str
    role: str
    areas: tuple[str, ...]

    def narrow(self, requested: list[str] | str | None) -> list[str]:
        """The areas to query: the scope, narrowed by what the browser asked for."""
        if requested in (None, "", []):
            return list(self.areas)
        wanted = [requested] if isinstance(requested, str) else list(requested)
        return [a for a in self.areas if a in wanted]

    def only(self, areas: list[str]) -> Scope:
        """This user limited to ``areas`` (never beyond their own). Pass the result of
        ``narrow`` on with no further area filter: an empty narrowing then shows nothing,
        where narrowing again by ``[]`` would mean "all my areas"."""
        return Scope(self.username, self.role, tuple(a for a in self.areas if a in areas))


@dataclass
class Filters:
    """What a page's controls ask for. Every field can only narrow the scope."""

    as_of: date | None = None
    areas: list[str] = field(default_factory=list)
    team: str | None = None
    team_type: str | None = None
    officer_id: str | None = None
    reviewer: str | None = None  # a supervisor, on the quality page's drill-down

    def describe(self) -> dict:
        """For the audit log and export headers."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "areas": self.areas,
            "team": self.team,
            "team_type": self.team_type,
            "officer_id": self.officer_id,
            "reviewer": self.reviewer,
        }


class NoWarehouse(Exception):
    """No warehouse file yet."""


class Warehouse:
    """A read-only connection that follows the file when a load swaps it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._ident: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()

    def _identity(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise NoWarehouse(str(self.path)) from exc
        return (st.st_ino, st.st_mtime_ns)

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            ident = self._identity()
            if ident != self._ident or self._con is None:
                if self._con is not None:
                    self._con.close()
                self._con = duckdb.connect(str(self.path), read_only=True)
                self._ident = ident
                self._cache.clear()
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @property
    def version(self) -> tuple[int, int]:
        return self._identity()

    def df(self, sql: str, params: dict | list | None = None) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    def cached(self, key: tuple, make) -> pd.DataFrame:
        """Memoise an unscoped result for this version of the file (scope is applied after)."""
        full_key = (self.version, *key)
        with self._lock:
            if full_key in self._cache:
                self._cache.move_to_end(full_key)
                return self._cache[full_key]
        value = make()
        with self._lock:
            self._cache[full_key] = value
            while len(self._cache) > 32:
                self._cache.popitem(last=False)
        return value


_warehouses: dict[Path, Warehouse] = {}


def warehouse() -> Warehouse:
    path = Path(os.environ.get("PVP_DB_PATH") or get_settings().db_path)
    if path not in _warehouses:
        _warehouses[path] = Warehouse(path)
    return _warehouses[path]


def settings() -> Settings:
    return get_settings()


def _rules_key(s: Settings) -> str:
    """The settings part of a cache key: a result made with other settings is another result."""
    return s.model_dump_json()


# --- dates and loads -------------------------------------------------------------------------


def latest_day() -> date | None:
    wh = warehouse()
    return wh.cached(("latest_day",), lambda: _latest(wh))


def _latest(wh: Warehouse) -> date | None:
    with wh.cursor() as cur:
        return latest_date(cur)


def resolve_as_of(filters: Filters) -> date | None:
    return filters.as_of or latest_day()


def last_loads() -> pd.DataFrame:
    """The latest load of each extract file, and the load log. Not area data: no scope."""
    df = warehouse().df(
        "SELECT load_id, finished_at, source, file, encoding, rows_read, loaded, duplicates, "
        "quarantined, inserted, updated, unchanged FROM load_log ORDER BY load_id DESC, file"
    )
    df["source"] = df["source"].map(redact)  # loads recorded before redaction existed, too
    return df


def newest_load_at() -> datetime | None:
    rows = warehouse().df("SELECT max(finished_at) AS at FROM load_log")
    at = rows["at"].iloc[0] if len(rows) else None
    return None if pd.isna(at) else at.to_pydatetime()


# --- flags and the action list ---------------------------------------------------------------


def _all_flags(as_of: date) -> pd.DataFrame:
    wh = warehouse()
    s = settings()

    def make() -> pd.DataFrame:
        params = bind(FLAGS_SQL, s, as_of=as_of, areas=list(s.areas))
        return wh.df(FLAGS_SQL, params)

    return wh.cached(("flags", as_of, _rules_key(s)), make)


_rows_read: ContextVar[list[int] | None] = ContextVar("rows_read", default=None)


@contextlib.contextmanager
def counting_rows() -> Iterator[list[int]]:
    """Count the case-level rows scoped for the caller inside the block (for the audit log):
    ``with counting_rows() as n: ...; n[0]``."""
    box = [0]
    token = _rows_read.set(box)
    try:
        yield box
    finally:
        _rows_read.reset(token)


def _counted(df: pd.DataFrame) -> pd.DataFrame:
    box = _rows_read.get()
    if box is not None:
        box[0] += len(df)
    return df


def _apply(df: pd.DataFrame, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Scope first (server side), then the browser's narrowing filters."""
    out = df[df["area"].isin(scope.narrow(filters.areas))]
    for column in ("team", "team_type", "officer_id"):
        value = getattr(filters, column)
        if value:
            out = out[out[column] == value]
    return _counted(out)


def flags(scope: Scope, filters: Filters) -> pd.DataFrame:
    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame(columns=list(FLAG_COLUMNS))
    return _apply(_all_flags(as_of), scope, filters)


def flag_counts(scope: Scope, filters: Filters) -> dict[str, tuple[int, int]]:
    """Per flag: (count on the as-of day, change since the day before)."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return {}
    today = _apply(_all_flags(as_of), scope, filters)["flag"].value_counts()
    before = _apply(_all_flags(as_of - timedelta(days=1)), scope, filters)["flag"].value_counts()
    names = ("child_related", *ACTION_FLAGS)
    return {f: (int(today.get(f, 0)), int(today.get(f, 0)) - int(before.get(f, 0))) for f in names}


def _last_entries(as_of: date) -> pd.DataFrame:
    """Per investigation, the last entry by a supervisor rank on or before the day."""
    wh = warehouse()
    s = settings()

    def make() -> pd.DataFrame:
        return wh.df(
            # By the instant: wall-clock times repeat in the hour summer time ends.
            "SELECT investigation_id, arg_max(reviewer_id, reviewed_at_utc) AS last_reviewer, "
            "arg_max(reviewer_rank, reviewed_at_utc) AS last_rank, "
            "arg_max(reviewed_at, reviewed_at_utc) AS last_at, "
            "arg_max(grade, reviewed_at_utc) AS last_grade "
            "FROM review_facts WHERE reviewed_on <= $as_of "
            "AND list_contains($ranks, reviewer_rank) GROUP BY investigation_id",
            {"as_of": as_of, "ranks": list(s.supervisor_ranks)},
        )

    return wh.cached(("last_entries", as_of, _rules_key(s)), make)


def action_list(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every case needing a supervisor on the day, worst first: one row per case and flag."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return _empty_action_list()
    return _apply(_all_actions(as_of), scope, filters)[ACTION_COLUMNS].reset_index(drop=True)


def _all_actions(as_of: date) -> pd.DataFrame:
    """The action list for every area (built once per day and warehouse; scoped by callers)."""

    s = settings()

    def make() -> pd.DataFrame:
        df = _all_flags(as_of)
        df = df[df["flag"].isin(ACTION_FLAGS)].copy()
        df = df.merge(_last_entries(as_of), on="investigation_id", how="left")
        df["flag_words"] = df["flag"].map(FLAG_WORDS)
        df["reasons_words"] = [
            reasons_in_words(codes, s) + ("" if pd.isna(note) else f': "{note}"')
            for codes, note in zip(df["reasons"], df["quoted_note"], strict=True)
        ]
        df["last_entry"] = [
            "none" if pd.isna(at) else f"{who} ({rank}), {at:%d/%m/%Y %H:%M}, {grade}"
            for who, rank, at, grade in zip(
                df["last_reviewer"], df["last_rank"], df["last_at"], df["last_grade"], strict=True
            )
        ]
        df["_order"] = df["flag"].map({flag: i for i, flag in enumerate(ACTION_FLAGS)})
        return df.sort_values(
            ["_order", "days", "investigation_id"], ascending=[True, False, True]
        ).reset_index(drop=True)

    return warehouse().cached(("actions", as_of, _rules_key(s)), make)


ACTION_COLUMNS = [
    "investigation_id", "flag_words", "days", "area", "team", "team_type", "officer_id",
    "last_entry", "reasons_words", "opened_on",
]  # fmt: skip


def _empty_action_list() -> pd.DataFrame:
    return pd.DataFrame(columns=ACTION_COLUMNS)


def filter_options(
    scope: Scope, filters: Filters, wanted: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Choices for the page controls, from the open cases the user may see (supervisors: from
    the quality table, only when ``wanted``)."""
    df = flags(scope, Filters(as_of=filters.as_of, areas=filters.areas))
    out = {
        "area": [a for a in settings().areas if a in scope.areas],
        "team": sorted(df["team"].dropna().unique().tolist()) if len(df) else [],
        "team_type": sorted(df["team_type"].dropna().unique().tolist()) if len(df) else [],
        "officer_id": sorted(df["officer_id"].dropna().unique().tolist()) if len(df) else [],
        "reviewer": [],
    }
    if "reviewer" in wanted:
        who = quality(scope, Filters(as_of=filters.as_of, areas=filters.areas), by="reviewer")
        out["reviewer"] = sorted(who["reviewer_id"].dropna().tolist()) if len(who) else []
    return out


# --- one case ----------------------------------------------------------------------------------


def case_record(scope: Scope, investigation_id: str) -> dict | None:
    """The joined record, or None when it does not exist or is outside the scope."""
    if not scope.areas:
        return None
    s = settings()
    sql = child_cases_sql() + " WHERE investigation_id = $id AND list_contains($areas, area)"
    df = warehouse().df(sql, bind(sql, s, id=investigation_id, areas=list(scope.areas)))
    return None if df.empty else df.iloc[0].to_dict()


def case_entries(scope: Scope, investigation_id: str, as_of: date) -> pd.DataFrame:
    """Every entry on the case's log dated on or before ``as_of``, oldest first (by the
    instant), with its grade and why it does not count (etl/sql/case_entries.sql); empty when
    out of scope."""
    if not scope.areas:
        return pd.DataFrame(columns=["review_id", "does_not_count"])
    sql = CASE_ENTRIES_SQL
    params = bind(
        sql, settings(), as_of=as_of, since=None, areas=list(scope.areas),
        investigation_id=investigation_id,
    )  # fmt: skip
    return warehouse().df(sql, params)


def case_versions(scope: Scope, investigation_id: str) -> pd.DataFrame:
    """Every version of the case's record, oldest first, with the day each became known
    (empty when out of scope: the case's current area decides, as for the case page)."""
    return warehouse().df(
        "SELECT h.version, CASE WHEN h.version > 1 THEN h.valid_from END AS known_from, "
        "h.team, h.team_type, h.area, h.opened_at, h.closed_at "
        "FROM case_history AS h JOIN case_facts AS c USING (investigation_id) "
        "WHERE h.investigation_id = $id AND list_contains($areas, c.area) ORDER BY h.version",
        {"id": investigation_id, "areas": list(scope.areas)},
    )


def review_intervals(
    scope: Scope, as_of: date, investigation_id: str | None = None
) -> pd.DataFrame:
    """Intervals between the entries that count (see etl/sql/review_intervals.sql)."""
    s = settings()
    sql = f"SELECT * FROM ({REVIEW_INTERVALS_SQL}) WHERE list_contains($areas, area)"
    extra = {"as_of_days": [as_of], "areas": list(scope.areas)}
    if investigation_id is not None:
        sql += " AND investigation_id = $id"
        extra["id"] = investigation_id
    return warehouse().df(sql + " ORDER BY investigation_id, started_on", bind(sql, s, **extra))


def case_flags(scope: Scope, investigation_id: str, as_of: date) -> pd.DataFrame:
    df = flags(scope, Filters(as_of=as_of))
    return df[df["investigation_id"] == investigation_id]


# --- child-related overview --------------------------------------------------------------------


def child_cases(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Open child-related cases on the day (from the flags), with reasons in words."""
    df = flags(scope, filters)
    df = df[df["flag"] == "child_related"].copy()
    df["reasons_words"] = [reasons_in_words(r, settings()) for r in df["reasons"]]
    return df


def new_child_cases_by_week(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Child-related investigations opened per week over the 12 months to the as-of day."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame(columns=["week", "team_type", "cases"])
    s = settings()
    sql = child_cases_sql("date_trunc('week', opened_on) AS week, team_type, count(*) AS cases") + (
        " WHERE len(child_reasons) > 0 AND list_contains($areas, area)"
        " AND opened_on > $as_of - INTERVAL 365 DAY AND opened_on <= $as_of"
    )
    params = {"as_of": as_of, "areas": scope.narrow(filters.areas)}
    for column in ("team", "team_type", "officer_id"):
        if getattr(filters, column):
            sql += f" AND {column} = ${column}"
            params[column] = getattr(filters, column)
    sql += " GROUP BY ALL ORDER BY week"
    return warehouse().df(sql, bind(sql, s, **params))


# --- supervision quality -----------------------------------------------------------------------


SHARES = (
    "substantive_share", "partial_share", "thin_share", "repeated_share", "risk_share",
    "actions_share", "plan_share", "next_review_share", "child_share",
)  # fmt: skip


def quality(scope: Scope, filters: Filters, by: str, days: int = 90) -> pd.DataFrame:
    """Per supervisor (``by='reviewer'``), team (``by='team'``) or in all (``by='all'``, one
    row), the entries of the ``days``
    to the as-of day, assessed (etl/sql/entry_quality.sql): counts, grade shares, element
    coverage, median days between entries, and (teams) entries on child cases by
    non-supervisors. Shares under ``min_entries_for_share`` entries are left empty
    (``small_numbers`` says so); ``concern`` (thin or repeated share) sorts the worst first."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame()
    s = settings()
    params = bind(
        ENTRY_QUALITY_SQL, s,
        as_of=as_of, since=as_of - timedelta(days=days), investigation_id=None,
        areas=scope.narrow(filters.areas), team=filters.team, team_type=filters.team_type,
    )  # fmt: skip
    key = ("quality", as_of, days, tuple(params["areas"]), filters.team, filters.team_type,
           _rules_key(s))  # fmt: skip
    both = warehouse().cached(key, lambda: warehouse().df(ENTRY_QUALITY_SQL, params))
    df = both[both["grouping"] == by].drop(columns="grouping").copy()
    keep = {"reviewer": ["reviewer_id", "reviewer_rank"], "team": ["area", "team"], "all": []}[by]
    df = df[[*keep, *[c for c in df.columns if c not in ("reviewer_id", "reviewer_rank",
                                                         "area", "team")]]]  # fmt: skip
    df["small_numbers"] = df["entries"] < s.min_entries_for_share
    df.loc[df["small_numbers"], [*SHARES, "concern"]] = None
    return df.sort_values(
        ["small_numbers", "concern", "entries"], ascending=[True, False, False], na_position="last"
    ).reset_index(drop=True)


def quality_entries(scope: Scope, filters: Filters, days: int = 90) -> pd.DataFrame:
    """The entries behind the quality tables: the ``days`` to the as-of day, in scope, narrowed
    by team, team type and supervisor; with the elements present and missing in words."""
    from etl.assessment import element_words

    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame()
    sql = CASE_ENTRIES_SQL
    params = bind(
        sql, settings(), as_of=as_of, since=as_of - timedelta(days=days), investigation_id=None,
        areas=scope.narrow(filters.areas),
    )  # fmt: skip
    df = warehouse().df(sql, params)
    df = df[df["does_not_count"].isna() | df["does_not_count"].str.startswith("thin").fillna(False)]
    for column in ("team", "team_type", "reviewer"):
        value = getattr(filters, column)
        if value:
            df = df[df["reviewer_id" if column == "reviewer" else column] == value]
    df = df.copy()
    df["elements_words"] = [
        element_words(e, n, shown=True) or "none"
        for e, n in zip(df["elements"], df["n_applicable"], strict=True)
    ]
    df["missing_words"] = [
        element_words(e, n, shown=False)
        for e, n in zip(df["elements"], df["n_applicable"], strict=True)
    ]
    df["repeated_words"] = [
        f"yes, on {int(n) - 1} other cases" if r else "" for r, n in
        zip(df["repeated"].fillna(False), df["repeated_cases"].fillna(0), strict=True)
    ]  # fmt: skip
    return df.sort_values(["reviewed_at"], ascending=False).reset_index(drop=True)


# --- data quality ------------------------------------------------------------------------------


def quarantine(scope: Scope) -> pd.DataFrame:
    """Quarantined rows the user may see: every area the row mentions must be in scope. A row
    mentions its own ``area``, and the area of each loaded record it names: the case, incident
    or review with its id (a ``duplicate_id`` row names the kept row), the case a review is on,
    the incident a case links to. A West user never learns of an East record through it. Rows
    with no recognisable area are shown to force-wide roles only."""
    s = settings()
    everything = set(scope.areas) >= set(s.areas)
    df = warehouse().df(
        """
        WITH q AS (
          SELECT row_number() OVER () AS qid, q.*,
                 json_extract_string(q.raw, '$.area') AS raw_area,
                 json_extract_string(q.raw, '$.investigation_id') AS raw_investigation,
                 json_extract_string(q.raw, '$.incident_id') AS raw_incident
          FROM quarantine AS q),
        mentions AS (
          SELECT qid, raw_area AS area FROM q WHERE raw_area IS NOT NULL
          UNION ALL
          SELECT qid, i.area FROM q JOIN investigations AS i
            ON i.investigation_id IN (q.raw_investigation,
                                      CASE WHEN q.extract = 'investigations' THEN q.record_id END)
          UNION ALL
          SELECT qid, n.area FROM q JOIN incidents AS n
            ON n.incident_id IN (q.raw_incident,
                                 CASE WHEN q.extract = 'incidents' THEN q.record_id END)
          UNION ALL
          SELECT qid, i.area FROM q
            JOIN supervision AS r ON q.extract = 'supervision' AND r.review_id = q.record_id
            JOIN investigations AS i ON i.investigation_id = r.investigation_id),
        judged AS (
          SELECT qid, bool_and(list_contains($areas_lower, lower(trim(area)))) AS all_in_scope
          FROM mentions GROUP BY qid)
        SELECT source, line, record_id, reason, detail, first_load_id, load_id, resolved_load_id
        FROM q LEFT JOIN judged USING (qid)
        WHERE $everything OR coalesce(judged.all_in_scope, false)
        ORDER BY source, line
        """,
        {"areas_lower": [a.lower() for a in scope.areas], "everything": everything},
    )
    return _counted(df)


def quarantine_by_reason(scope: Scope) -> pd.DataFrame:
    df = quarantine(scope)
    if df.empty:
        return pd.DataFrame(columns=["source", "reason", "rows"])
    return df.groupby(["source", "reason"]).size().reset_index(name="rows")


# --- the monthly PVP meeting -------------------------------------------------------------------

DAILY_COMPLIANCE_SQL = Path(__file__).parent.parent / "etl" / "sql" / "daily_compliance.sql"


def month_end(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def default_month() -> date | None:
    """The last month the data covers completely."""
    latest = latest_day()
    if latest is None:
        return None
    this = latest.replace(day=1)
    return this if latest == month_end(this) else add_months(this, -1)


def available_months() -> list[date]:
    """Months from the first opened case to the default month, newest first."""
    last = default_month()
    if last is None:
        return []
    month = first_data_month()
    months = []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months[::-1]


def pvp_monthly(scope: Scope, areas: list[str] | None, first: date, last: date) -> pd.DataFrame:
    """The meeting's headline measures for each month from ``first`` to ``last`` (first days of
    months), replayed with the flags' as-of logic so a past month always gives the same figures.

    compliance_avg: mean over the month's days of the share of open specialist cases within
    the review window of their last DS-or-above review (or opening); compliance_month_end: that
    share on the last day. breaches / breach_median_days: review intervals longer than the
    window that ended in the month or were still running at its end, and their median length
    (days at month end for running ones). response_never_supervised: response child cases never
    supervised at month end. new_response_child, within_1_day, within_7_days: response child
    cases opened in the month, and the share with a supervisor entry within 1 and 7 days of
    opening and by the month's end (entries after it are not known at month end, so a case
    opened on the last day can count only if seen that day). new_child_related: child-related
    cases opened in the month.
    """
    s = settings()
    wanted = scope.narrow(areas)
    start, end = first, month_end(last)
    months = pd.DataFrame({"month": pd.date_range(first, last, freq="MS").date})

    sql = DAILY_COMPLIANCE_SQL.read_text()
    daily = warehouse().df(
        f"SELECT day, avg(within_window::INTEGER) AS share, count(*) AS open_cases "
        f"FROM ({sql}) GROUP BY day ORDER BY day",
        bind(sql, s, start=start, end=end, areas=wanted),
    )
    # Every day of the range, with or without open cases: the month end is the month's last
    # day, not the last day that happened to have an open case.
    every_day = pd.DataFrame({"day": pd.date_range(start, end, freq="D")})
    daily["day"] = pd.to_datetime(daily["day"])
    daily = every_day.merge(daily, on="day", how="left")
    daily["open_cases"] = daily["open_cases"].fillna(0).astype(int)
    daily["month"] = daily["day"].dt.to_period("M").dt.start_time.dt.date
    last_day = daily.groupby("month").tail(1).set_index("month")
    compliance = pd.DataFrame(
        {
            # Over the days with open cases; NaN when no day of the month had any.
            "compliance_avg": daily.groupby("month")["share"].mean(),
            # The last day's share (groupby's "last" would skip a NaN): NaN = nothing open.
            "compliance_month_end": last_day["share"],
            "open_specialist_month_end": last_day["open_cases"],
        }
    )

    # Each month from its own end: the intervals as known then (record versions and entries),
    # those that ended in the month or were still running at its end.
    breach_sql = f"""
        SELECT date_trunc('month', as_of) AS month,
               count(*) FILTER (WHERE days > $review_window_days) AS breaches,
               median(days) FILTER (WHERE days > $review_window_days) AS breach_median_days
        FROM ({REVIEW_INTERVALS_SQL})
        WHERE is_specialist AND list_contains($areas, area)
          AND ended_on >= date_trunc('month', as_of)
        GROUP BY ALL
    """
    month_ends = [month_end(m) for m in months["month"]]
    breaches = warehouse().df(breach_sql, bind(breach_sql, s, as_of_days=month_ends, areas=wanted))
    breaches["month"] = pd.to_datetime(breaches["month"]).dt.date
    breaches = breaches.set_index("month")

    # Each case as known at the end of the month it opened in: a later move does not change it.
    new_sql = child_cases_sql(
        "date_trunc('month', opened_on) AS month, "
        "count(*) FILTER (WHERE list_contains($response_team_types, team_type)) "
        "  AS new_response_child, "
        "avg(CASE WHEN f.first_on <= least(opened_on + 1, last_day(opened_on)) THEN 1 ELSE 0 END) "
        "  FILTER (WHERE list_contains($response_team_types, team_type)) AS within_1_day, "
        "avg(CASE WHEN f.first_on <= least(opened_on + 7, last_day(opened_on)) THEN 1 ELSE 0 END) "
        "  FILTER (WHERE list_contains($response_team_types, team_type)) AS within_7_days, "
        "count(*) AS new_child_related",
        known_on="last_day(opened_on)",
    ) + (
        " LEFT JOIN (SELECT r.investigation_id, min(r.reviewed_on) AS first_on "
        " FROM review_facts AS r JOIN case_facts AS k USING (investigation_id)"
        " WHERE list_contains($supervisor_ranks, r.reviewer_rank)"
        " AND (k.closed_at_utc IS NULL OR r.reviewed_at_utc <= k.closed_at_utc)"
        " GROUP BY ALL) f"
        " USING (investigation_id)"
        " WHERE len(child_reasons) > 0 AND list_contains($areas, area)"
        " AND opened_on BETWEEN $start AND $end GROUP BY ALL"
    )
    new = warehouse().df(new_sql, bind(new_sql, s, start=start, end=end, areas=wanted))
    new["month"] = pd.to_datetime(new["month"]).dt.date
    new = new.set_index("month")

    unsupervised = []
    for month in months["month"]:
        day = month_end(month)
        df = _all_flags(day)
        df = df[df["area"].isin(wanted) & (df["flag"] == "response_unsupervised")]
        unsupervised.append(len(df))
    months["response_never_supervised"] = unsupervised
    out = months.set_index("month").join(compliance).join(breaches).join(new).reset_index()
    for column in ("breaches", "new_response_child", "new_child_related"):
        out[column] = out[column].fillna(0).astype(int)
    # Before the first case there is no figure at all, not a zero.
    out["has_data"] = out["month"] >= first_data_month()
    measures = [c for c in out.columns if c not in ("month", "has_data")]
    out[measures] = out[measures].astype("Float64").where(out["has_data"], pd.NA)
    return out


def first_data_month() -> date:
    """The month of the first opened investigation (as now known); date.max when none."""
    first = warehouse().df("SELECT min(CAST(opened_at AS DATE)) AS d FROM investigations")
    day = first["d"].iloc[0] if len(first) else None
    return date.max if day is None or pd.isna(day) else pd.Timestamp(day).date().replace(day=1)


def pvp_demand(scope: Scope, areas: list[str] | None, first: date, last: date) -> pd.DataFrame:
    """New child-related investigations per month and team type."""
    s = settings()
    sql = child_cases_sql(
        "date_trunc('month', opened_on) AS month, team_type, count(*) AS cases",
        known_on="last_day(opened_on)",
    ) + (
        " WHERE len(child_reasons) > 0 AND list_contains($areas, area)"
        " AND opened_on BETWEEN $start AND $end GROUP BY ALL ORDER BY month, team_type"
    )
    df = warehouse().df(
        sql, bind(sql, s, start=first, end=month_end(last), areas=scope.narrow(areas))
    )
    df["month"] = pd.to_datetime(df["month"]).dt.date
    return df


def longest_waiting(scope: Scope, areas: list[str] | None, day: date, n: int = 10):
    """The open cases that have waited longest for a supervisor on ``day``."""
    df = action_list(scope, Filters(as_of=day, areas=list(areas or [])))
    waiting = {FLAG_WORDS[f] for f in WAITING_FLAGS}
    df = df[df["flag_words"].isin(waiting)]
    return df.sort_values(["days", "investigation_id"], ascending=[False, True]).head(n)


# --- published crime (data.police.uk) ------------------------------------------------------


def published_crime(scope: Scope, areas: list[str] | None, months: int = 12) -> pd.DataFrame:
    """Published crimes and ASB per month and type in the user's (narrowed) areas, over the
    last ``months`` months of the published data. Empty when none is loaded."""
    wanted = scope.narrow(areas)
    with warehouse().cursor() as cur:
        loaded = cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'police_uk_crimes'"
        ).fetchall()[0][0]
        if not loaded:
            return pd.DataFrame(columns=["month", "crime_type", "crimes"])
        return cur.execute(
            "SELECT month, crime_type, count(*) AS crimes FROM police_uk_crimes "
            "WHERE list_contains($areas, area) AND month > "
            "(SELECT max(month) FROM police_uk_crimes) - to_months(CAST($months AS INTEGER)) "
            "GROUP BY ALL ORDER BY month, crimes DESC",
            {"areas": wanted, "months": months},
        ).df()


# --- case audits (dashboard/audits) ------------------------------------------------------------


def audit_candidates(scope: Scope, first: date, last: date) -> pd.DataFrame:
    """Child-related investigations in the scope's areas active between ``first`` and ``last``
    (opened by ``last``, not closed before ``first``): the pool a month's audits are drawn from."""
    s = settings()
    sql = child_cases_sql(
        "investigation_id, area, team, team_type, officer_id, offence, incident_type, "
        "child_reasons, opened_on, closed_on",
        known_on="$last",  # each record as known at the end of the month drawn from
    ) + (
        " WHERE len(child_reasons) > 0 AND list_contains($areas, area)"
        " AND opened_on <= $last AND (closed_on IS NULL OR closed_on >= $first)"
        " ORDER BY area, investigation_id"
    )
    df = warehouse().df(sql, bind(sql, s, first=first, last=last, areas=list(scope.areas)))
    df["child_reasons"] = df["child_reasons"].map(list)
    return df


def case_measures(scope: Scope, investigation_id: str, as_of: date) -> dict:
    """The measured supervision of one case on a day: entries, supervisor entries, thin
    entries, review gaps over the window and the longest interval. Empty when out of scope."""
    s = settings()
    entries = case_entries(scope, investigation_id, as_of)
    supervisor = entries[entries["reviewer_rank"].isin(s.supervisor_ranks)]
    thin = supervisor[supervisor["grade"] == "thin"]
    grades = {g: int((supervisor["grade"] == g).sum()) for g in GRADES}
    grades["repeated"] = int(supervisor["repeated"].fillna(False).sum())
    intervals = review_intervals(scope, as_of, investigation_id)
    breaches = intervals[intervals["is_breach"]] if len(intervals) else intervals
    return {
        "entries": len(entries),
        "supervisor_entries": len(supervisor),
        "thin_entries": len(thin),
        "gaps_over_window": len(breaches),
        "longest_gap_days": int(intervals["days"].max()) if len(intervals) else None,
        "review_window_days": s.review_window_days,
        # The supervisor entries by grade (entry_assessment), beside the human audit grade.
        "entry_grades": grades,
    }
