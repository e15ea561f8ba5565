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

from etl.flags import (
    FLAG_COLUMNS,
    FLAGS_SQL,
    REVIEW_INTERVALS_SQL,
    bind,
    child_cases_sql,
    latest_date,
)
from etl.settings import Settings, get_settings

ACTION_FLAGS = ("ds_review_overdue", "response_unsupervised", "ds_review_due_soon")
FLAG_WORDS = {
    "child_related": "Child-related",
    "ds_review_overdue": "DS review overdue",
    "ds_review_due_soon": "DS review due soon",
    "response_unsupervised": "Response case never supervised",
}
REASON_WORDS = {
    "child_marker": "child marker on the incident",
    "children_present": "children present at the incident",
    "child_victim": "victim under 18",
    "child_suspect": "suspect under 18",
    "specialist_team": "specialist child team",
    "cp_concern": "child-protection concern recorded",
    "no_ds_review_since_opening": "no DS review since opening",
    "since_last_ds_review": "since the last DS review",
}


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

    @classmethod
    def from_store(cls, data: dict | None) -> Filters:
        data = data or {}
        as_of = data.get("as_of")
        areas = data.get("area") or []
        return cls(
            as_of=date.fromisoformat(as_of[:10]) if as_of else None,
            areas=[areas] if isinstance(areas, str) else list(areas),
            team=data.get("team") or None,
            team_type=data.get("team_type") or None,
            officer_id=data.get("officer_id") or None,
        )

    def describe(self) -> dict:
        """For the audit log and export headers."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "areas": self.areas,
            "team": self.team,
            "team_type": self.team_type,
            "officer_id": self.officer_id,
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
    return warehouse().df(
        "SELECT load_id, finished_at, source, file, encoding, rows_read, loaded, duplicates, "
        "quarantined, inserted, updated, unchanged FROM load_log ORDER BY load_id DESC, file"
    )


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

    return wh.cached(("flags", as_of), make)


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
            "SELECT investigation_id, arg_max(reviewer_id, reviewed_at) AS last_reviewer, "
            "arg_max(reviewer_rank, reviewed_at) AS last_rank, max(reviewed_at) AS last_at "
            "FROM review_facts WHERE reviewed_on <= $as_of "
            "AND list_contains($ranks, reviewer_rank) GROUP BY investigation_id",
            {"as_of": as_of, "ranks": list(s.supervisor_ranks)},
        )

    return wh.cached(("last_entries", as_of), make)


def reasons_in_words(codes: str) -> str:
    return "; ".join(REASON_WORDS.get(c, c) for c in str(codes or "").split(";") if c)


def action_list(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every case needing a supervisor on the day, worst first: one row per case and flag."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return _empty_action_list()
    return _apply(_all_actions(as_of), scope, filters)[ACTION_COLUMNS].reset_index(drop=True)


def _all_actions(as_of: date) -> pd.DataFrame:
    """The action list for every area (built once per day and warehouse; scoped by callers)."""

    def make() -> pd.DataFrame:
        df = _all_flags(as_of)
        df = df[df["flag"].isin(ACTION_FLAGS)].copy()
        df = df.merge(_last_entries(as_of), on="investigation_id", how="left")
        df["flag_words"] = df["flag"].map(FLAG_WORDS)
        df["reasons_words"] = df["reasons"].map(reasons_in_words)
        df["last_entry"] = [
            "none" if pd.isna(at) else f"{who} ({rank}), {at:%d/%m/%Y %H:%M}"
            for who, rank, at in zip(
                df["last_reviewer"], df["last_rank"], df["last_at"], strict=True
            )
        ]
        order = {"ds_review_overdue": 0, "response_unsupervised": 1, "ds_review_due_soon": 2}
        df["_order"] = df["flag"].map(order)
        return df.sort_values(
            ["_order", "days", "investigation_id"], ascending=[True, False, True]
        ).reset_index(drop=True)

    return warehouse().cached(("actions", as_of), make)


ACTION_COLUMNS = [
    "investigation_id", "flag_words", "days", "area", "team", "team_type", "officer_id",
    "last_entry", "reasons_words", "opened_on",
]  # fmt: skip


def _empty_action_list() -> pd.DataFrame:
    return pd.DataFrame(columns=ACTION_COLUMNS)


def filter_options(scope: Scope, filters: Filters) -> dict[str, list[str]]:
    """Choices for the page controls, from the open cases the user may see."""
    df = flags(scope, Filters(as_of=filters.as_of, areas=filters.areas))
    return {
        "area": [a for a in settings().areas if a in scope.areas],
        "team": sorted(df["team"].dropna().unique().tolist()) if len(df) else [],
        "team_type": sorted(df["team_type"].dropna().unique().tolist()) if len(df) else [],
        "officer_id": sorted(df["officer_id"].dropna().unique().tolist()) if len(df) else [],
    }


# --- one case ----------------------------------------------------------------------------------


def case_record(scope: Scope, investigation_id: str) -> dict | None:
    """The joined record, or None when it does not exist or is outside the scope."""
    if not scope.areas:
        return None
    s = settings()
    sql = child_cases_sql() + " WHERE investigation_id = $id AND list_contains($areas, area)"
    df = warehouse().df(sql, bind(sql, s, id=investigation_id, areas=list(scope.areas)))
    return None if df.empty else df.iloc[0].to_dict()


def case_entries(scope: Scope, investigation_id: str) -> pd.DataFrame:
    """Every entry on the case's log, oldest first; empty when out of scope."""
    return warehouse().df(
        "SELECT r.review_id, r.reviewed_at, r.reviewed_on, r.reviewer_id, r.reviewer_rank, "
        "r.review_type, r.actions_set, r.note FROM review_facts AS r "
        "JOIN case_facts AS c USING (investigation_id) "
        "WHERE r.investigation_id = $id AND list_contains($areas, c.area) ORDER BY r.reviewed_at",
        {"id": investigation_id, "areas": list(scope.areas)},
    )


def review_intervals(
    scope: Scope, as_of: date, investigation_id: str | None = None
) -> pd.DataFrame:
    """Intervals between the entries that count (see etl/sql/review_intervals.sql)."""
    s = settings()
    sql = f"SELECT * FROM ({REVIEW_INTERVALS_SQL}) WHERE list_contains($areas, area)"
    extra = {"as_of": as_of, "areas": list(scope.areas)}
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
    df["reasons_words"] = df["reasons"].map(reasons_in_words)
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


def quality(scope: Scope, filters: Filters, by: str, days: int = 90) -> pd.DataFrame:
    """Per supervisor (``by='reviewer'``) or team (``by='team'``), entries in the ``days`` to
    the as-of day: count, median days between a case's entries, share of thin entries, and
    (per team) share of entries on child-related cases made by non-supervisors."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame()
    s = settings()
    group = {"reviewer": "r.reviewer_id, r.reviewer_rank", "team": "c.area, c.team"}[by]
    sql = f"""
        WITH entries AS (
          SELECT r.*, c.area, c.team, c.team_type, len(c.child_reasons) > 0 AS child_related,
                 date_diff('day', lag(r.reviewed_on) OVER (
                   PARTITION BY r.investigation_id ORDER BY r.reviewed_at), r.reviewed_on)
                   AS days_since_previous
          FROM review_facts AS r JOIN ({child_cases_sql()}) AS c USING (investigation_id)
          WHERE r.reviewed_on <= $as_of AND list_contains($areas, c.area)
        )
        SELECT {group.replace("r.", "").replace("c.", "")},
               count(*) AS entries,
               count(DISTINCT investigation_id) AS cases,
               median(days_since_previous) AS median_days_between,
               avg(CASE WHEN coalesce(actions_set, 0) = 0
                         AND length(coalesce(note, '')) < $thin THEN 1 ELSE 0 END) AS thin_share,
               avg(CASE WHEN NOT list_contains($supervisor_ranks, reviewer_rank) THEN 1 ELSE 0 END)
                 FILTER (WHERE child_related) AS non_supervisor_share_child
        FROM entries
        WHERE reviewed_on > $as_of - to_days(CAST($days AS INTEGER))
        {"AND list_contains($supervisor_ranks, reviewer_rank)" if by == "reviewer" else ""}
        {"AND team = $team" if filters.team else ""}
        {"AND team_type = $team_type" if filters.team_type else ""}
        GROUP BY ALL ORDER BY entries DESC
    """
    params = {
        "as_of": as_of,
        "areas": scope.narrow(filters.areas),
        "thin": s.thin_note_chars,
        "days": days,
        "team": filters.team,
        "team_type": filters.team_type,
    }
    return warehouse().df(sql, bind(sql, s, **params))


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
        SELECT source, line, record_id, reason, detail, first_load_id, load_id
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
    first = warehouse().df("SELECT min(CAST(opened_at AS DATE)) AS d FROM investigations")
    month = pd.Timestamp(first["d"].iloc[0]).date().replace(day=1)
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
    daily["month"] = pd.to_datetime(daily["day"]).dt.to_period("M").dt.start_time.dt.date
    compliance = daily.groupby("month").agg(
        compliance_avg=("share", "mean"),
        compliance_month_end=("share", "last"),
        open_specialist_month_end=("open_cases", "last"),
    )

    breach_sql = f"""
        WITH iv AS (SELECT * FROM ({REVIEW_INTERVALS_SQL})
                    WHERE is_specialist AND list_contains($areas, area)),
             months AS (
               SELECT CAST(m AS DATE) AS month,
                      CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS last_day
               FROM range(CAST($first AS TIMESTAMP), CAST($as_of AS TIMESTAMP),
                          INTERVAL 1 MONTH) AS t(m)),
             at_month AS (
               SELECT m.month,
                      CASE WHEN iv.ended_on <= m.last_day THEN iv.days
                           ELSE date_diff('day', iv.started_on, m.last_day) END AS days_then
               FROM months AS m JOIN iv
                 ON iv.started_on <= m.last_day AND iv.ended_on >= m.month)
        SELECT month, count(*) FILTER (WHERE days_then > $review_window_days) AS breaches,
               median(days_then) FILTER (WHERE days_then > $review_window_days)
                 AS breach_median_days
        FROM at_month GROUP BY month
    """
    breaches = warehouse().df(breach_sql, bind(breach_sql, s, as_of=end, first=first, areas=wanted))
    breaches["month"] = pd.to_datetime(breaches["month"]).dt.date
    breaches = breaches.set_index("month")

    new_sql = child_cases_sql(
        "date_trunc('month', opened_on) AS month, "
        "count(*) FILTER (WHERE list_contains($response_team_types, team_type)) "
        "  AS new_response_child, "
        "avg(CASE WHEN f.first_on <= least(opened_on + 1, last_day(opened_on)) THEN 1 ELSE 0 END) "
        "  FILTER (WHERE list_contains($response_team_types, team_type)) AS within_1_day, "
        "avg(CASE WHEN f.first_on <= least(opened_on + 7, last_day(opened_on)) THEN 1 ELSE 0 END) "
        "  FILTER (WHERE list_contains($response_team_types, team_type)) AS within_7_days, "
        "count(*) AS new_child_related"
    ) + (
        " LEFT JOIN (SELECT investigation_id, min(reviewed_on) AS first_on FROM review_facts "
        " WHERE list_contains($supervisor_ranks, reviewer_rank) GROUP BY investigation_id) f"
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
    return out


def pvp_demand(scope: Scope, areas: list[str] | None, first: date, last: date) -> pd.DataFrame:
    """New child-related investigations per month and team type."""
    s = settings()
    sql = child_cases_sql(
        "date_trunc('month', opened_on) AS month, team_type, count(*) AS cases"
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
    df = df[df["flag_words"] != FLAG_WORDS["ds_review_due_soon"]]
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
