"""The extract contract: files, columns, types, allowed values and quarantine reasons.

This is the only place that says what an extract must look like. The loader, the README's
contract tables (checked by tests/test_docs.py) and the sample generator all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from etl.settings import ALL_RANKS, ALL_TEAM_TYPES, Settings


class Kind(StrEnum):
    TEXT = "text"
    TIMESTAMP = "timestamp"
    INT = "int"
    BOOL = "bool"
    ENUM = "enum"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    doc: str = ""
    min_value: int | None = None
    max_value: int | None = None
    # For ENUM columns: the canonical spellings (matched in any case, spaces trimmed).
    allowed: tuple[str, ...] = ()
    # For ENUM columns whose values are a setting (areas), the settings attribute to read.
    allowed_setting: str | None = None
    # For TIMESTAMP columns that name a future moment (a planned review): not future_timestamp,
    # and not part of the day an extract covers.
    may_be_future: bool = False
    # The checks this column switches on (dashboard/checks.py): when the newest extract lacks
    # it, those checks are off, and the data-quality page says so. Never an error.
    enables: tuple[str, ...] = ()
    # Long free text (the entries' notes): stored without compression (etl/warehouse.py).
    free_text: bool = False

    def allowed_values(self, settings: Settings) -> tuple[str, ...]:
        if self.allowed_setting:
            return tuple(getattr(settings, self.allowed_setting))
        return self.allowed


@dataclass(frozen=True)
class Extract:
    name: str  # table name in the warehouse
    file: str  # file name inside a SOURCE directory
    key: str  # unique record id
    columns: tuple[Column, ...]
    doc: str = ""
    # Checks across columns or tables, run after the per-column checks (see etl/validate.py).
    row_rules: tuple[str, ...] = field(default=())
    # An optional file: absent from a SOURCE = not supplied (what earlier loads brought is
    # kept); the checks it switches on are off until a load has brought it once.
    optional: bool = False
    enables: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def timestamp_columns(self) -> tuple[str, ...]:
        """Each is stored twice: local wall-clock (``name``) and the instant (``name_utc``)."""
        return tuple(c.name for c in self.columns if c.kind is Kind.TIMESTAMP)

    @property
    def past_timestamp_columns(self) -> tuple[str, ...]:
        """Timestamps of things that happened (not planned): they date the extract."""
        return tuple(
            c.name for c in self.columns if c.kind is Kind.TIMESTAMP and not c.may_be_future
        )

    @property
    def stored_names(self) -> tuple[str, ...]:
        """The warehouse table's columns besides ``load_id``."""
        return self.names + tuple(f"{c}_utc" for c in self.timestamp_columns)


class Reason(StrEnum):
    """Stable quarantine reason codes. Never rename one: reports and users rely on them."""

    MALFORMED_ROW = "malformed_row"
    MISSING_REQUIRED = "missing_required"
    BAD_TIMESTAMP = "bad_timestamp"
    BAD_NUMBER = "bad_number"
    OUT_OF_RANGE = "out_of_range"
    BAD_BOOLEAN = "bad_boolean"
    UNKNOWN_ENUM = "unknown_enum"
    DUPLICATE_ID = "duplicate_id"
    CLOSED_BEFORE_OPENED = "closed_before_opened"
    REVIEW_BEFORE_OPENED = "review_before_opened"
    UNKNOWN_INVESTIGATION = "unknown_investigation"
    FUTURE_TIMESTAMP = "future_timestamp"
    FIELD_TOO_LONG = "field_too_long"


REASON_DOCS: dict[Reason, str] = {
    Reason.MALFORMED_ROW: "the line has more or fewer fields than the header",
    Reason.MISSING_REQUIRED: "a required value is empty",
    Reason.BAD_TIMESTAMP: "a timestamp is not in an accepted format, or not a real date",
    Reason.BAD_NUMBER: "a whole number was expected",
    Reason.OUT_OF_RANGE: "a number is outside its allowed range",
    Reason.BAD_BOOLEAN: "a yes/no value is not one of true/false, yes/no, y/n, 1/0",
    Reason.UNKNOWN_ENUM: "a value is not one of the allowed values",
    Reason.DUPLICATE_ID: "another row in the same file has this id with different values "
    "(the last such row is kept)",
    Reason.CLOSED_BEFORE_OPENED: "closed_at is before opened_at",
    Reason.REVIEW_BEFORE_OPENED: "reviewed_at is before the investigation's opened_at",
    Reason.UNKNOWN_INVESTIGATION: "the review names an investigation that is not in the "
    "warehouse (or whose row was quarantined)",
    Reason.FUTURE_TIMESTAMP: "a timestamp is later than the load itself (beyond "
    "future_tolerance_hours)",
    Reason.FIELD_TOO_LONG: "a field is longer than max_field_bytes (1 MiB by default); the "
    "quarantine keeps the start of it",
}

SUSPECT_STATUSES = ("none", "arrested", "bailed", "rui", "charged", "nfa", "other")
ACCOMMODATION_OUTCOMES = ("secured", "not_available", "impracticable", "not_requested")
# "absent" was withdrawn nationally in 2017; extracts still carry it, and a check finds it.
RISK_CATEGORIES = ("absent", "no_apparent_risk", "low", "medium", "high")

TRUE_WORDS = ("true", "yes", "y", "1")
FALSE_WORDS = ("false", "no", "n", "0")

INCIDENTS = Extract(
    name="incidents",
    file="incidents.csv",
    key="incident_id",
    doc="One row per incident on the incident log.",
    columns=(
        Column("incident_id", Kind.TEXT, required=True, doc="unique incident reference"),
        Column("reported_at", Kind.TIMESTAMP, required=True, doc="when it was reported"),
        Column("area", Kind.ENUM, required=True, allowed_setting="areas", doc="policing area"),
        Column("incident_type", Kind.TEXT, required=True, doc="incident category"),
        Column("child_linked", Kind.BOOL, doc="the incident-log child marker"),
        Column("children_present", Kind.INT, min_value=0, doc="number of children present"),
    ),
)

INVESTIGATIONS = Extract(
    name="investigations",
    file="investigations.csv",
    key="investigation_id",
    doc="One row per investigation (crime or non-crime), latest version wins on reload.",
    row_rules=(Reason.CLOSED_BEFORE_OPENED,),
    columns=(
        Column("investigation_id", Kind.TEXT, required=True, doc="unique investigation reference"),
        Column("incident_id", Kind.TEXT, doc="linked incident; may not be loaded yet"),
        Column("opened_at", Kind.TIMESTAMP, required=True, doc="when the investigation opened"),
        Column("closed_at", Kind.TIMESTAMP, doc="empty while open; not before opened_at"),
        Column("area", Kind.ENUM, required=True, allowed_setting="areas", doc="policing area"),
        Column("team", Kind.TEXT, required=True, doc="owning team's name"),
        Column("team_type", Kind.ENUM, required=True, allowed=ALL_TEAM_TYPES, doc="team type"),
        Column("officer_id", Kind.TEXT, doc="officer in charge (OIC)"),
        Column("offence", Kind.TEXT, doc="offence or occurrence type"),
        Column("victim_age", Kind.INT, min_value=0, max_value=120, doc="youngest victim's age"),
        Column("suspect_age", Kind.INT, min_value=0, max_value=120, doc="youngest suspect's age"),
        Column("child_protection_concern", Kind.BOOL, doc="child-protection concern recorded"),
        # Optional (issue 17): each absent column turns its checks off, never an error.
        Column(
            "suspect_status",
            Kind.ENUM,
            allowed=SUSPECT_STATUSES,
            doc="the suspect's status now",
            enables=("rui_with_cawn", "bail_expiring"),
        ),
        Column(
            "bail_until",
            Kind.TIMESTAMP,
            may_be_future=True,
            doc="when the suspect's pre-charge bail ends; may be in the future",
            enables=("bail_expiring",),
        ),
        Column(
            "cawn_issued",
            Kind.BOOL,
            doc="a child abduction warning notice was issued",
            enables=("rui_with_cawn",),
        ),
        Column(
            "online",
            Kind.BOOL,
            doc="the offending was online",
            enables=("cse_allocation",),
        ),
        Column(
            "allocated_at",
            Kind.TIMESTAMP,
            doc="when an officer in charge was allocated",
            enables=("unallocated",),
        ),
        Column(
            "plan_recorded_at",
            Kind.TIMESTAMP,
            doc="when the investigation plan was first recorded",
            enables=("no_plan",),
        ),
    ),
)

SUPERVISION = Extract(
    name="supervision",
    file="supervision.csv",
    key="review_id",
    doc="One row per supervisory (or other) entry on an investigation's log.",
    row_rules=(Reason.UNKNOWN_INVESTIGATION, Reason.REVIEW_BEFORE_OPENED),
    columns=(
        Column("review_id", Kind.TEXT, required=True, doc="unique entry reference"),
        Column("investigation_id", Kind.TEXT, required=True, doc="must be a loaded investigation"),
        Column("reviewed_at", Kind.TIMESTAMP, required=True, doc="not before the case opened"),
        Column("reviewer_id", Kind.TEXT, required=True, doc="who made the entry"),
        Column("reviewer_rank", Kind.ENUM, required=True, allowed=ALL_RANKS, doc="their rank"),
        Column("review_type", Kind.TEXT, doc="kind of entry, as the source system names it"),
        Column("actions_set", Kind.INT, min_value=0, doc="number of actions set"),
        Column("note", Kind.TEXT, doc="the entry's free text", free_text=True),
        # From review templates; absent or empty = unknown (the note's words decide then).
        Column(
            "next_review_due",
            Kind.TIMESTAMP,
            may_be_future=True,
            doc="when the reviewer set the next review; may be in the future",
        ),
        Column("risk_reviewed", Kind.BOOL, doc="the template's 'risk reviewed' box"),
        Column("plan_updated", Kind.BOOL, doc="the template's 'investigation plan updated' box"),
        Column(
            "child_seen_or_heard",
            Kind.BOOL,
            doc="the template's 'child seen or heard (voice, demeanour)' box",
        ),
    ),
)

CUSTODY = Extract(
    name="custody",
    file="custody.csv",
    key="custody_id",
    doc="Optional. One row per detention of a child in police custody.",
    optional=True,
    enables=("accommodation_late", "certificate_missing"),
    columns=(
        Column("custody_id", Kind.TEXT, required=True, doc="unique custody record reference"),
        Column("investigation_id", Kind.TEXT, doc="the investigation; may not be loaded"),
        Column("area", Kind.ENUM, required=True, allowed_setting="areas", doc="policing area"),
        Column("detained_at", Kind.TIMESTAMP, required=True, doc="when detention was authorised"),
        Column("child_age", Kind.INT, min_value=0, max_value=120, doc="the detainee's age"),
        Column("charged_at", Kind.TIMESTAMP, doc="when charged; empty if not charged"),
        Column("bail_refused", Kind.BOOL, doc="bail was refused after charge"),
        Column(
            "accommodation_requested_at",
            Kind.TIMESTAMP,
            doc="when local-authority accommodation was requested",
        ),
        Column(
            "accommodation_outcome",
            Kind.ENUM,
            allowed=ACCOMMODATION_OUTCOMES,
            doc="what came of the request",
        ),
        Column(
            "certificate_completed",
            Kind.BOOL,
            doc="a PACE s38(6) certificate (transfer impracticable) was completed",
        ),
        Column("certificate_rationale", Kind.TEXT, doc="the certificate's rationale"),
        Column("released_at", Kind.TIMESTAMP, doc="when released or transferred"),
    ),
)

MISSING = Extract(
    name="missing",
    file="missing.csv",
    key="episode_id",
    doc="Optional. One row per missing episode of a child.",
    optional=True,
    enables=("absent_category_used", "rhi_overdue", "repeat_missing"),
    columns=(
        Column("episode_id", Kind.TEXT, required=True, doc="unique episode reference"),
        Column(
            "person_ref",
            Kind.TEXT,
            required=True,
            doc="a pseudonymous reference to the child, never a name",
        ),
        Column("area", Kind.ENUM, required=True, allowed_setting="areas", doc="policing area"),
        Column("reported_at", Kind.TIMESTAMP, required=True, doc="when reported missing"),
        Column("child_age", Kind.INT, min_value=0, max_value=120, doc="the child's age"),
        Column("risk_category", Kind.ENUM, allowed=RISK_CATEGORIES, doc="risk category given"),
        Column("returned_at", Kind.TIMESTAMP, doc="when found or returned; empty while missing"),
        Column(
            "return_interview_offered_at",
            Kind.TIMESTAMP,
            doc="when a return home interview was offered",
        ),
    ),
)

# Load order matters: reviews are checked against the merged investigations.
EXTRACTS: tuple[Extract, ...] = (INCIDENTS, INVESTIGATIONS, SUPERVISION)
# Files a SOURCE may hold besides the three (issue 17): absent = their checks are off.
OPTIONAL_EXTRACTS: tuple[Extract, ...] = (CUSTODY, MISSING)
ALL_EXTRACTS: tuple[Extract, ...] = EXTRACTS + OPTIONAL_EXTRACTS
