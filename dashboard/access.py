"""The signed-in user, for pages, panels and callbacks (which never import app.py).

app.py calls ``install`` once; everything else asks ``current_scope()``.
"""

from __future__ import annotations

from dashboard.auth import NOBODY, Auth
from dashboard.scope import Scope

_auth: Auth | None = None


def install(instance: Auth) -> None:
    global _auth
    _auth = instance


def auth() -> Auth:
    if _auth is None:
        raise RuntimeError("dashboard.access.install() has not been called (see app.py)")
    return _auth


def current_scope() -> Scope:
    """The caller's scope; nobody (no areas) outside a signed-in request."""
    try:
        return auth().current_scope()
    except RuntimeError:
        return NOBODY
