"""The Dash app: pages, navigation and sign-in wiring; nothing else.

python app.py --db data/warehouse.duckdb --host 127.0.0.1 --port 8050
gunicorn -w 2 -b 127.0.0.1:8050 --no-control-socket app:server   (PVP_DB_PATH=...)
"""

from __future__ import annotations

import argparse
import gc
import threading
from datetime import datetime
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from pydantic import ValidationError

from dashboard import access, compose, data, inputs, pages, printview
from dashboard.auth import Auth
from dashboard.users import ensure_demo_users
from etl.settings import Settings, refuse_settings

ASSETS = Path(__file__).parent / "dashboard" / "assets"


def create_app(settings: Settings | None = None) -> Dash:
    """The app, with the settings resolved once here and passed down (dashboard.data.configure
    makes them the ones every page, panel and query reads)."""
    if settings is not None:
        data.configure(settings)
    settings = data.settings()
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        external_stylesheets=[],
        title="PVP supervision",
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    auth = Auth(settings, landing=compose.landing)
    access.install(auth)
    auth.install(app)
    inputs.install(app.server)
    printview.install(app.server)
    pages.load_all()
    app.layout = shell
    app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
    return app


def refreshed_words() -> str | None:
    """When the data was last refreshed (the newest load's end), said on every page."""
    try:
        newest = data.newest_load_at()
    except data.NoWarehouse:
        return None
    return f"Data refreshed {newest:%d/%m/%Y %H:%M}" if newest else "No data loaded yet"


def stale_banner() -> dbc.Alert | None:
    try:
        newest = data.newest_load_at()
    except data.NoWarehouse:
        return None
    if newest is None:
        return None
    stale = data.stale_load(newest, datetime.now(), data.settings().stale_data_hours)
    if stale is None:
        return None
    return dbc.Alert(
        f"⚠ Old data: {stale}.",
        color="warning",
        id="stale-banner",
        className="mb-0 rounded-0",
    )


def shell() -> html.Div:
    """Called on every full page load, so the user, banner and navigation are current."""
    scope = access.current_scope()
    links = [
        dbc.NavItem(dbc.NavLink(p["name"], href=p["relative_path"], active="exact"))
        for p in compose.nav_pages(scope.role)
    ]
    if scope.role == "admin":
        links.append(dbc.NavItem(dbc.NavLink("Audit log", href="/audit", active="exact")))
    who = f"{scope.username} ({scope.role}: {', '.join(scope.areas) or 'no areas'})"
    nav = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("PVP supervision", href=compose.landing(scope.role)),
                # Below the md breakpoint (768 px) the links fold behind a menu button.
                dbc.NavbarToggler(id="nav-toggle", n_clicks=0),
                dbc.Collapse(
                    [
                        dbc.Nav(links, navbar=True, className="me-auto"),
                        html.Span(
                            refreshed_words(), className="navbar-text me-3 small", id="refreshed"
                        ),
                        html.Span(who, className="navbar-text me-2 small", id="signed-in-as"),
                        html.A(
                            "My settings",
                            href="/settings",
                            className="navbar-text me-3 small link-light",
                            id="my-settings",
                        ),
                        html.Form(
                            html.Button(
                                "Sign out",
                                className="btn btn-outline-light btn-sm",
                                id="sign-out",
                                type="submit",
                            ),
                            action="/logout",
                            method="POST",
                        ),
                    ],
                    id="nav-collapse",
                    is_open=False,
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand="md",
    )
    return html.Div(
        [
            html.A("Skip to the content", href="#main", className="skip-link"),
            html.Div("OFFICIAL-SENSITIVE", className="text-center small bg-light py-1"),
            nav,
            stale_banner(),
            html.Main(
                dbc.Container(dash.page_container, fluid=True, className="py-3"),
                id="main",
                tabIndex="-1",
            ),
            dcc.Location(id="url", refresh=False),
        ]
    )


try:
    app = create_app()
except ValidationError as refused:  # a setting no rule can work with: one line, not a traceback
    # Under gunicorn, status 3 is its "worker failed to boot": the server stops rather than
    # starting the worker again and again (status 2 did).
    refuse_settings(refused, status=2 if __name__ == "__main__" else 3)
server = app.server


@dash.callback(
    dash.Output("nav-collapse", "is_open"),
    dash.Input("nav-toggle", "n_clicks"),
    dash.State("nav-collapse", "is_open"),
    prevent_initial_call=True,
)
def _toggle_menu(_clicks, is_open):
    return not is_open


def finish_dash_setup(dash_app: Dash) -> None:
    """Run now what Dash runs on its first request: collecting every callback and the pages'
    router. Dash marks that set-up done before doing it, so when two first requests reach a
    fresh gunicorn worker's threads at once, one of them is served a partial callback list
    (`/_dash-dependencies`) and that user's page never wires up. Called once every callback
    is registered (the end of this module); the hooks then return at once on each request."""
    hooks = [
        hook
        for hook in dash_app.server.before_request_funcs.get(None, [])
        if getattr(hook, "__qualname__", "").startswith("Dash.")
    ]
    with dash_app.server.test_request_context("/"):
        for hook in hooks:
            hook()


finish_dash_setup(app)


def spare_startup_objects_from_gc() -> None:
    """Leave what importing the app made (about 200,000 objects: modules, classes, Dash's
    component registry) out of Python's full garbage collections. A full collection walks
    every tracked object: with these it stopped the request it fell in for about 100 ms (one
    in about 40 filter changes of a worker), the cards' slowest first visits. They live as
    long as the worker, so the collector has nothing to find among them."""
    gc.collect()
    gc.freeze()


spare_startup_objects_from_gc()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the PVP supervision dashboard.")
    parser.add_argument("--db", type=Path, default=None, help="warehouse file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (never in use)")
    parser.add_argument(
        "--demo-users", action="store_true", help="on first run, create demo users and print"
    )
    args = parser.parse_args()
    settings = data.settings()
    if args.db:
        settings = settings.model_copy(update={"db_path": args.db})
        data.configure(settings)
    if args.demo_users:
        store = access.auth().users
        created = ensure_demo_users(store, list(settings.areas))
        message = demo_users_message(created, sorted(store.load()), store.path, args)
        # Printed once the server has started, so it is the last thing on the screen.
        threading.Timer(1.5, lambda: print(message, flush=True)).start()
    app.run(host=args.host, port=args.port, debug=args.debug)


def demo_users_message(
    created: dict[str, str] | None, existing: list[str], users_file: Path, args
) -> str:
    """What `make run` ends with: the demo users' passwords (shown once), or which users
    exist already; and how to reset a password."""
    url = f"http://{args.host}:{args.port}/"
    reset = "python -m dashboard users set-password USERNAME --generate"
    rule = "=" * 64
    if created:
        lines = [f"Demo users created; passwords shown ONCE (sign in at {url}):", ""]
        lines += [f"  {name:<16} {password}" for name, password in created.items()]
    else:
        lines = [f"Users already exist in {users_file}: {', '.join(existing) or 'none'}.", ""]
        lines.append(f"Sign in at {url}")
    lines += ["", f"Forgot one? Reset it with:  .venv/bin/{reset}"]
    return "\n".join(["", rule, *lines, rule])


if __name__ == "__main__":
    main()
