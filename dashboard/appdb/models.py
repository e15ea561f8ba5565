"""ORM models of the application database. Every table hangs off this ``Base``; its schema is
changed only by a migration (see ``dashboard/appdb/migrations``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

# Named constraints, so migrations can drop or alter them on both SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# The largest INTEGER key on PostgreSQL (SQLite's reach 2^63 - 1).
KEY_MAX = 2**31 - 1


def by_key(session: Session, model: type[Base], key: object) -> Base | None:
    """``session.get(model, key)``, and None for a key no row can have: past INTEGER's range
    PostgreSQL refuses the query itself, so a crafted id answered 500 there (an adversarial
    pass, session 25), and a bool is not an id."""
    if type(key) is not int or not 1 <= key <= KEY_MAX:
        return None
    return session.get(model, key)


class AppInfo(Base):
    """Facts about the database itself (who created it); written by the baseline migration."""

    __tablename__ = "app_info"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


# --- case audits (issue 13): a month's central draw, one audit per sampled case ---------------


class AuditSample(Base):
    """One central draw for one month (all areas): the seed is kept, so the draw can be shown
    again; categories with no eligible case are kept in ``empty_categories``."""

    __tablename__ = "audit_sample"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    interest_category: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)  # the day the facts and flags were taken
    cases_per_area: Mapped[int] = mapped_column(Integer)
    empty_categories: Mapped[list] = mapped_column(JSON, default=list)  # [{area, category}]
    drawn_by: Mapped[str] = mapped_column(String(100))
    drawn_at: Mapped[datetime] = mapped_column(DateTime)
    audits: Mapped[list[Audit]] = relationship(back_populates="sample", order_by="Audit.id")


class Audit(Base):
    """One sampled case and its audit: sampled -> draft -> submitted -> moderated (final).

    ``version`` is checked on every update (SQLAlchemy's version counter): a save made from a
    stale form fails instead of overwriting someone else's."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("audit_sample.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date, index=True)
    area: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(64))
    investigation_id: Mapped[str] = mapped_column(String(64), index=True)
    team: Mapped[str] = mapped_column(String(128))
    snapshot: Mapped[dict] = mapped_column(JSON)  # facts, flags and measures on the as-of day
    status: Mapped[str] = mapped_column(String(16), default="sampled")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {question: {answer, note}}
    grade: Mapped[str | None] = mapped_column(String(32))
    rationale: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    theme_note: Mapped[str | None] = mapped_column(Text)
    auditor: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    final_grade: Mapped[str | None] = mapped_column(String(32))
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    moderator: Mapped[str | None] = mapped_column(String(100))
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    sample: Mapped[AuditSample] = relationship(back_populates="audits")
    feedback: Mapped[list[AuditFeedback]] = relationship(order_by="AuditFeedback.id")
    events: Mapped[list[AuditEvent]] = relationship(order_by="AuditEvent.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEvent(Base):
    """Who did what to an audit, and when (drafted, submitted, moderated, feedback)."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)


class AuditFeedback(Base):
    """Feedback given to the officer in charge or their supervisor after an audit."""

    __tablename__ = "audit_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(16))  # officer | supervisor
    given_on: Mapped[date] = mapped_column(Date)
    given_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class AuditAction(Base):
    """An action agreed at a PVP meeting: carried from pack to pack until closed."""

    __tablename__ = "audit_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str | None] = mapped_column(String(64))  # None: force-wide
    agreed_month: Mapped[date] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


# --- sessions and sign-in limits (hardening) ---------------------------------------------


class UserSession(Base):
    """One signed-in session. The cookie carries a random token; only its SHA-256 is stored, so
    a copy of this table cannot be replayed. A session counts while it is not revoked, not past
    ``expires_at`` (fixed at sign-in: using it never extends it) and the user's entry in the
    users file still has the ``fingerprint`` it had at sign-in (a new password, role or area
    ends it)."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SignInCounter(Base):
    """Sign-in attempts per key (``user:<name>|<address>`` or ``address:<address>``) in a fixed
    window; incremented by one atomic upsert before a password is checked."""

    __tablename__ = "sign_in_counters"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    attempts: Mapped[int] = mapped_column(Integer)


# --- acting on the daily list (issue 15) ---------------------------------------------------


class CaseFollowUp(Base):
    """A manager's follow-up of a flagged case: "chased" someone, or "assigned to" a supervisor.

    It never clears a flag: only a review in the extracts does. It belongs to the run of flags
    the case was in when it was made (``flagged_since``, from flag_spans.sql); when that run ends
    (dashboard/followup.py ``reconcile`` after a load) it is closed with ``outcome`` and, when a
    review ended it, the review's day and the days from first flagged to that review."""

    __tablename__ = "case_follow_up"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    investigation_id: Mapped[str] = mapped_column(String(64), index=True)
    area: Mapped[str] = mapped_column(String(64), index=True)
    team: Mapped[str] = mapped_column(String(128))
    flags: Mapped[list] = mapped_column(JSON)  # the case's flags when it was made
    flagged_since: Mapped[date] = mapped_column(Date)
    # The newest day of data when it was recorded: a past day's list shows it from then.
    made_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # chased | assigned
    person: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    remind_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # local time, no offset
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    cleared_on: Mapped[date | None] = mapped_column(Date)  # the data day it was seen cleared
    outcome: Mapped[str | None] = mapped_column(String(16))  # reviewed | case_closed | cleared
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    days_to_review: Mapped[int | None] = mapped_column(Integer)


class SavedView(Base):
    """A user's named filters for one page (the page's address query); one may be the default
    they land on."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("username", "page", "name", name="uq_saved_view_username"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    page: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DigestSubscription(Base):
    """Whether a user gets the morning digest, and what the last one held (for "new since")."""

    __tablename__ = "digest_subscription"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    subscribed: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_day: Mapped[date | None] = mapped_column(Date)
    last_case_ids: Mapped[list | None] = mapped_column(JSON)


class DigestSend(Base):
    """One outcome of a digest run: per recipient (sent, failed, written) or for the whole run
    (stale: not sent because the data is old). Shown to admins on the data page."""

    __tablename__ = "digest_send"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # sent | failed | written | stale
    attempts: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
