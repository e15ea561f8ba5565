"""Sign-in for every route, the signed-in user's scope, and the server's security headers.

Two ways in: the local users file (``/login``), or a header set by a single-sign-on reverse
proxy, believed only from the ``trusted_proxies`` addresses. Either way the user must be in the
users file, which gives their role and areas. A local sign-in makes a server-side session
(``dashboard/sessions.py``); the cookie carries only its random token.
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlparse

import flask
from dash import Dash

from dashboard.appdb import AppDB
from dashboard.audit import AuditLog
from dashboard.scope import Scope
from dashboard.sessions import SessionStore, SignInThrottle
from dashboard.users import User, UserStore, check_password
from etl.settings import Settings

NOBODY = Scope(username="", role="none", areas=())
PUBLIC_PATHS = {"/login", "/assets/bootstrap.min.css", "/assets/app.css"}
FAILURE_WINDOW_MINUTES = 15


class Auth:
    def __init__(self, settings: Settings, landing: Callable[[str], str] | None = None) -> None:
        self.settings = settings
        # Where a role lands after signing in with no page asked (app.py: compose.landing).
        self.landing = landing or (lambda _role: "/")
        self.users = UserStore(settings.users_file)
        self.audit = AuditLog(settings.audit_path, settings.audit_coalesce_minutes)
        self.db = AppDB(settings.app_db_url)
        self.sessions = SessionStore(self.db, timedelta(hours=settings.session_hours))
        self.throttle = SignInThrottle(
            self.db,
            timedelta(minutes=FAILURE_WINDOW_MINUTES),
            per_user=settings.sign_in_attempts,
            per_address=settings.sign_in_attempts_per_address,
        )

    # --- who is asking ---------------------------------------------------------------------

    def _from_proxy(self) -> User | None:
        if flask.request.remote_addr not in self.settings.trusted_proxies:
            return None
        name = flask.request.headers.get(self.settings.trusted_user_header)
        return self.users.get(name) if name else None

    def current_user(self) -> User | None:
        if "pvp_user" in flask.g:
            return flask.g.pvp_user
        user = self._from_proxy()
        if user is None and "sid" in flask.session:
            user = self.sessions.user_for(flask.session.get("sid"), self.users.get)
            if user is None:
                flask.session.clear()  # revoked, expired or the user changed: sign in again
        flask.g.pvp_user = user
        return user

    def current_scope(self) -> Scope:
        user = self.current_user()
        if user is None:
            return NOBODY
        return Scope(user.username, user.role, user.visible_areas(list(self.settings.areas)))

    def record(self, event: str, **kwargs) -> None:
        user = self.current_user()
        self.audit.record(
            user.username if user else "",
            event,
            address=client_address(self.settings.trusted_proxies)
            if flask.has_request_context()
            else None,
            **kwargs,
        )

    def record_read(
        self, page: str, rows: int, detail: dict | None = None, case_id: str | None = None
    ) -> None:
        """A read of case-level rows (grid block, cards, figures): coalesced, never skipped."""
        user = self.current_user()
        self.audit.record_read(
            user.username if user else "",
            page,
            rows,
            detail,
            case_id=case_id,
            address=client_address(self.settings.trusted_proxies)
            if flask.has_request_context()
            else None,
        )

    # --- wiring ----------------------------------------------------------------------------

    def install(self, app: Dash) -> None:
        # Sessions live in the application database: its schema must be current.
        self.db.check_current()
        server = app.server
        server.secret_key = _secret_key(self.settings.secret_key_file)
        server.config.update(
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            SESSION_COOKIE_SECURE=self.settings.secure_cookies,
            SESSION_COOKIE_NAME="pvp_session",
            PERMANENT_SESSION_LIFETIME=self.settings.session_hours * 3600,
            # The server's expiry is what counts; a re-issued cookie would only mislead.
            SESSION_REFRESH_EACH_REQUEST=False,
        )
        server.before_request(self._require_sign_in)
        server.after_request(lambda response: _harden(response, app))
        server.add_url_rule("/login", "login", self._login, methods=["GET", "POST"])
        server.add_url_rule("/logout", "logout", self._logout, methods=["POST"])

    def _require_sign_in(self):
        if flask.request.path in PUBLIC_PATHS:
            return None
        if self.current_user() is not None:
            return None
        wants_page = flask.request.method == "GET" and not flask.request.path.startswith(
            ("/_dash", "/_reload", "/assets", "/_favicon")
        )
        if wants_page:
            target = flask.request.full_path.rstrip("?")
            return flask.redirect(f"/login?next={quote(target)}")
        return flask.jsonify(error="sign in required"), 401

    def _login(self):
        error = ""
        if flask.request.method == "POST":
            form = flask.request.form
            username = form.get("username", "")[:100]
            address = client_address(self.settings.trusted_proxies)
            token, expected = form.get("csrf", ""), flask.session.get("csrf", "")
            # compare_digest("", "") is True: an empty token on either side is no token.
            if not token or not expected or not secrets.compare_digest(token, expected):
                error = "The form expired; please try again."
            elif not self.throttle.reserve(username, address):
                self.audit.record(username, "sign_in_refused", address=address)
                return _login_page("Too many failed attempts; try again later.", 429)
            else:
                user = self.users.get(username)
                stored = user.password_hash if user else None
                # Checked even for a missing user: the same work, so timing tells nothing.
                right = check_password(form.get("password", ""), stored)
                if user is not None and right:
                    self.throttle.succeeded(username, address)
                    flask.session.clear()
                    flask.session["sid"] = self.sessions.create(user, address)
                    flask.session.permanent = True
                    self.audit.record(username, "sign_in", address=address)
                    target = safe_local_path(form.get("next"))
                    return flask.redirect(self.landing(user.role) if target == "/" else target)
                self.audit.record(username, "sign_in_failed", address=address)
                error = "Wrong username or password."
        flask.session.setdefault("csrf", secrets.token_urlsafe(24))
        status = 401 if error else 200
        return _login_page(error, status, flask.request.values.get("next", "/"))

    def _logout(self):
        if self.current_user() is not None:
            self.record("sign_out")
        self.sessions.revoke(flask.session.get("sid"))
        flask.session.clear()
        return flask.redirect("/login")


def client_address(trusted_proxies: list[str]) -> str | None:
    """The real client: from a trusted proxy, the right-most X-Forwarded-For address that is
    not itself a trusted proxy (earlier entries are whatever the client chose to send);
    otherwise the connection's own address."""
    remote = flask.request.remote_addr
    if remote not in trusted_proxies:
        return remote
    forwarded = flask.request.headers.get("X-Forwarded-For", "")
    for part in reversed(forwarded.split(",")[-20:]):
        candidate = part.strip()
        if candidate in trusted_proxies:
            continue
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            break
    return remote


def safe_local_path(target: object) -> str:
    """Only same-site paths: never redirect a user to another host after sign-in. Browsers
    read a backslash as a slash and drop tabs and newlines from an address, so a backslash or
    a control character anywhere could turn the path into "//host"."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    parsed = urlparse(target)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def _login_page(error: str, status: int, next_path: str = "/"):
    csrf = flask.session.get("csrf", "")
    alert = (
        f'<div class="alert alert-danger" role="alert">{html.escape(error)}</div>' if error else ""
    )
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sign in - PVP supervision</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container py-5" style="max-width: 28rem">
<h1 class="h3 mb-3">PVP supervision</h1><p class="text-muted">OFFICIAL-SENSITIVE. Sign in to
continue.</p>{alert}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{html.escape(csrf)}">
<input type="hidden" name="next" value="{html.escape(safe_local_path(next_path))}">
<div class="mb-3"><label class="form-label" for="username">Username</label>
<input class="form-control" id="username" name="username" autocomplete="username" required></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary" id="sign-in" type="submit">Sign in</button>
</form></main></body></html>"""
    return flask.Response(body, status=status, mimetype="text/html")


def _secret_key(path: Path) -> bytes:
    """Made on first run, readable by the owner only; never in the repository. Written to a
    private temporary file and linked into place, so two processes starting at once agree on
    one key and neither fails (nor reads a half-written file)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
                fh.flush()
                os.fsync(fh.fileno())
            # Atomic; fails when another process got there first, whose key is then used.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_bytes()


def _harden(response: flask.Response, app: Dash) -> flask.Response:
    script_hashes = " ".join(app.csp_hashes())
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' {script_hashes}; "
        # Plotly and AG Grid add <style> elements at run time.
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not flask.request.path.startswith(("/assets", "/_dash-component-suites")):
        response.headers["Cache-Control"] = "no-store"
    return response
