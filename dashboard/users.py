"""Local users: a JSON file of username -> password hash, role and areas (mode 0600).

Passwords are hashed with scrypt (memory-hard; Python's standard library), a random salt each.
Users who sign in through the single-sign-on proxy have an entry with no password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROLES = ("force", "area", "admin", "auditor", "moderator", "ppu")
# Case audits (dashboard/audits/service.py): auditors and moderators work in their own areas;
# the public protection unit samples for the whole force.
AREA_ROLES = ("area", "auditor", "moderator")
FORCE_ROLES = ("force", "admin", "ppu")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
# One address, no display name, no spaces or line breaks (it goes into a mail header).
EMAIL = re.compile(r"[^@\s,;<>\"']{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,}")


@dataclass
class User:
    username: str
    role: str
    areas: list[str] = field(default_factory=list)
    password_hash: str | None = None
    email: str | None = None  # where the morning digest goes (set by an administrator)

    def visible_areas(self, all_areas: list[str]) -> tuple[str, ...]:
        """Deny by default: an area user with no areas sees nothing."""
        if self.role in FORCE_ROLES:
            return tuple(all_areas)
        if self.role in AREA_ROLES:
            return tuple(a for a in all_areas if a in self.areas)
        return ()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    parts = [
        "scrypt", str(SCRYPT["n"]), str(SCRYPT["r"]), str(SCRYPT["p"]),
        base64.b64encode(salt).decode(), base64.b64encode(digest).decode(),
    ]  # fmt: skip
    return "$".join(parts)


def check_password(password: str, stored: str | None) -> bool:
    if not stored:
        # Spend the same time as a real check, so a missing user is not told apart by timing.
        hashlib.scrypt(password.encode(), salt=b"0" * 16, dklen=32, **SCRYPT)
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(got, base64.b64decode(digest))


class UserStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._cache: tuple[int, dict[str, User]] | None = None

    def load(self) -> dict[str, User]:
        """Re-read when the file changes, so removing a user takes effect at once."""
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if self._cache and self._cache[0] == mtime:
            return self._cache[1]
        raw = json.loads(self.path.read_text())
        users = {name: User(username=name, **entry) for name, entry in raw["users"].items()}
        self._cache = (mtime, users)
        return users

    def get(self, username: str) -> User | None:
        return self.load().get(username)

    def save(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "users": {
                u.username: {k: v for k, v in asdict(u).items() if k != "username"}
                for u in sorted(users.values(), key=lambda u: u.username)
            }
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".users-")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        self._cache = None

    def add(self, username: str, role: str, areas: list[str], password: str | None) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        users = self.load()
        if username in users:
            raise ValueError(f"user {username} already exists")
        users = dict(users)
        users[username] = User(
            username, role, list(areas), hash_password(password) if password else None
        )
        self.save(users)

    def remove(self, username: str) -> None:
        users = dict(self.load())
        if users.pop(username, None) is None:
            raise ValueError(f"no user {username}")
        self.save(users)

    def set_email(self, username: str, email: str | None) -> None:
        """An administrator sets where a user's digest goes (None: nowhere). Users cannot set
        it themselves: case detail must only go to an address the force has checked."""
        email = (email or "").strip() or None
        if email is not None and not EMAIL.fullmatch(email):
            raise ValueError(f"not an email address: {email[:80]}")
        users = dict(self.load())
        if username not in users:
            raise ValueError(f"no user {username}")
        users[username].email = email
        self.save(users)

    def set_password(self, username: str, password: str) -> None:
        users = dict(self.load())
        if username not in users:
            raise ValueError(f"no user {username}")
        users[username].password_hash = hash_password(password)
        self.save(users)


def ensure_demo_users(store: UserStore, areas: list[str]) -> dict[str, str] | None:
    """On first run: one force-wide user, an admin, one user per area, and for case audits a
    PPU user, an auditor and a moderator per area (``west-auditor``, ``west-moderator``), with
    random passwords returned (to be printed once). Nothing happens when a users file exists."""
    if store.path.exists():
        return None
    created = {}
    for username, role, user_areas in [
        ("force", "force", []),
        ("admin", "admin", []),
        *[(a.lower(), "area", [a]) for a in areas],
        ("ppu", "ppu", []),
        *[(f"{a.lower()}-{role}", role, [a]) for a in areas for role in ("auditor", "moderator")],
    ]:
        password = secrets.token_urlsafe(12)
        store.add(username, role, user_areas, password)
        created[username] = password
    return created
