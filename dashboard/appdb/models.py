"""ORM models of the application database. Every table hangs off this ``Base``; its schema is
changed only by a migration (see ``dashboard/appdb/migrations``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


class AppInfo(Base):
    """Facts about the database itself (who created it); written by the baseline migration."""

    __tablename__ = "app_info"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


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
