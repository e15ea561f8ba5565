"""Every threshold, rank group and team-type group the product uses, in one typed object.

Values come from (highest first) environment variables prefixed ``PVP_``, a TOML file named by
``PVP_SETTINGS_FILE`` (default ``settings.toml`` in the working directory, if present), and the
defaults below. Lists in the environment are JSON, e.g. ``PVP_DS_REVIEW_RANKS='["DS","DI"]'``.
The README's "Settings" table is checked against this class by ``tests/test_docs.py``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ALL_RANKS = ("PC", "DC", "PS", "DS", "INSP", "DI", "CI", "DCI", "SUPT", "DSUPT", "STAFF")
# The reviewing-officer checklist's elements, in the order they are always listed.
ELEMENTS = ("risk", "actions", "plan", "next_review", "child")
ALL_TEAM_TYPES = (
    "child_protection",
    "cse",
    "online_child_abuse",
    "domestic_abuse",
    "mash",
    "cid",
    "response",
    "neighbourhood",
    "other",
)


# How a team type is spelled out where an acronym is the force's own word for it.
TEAM_TYPE_ACRONYMS = {"cse": "CSE", "cid": "CID", "mash": "MASH"}


@lru_cache(maxsize=1)
def _duckdb_time_zones() -> frozenset[str]:
    import duckdb  # the loader's engine: its own list of zone names

    with duckdb.connect() as con:
        rows = con.execute("SELECT name FROM pg_timezone_names()").fetchall()
    return frozenset(name for (name,) in rows)


# The longest a day, hour, minute or month setting may be (a hundred years of it): beyond
# that, dates and intervals overflow DuckDB's and Python's ranges.
_LONGEST = {"days": 36_525, "hours": 876_600, "minutes": 52_596_000, "months": 1_200}


class Settings(BaseSettings):
    """Rules and paths. Field descriptions are the documentation of each setting."""

    model_config = SettingsConfigDict(env_prefix="PVP_", extra="forbid")

    db_path: Path = Field(
        Path("data/warehouse.duckdb"), description="DuckDB warehouse file used by default."
    )
    timezone: str = Field(
        "Europe/London",
        description="Local time zone: naive timestamps are read as this zone, day counts use it.",
    )
    areas: list[str] = Field(
        ["West", "East", "South"],
        description="Policing areas an extract may name (any case; stored as written here).",
    )
    child_age_under: int = Field(18, description="A person younger than this is a child.")
    review_window_days: int = Field(
        28, description="Specialist cases need a DS-or-above review at least this often (days)."
    )
    due_soon_days: int = Field(
        7, description="A DS review is 'due soon' within this many days of the window ending."
    )
    response_min_days_open: int = Field(
        1, description="A response child case is flagged unsupervised once open this many days."
    )
    specialist_team_types: list[str] = Field(
        ["child_protection", "cse", "online_child_abuse"],
        description="Team types under the 28-day DS review rule; also make a case child-related.",
    )
    response_team_types: list[str] = Field(
        ["response"], description="Team types checked for unsupervised child cases."
    )
    ds_review_ranks: list[str] = Field(
        ["DS", "DI", "DCI", "DSUPT"],
        description="Ranks whose review satisfies the 28-day rule (detective sergeant or above).",
    )
    supervisor_ranks: list[str] = Field(
        ["PS", "DS", "INSP", "DI", "CI", "DCI", "SUPT", "DSUPT"],
        description="Ranks whose entry counts as supervision at all.",
    )
    local_authority_areas: dict[str, str] = Field(
        {
            "Blackpool": "West", "Fylde": "West", "Wyre": "West", "Lancaster": "West",
            "Blackburn with Darwen": "East", "Burnley": "East", "Hyndburn": "East",
            "Pendle": "East", "Ribble Valley": "East", "Rossendale": "East",
            "Preston": "South", "Chorley": "South", "South Ribble": "South",
            "West Lancashire": "South",
        },
        description="Local authority (from the LSOA name) to policing area, for published crime.",
    )  # fmt: skip
    stale_data_hours: int = Field(
        36, description="Every page shows a warning when the newest load is older than this."
    )
    remind_max_days: int = Field(
        28,
        description="A follow-up's 'remind me on' day (which hides the case from its author's "
        "list until then) falls at most this many days after the newest day of data.",
    )
    thin_note_chars: int = Field(
        40, description="An entry with no actions set and a shorter note counts as 'thin'."
    )
    element_phrases: dict[str, list[str]] = Field(
        {
            "risk": ["risk", "risks", "thrive", "safeguarding", "safety plan"],
            "actions": ["action", "actions", "1.", "1)"],
            "plan": ["plan", "line of enquiry", "lines of enquiry", "strategy", "direction"],
            "next_review": ["next review", "review again", "review in", "review by"],
            "child": [
                "voice of the child", "child's views", "child's wishes", "demeanour",
                "behaviour", "spoke to the child", "seen the child", "abe",
            ],
        },
        description="Words in a note that show each checklist element (any case, whole words).",
    )  # fmt: skip
    substantive_min_elements: int = Field(
        3, description="An entry with at least this many applicable elements is 'substantive'."
    )
    repeated_min_cases: int = Field(
        3, description="The same note by one reviewer on this many cases is 'repeated' text."
    )
    repeated_within_days: int = Field(
        30, description="... when those entries fall within this many days."
    )
    thin_reviews_count: bool = Field(
        True, description="Whether a thin or repeated DS review restarts the review clock."
    )
    min_entries_for_share: int = Field(
        10, description="Quality shares are not shown for a supervisor or team with fewer entries."
    )
    response_entry_within_days: list[int] = Field(
        [1, 7],
        description="New response child cases (PVP page and pack): the shares with a supervisor "
        "entry within each of these many days of opening (two, the shorter first; by the "
        "month's end).",
    )
    quality_window_days: int = Field(
        90,
        description="The supervision-quality tables and their entries cover this many days to "
        "the day shown (the PVP pack's cover its month).",
    )
    pack_top_supervisors: int = Field(
        20,
        description="The pack's PDF and page list this many supervisors, worst first (the "
        "workbook has them all).",
    )
    # The inspection's other findings as checks (issue 17; etl/sql/queries/*_checks.sql).
    unallocated_hours: int = Field(
        48, description="A child-related case with no officer allocated this long is flagged."
    )
    plan_days: int = Field(
        7, description="A child-related case with no investigation plan after this many days."
    )
    bail_warning_days: int = Field(
        7, description="A bailed suspect's bail ending within this many days is flagged."
    )
    cse_offence_phrases: list[str] = Field(
        ["child sexual exploitation", "grooming", "sexual activity with a child"],
        description="Words in an offence that make a case CSE (besides a CSE team type).",
    )
    cse_allocation: dict[str, list[str]] = Field(
        {
            "child_suspect": ["response"],
            "online": ["online_child_abuse"],
            "not_online": ["cse"],
        },
        description="Which team types may hold a CSE case: child-on-child (a suspect who is a "
        "child), else online, else not online.",
    )
    accommodation_request_hours: int = Field(
        2,
        description="A child charged and refused bail: local-authority accommodation requested "
        "later than this after charge is late.",
    )
    night_from_hour: int = Field(
        22, description="An accommodation request from this hour (local) is made at night ..."
    )
    night_until_hour: int = Field(6, description="... until this hour (not included).")
    rhi_hours: int = Field(
        72, description="A return home interview should be offered within this many hours."
    )
    repeat_missing_episodes: int = Field(3, description="A child missing this many times ...")
    repeat_missing_days: int = Field(
        90, description="... within this many days is a repeat missing child."
    )
    recent_days: int = Field(
        7, description="Today lists custody and missing-episode checks from this many days."
    )
    theme_days: int = Field(
        90, description="The custody and missing pages cover this many days to the day shown."
    )
    refresh_log_path: Path = Field(
        Path("data/refresh_log.sqlite"), description="Record of scheduled refresh runs."
    )
    users_file: Path = Field(
        Path("data/users.json"), description="Local users: password hashes, roles, areas."
    )
    app_db_url: str = Field(
        "sqlite:///data/app.sqlite",
        description="Application database (audits, acknowledgements, sessions): a SQLAlchemy "
        "URL; an SQLite file by default, postgresql+psycopg://... for a force server.",
    )
    audit_path: Path = Field(
        Path("data/audit.sqlite"), description="Append-only access audit log (not the warehouse)."
    )
    secret_key_file: Path = Field(
        Path("data/secret_key"), description="Session signing key; made on first run, mode 0600."
    )
    trusted_proxies: list[str] = Field(
        [], description="Addresses whose single-sign-on user header is believed (none by default)."
    )
    trusted_user_header: str = Field(
        "X-Forwarded-User", description="Header a trusted proxy sets to the signed-in username."
    )
    # --- the morning digest (python -m dashboard digest) ---------------------------------
    public_url: str = Field(
        "http://127.0.0.1:8050",
        description="The dashboard's address as users reach it: the digest's case links.",
    )
    digest_detail: Literal["full", "ids_only"] = Field(
        "full",
        description="What the digest's cases show: 'full' (needs, days, team, follow-up) or "
        "'ids_only' (case numbers and links, for mail not accredited for case detail).",
    )
    smtp_host: str = Field("localhost", description="Mail server for the digest.")
    smtp_port: int = Field(587, description="Its port.")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="STARTTLS on a plain port, SSL from the start, or none."
    )
    smtp_sender: str = Field("pvp-supervision@localhost", description="The digest's From address.")
    smtp_username: str | None = Field(None, description="Sign-in name at the mail server.")
    smtp_password_file: Path | None = Field(
        None,
        description="A file holding the mail server password (or the PVP_SMTP_PASSWORD "
        "environment variable; never on the command line or in a settings file).",
    )
    smtp_ca_file: Path | None = Field(
        None,
        description="CA certificates to trust for the mail server (a force's own CA); none: "
        "the system's.",
    )
    smtp_timeout_seconds: float = Field(30, description="Give up on the mail server after this.")
    digest_attempts: int = Field(
        3, description="Tries per recipient before the send is recorded as failed."
    )
    digest_retry_seconds: float = Field(10, description="Wait between tries (doubling each time).")
    secure_cookies: bool = Field(
        False, description="Mark the session cookie Secure (set true when served over HTTPS)."
    )
    sign_in_attempts: int = Field(
        5,
        description="Sign-in attempts allowed per username and client address per 15 minutes "
        "(a successful one does not count).",
    )
    sign_in_attempts_per_address: int = Field(
        20,
        description="Failed sign-ins allowed per client address per 15 minutes, whatever the "
        "usernames (password spraying).",
    )
    session_hours: int = Field(
        8,
        description="Absolute lifetime of a signed-in session (hours): using it does not extend "
        "it.",
    )
    audit_coalesce_minutes: int = Field(
        5,
        description="Reads of case-level rows by one user, page and filter set within this many "
        "minutes make one audit entry (with the rows read added up).",
    )
    cache_mb: int = Field(
        128,
        ge=1,
        description="Results each dashboard worker keeps in memory for reuse (flags of a day, "
        "the daily list...), in MB; the least recently used go first.",
    )
    duckdb_mb: int = Field(
        256,
        ge=16,
        description="Memory each dashboard worker's DuckDB may hold, in MB: the warehouse's "
        "blocks it has read and its queries' working memory. Past it the blocks read longest "
        "ago are let go (read again from the file when asked) and a large query spills to a "
        "private temporary folder, removed when the worker stops.",
    )
    pack_cache_dir: Path = Field(
        Path("data/pack-cache"),
        description="Rendered PVP packs, per user, month, areas and warehouse version (mode 0700).",
    )
    max_field_bytes: int = Field(
        1_048_576,
        description="A row with a longer field (UTF-8 bytes) is quarantined as field_too_long.",
        gt=0,
    )
    audit_config_file: Path | None = Field(
        None,
        description="Case-audit categories, questions and themes (TOML); none: the built-in "
        "dashboard/audits/audit.toml.",
    )
    audit_cases_per_area: int = Field(
        10,
        description="Cases sampled per area each month: one per category, then the "
        "force-interest case, then any child-related case.",
    )
    audit_exclude_months: int = Field(
        6, description="A case audited in this many months before the audit month is not drawn."
    )
    min_timestamp_year: int = Field(
        1990, description="Timestamps before this year are quarantined as implausible."
    )
    future_tolerance_hours: int = Field(
        2,
        description="Timestamps later than the load's own time by more than this are "
        "quarantined as future_timestamp (clocks of source systems differ a little).",
    )
    max_timestamp_year: int = Field(
        2100, description="Timestamps after this year are quarantined as implausible."
    )

    @model_validator(mode="after")
    def _check_groups(self) -> Settings:
        for name in ("ds_review_ranks", "supervisor_ranks"):
            unknown = set(getattr(self, name)) - set(ALL_RANKS)
            if unknown:
                raise ValueError(f"{name}: unknown ranks {sorted(unknown)}")
        for name in ("specialist_team_types", "response_team_types"):
            unknown = set(getattr(self, name)) - set(ALL_TEAM_TYPES)
            if unknown:
                raise ValueError(f"{name}: unknown team types {sorted(unknown)}")
        if set(self.element_phrases) != set(ELEMENTS):
            raise ValueError(f"element_phrases: give a list for each of {', '.join(ELEMENTS)}")
        if set(self.cse_allocation) != {"child_suspect", "online", "not_online"}:
            raise ValueError(
                "cse_allocation: give team types for child_suspect, online, not_online"
            )
        for teams in self.cse_allocation.values():
            if set(teams) - set(ALL_TEAM_TYPES):
                raise ValueError(f"cse_allocation: unknown team types {sorted(teams)}")
        if not 0 <= self.night_until_hour < self.night_from_hour <= 23:
            raise ValueError("night_until_hour must be before night_from_hour (0-23)")
        if not 0 < self.due_soon_days < self.review_window_days:
            raise ValueError("due_soon_days must be between 1 and review_window_days - 1")
        self._check_bounds()
        return self

    def _check_bounds(self) -> None:
        """Values no rule can work with, refused at start-up with the setting's name (an
        adversarial pass, session 17, found each of these ending a load in a traceback or
        locking every user out)."""
        try:
            ZoneInfo(self.timezone)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise ValueError(f"timezone: unknown time zone {self.timezone!r}") from exc
        # The loader converts times in DuckDB, which knows fewer names than Python (no
        # "localtime", "posixrules", "posix/..."): such a zone ended every load in a traceback.
        if self.timezone not in _duckdb_time_zones():
            raise ValueError(f"timezone: {self.timezone!r} is not a time zone the loader knows")
        if not self.areas:
            raise ValueError("areas: name at least one area")
        named = [a.casefold() for a in self.areas]
        if len(set(named)) < len(named):
            twice = next(a for a in self.areas if named.count(a.casefold()) > 1)
            raise ValueError(f"areas: {twice!r} is named twice (each audit case was drawn twice)")
        for name, least in (("smtp_timeout_seconds", 1e-3), ("digest_retry_seconds", 0)):
            value = getattr(self, name)  # NaN and infinity fail the comparison too
            if not least <= value <= _LONGEST["hours"]:
                raise ValueError(f"{name} must be a number of seconds from {least:g}, not {value}")
        if self.digest_attempts < 1:
            raise ValueError("digest_attempts must be at least 1: 0 would never send")
        if not 1 <= self.substantive_min_elements <= 5:
            raise ValueError(
                "substantive_min_elements is a number of the checklist's elements: 1 to 5"
            )
        within = self.response_entry_within_days
        if len(within) != 2 or not 0 <= within[0] < within[1] <= 31:
            raise ValueError(
                "response_entry_within_days is two numbers of days, the shorter first, 0 to 31 "
                f"(a case is measured by its month's end), not {within}"
            )
        if self.quality_window_days < 1:
            raise ValueError("quality_window_days must be at least 1: 0 days hold no entry")
        if self.repeated_min_cases < 2:
            raise ValueError("repeated_min_cases must be at least 2: one case repeats nothing")
        for name, value in self:
            if type(value) is not int:
                continue
            if value < 0:
                raise ValueError(f"{name} cannot be negative ({value})")
            cap = _LONGEST.get(name.rsplit("_", 1)[-1])
            if cap is not None and value > cap:
                raise ValueError(f"{name} is at most {cap:,} (a hundred years), not {value:,}")
        for name in ("session_hours", "sign_in_attempts", "sign_in_attempts_per_address"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1: 0 would refuse every sign-in")
        if not 1900 <= self.min_timestamp_year < self.max_timestamp_year <= 9999:
            raise ValueError(
                "min_timestamp_year must be before max_timestamp_year (both 1900-9999)"
            )

    @property
    def due_soon_from_days(self) -> int:
        """First day count that is 'due soon' (22 with the defaults)."""
        return self.review_window_days - self.due_soon_days + 1

    @property
    def cse_child_suspect_team_types(self) -> list[str]:
        """Team types that may hold a child-on-child CSE case (cse_allocation)."""
        return list(self.cse_allocation["child_suspect"])

    @property
    def cse_online_team_types(self) -> list[str]:
        return list(self.cse_allocation["online"])

    @property
    def cse_not_online_team_types(self) -> list[str]:
        return list(self.cse_allocation["not_online"])

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("PVP_SETTINGS_FILE", "settings.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def run_command(app: Callable[..., object], prog_name: str) -> None:
    """Run a command-line app, answering settings it cannot work with in one line each on
    stderr and exit status 2, not a traceback (``python -m etl``, ``python -m dashboard``)."""
    try:
        app(prog_name=prog_name)
    except ValidationError as exc:
        refuse_settings(exc)


def refuse_settings(exc: ValidationError, status: int = 2) -> NoReturn:
    """Say each setting refused in one line on stderr and exit with ``status`` (the command
    lines, and ``python app.py`` or gunicorn starting the app)."""
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        print(f"settings: {where + ': ' if where else ''}{message}", file=sys.stderr)
    raise SystemExit(status) from None
