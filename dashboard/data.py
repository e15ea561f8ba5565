"""The only module that reads the warehouse: its connection, and ``query(name, scope, ...)``.

Every question is a query file (etl/sql/queries/<name>.sql, see etl/queries.py). ``query``
binds the signed-in user's areas to ``$areas`` itself, narrowed by what the browser asked
for: a browser can only narrow what it asks for, never widen it, and no query can forget the
scope (it refuses a query that does not filter by ``$areas``). A case outside the scope is
answered exactly like a case that does not exist (``None``).

The functions below it are the questions pages and panels ask, each one query plus the
pandas that shapes its answer; the words come from dashboard/words.py and the PVP measures
from dashboard/measures.py.

The warehouse is opened read-only, once per process; when the file is swapped by a load (new
inode or mtime) the next call reconnects, so a refresh needs no restart.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import astuple
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from dashboard import measures, words
from dashboard.measures import add_months, month_end
from dashboard.scope import Filters, Scope
from dashboard.words import ACTION_FLAGS, FLAG_WORDS, FLAGS, GRADES, WAITING_FLAGS, reasons_in_words
from etl import check_days, child_cases_now, custody_days, daily, last_entries, queries
from etl.flags import FLAG_COLUMNS, day_given, day_query, latest_date, one_day
from etl.redact import redact
from etl.settings import Settings, get_settings
from etl.warehouse import create_schema, has_table

__all__ = ["Filters", "Scope", "add_months", "month_end", "query"]

T = TypeVar("T")


class NoWarehouse(Exception):
    """No warehouse file yet."""


class OutdatedWarehouse(NoWarehouse):
    """A warehouse an earlier version of the loader built: it lacks tables or columns this
    version reads (after an upgrade, before the next load). Pages say so instead of failing
    on the first query that reads one; a load makes it current."""


@cache
def _expected_columns() -> frozenset[tuple[str, str]]:
    """Every (table, column) of the base schema this version's loader makes."""
    con = duckdb.connect()
    try:
        create_schema(con)
        return frozenset(con.execute(_COLUMNS_SQL).fetchall())
    finally:
        con.close()


_COLUMNS_SQL = (
    "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()"
)


def schema_lacking(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What of the base schema an extracts warehouse lacks ("table.column"), if anything."""
    have = set(con.execute(_COLUMNS_SQL).fetchall())
    if not any(table == "load_log" for table, _ in have):
        return []  # not an extracts warehouse (e.g. published crime alone)
    return sorted(f"{table}.{column}" for table, column in _expected_columns() - have)


class Warehouse:
    """A read-only connection that follows the file when a load swaps it."""

    def __init__(
        self, path: Path, cache_bytes: int = 128 * 2**20, duckdb_mb: int | None = None
    ) -> None:
        self.path = Path(path)
        self._duckdb_mb = duckdb_mb
        self._con: duckdb.DuckDBPyConnection | None = None
        self._ident: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        # Bounded by size, not count: one day's list for a force is megabytes, a card's count
        # bytes; 64 entries held 340 MB of a force sample's worker (cache_mb).
        self._sizes: dict[tuple, int] = {}
        self._cache_bytes = cache_bytes
        # Results being made, by key: a second thread asking waits for the first's.
        self._making: dict[tuple, _Making] = {}
        # What an outdated file lacks, for the file it was found in (checked once per file).
        self.outdated: list[str] = []
        self._outdated_ident: tuple[int, int] | None = None

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
            if ident == self._outdated_ident:
                raise OutdatedWarehouse(", ".join(self.outdated))
            if ident != self._ident or self._con is None:
                if self._con is not None:
                    self._con.close()
                    self._con = None
                con = duckdb.connect(str(self.path), read_only=True)
                if self._duckdb_mb is not None:
                    _bound_memory(con, self._duckdb_mb)
                lacking = schema_lacking(con)
                if lacking:
                    con.close()
                    self.outdated, self._outdated_ident = lacking, ident
                    raise OutdatedWarehouse(", ".join(lacking))
                self._con, self._ident = con, ident
                self.outdated, self._outdated_ident = [], None
                self._cache.clear()
                self._sizes.clear()
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
        """Memoise a result for this version of the file (the key says what was asked); one
        larger than half the budget is given but not kept. Asked again while it is being
        made (a browser sends a page's callbacks at once, and Today's cards, list and filters
        all need the day's flags), the second thread waits for the first's result instead of
        making it too; if the first fails, it makes it itself."""
        full_key = (self.version, *key)
        with self._lock:
            if full_key in self._cache:
                self._cache.move_to_end(full_key)
                return self._cache[full_key]
            making = self._making.get(full_key)
            if making is None:
                self._making[full_key] = mine = _Making()
        if making is not None:
            making.done.wait()
            return making.value if making.made else make()
        try:
            value = make()
            size = _size_of(value)
            mine.value, mine.made = value, True
        finally:
            with self._lock:
                # Kept before it stops being made, so no one between makes it again. One over
                # half the budget is not kept: it would push out everything else (ten years'
                # quarantined rows are 190 MB against 128), and the next result it in turn.
                if mine.made and size <= self._cache_bytes // 2:
                    self._cache[full_key] = value
                    self._sizes[full_key] = size
                    while len(self._cache) > 1 and sum(self._sizes.values()) > self._cache_bytes:
                        oldest, _ = self._cache.popitem(last=False)
                        self._sizes.pop(oldest, None)
                self._making.pop(full_key, None)
            mine.done.set()
        return value

    def keeps(self, key: tuple) -> bool:
        """Whether a result for ``key`` is kept for this version of the file."""
        with self._lock:
            return (self.version, *key) in self._cache

    @property
    def cached_bytes(self) -> int:
        return sum(self._sizes.values())


def _bound_memory(con: duckdb.DuckDBPyConnection, mb: int) -> None:
    """Hold this process's DuckDB to ``mb`` (``duckdb_mb``). Unbounded, it keeps every block of
    the file it has read: 285 MB of a ten-year warehouse after 60 filter changes, most of what
    put a worker over 500 MB (docs/benchmarks.md, session 23). A query needing more than the
    limit spills to a folder only this process can read, removed when it stops; the settings
    are the database's, so every connection to the file in the process shares them."""
    con.execute(f"SET memory_limit = '{int(mb)}MB'")
    con.execute("SET temp_directory = ?", [str(_spill_dir())])


@cache
def _spill_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="pvp-duckdb-"))  # mode 0700
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


class _Making:
    """A result one thread is making for ``Warehouse.cached``; others wait on ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.made = False
        self.value: object = None


def _holds_objects(dtype) -> bool:
    """A column of Python objects (text, lists) whose values live outside its array."""
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "python"
    return dtype.kind == "O"


def _size_of(value) -> int:
    """About how much memory a cached result holds: a frame's columns, its text estimated from
    a sample of values (measuring every string costs more than a small query)."""
    if not isinstance(value, pd.DataFrame):
        return 1024
    rows = len(value)
    size = int(value.index.memory_usage())
    # Each column's array read once (memory_usage and a Series per column cost a first visit
    # to a day 12 ms over the ~19 frames it keeps).
    for _, column in value.items():
        values = column.array
        size += int(values.nbytes)
        if rows and _holds_objects(column.dtype):
            # 32 values estimate a column well enough for a cache bound.
            sample = values[: min(rows, 32)]
            size += int(sum(map(sys.getsizeof, sample)) / len(sample) * rows)
    return size


_warehouses: dict[Path, Warehouse] = {}


def warehouse() -> Warehouse:
    """The warehouse the settings name (``db_path``; ``--db`` on the command line)."""
    path = Path(settings().db_path)
    if path not in _warehouses:
        s = settings()
        _warehouses[path] = Warehouse(path, s.cache_mb * 2**20, s.duckdb_mb)
    return _warehouses[path]


_configured: Settings | None = None


def configure(resolved: Settings) -> None:
    """The settings the dashboard runs with, resolved once at start-up (app.py, the command
    line, a pack job) and read by every module through ``settings()``."""
    global _configured
    _configured = resolved


def settings() -> Settings:
    """The running settings (a test replaces this function to run with other settings)."""
    return _configured if _configured is not None else get_settings()


def _rules_key(s: Settings) -> str:
    """The settings part of a cache key: a result made with other settings is another result."""
    return s.model_dump_json()


# --- the one way in ----------------------------------------------------------------------------


def query(name: str, scope: Scope, areas: list[str] | str | None = None, **given) -> pd.DataFrame:
    """Run the query file ``name`` for ``scope``. ``$areas`` is bound here to the scope's areas
    narrowed by ``areas`` (what the page asked for: it can only narrow); every setting the
    query names comes from the settings; ``given`` supplies the rest (days, ids)."""
    return query_text(queries.sql(name), name, scope, areas, **given)


def query_text(
    text: str, name: str, scope: Scope, areas: list[str] | str | None = None, **given
) -> pd.DataFrame:
    """``query`` for the text of query ``name`` as the caller has it (one of its includes read
    from the load's table: ``queries.answered_by_table``)."""
    if "areas" not in queries.wanted(text):
        raise ValueError(f"{name}.sql does not filter by $areas: use unscoped() for it")
    values = queries.params(text, settings(), **given, areas=scope.narrow(areas))
    return warehouse().df(text, values)


def _rule_read(name: str, left_out: str | None) -> tuple[str, str]:
    """Query ``name``'s text, with its include ``left_out`` left out when one is named
    (``queries.left_out``), and the name its results are kept under: one of its own for each
    reading, so a result without the include never answers a reader that shows it."""
    if left_out is None:
        return queries.sql(name), name
    return queries.left_out(name, left_out), f"{name} without {left_out}"


def cached_query(
    name: str, scope: Scope, areas: list[str] | str | None = None, **given
) -> pd.DataFrame:
    """``query``, memoised for this version of the warehouse and these settings (the Today
    page asks the same flags for the cards, the list and the filters). Do not modify it."""
    key = _query_key(name, scope, areas, **given)
    return warehouse().cached(key, lambda: query(name, scope, areas, **given))


def _query_key(name: str, scope: Scope, areas: list[str] | str | None = None, **given) -> tuple:
    """What ``cached_query`` keeps a result under."""
    return (name, tuple(scope.narrow(areas)), repr(sorted(given.items())), _rules_key(settings()))


def unscoped(name: str) -> pd.DataFrame:
    """A query over what is not area data (the load log, the first month of data)."""
    text = queries.sql(name)
    if "areas" in queries.wanted(text):
        raise ValueError(f"{name}.sql filters by $areas: use query() for it")
    return warehouse().df(text, queries.params(text, settings()))


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
    df = unscoped("loads")
    df["source"] = df["source"].map(redact)  # loads recorded before redaction existed, too
    return df


def newest_load_at() -> datetime | None:
    rows = unscoped("newest_load")
    at = rows["at"].iloc[0] if len(rows) else None
    return None if pd.isna(at) else at.to_pydatetime()


def stale_load(newest: datetime, now: datetime, limit_hours: float) -> str | None:
    """What is wrong with data whose newest load finished at ``newest``, in words, when that
    is more than ``limit_hours`` (the ``stale_data_hours`` setting) before ``now``; None
    when it is recent enough. Every page's banner and the digest say it this way."""
    hours = (now - newest).total_seconds() / 3600
    if hours <= limit_hours:
        return None
    return (
        f"the newest load finished {newest:%d/%m/%Y %H:%M}, {hours:.0f} hours ago "
        f"(more than {limit_hours})"
    )


def local_now() -> datetime:
    """Now in the force's zone (the ``timezone`` setting), to the second and without an
    offset: how the application database stores when people acted."""
    zone = ZoneInfo(settings().timezone)
    return datetime.now(zone).replace(microsecond=0, tzinfo=None)


# --- flags and the action list ---------------------------------------------------------------


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
    _count_rows(len(df))
    return df


def _count_rows(n: int) -> None:
    box = _rows_read.get()
    if box is not None:
        box[0] += n


def _kept_for_choice(name: str, scope: Scope, filters: Filters, make: Callable[[], T]) -> T:
    """``make()`` kept per warehouse file, settings, the user's areas and the page's whole
    choice of filters: a page going back to a choice, or a second user of the same areas,
    reads it from memory (on a day already read, these small results cost a filter change a
    fifth of its CPU in pandas). The case-level rows it read are counted again each time it is
    used, so the audit log's rows_read is the same either way. Do not modify the value."""
    key = (name, tuple(scope.areas), repr(astuple(filters)), _rules_key(settings()))

    def made() -> tuple[T, int]:
        with counting_rows() as rows:
            value = make()
        return value, rows[0]

    value, rows = warehouse().cached(key, made)
    _count_rows(rows)
    return value


# The columns the page's filters narrow a day's rows by: the area, then those a filter names.
NARROWED_BY = ["area", "team", "team_type", "officer_id"]


def _narrowed(df: pd.DataFrame, scope: Scope, filters: Filters) -> pd.DataFrame:
    """The browser's narrowing filters on a result scoped in SQL to all the user's areas: the
    page's area filter too is applied here, so the Today page's area choices share one
    (cached) query per day and user scope. It can only narrow."""
    if filters.areas:
        df = df[df["area"].isin(scope.narrow(filters.areas))]
    for column in NARROWED_BY[1:]:  # the area is narrowed above, within the scope
        value = getattr(filters, column)
        if value:
            df = df[df[column] == value]
    return df


def day_flags(scope: Scope, as_of: date) -> pd.DataFrame:
    """The day's flags for all the user's areas, kept per warehouse file, day and scope: read
    from the spans the load materialised when they hold the day with these settings (a range
    filter, however long the history), else flags.sql run for the day (etl/flags.py). Do not
    modify it."""
    s = settings()

    def make() -> pd.DataFrame:
        name = day_query(_holds(daily.through, as_of))
        return one_day(query(name, scope, **day_given(name, as_of)))

    return warehouse().cached(("day_flags", as_of, tuple(scope.areas), _rules_key(s)), make)


def _holds(through: Callable, as_of: date) -> bool:
    """Whether what the load materialised holds ``as_of`` (and so every day before it) with
    the running settings: ``through`` is ``daily.through`` (the flags' spans),
    ``check_days.through`` (the checks' runs), ``last_entries.through`` (the last entries'
    runs), ``custody_days.through`` (Today's custody checks of every day) or
    ``child_cases_now.through`` (the cases as now known; ``date.max`` when it holds
    them), asked once per warehouse file."""
    s = settings()

    def make() -> date | None:
        with warehouse().cursor() as cur:
            return through(cur, s)

    last = warehouse().cached(("holds_through", through.__module__, _rules_key(s)), make)
    return last is not None and as_of <= last


def _flags_on(scope: Scope, filters: Filters, as_of: date) -> pd.DataFrame:
    return _counted(_narrowed(day_flags(scope, as_of), scope, filters))


def flags(scope: Scope, filters: Filters) -> pd.DataFrame:
    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame(columns=list(FLAG_COLUMNS))
    return _flags_on(scope, filters, as_of)


def flag_counts(scope: Scope, filters: Filters) -> dict[str, tuple[int, int]]:
    """Per flag: (count on the as-of day, change since the day before): counted over the load's
    spans when they hold the day with these settings (flag_counts_on_days.sql), else by
    counting the two days' rows. Kept per choice (``_kept_for_choice``)."""
    return _kept_for_choice("flag_counts", scope, filters, lambda: _flag_counts(scope, filters))


def _flag_counts(scope: Scope, filters: Filters) -> dict[str, tuple[int, int]]:
    as_of = resolve_as_of(filters)
    if as_of is None:
        return {}
    yesterday = as_of - timedelta(days=1)
    if _holds(daily.through, as_of):
        counted = cached_query(
            "flag_counts_on_days", scope, filters.areas, as_of_days=[yesterday, as_of],
            team=filters.team, team_type=filters.team_type, officer_id=filters.officer_id,
        )  # fmt: skip
        _count_rows(int(counted["cases"].sum()))  # the rows behind the counts, as below
        by_day = counted.groupby(["as_of", "flag"])["cases"].sum()
        today = by_day.get(pd.Timestamp(as_of), pd.Series(dtype=int))
        before = by_day.get(pd.Timestamp(yesterday), pd.Series(dtype=int))
    else:
        today = _flags_on(scope, filters, as_of)["flag"].value_counts()
        before = _flags_on(scope, filters, yesterday)["flag"].value_counts()
    return {f: (int(today.get(f, 0)), int(today.get(f, 0)) - int(before.get(f, 0))) for f in FLAGS}


def action_list(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every case needing a supervisor on the day, worst first (the order of flags.sql): one
    row per case and flag."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return _empty_action_list()
    df = _narrowed(_actions(scope, as_of), scope, filters)
    df = _counted(_with_follow_ups(df, scope, filters, as_of))
    return df[ACTION_COLUMNS].reset_index(drop=True)


def _with_follow_ups(df: pd.DataFrame, scope: Scope, filters: Filters, as_of: date):
    """The latest follow-up of each case (from the application database, never cached: a
    manager's own follow-up shows at once), and the list's "Follow-up" choice: by default the
    cases whose "remind me on" day, set by the user asking, is still ahead are hidden."""
    from dashboard import followup
    from dashboard.audits import app_db, app_db_exists

    if app_db_exists():
        made = followup.latest(app_db(), scope.narrow(filters.areas), as_of, scope.username)
    else:
        made = pd.DataFrame(columns=followup.FOLLOW_UP_COLUMNS)
    df = df.merge(made, on="investigation_id", how="left")
    df["follow_up"] = df["follow_up"].fillna("")
    acted = df["follow_up_kind"].notna()
    reminder = pd.to_datetime(df["my_remind_on"])
    waiting = acted & reminder.notna() & (reminder > pd.Timestamp(as_of))
    shown = {"not_acted": ~acted, "acted": acted, "all": acted | ~acted}
    return df[shown.get(filters.follow_up, ~waiting)]


def _actions(scope: Scope, as_of: date) -> pd.DataFrame:
    """The action list for the scope's areas, built once per day, scope and warehouse."""
    s = settings()

    def make() -> pd.DataFrame:
        df = day_flags(scope, as_of)
        df = df[df["flag"].isin(ACTION_FLAGS)]
        flagged = sorted(df["investigation_id"].unique())
        # From the runs the load made when they were made with these settings: a range of
        # one table, where asking every entry before the day grows with the history.
        name = (
            "last_entry_on_day" if _holds(last_entries.through, as_of) else "last_supervisory_entry"
        )
        last = query(name, scope, as_of=as_of, investigation_ids=flagged).drop(columns="area")
        df = df.merge(last, on="investigation_id", how="left")
        df["flag_words"] = df["flag"].map(FLAG_WORDS)
        # Plain lists, and each distinct set of reasons put in words once: a first visit to a
        # day formats thousands of rows (iterating Series cost more than the query). A text
        # column's missing values come out of tolist() as NaN, never as text: isinstance is the
        # test (pd.isna per value cost a first visit 5 ms).
        words_of: dict = {}
        df["reasons_words"] = [
            (words_of[codes] if codes in words_of
             else words_of.setdefault(codes, reasons_in_words(codes, s)))
            + (f': "{note}"' if isinstance(note, str) else "")
            for codes, note in zip(df["reasons"].tolist(), df["quoted_note"].tolist(), strict=True)
        ]  # fmt: skip
        who, rank = df["last_reviewer"].tolist(), df["last_rank"].tolist()
        at = pd.to_datetime(df["last_at"])
        shown_at = at.dt.strftime("%d/%m/%Y %H:%M").tolist()
        df["last_entry"] = [
            f"{w} ({r}), {t}, {g}" if isinstance(w, str) else "none"
            for w, r, t, g in zip(who, rank, shown_at, df["last_grade"].tolist(), strict=True)
        ]
        # The list's own columns: when, who and how well, each readable on its own.
        df["last_on"] = at.dt.date
        df["last_by"] = [
            f"{w} ({r})" if isinstance(w, str) else "none" for w, r in zip(who, rank, strict=True)
        ]
        return df

    key = ("actions", as_of, tuple(scope.areas), _rules_key(s))
    return warehouse().cached(key, make)


ACTION_COLUMNS = [
    "investigation_id", "flag_words", "follow_up", "days", "due_on", "last_on", "last_by",
    "last_grade", "reasons_words", "area", "team", "team_type", "officer_id", "opened_on",
    "last_entry",
]  # fmt: skip


def _empty_action_list() -> pd.DataFrame:
    return pd.DataFrame(columns=ACTION_COLUMNS)


def filter_options(
    scope: Scope, filters: Filters, wanted: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Choices for the page controls, from the open cases the user may see (supervisors: from
    the quality table, only when ``wanted``). Kept per choice (``_kept_for_choice``)."""
    return _kept_for_choice(
        f"filter_options {wanted}", scope, filters, lambda: _filter_options(scope, filters, wanted)
    )


def _filter_options(scope: Scope, filters: Filters, wanted: tuple[str, ...]) -> dict:
    df = flags(scope, Filters(as_of=filters.as_of, areas=filters.areas))

    def choices(col: str, narrowed_by: tuple[str, ...]) -> list[str]:
        """``col``'s values among the cases the other chosen controls leave (an officer list
        narrowed by the chosen team, so the first officer listed has cases)."""
        rows = df
        for other in narrowed_by:
            chosen = getattr(filters, other)
            if chosen:
                rows = rows[rows[other] == chosen]
        return sorted(rows[col].dropna().unique().tolist()) if len(rows) else []

    out = {
        "area": [a for a in settings().areas if a in scope.areas],
        "team": choices("team", ("team_type",)),
        "team_type": choices("team_type", ()),
        "officer_id": choices("officer_id", ("team", "team_type")),
        "reviewer": [],
    }
    if "reviewer" in wanted:
        who = quality(scope, Filters(as_of=filters.as_of, areas=filters.areas), by="reviewer")
        out["reviewer"] = sorted(who["reviewer_id"].dropna().tolist()) if len(who) else []
    return out


# --- one case ----------------------------------------------------------------------------------


def case_record(
    scope: Scope, investigation_id: str, as_of: date | None = None, known_on: date | None = None
) -> dict | None:
    """The joined record as now known, or None when it does not exist or is outside the scope.
    With ``as_of``, a case that has left the scope's areas is given as it was that day if the
    scope held it then; with ``known_on``, the record as known that day, whatever came later
    (case_record.sql)."""
    df = query(
        "case_record", scope, investigation_id=investigation_id, as_of=as_of, known_on=known_on
    )
    return None if df.empty else df.iloc[0].to_dict()


def case_scope(scope: Scope, investigation_id: str, as_of: date) -> Scope | None:
    """Whom the case page reads one case for, on ``as_of`` (case_areas.sql): the user's scope
    holding the case now reads its past under whichever area held it that day (a moved case
    keeps its log); one holding it only that day reads that day's area alone, and the record as
    it was then (case_record with ``as_of``). None: neither, the page says not found. Every
    case-page reader filters to the case, so the added area shows nothing else of it."""
    df = query("case_areas", scope, investigation_id=investigation_id, as_of=as_of)
    if df.empty:
        return None
    now, then = df.iloc[0]["current_area"], df.iloc[0]["day_area"]
    areas = [a for a in (now, then) if isinstance(a, str)]  # now: NULL when not the user's
    return Scope(scope.username, scope.role, tuple(dict.fromkeys(areas)))


def case_entries(scope: Scope, investigation_id: str, as_of: date) -> pd.DataFrame:
    """Every entry on the case's log dated on or before ``as_of``, oldest first (by the
    instant), with its grade and why it does not count (case_entries.sql); empty when out of
    scope."""
    return query("case_entries", scope, as_of=as_of, since=None, investigation_id=investigation_id)


def case_versions(scope: Scope, investigation_id: str) -> pd.DataFrame:
    """Every version of the case's record, oldest first, with the day each became known
    (empty when out of scope: the case's current area decides, as for the case page)."""
    df = query("case_versions", scope, investigation_id=investigation_id)
    return df.drop(columns="current_area")


def review_intervals(
    scope: Scope, as_of: date, investigation_id: str | None = None
) -> pd.DataFrame:
    """Intervals between the entries that count (review_intervals.sql)."""
    return query(
        "review_intervals", scope, as_of_days=[as_of], investigation_id=investigation_id,
        open_in_month=False,
    )  # fmt: skip


def case_flags(scope: Scope, investigation_id: str, as_of: date) -> pd.DataFrame:
    df = flags(scope, Filters(as_of=as_of))
    return df[df["investigation_id"] == investigation_id]


# --- child-related overview --------------------------------------------------------------------


def _choice(scope: Scope, filters: Filters) -> tuple:
    """What ``_narrowed`` narrows by: with the day and the scope, the key of a result kept per
    choice of the page's filters."""
    return tuple(scope.narrow(filters.areas)), filters.team, filters.team_type, filters.officer_id


def child_cases(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Open child-related cases on the day (from the flags), with reasons in words; kept per
    day, scope and choice of filters (the page's three panels and its list each ask it, and
    an area chosen again costs nothing). Do not modify it."""
    as_of = resolve_as_of(filters)
    s = settings()

    def make() -> pd.DataFrame:
        df = _narrowed(day_flags(scope, as_of), scope, filters) if as_of else flags(scope, filters)
        df = df[df["flag"] == "child_related"].copy()
        # A few combinations of reasons among thousands of cases: each put in words once.
        df["reasons_words"] = df["reasons"].map(
            {r: reasons_in_words(r, s) for r in df["reasons"].unique()}
        )
        return df

    key = ("child_cases", as_of, tuple(scope.areas), _choice(scope, filters), _rules_key(s))
    return _counted(warehouse().cached(key, make))


def new_child_cases_by_week(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Child-related investigations opened per week (Monday) over the 365 days to the as-of
    day, by team type: the first and last weeks hold only the days inside the window."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame(columns=["week", "team_type", "cases"])

    def make() -> pd.DataFrame:
        years = _opened_in_years(scope, filters, as_of.year - 1, as_of.year)
        df = pd.concat(years, ignore_index=True)
        opened = pd.to_datetime(df["opened_on"])
        window = (opened > pd.Timestamp(as_of - timedelta(days=365))) & (
            opened <= pd.Timestamp(as_of)
        )
        df, opened = df[window], opened[window]
        week = opened - pd.to_timedelta(opened.dt.day_of_week, unit="D")
        return df.assign(week=week).groupby(["week", "team_type"], as_index=False)["cases"].sum()

    # The weeks themselves kept too: putting a year's cases in weeks cost a revisit 8 ms.
    rules = _rules_key(settings())
    key = ("child_weeks", as_of, tuple(scope.areas), _choice(scope, filters), rules)
    return warehouse().cached(key, make)


def _opened_in_years(scope: Scope, filters: Filters, *years: int) -> list[pd.DataFrame]:
    """child_cases_opened.sql for each calendar year, kept per year (``cached_query``): any day
    of a year is then read from memory (the cases are the record as now known: no day changes
    them). Years not kept yet are run together: running the rule costs about the same for one
    year as for two (ten years' history: 63 ms a year, 76 ms a 365-day window), so a first
    visit costs little more than the window's own run did.

    The area and team type are in the rule's grain, so they are chosen here, from a year kept
    for all the user's areas and team types: a page that moves between them on a day already
    read asks the rule nothing (each new choice cost the page 30-80 ms at force)."""
    narrowed = {"team": filters.team, "team_type": None, "officer_id": filters.officer_id}

    def given(first: int, last: int) -> dict:
        return {"first_day": date(first, 1, 1), "last_day": date(last, 12, 31), **narrowed}

    def run(years: list[int]) -> dict[int, pd.DataFrame]:
        # The cases as now known, kept by the load when made with these settings: a range of
        # a small table, where the rule reads every version of the history.
        name = "child_cases_opened"
        text = (
            child_cases_now.reading_the_table(name)
            if _holds(child_cases_now.through, date.max)
            else queries.sql(name)
        )
        rows = query_text(text, name, scope, None, **given(min(years), max(years)))
        year_of = pd.to_datetime(rows["opened_on"]).dt.year
        return {y: rows[year_of == y].reset_index(drop=True) for y in years}

    keys = {y: _query_key("child_cases_opened", scope, None, **given(y, y)) for y in years}
    kept = _kept_apart(keys, run)
    chosen = Filters(areas=filters.areas, team_type=filters.team_type)
    return [_narrowed(kept[y], scope, chosen) for y in years]


def _kept_apart(keys: dict, run: Callable[[list], dict]) -> dict:
    """A result per part, each kept under its own key (``keys``: part to key): the parts not
    kept yet are run together (``run``: parts to a result for each), a rule costing about the
    same for two parts as for one; a part let go of since it was asked runs on its own."""
    wh = warehouse()
    new = [part for part in keys if not wh.keeps(keys[part])]
    made = run(new) if new else {}
    return {
        part: wh.cached(key, lambda part=part: made[part] if part in made else run([part])[part])
        for part, key in keys.items()
    }


# --- supervision quality -----------------------------------------------------------------------


SHARES = (
    "substantive_share", "partial_share", "thin_share", "repeated_share", "risk_share",
    "actions_share", "plan_share", "next_review_share", "child_share",
)  # fmt: skip


def quality(scope: Scope, filters: Filters, by: str, days: int | None = None) -> pd.DataFrame:
    """Per supervisor (``by='reviewer'``), team (``by='team'``) or in all (``by='all'``, one
    row), the entries of the ``days`` (the page's: ``quality_window_days``; the pack's: its
    month) to the as-of day, assessed (etl/sql/queries/entry_quality.sql): counts, grade shares,
    element coverage, median days between entries, and (teams) entries on child cases by
    non-supervisors. Shares under ``min_entries_for_share`` entries are left empty
    (``small_numbers`` says so); ``concern`` (thin or repeated share) sorts the worst first.
    Do not modify it."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame()
    days = settings().quality_window_days if days is None else days
    given = dict(
        as_of=as_of, since=as_of - timedelta(days=days), investigation_id=None,
        team=filters.team, team_type=filters.team_type,
    )  # fmt: skip
    # The row in all only where it is asked (the pack, which asks it first: its result then
    # answers the other groupings too); the page's tables run without it.
    name = "entry_quality"
    whole = by == "all" or warehouse().keeps(_query_key(name, scope, filters.areas, **given))
    text, kept_as = _rule_read(name, None if whole else "quality_in_all")
    asked = _query_key(kept_as, scope, filters.areas, **given)

    def rows() -> pd.DataFrame:
        both = warehouse().cached(asked, lambda: query_text(text, name, scope, filters.areas,
                                                             **given))  # fmt: skip
        return _quality_rows(both, by)

    # Kept as shown, not only the query: a grid asks again for every block, sort and filter.
    return warehouse().cached(("quality", by, *asked), rows)


def _quality_rows(both: pd.DataFrame, by: str) -> pd.DataFrame:
    """``quality``'s rows for the grouping ``by`` from entry_quality.sql's groupings."""
    s = settings()
    df = both[both["grouping"] == by].drop(columns="grouping").copy()
    keep = {"reviewer": ["reviewer_id", "reviewer_rank"], "team": ["area", "team"], "all": []}[by]
    df = df[[*keep, *[c for c in df.columns if c not in ("reviewer_id", "reviewer_rank",
                                                         "area", "team")]]]  # fmt: skip
    df["small_numbers"] = df["entries"] < s.min_entries_for_share
    df.loc[df["small_numbers"], [*SHARES, "concern"]] = None
    # Ties break on the names, so two packs for one month list them in one order.
    return df.sort_values(
        ["small_numbers", "concern", "entries", *keep],
        ascending=[True, False, False, *[True] * len(keep)],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)


def quality_entries(scope: Scope, filters: Filters, days: int | None = None) -> pd.DataFrame:
    """The entries behind the quality tables: the ``days`` (``quality_window_days``) to the
    as-of day, in scope, narrowed by team, team type and supervisor; with the elements present
    and missing in words."""
    from etl.assessment import element_words

    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame()
    days = settings().quality_window_days if days is None else days
    df = query(
        "case_entries", scope, filters.areas, as_of=as_of, since=as_of - timedelta(days=days),
        investigation_id=None,
    )  # fmt: skip
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
    """Quarantined rows the user may see (scoped_quarantine.sql: every area a row mentions must
    be in scope; rows with no recognisable area are shown to force-wide roles only)."""
    # Kept per warehouse file and scope: the page's chart and list both read it.
    df = cached_query("scoped_quarantine", scope, all_areas=list(settings().areas))
    df = df.drop(columns="mentioned_areas")
    # An id or detail of a hostile row can be as long as a field may be (1 MiB): 30 such
    # rows sent 27 MB in one grid block. The page shows the start and the length; the whole
    # row stays in the warehouse (python -m etl rejects).
    df["record_id"] = _shortened(df["record_id"], QUARANTINE_ID_SHOWN)
    df["detail"] = _shortened(df["detail"], QUARANTINE_DETAIL_SHOWN)
    return _counted(df)


QUARANTINE_ID_SHOWN = 100
QUARANTINE_DETAIL_SHOWN = 2_000


def _shortened(values: pd.Series, limit: int) -> pd.Series:
    """Each text longer than ``limit`` as its start and its length in characters."""
    return values.map(
        lambda v: (
            f"{v[:limit]}... ({len(v):,} characters)"
            if isinstance(v, str) and len(v) > limit
            else v
        )
    )


def quarantine_by_reason(scope: Scope) -> pd.DataFrame:
    """Quarantined rows the user may see, counted per file and reason (quarantine_counts.sql:
    counted in the warehouse, not from the rows themselves)."""
    df = cached_query("quarantine_counts", scope, all_areas=list(settings().areas))
    return df.groupby(["source", "reason"], as_index=False)["rows"].sum()


# --- the monthly PVP meeting -------------------------------------------------------------------


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
    first = first_data_month()
    return measures.months_between(first, last)[::-1] if first <= last else []


def month_in_data(month: date) -> bool:
    """Whether the data holds ``month``: from the first month of data to the month of its
    newest day (the PVP page lists the complete ones; the newest, partial one may be asked
    for). A pack for a month after the data showed made-up figures (cases waiting 66,353
    days: an adversarial pass, session 24)."""
    latest = latest_day()
    month = month.replace(day=1)
    return latest is not None and first_data_month() <= month <= latest.replace(day=1)


def first_data_month() -> date:
    """The month of the first opened investigation (as now known); date.max when none. Kept
    per warehouse file (every page's layout and the Today cards ask)."""

    def make() -> date:
        rows = unscoped("first_opened_month")
        month = rows["month"].iloc[0] if len(rows) else None
        return date.max if month is None or pd.isna(month) else pd.Timestamp(month).date()

    return warehouse().cached(("first_data_month",), make)


def pvp_monthly(scope: Scope, areas: list[str] | None, first: date, last: date) -> pd.DataFrame:
    """The meeting's headline measures for each month from ``first`` to ``last`` (first days of
    months), replayed with the flags' as-of logic so a past month always gives the same figures.

    compliance_avg: mean over the month's days of the share of open specialist cases within
    the review window of their last review by a DS-review rank (or opening);
    compliance_month_end: that share on the last day. breaches / breach_median_days: review
    intervals longer than the window that ended in the month or were still running at its end,
    and their median length (days at month end for running ones). response_never_supervised:
    response child cases never supervised at month end. new_response_child, within_first,
    within_second: response child cases opened in the month, and the share with a supervisor
    entry within each of the ``response_entry_within_days`` of opening and by the month's end.
    new_child_related:
    child-related cases opened in the month. (The queries: daily_compliance_by_area,
    monthly_breaches, monthly_new_child_cases, flags; the sums: dashboard/measures.py.)
    """
    start, end = first, month_end(last)
    months = measures.months_between(first, last)
    daily = query("daily_compliance_by_area", scope, areas, start=start, end=end)
    gaps = query(
        "monthly_breaches", scope, areas, as_of_days=[month_end(m) for m in months],
        investigation_id=None, open_in_month=True,
    )  # fmt: skip
    new = query("monthly_new_child_cases", scope, areas, start=start, end=end)
    # The month ends' flags as the Today page asks them (all the user's areas, cached), then
    # narrowed to the areas shown.
    shown = Filters(areas=list(areas or []))
    unsupervised = [
        int((_narrowed(day_flags(scope, month_end(m)), scope, shown)["flag"]
             == "response_unsupervised").sum())
        for m in months
    ]  # fmt: skip
    return measures.monthly(
        months,
        first_data_month(),
        [measures.compliance(daily, start, end), measures.breaches(gaps),
         measures.new_cases(new)],
        unsupervised,
    )  # fmt: skip


def pvp_demand(scope: Scope, areas: list[str] | None, first: date, last: date) -> pd.DataFrame:
    """New child-related investigations per month and team type."""
    counts = query("monthly_new_child_cases", scope, areas, start=first, end=month_end(last))
    return measures.demand(counts)


def longest_waiting(scope: Scope, areas: list[str] | None, day: date, n: int = 10):
    """The open cases that have waited longest for a supervisor on ``day``."""
    # Every waiting case, followed up or not: a reminder hides a case from a manager's list,
    # not from the meeting.
    df = action_list(scope, Filters(as_of=day, areas=list(areas or []), follow_up="all"))
    waiting = {FLAG_WORDS[f] for f in WAITING_FLAGS}
    df = df[df["flag_words"].isin(waiting)]
    return df.sort_values(["days", "investigation_id"], ascending=[False, True]).head(n)


# --- the inspection's other checks (issue 17) ------------------------------------------------
# The rules are etl/sql/queries/{case,custody,missing}_checks.sql and repeat_missing.sql; here
# they are switched off when their data is absent and shaped for Today, the case page, the
# theme pages and the pack, beside the flags.


def checks_off() -> dict[str, str]:
    """Each check that is off, with why in words: an optional file no load has brought, or a
    column the newest extract of its file lacked (etl/contract.py ``enables``)."""
    # Asked several times by every render: worked out once per warehouse file.
    return dict(warehouse().cached(("checks_off",), _checks_off))


def _checks_off() -> dict[str, str]:
    from etl.contract import ALL_EXTRACTS

    loads = unscoped("check_inputs")
    loads["extract"] = [f.rsplit(":", 1)[-1].split(".")[0] for f in loads["file"]]
    off: dict[str, str] = {}
    for ex in ALL_EXTRACTS:
        mine = loads[loads["extract"] == ex.name]
        if ex.optional and mine.empty:
            for check in ex.enables:
                off.setdefault(check, f"no load has brought {ex.file}")
            continue
        if mine.empty:
            continue
        newest = mine.sort_values("load_id").iloc[-1]
        lacking = set(str(newest["missing_columns"] or "").split(","))
        for col in ex.columns:
            if col.name in lacking:
                for check in col.enables:
                    off.setdefault(
                        check, f"the newest {ex.file} (load {newest['load_id']}) has no {col.name}"
                    )
    return off


def case_checks(scope: Scope, as_of: date) -> pd.DataFrame:
    """case_checks.sql on ``as_of`` for all the user's areas, the checks that are off dropped;
    found with the day before, as Today's cards ask them, so the page's cards and list share
    one run."""
    both = case_checks_on(scope, (as_of - timedelta(days=1), as_of))
    return both[pd.to_datetime(both["as_of"]).dt.date == as_of]


def case_checks_on(scope: Scope, days: tuple[date, ...]) -> pd.DataFrame:
    """case_checks.sql on each of ``days`` in one run (Today's cards: a day and the day before),
    the checks that are off dropped: read from the runs the load made (check_spans) when they
    hold the days with these settings, as the flags are; else worked out by the rule, from the
    load's child-related spans when those hold the days."""
    s = settings()

    def make() -> pd.DataFrame:
        last = max(days)
        materialised = _holds(check_days.through, last)
        text = (
            queries.answered_by_table("case_checks", "check_spans", check_days.SPANS)
            if materialised
            else queries.sql("case_checks")
        )
        return query_text(
            text, "case_checks", scope, as_of_days=list(days), materialised=materialised,
            first_day=min(days), last_day=last, from_spans=_holds(daily.through, last),
        )  # fmt: skip

    df = warehouse().cached(("case_checks", days, tuple(scope.areas), _rules_key(s)), make)
    return df[~df["check_name"].isin(list(checks_off()))]


def custody_checks(scope: Scope, areas: list[str] | None, first: date, last: date):
    """Children detained from ``first`` to ``last`` with the custody checks as known at the end
    of ``last`` (custody_checks.sql)."""
    return _checks_on_days("custody_checks", scope, areas, [last], (last - first).days + 1)[last]


def missing_checks(scope: Scope, areas: list[str] | None, first: date, last: date):
    """Missing episodes of children reported from ``first`` to ``last``, as known at the end of
    ``last`` (missing_checks.sql)."""
    return _checks_on_days("missing_checks", scope, areas, [last], (last - first).days + 1)[last]


def _checks_on_days(
    name: str,
    scope: Scope,
    areas: list[str] | None,
    days: list[date],
    window: int,
    left_out: str | None = None,
) -> dict[date, pd.DataFrame]:
    """``name`` (custody_checks or missing_checks) on each of ``days``, the ``window`` days to
    each: the days not kept yet run together (Today's cards ask a day and the day before; the
    rule costs about the same for two days as for one), then each is kept on its own, under
    the key a one-day call uses (``_kept_apart``). Without the ``as_of`` column the rule
    adds. ``left_out``: an include of the rule whose value the reader does not show, left out
    (``queries.left_out``; kept under keys of its own)."""
    text, kept_as = _rule_read(name, left_out)
    # Today's custody window, read from the rows the load kept for every day when it holds
    # them with these settings (the same rows; planning the rule cost more than running it).
    kept_by_load = name == custody_days.RULE and window == settings().recent_days

    def run(new: list[date]) -> dict[date, pd.DataFrame]:
        if kept_by_load and _holds(custody_days.through, max(new)):
            rows = query(custody_days.READER, scope, areas, as_of_days=new)
        else:
            rows = query_text(text, name, scope, areas, as_of_days=new, window_days=window)
        on = pd.to_datetime(rows["as_of"])  # compared as timestamps: no date object per row
        return {
            d: rows[on == pd.Timestamp(d)].drop(columns="as_of").reset_index(drop=True) for d in new
        }

    keys = {d: _query_key(kept_as, scope, areas, as_of_days=[d], window_days=window) for d in days}
    return _kept_apart(keys, run)


def repeat_missing(scope: Scope, areas: list[str] | None, as_of: date) -> pd.DataFrame:
    return cached_query("repeat_missing", scope, areas, as_of=as_of)


CHECK_COLUMNS = [
    "check_name", "check_words", "record_id", "investigation_id", "days", "due_on",
    "reasons_words", "area", "team", "team_type", "officer_id", "when",
]  # fmt: skip


# The checks Today reads off each day's custody and missing records, per rule, and the setting
# naming the days to the as-of day whose records it reads.
RECORD_CHECKS = {
    "custody_checks": (("accommodation_late", "certificate_missing"), "recent_days"),
    "missing_checks": (("absent_category_used", "rhi_overdue"), "theme_days"),
}
# What Today leaves out of each rule: the missing page's count of a child's episodes.
NOT_READ_TODAY = {"custody_checks": None, "missing_checks": "missing_repeats"}


def _records_read(name: str) -> bool:
    """Whether Today reads ``name``'s records: one of its checks is on."""
    return not set(RECORD_CHECKS[name][0]) <= set(checks_off())


def _day_records(scope: Scope, name: str, days: list[date]) -> dict[date, pd.DataFrame]:
    """``name`` (custody_checks or missing_checks) on each of ``days``, in all the user's
    areas, over the days Today reads (RECORD_CHECKS), without what Today does not show
    (NOT_READ_TODAY)."""
    window = getattr(settings(), RECORD_CHECKS[name][1])
    return _checks_on_days(name, scope, None, days, window, NOT_READ_TODAY[name])


def _records_failing(name: str, records: pd.DataFrame, as_of: date) -> dict[str, pd.Series]:
    """Per check Today reads off ``name``'s records of ``as_of`` (RECORD_CHECKS) and that is
    on, which of ``records`` fail it: the list and the cards both ask this. A missing child
    recorded 'absent' counts for the ``recent_days`` to the day, of the ``theme_days`` the
    records cover."""
    if name == "custody_checks":
        # Each custody check is a column of its own (custody_checks.sql).
        failing = {c: records[c] for c in RECORD_CHECKS[name][0]}
    else:
        recent = as_of - timedelta(days=settings().recent_days - 1)
        lately = pd.to_datetime(records["reported_on"]) >= pd.Timestamp(recent)
        failing = {
            "absent_category_used": records["absent_category_used"] & lately,
            "rhi_overdue": records["rhi_state"] == "overdue",
        }
    off = checks_off()
    # An unknown value fails nothing (a risk category left empty is not 'absent').
    return {c: rows.fillna(False).astype(bool) for c, rows in failing.items() if c not in off}


def _case_reasons(check: str, code: str, days, hours, team_type: str, s: Settings) -> str:
    if code == "unallocated":
        return f"no officer allocated {words.hours(int(hours))} after opening"
    if code == "no_plan":
        return f"no investigation plan {words.days(int(days))} after opening"
    if code == "bail_ending":
        n = int(days)
        return "bail ends today" if n == 0 else f"bail ends in {words.days(n)}"
    if code == "bail_lapsed":
        return f"bail ended {words.days(int(days))} ago; suspect still recorded as bailed"
    if check == "cse_allocation":
        return f"{reasons_in_words(code, s)}; held by {words.team_type_words(team_type)}"
    return reasons_in_words(code, s)


def _check_day_rows(scope: Scope, as_of: date) -> pd.DataFrame:
    """Every failing check on ``as_of`` in all the user's areas, one row per record and check,
    in words.CHECKS order, with the days, due dates, words and times the list shows (cached
    per day, scope and settings, like the flags)."""
    s = settings()

    def make() -> pd.DataFrame:
        parts = []
        day_cases = case_checks(scope, as_of)
        if len(day_cases):
            c = day_cases.copy()
            c["record_id"] = c["investigation_id"]
            # Plain lists zipped: a dict per row (to_dict) cost more than the query.
            c["reasons_words"] = [
                _case_reasons(*row, s)
                for row in zip(c["check_name"].tolist(), c["reasons"].tolist(),
                               c["days"].tolist(), c["hours"].tolist(),
                               c["team_type"].tolist(), strict=True)
            ]  # fmt: skip
            c["when"] = pd.to_datetime(c["opened_on"])
            parts.append(c)
        if _records_read("custody_checks"):
            k = _day_records(scope, "custody_checks", [as_of])[as_of]
            reason_of = {"accommodation_late": "accommodation_reasons",
                         "certificate_missing": "certificate_reason"}  # fmt: skip
            for check, failing in _records_failing("custody_checks", k, as_of).items():
                rows = k[failing].copy()
                rows["check_name"] = check
                rows["record_id"] = rows["custody_id"]
                rows["days"] = [
                    (as_of - d).days for d in pd.to_datetime(rows["detained_on"]).dt.date
                ]
                rows["due_on"] = rows["detained_on"]
                rows["reasons_words"] = [
                    f"custody {cid}, age {'unknown' if pd.isna(a) else int(a)}: "
                    + reasons_in_words(r, s)
                    for cid, a, r in zip(rows["custody_id"], rows["child_age"],
                                         rows[reason_of[check]], strict=True)
                ]  # fmt: skip
                rows["when"] = rows["detained_at"]
                parts.append(rows)
        if _records_read("missing_checks"):
            m = _day_records(scope, "missing_checks", [as_of])[as_of]
            for check, failing in _records_failing("missing_checks", m, as_of).items():
                rows = m[failing].copy()
                rows["check_name"] = check
                if check == "absent_category_used":
                    rows["days"] = [
                        (as_of - d).days for d in pd.to_datetime(rows["reported_on"]).dt.date
                    ]
                    rows["due_on"] = rows["reported_on"]
                    rows["reasons_words"] = [
                        f"child {p}, age {'unknown' if pd.isna(a) else int(a)}: recorded 'absent'"
                        for p, a in zip(rows["person_ref"], rows["child_age"], strict=True)
                    ]
                    rows["when"] = rows["reported_at"]
                else:
                    rows["days"] = rows["hours_since_return"] // 24
                    rows["due_on"] = rows["rhi_due_on"]  # real hours (missing_checks.sql)
                    rows["reasons_words"] = [
                        f"child {p} returned {pd.Timestamp(r):%d/%m/%Y %H:%M}, "
                        f"{words.hours(int(h))} ago; no return home interview offered"
                        for p, r, h in zip(rows["person_ref"], rows["returned_at"],
                                           rows["hours_since_return"], strict=True)
                    ]  # fmt: skip
                    rows["when"] = rows["returned_at"]
                parts.append(rows)
        for part in parts:
            if "episode_id" in part:
                part["record_id"] = part["episode_id"]
                part["investigation_id"] = None
        # Each part narrowed to the list's columns first: the union of every rule's columns
        # cost the concatenation more than the rows did.
        kept = [*CHECK_COLUMNS, "reasons"]
        parts = [part[[c for c in kept if c in part]] for part in parts]
        df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        for col in CHECK_COLUMNS:
            if col not in df:
                df[col] = None
        # One type: the case and custody rows give Timestamps, a missing child's return
        # interview a date, and the grid could not sort the mix (a 500 on "Due by").
        df["due_on"] = pd.to_datetime(df["due_on"], errors="coerce")
        df["check_words"] = df["check_name"].map(words.CHECK_WORDS)
        df["_order"] = df["check_name"].map({c: i for i, c in enumerate(words.CHECKS)})
        # Worst first within a check: the longest waiting; bail that has ended before bail
        # about to end, the soonest first.
        no = pd.Series(False, index=df.index)
        ending = df["reasons"].eq("bail_ending") if "reasons" in df else no
        df["_rank"] = df["days"].where(~ending, -df["days"])
        df = df.sort_values(["_order", "_rank", "record_id"], ascending=[True, False, True])
        return df[CHECK_COLUMNS].reset_index(drop=True)

    key = ("check_rows", as_of, tuple(scope.areas), _rules_key(s))
    return warehouse().cached(key, make)


def check_rows(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Today's checks list: the day's failing checks, narrowed by the page's filters (a team,
    team type or officer leaves only the case checks: custody and missing records have none)
    and by the chosen check."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    df = _narrowed(_check_day_rows(scope, as_of), scope, filters)
    if filters.check:
        df = df[df["check_name"] == filters.check]
    return _counted(df.reset_index(drop=True))


def check_counts(scope: Scope, filters: Filters) -> dict[str, tuple[int, int]]:
    """Per check that is on: (count on the as-of day, change since the day before). Kept per
    choice (``_kept_for_choice``)."""
    return _kept_for_choice("check_counts", scope, filters, lambda: _check_counts(scope, filters))


def _check_counts(scope: Scope, filters: Filters) -> dict[str, tuple[int, int]]:
    as_of = resolve_as_of(filters)
    if as_of is None:
        return {}
    yesterday = as_of - timedelta(days=1)
    # Counted as the list is made (_check_day_rows), without putting rows in words: the
    # cases failing on each day, and the records _records_failing gives, both days in one run
    # each (kept for the list).
    cases = _narrowed(case_checks_on(scope, (yesterday, as_of)), scope, filters)
    by_day = cases.groupby([pd.to_datetime(cases["as_of"]).dt.date, "check_name"]).size()
    counts: dict[date, Counter] = {day: Counter() for day in (yesterday, as_of)}
    for (day, check), n in by_day.items():
        counts[day][check] += int(n)
    for name in RECORD_CHECKS:
        if not _records_read(name):
            continue
        for day, records in _day_records(scope, name, [yesterday, as_of]).items():
            # The page's filters narrow the records as the list's rows (no team or officer).
            kept = _narrowed(records.reindex(columns=NARROWED_BY), scope, filters).index
            for check, failing in _records_failing(name, records, day).items():
                counts[day][check] += int(failing[kept].sum())
    today, before = counts[as_of], counts[yesterday]
    off = checks_off()
    return {c: (today[c], today[c] - before[c]) for c in words.CHECKS if c not in off}


def case_check_rows(scope: Scope, investigation_id: str, as_of: date) -> pd.DataFrame:
    """The checks failing for one case on the day (its own record, and its custody records
    detained in the recent days); empty when out of scope."""
    df = _check_day_rows(scope, as_of)
    cases = df["investigation_id"] == investigation_id
    return df[cases].reset_index(drop=True)


def theme_window(filters: Filters) -> tuple[date, date] | None:
    """The days the custody and missing pages cover: ``theme_days`` to the as-of day."""
    as_of = resolve_as_of(filters)
    if as_of is None:
        return None
    return as_of - timedelta(days=settings().theme_days - 1), as_of


def custody_list(scope: Scope, filters: Filters) -> pd.DataFrame:
    """The custody page's list: every child detained in the window, newest first, its checks
    in words (empty when the custody checks are off)."""
    window = theme_window(filters)
    if window is None or "accommodation_late" in checks_off():
        return pd.DataFrame(columns=["custody_id", "area"])
    s = settings()
    df = custody_checks(scope, filters.areas, *window).copy()
    df["accommodation_words"] = [
        reasons_in_words(None if pd.isna(r) else r, s) or "—" for r in df["accommodation_reasons"]
    ]
    df["certificate_words"] = [
        reasons_in_words(None if pd.isna(r) else r, s) or "—" for r in df["certificate_reason"]
    ]
    df["outcome_words"] = df["accommodation_outcome"].fillna("").str.replace("_", " ")
    return _counted(df.reset_index(drop=True))


def missing_list(scope: Scope, filters: Filters) -> pd.DataFrame:
    """The missing page's list: every episode of a child reported in the window, newest first."""
    window = theme_window(filters)
    if window is None or "rhi_overdue" in checks_off():
        return pd.DataFrame(columns=["episode_id", "area"])
    df = missing_checks(scope, filters.areas, *window).copy()
    df["rhi_words"] = df["rhi_state"].map(words.RHI_STATES)
    df["category_words"] = df["risk_category"].fillna("").str.replace("_", " ")
    return _counted(df.reset_index(drop=True))


def repeat_list(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Children missing repeatedly to the as-of day (repeat_missing.sql)."""
    as_of = resolve_as_of(filters)
    if as_of is None or "repeat_missing" in checks_off():
        return pd.DataFrame(columns=["person_ref", "area", "episodes"])
    return _counted(repeat_missing(scope, filters.areas, as_of).reset_index(drop=True))


# --- published crime (data.police.uk) ------------------------------------------------------


def _published_loaded() -> bool:
    def make() -> bool:
        with warehouse().cursor() as cur:
            return has_table(cur, "police_uk_crimes")

    return warehouse().cached(("published_loaded",), make)


def published_months() -> tuple[date, date] | None:
    """The first and last month of the published crime data; None when none is loaded."""
    if not _published_loaded():
        return None
    row = unscoped("published_months").iloc[0]
    if pd.isna(row["first_month"]):
        return None
    return pd.Timestamp(row["first_month"]).date(), pd.Timestamp(row["last_month"]).date()


def published_crime(
    scope: Scope, areas: list[str] | None, until: date, months: int = 12
) -> pd.DataFrame:
    """Published crimes and ASB per month and type in the user's (narrowed) areas, over the
    ``months`` months to the month of ``until``. Empty when none is loaded or covers them."""
    if not _published_loaded():
        return pd.DataFrame(columns=["month", "crime_type", "crimes"])
    df = query("published_crime", scope, areas, until=until, months=months)
    df = df.groupby(["month", "crime_type"], as_index=False, sort=False)["crimes"].sum()
    return df.sort_values(["month", "crimes"], ascending=[True, False], kind="stable").reset_index(
        drop=True
    )


# --- case audits (dashboard/audits) ------------------------------------------------------------


def audit_candidates(scope: Scope, first: date, last: date) -> pd.DataFrame:
    """Child-related investigations in the scope's areas active between ``first`` and ``last``
    (opened by ``last``, not closed before ``first``): the pool a month's audits are drawn from."""
    df = query("audit_candidates", scope, first=first, last=last)
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
