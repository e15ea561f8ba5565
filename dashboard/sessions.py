"""Server-side sessions and the sign-in throttle, both in the application database.

The session cookie (Flask's, signed) carries only a random token. The server keeps the token's
SHA-256 in ``user_sessions`` with the user it belongs to, an absolute expiry and a fingerprint
of the user's entry in the users file, so sign-out, "sign out everywhere", a new password, a
new role or new areas end a session on the server: replaying the old cookie gets nothing.

The throttle counts sign-in attempts per (username, client address) and per client address in
fixed windows, with one atomic upsert per key *before* the password is checked: twenty
parallel guesses can never get more than the limit checked, and every gunicorn worker shares
the counts.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.appdb import AppDB
from dashboard.appdb.models import SignInCounter, UserSession
from dashboard.users import User


def utcnow() -> datetime:
    """Naive UTC: both SQLite and PostgreSQL store and compare it the same way."""
    return datetime.now(UTC).replace(tzinfo=None)


def fingerprint(user: User) -> str:
    """Changes whenever anything about the user's entry changes (password, role, areas...)."""
    # Not the digest address: changing where mail goes does not sign anyone out.
    entry = {k: v for k, v in asdict(user).items() if k != "email"}
    entry = json.dumps(entry, sort_keys=True, default=str)
    return hashlib.sha256(entry.encode()).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, db: AppDB, lifetime: timedelta) -> None:
        self.db = db
        self.lifetime = lifetime

    def create(self, user: User, address: str | None) -> str:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.transaction() as s:
            # Rows of sessions long over are of no more use (the audit log keeps sign-ins).
            s.execute(delete(UserSession).where(UserSession.expires_at < now - self.lifetime))
            s.add(
                UserSession(
                    token_hash=_hash(token),
                    username=user.username,
                    fingerprint=fingerprint(user),
                    created_at=now,
                    expires_at=now + self.lifetime,
                    address=(address or "")[:64] or None,
                )
            )
        return token

    def user_for(self, token: str | None, lookup) -> User | None:
        """The session's user if the session still counts; ``lookup`` reads the users file."""
        if not token or not isinstance(token, str) or len(token) > 100:
            return None
        with self.db.transaction() as s:
            row = s.get(UserSession, _hash(token))
        if row is None or row.revoked_at is not None or utcnow() >= row.expires_at:
            return None
        user = lookup(row.username)
        if user is None or fingerprint(user) != row.fingerprint:
            # Ended for good, not only while the entry differs: a removed user restored from a
            # backup, or an area change undone, must not bring an old cookie back to life.
            self.revoke(token)
            return None
        return user

    def revoke(self, token: str | None) -> None:
        if not token or not isinstance(token, str):
            return
        with self.db.transaction() as s:
            s.execute(
                update(UserSession)
                .where(UserSession.token_hash == _hash(token), UserSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )

    def revoke_user(self, username: str | None) -> int:
        """End every live session of ``username`` (all users when None); returns how many."""
        now = utcnow()
        with self.db.transaction() as s:
            query = update(UserSession).where(
                UserSession.revoked_at.is_(None), UserSession.expires_at > now
            )
            if username is not None:
                query = query.where(UserSession.username == username)
            return s.execute(query.values(revoked_at=now)).rowcount


def _counted_as(address: str | None) -> str:
    """The address attempts are counted under: an IPv6 address by its /64 network, which one
    ordinary host holds whole (2^64 addresses: counted one by one, it had unlimited guesses; an
    adversarial pass, session 17); an IPv4 address as it is."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if isinstance(parsed, ipaddress.IPv4Address):
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is that IPv4 address
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


class SignInThrottle:
    """Fixed-window attempt counters per key, shared by every worker through the database."""

    def __init__(self, db: AppDB, window: timedelta, per_user: int, per_address: int) -> None:
        self.db = db
        self.window = window
        self.per_user = per_user
        self.per_address = per_address

    @staticmethod
    def _keys(username: str, address: str | None) -> tuple[str, str]:
        address = _counted_as(address)
        return f"user:{username[:100]}|{address}", f"address:{address}"

    def _bump(self, key: str, by: int = 1) -> int:
        now = utcnow()
        fresh = SignInCounter.window_start < now - self.window
        insert = (postgresql if self.db.engine.dialect.name == "postgresql" else sqlite).insert
        statement = (
            insert(SignInCounter)
            .values(key=key, window_start=now, attempts=by)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "attempts": case((fresh, by), else_=SignInCounter.attempts + by),
                    "window_start": case((fresh, now), else_=SignInCounter.window_start),
                },
            )
            .returning(SignInCounter.attempts)
        )
        with self.db.transaction() as s:
            return s.execute(statement).scalar_one()

    def reserve(self, username: str, address: str | None) -> bool:
        """Count an attempt; False when the user/address or the address is over its limit."""
        user_key, address_key = self._keys(username, address)
        if self._bump(address_key) > self.per_address:
            return False
        return self._bump(user_key) <= self.per_user

    def succeeded(self, username: str, address: str | None) -> None:
        """A right password: that attempt does not count against the user or the address."""
        user_key, address_key = self._keys(username, address)
        with self.db.transaction() as s:
            s.execute(delete(SignInCounter).where(SignInCounter.key == user_key))
            s.execute(
                update(SignInCounter)
                .where(SignInCounter.key == address_key, SignInCounter.attempts > 0)
                .values(attempts=SignInCounter.attempts - 1)
            )
