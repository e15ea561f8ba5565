"""Sign-in for every route, the signed-in user's scope, and the server's security headers.

Two ways in: the local users file (``/login``), or a header set by a single-sign-on reverse
proxy, believed only from the ``trusted_proxies`` addresses. Either way the user must be in the
users file, which gives their role and areas.
"""

from __future__ import annotations

import html
import secrets
from pathlib import Path
from urllib.parse import quote, urlparse

import flask
from dash import Dash

from dashboard.audit import AuditLog
from dashboard.data import Scope
from dashboard.users import User, UserStore, check_password
from etl.settings import Settings

NOBODY = Scope(username="", role="none", areas=())
PUBLIC_PATHS = {"/login", "/assets/bootstrap.min.css", "/assets/app.css"}
FAILURE_WINDOW_MINUTES = 15


class Auth:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.users = UserStore(settings.users_file)
        self.audit = AuditLog(settings.audit_path)

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
        if user is None and (name := flask.session.get("user")):
            user = self.users.get(name)
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
            address=flask.request.remote_addr if flask.has_request_context() else None,
            **kwargs,
        )

    # --- wiring ----------------------------------------------------------------------------

    def install(self, app: Dash) -> None:
        server = app.server
        server.secret_key = _secret_key(self.settings.secret_key_file)
        server.config.update(
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            SESSION_COOKIE_SECURE=self.settings.secure_cookies,
            SESSION_COOKIE_NAME="pvp_session",
            PERMANENT_SESSION_LIFETIME=8 * 3600,
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
            address = flask.request.remote_addr
            if not secrets.compare_digest(form.get("csrf", ""), flask.session.get("csrf", "")):
                error = "The form expired; please try again."
            elif (
                self.audit.failures_since(username, address, FAILURE_WINDOW_MINUTES)
                >= self.settings.sign_in_attempts
            ):
                self.audit.record(username, "sign_in_refused", address=address)
                return _login_page("Too many failed attempts; try again later.", 429)
            else:
                user = self.users.get(username)
                stored = user.password_hash if user else None
                if check_password(form.get("password", ""), stored):
                    flask.session.clear()
                    flask.session["user"] = username
                    flask.session.permanent = True
                    self.audit.record(username, "sign_in", address=address)
                    return flask.redirect(_safe_next(form.get("next")))
                self.audit.record(username, "sign_in_failed", address=address)
                error = "Wrong username or password."
        flask.session.setdefault("csrf", secrets.token_urlsafe(24))
        status = 401 if error else 200
        return _login_page(error, status, flask.request.values.get("next", "/"))

    def _logout(self):
        if self.current_user() is not None:
            self.record("sign_out")
        flask.session.clear()
        return flask.redirect("/login")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a user to another host after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//"):
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
<input type="hidden" name="next" value="{html.escape(_safe_next(next_path))}">
<div class="mb-3"><label class="form-label" for="username">Username</label>
<input class="form-control" id="username" name="username" autocomplete="username" required></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary" id="sign-in" type="submit">Sign in</button>
</form></main></body></html>"""
    return flask.Response(body, status=status, mimetype="text/html")


def _secret_key(path: Path) -> bytes:
    """Made on first run, readable by the owner only; never in the repository."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = path.open("xb")
        path.chmod(0o600)
        with fd:
            fd.write(secrets.token_bytes(32))
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
