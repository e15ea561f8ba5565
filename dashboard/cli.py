"""``python -m dashboard``: manage users (and, later, produce the monthly pack)."""

from __future__ import annotations

import getpass
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dashboard.users import AREA_ROLES, EMAIL, ROLES, UserStore
from etl.settings import Settings, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
users_app = typer.Typer(no_args_is_help=True, help="Add, remove and list dashboard users.")
app.add_typer(users_app, name="users")
err = Console(stderr=True)


def _store() -> UserStore:
    return UserStore(get_settings().users_file)


def _operator_log(command: str, **detail) -> None:
    """The access audit log's entry for a change to users made at the command line (who ran it:
    the account on the server)."""
    from dashboard.audit import AuditLog

    AuditLog(get_settings().audit_path).record(
        f"cli:{getpass.getuser()}", "user_admin", detail={"command": command, **detail}
    )


def _new_password(generate: bool) -> str:
    if generate:
        password = secrets.token_urlsafe(12)
        err.print(f"password (shown once): [bold]{escape(password)}[/]")
        return password
    first = getpass.getpass("New password: ")
    if len(first) < 10:
        err.print("[red]use at least 10 characters[/]")
        raise typer.Exit(2)
    if getpass.getpass("Again: ") != first:
        err.print("[red]the passwords differ[/]")
        raise typer.Exit(2)
    return first


@users_app.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")] = "area",
    area: Annotated[list[str] | None, typer.Option(help="an area (repeat for more)")] = None,
    sso: Annotated[bool, typer.Option(help="signs in through the proxy only")] = False,
    generate: Annotated[bool, typer.Option(help="generate and print a password")] = False,
    email: Annotated[str | None, typer.Option(help="where their morning digest goes")] = None,
) -> None:
    """Add a user. Area users see only their areas; force and admin users see every area."""
    areas = list(area or [])
    unknown = set(areas) - set(get_settings().areas)
    if unknown:
        err.print(f"[red]unknown area(s): {escape(', '.join(sorted(unknown)))}[/]")
        raise typer.Exit(2)
    # Checked before anything is made: refused after the add, the user stayed, with a
    # password and no line in the access log (an adversarial pass, session 24).
    if email and not EMAIL.fullmatch(email.strip()):
        err.print(f"[red]not an email address: {escape(email[:80])}[/]")
        raise typer.Exit(2)
    password = None if sso else _new_password(generate)
    try:
        _store().add(username, role, areas, password)
        if email:
            _store().set_email(username, email)
    except ValueError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    _operator_log("add", user=username, role=role, areas=areas, sso=sso, email=bool(email))
    err.print(f"added {escape(username)} ({escape(role)})")


@users_app.command("remove")
def remove(username: str) -> None:
    """Remove a user; their sessions end (were the entry restored, none would come back)."""
    try:
        _store().remove(username)
    except ValueError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    ended = _sign_out(username, strict=False)
    _operator_log("remove", user=username, sessions_ended=ended)
    err.print(f"removed {username}; {ended} session(s) ended", markup=False)


@users_app.command("set-email")
def set_email(
    username: str,
    email: Annotated[str, typer.Argument(help="the address; '' for none")],
) -> None:
    """Set where a user's morning digest goes (they subscribe on their My settings page)."""
    try:
        _store().set_email(username, email)
    except ValueError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    _operator_log("set-email", user=username, email=bool(email))
    err.print(f"digest address of {escape(username)}: {escape(email or 'none')}")


@users_app.command("set-password")
def set_password(
    username: str,
    generate: Annotated[bool, typer.Option(help="generate and print a password")] = False,
) -> None:
    """Set a user's password; their sessions end (they sign in again with the new one)."""
    try:
        _store().set_password(username, _new_password(generate))
    except ValueError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    # A session also ends by itself when the user's entry changes (sessions.fingerprint); this
    # ends it in the table too, so the count is honest.
    ended = _sign_out(username, strict=False)
    _operator_log("set-password", user=username, sessions_ended=ended)
    err.print(f"password set for {username}; {ended} session(s) ended", markup=False)


def _sign_out(username: str | None, strict: bool = True) -> int:
    """End sessions on the server (every user's when None); the count of those ended. Without
    ``strict``, an application database never set up holds no sessions: 0."""
    from datetime import timedelta

    from dashboard.appdb import AppDB
    from dashboard.sessions import SessionStore

    settings = get_settings()
    db = AppDB(settings.app_db_url)
    try:
        if not strict and db.current_revision() is None:
            return 0
        _check_current(db)
        return SessionStore(db, timedelta(hours=settings.session_hours)).revoke_user(username)
    finally:
        db.dispose()


@users_app.command("sign-out-everywhere")
def sign_out_everywhere(
    username: Annotated[str | None, typer.Argument(help="the user (omit with --all)")] = None,
    everyone: Annotated[bool, typer.Option("--all", help="every user's sessions")] = False,
) -> None:
    """End a user's sessions on every browser at once (or everybody's, with --all)."""
    if everyone == (username is not None):
        err.print("give a USERNAME or --all (not both)", markup=False)
        raise typer.Exit(2)
    ended = _sign_out(None if everyone else username)
    # A name no longer in the users file may still have sessions (removed by editing the
    # file): they end too. A name with neither is most likely a typing mistake.
    if username is not None and not ended and _store().get(username) is None:
        err.print(f"no user {username}, and no session of that name", markup=False)
        raise typer.Exit(2)
    _operator_log("sign-out-everywhere", user=None if everyone else username, sessions_ended=ended)
    err.print(f"{ended} session(s) ended", markup=False)


@users_app.command("list")
def list_users() -> None:
    """List users with their role and areas (never their password hashes)."""
    table = Table("username", "role", "areas", "sign-in", "digest to")
    for user in _store().load().values():
        table.add_row(
            escape(user.username),
            escape(user.role),
            escape(", ".join(user.areas) or ("none" if user.role in AREA_ROLES else "all")),
            "password" if user.password_hash else "proxy only",
            escape(user.email or ""),
        )
    Console().print(table)


@app.command("digest")
def digest_cmd(
    send: Annotated[bool, typer.Option("--send", help="send by email (smtp_* settings)")] = False,
    dry_run: Annotated[
        Path | None, typer.Option("--dry-run", help="write the messages to this folder instead")
    ] = None,
    db: Annotated[Path | None, typer.Option(help="warehouse file")] = None,
) -> None:
    """Email each subscribed user their default Today view (cron: after the morning load).
    Exit 0: all sent; 1: some failed (see the Data page); 3: not sent, the data is stale."""
    from dashboard import digest
    from dashboard.audits import app_db

    if send == (dry_run is not None):
        err.print("[red]say --send or --dry-run FOLDER[/]")
        raise typer.Exit(2)
    settings = _configure(db)
    store = UserStore(settings.users_file)
    db_ = app_db()
    _check_current(db_)
    sender = digest.smtp_sender(settings) if send else None
    result = digest.run(db_, store, settings, send=sender, out_dir=dry_run)
    if result.status == "stale":
        err.print(f"[red]not sent: {escape(result.problems[0])}[/]")
        raise typer.Exit(3)
    done = f"written {result.written}" if dry_run else f"sent {result.sent}"
    err.print(f"digest: {done}, failed {result.failed}")
    for problem in result.problems:
        err.print(f"  [red]{escape(problem)}[/]")
    raise typer.Exit(1 if result.failed else 0)


@app.command("pack")
def pack_cmd(
    month: Annotated[str, typer.Option(help="YYYY-MM [default: the last complete month]")] = "",
    area: Annotated[list[str] | None, typer.Option(help="an area (repeat); default all")] = None,
    out: Annotated[Path, typer.Option(help="directory for the PDF and the workbook")] = Path(
        "packs"
    ),
    db: Annotated[Path | None, typer.Option(help="warehouse file")] = None,
) -> None:
    """Write the monthly PVP pack (A4 PDF and Excel workbook), e.g. from cron."""
    from datetime import date

    from dashboard import data, pack
    from dashboard.data import NoWarehouse
    from dashboard.scope import Scope

    settings = _configure(db)
    unknown = set(area or []) - set(settings.areas)
    if unknown:
        err.print(f"[red]unknown area(s): {escape(', '.join(sorted(unknown)))}[/]")
        raise typer.Exit(2)
    if out.exists() and not out.is_dir():
        err.print(f"[red]--out {escape(str(out))} is a file, not a folder[/]")
        raise typer.Exit(2)
    # Run on the server itself (by hand or from cron): the operator can read every area, and
    # the pack says it was produced by their account.
    scope = Scope(f"{_operator()} (command line)", "force", tuple(settings.areas))
    try:
        chosen = date.fromisoformat(f"{month}-01") if month else data.default_month()
    except ValueError as exc:
        err.print(f"[red]--month must be YYYY-MM, not {escape(repr(month))}[/]")
        raise typer.Exit(2) from exc
    try:
        if chosen is None:
            err.print("[red]the warehouse holds no investigations[/]")
            raise typer.Exit(2)
        if not data.month_in_data(chosen):
            err.print(f"[red]the data does not cover {chosen:%B %Y}: no pack for it[/]")
            raise typer.Exit(2)
        p = pack.build(scope, chosen, list(area) if area else None)
    except NoWarehouse as exc:
        err.print(f"[red]no warehouse at {escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    try:
        pdf, xlsx = pack.write(p, out)
    except OSError as exc:
        why = exc.strerror or str(exc)
        err.print(f"[red]cannot write the pack into {escape(str(out))}: {escape(why)}[/]")
        raise typer.Exit(2) from exc
    print(pdf)
    print(xlsx)


db_app = typer.Typer(no_args_is_help=True, help="The application database's migrations.")
app.add_typer(db_app, name="db")


def _operator() -> str:
    """The account running the command (a container may have no name for its user)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown account"


def _check_current(db) -> None:
    """Stop with the migration to run when the application database is behind the code (or
    was never set up), not a traceback from the first query."""
    from dashboard.appdb.engine import SchemaNotCurrent

    try:
        db.check_current()
    except SchemaNotCurrent as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from exc


@contextmanager
def _revision_refused(revision: str) -> Iterator[None]:
    """A revision Alembic cannot find or reach is said in one line, with exit status 2."""
    from alembic.util import CommandError

    try:
        yield
    except CommandError as exc:
        err.print(f"revision {revision!r}: {exc}", markup=False)
        raise typer.Exit(2) from exc


def _configure(db: Path | None) -> Settings:
    """The settings this command runs with: resolved once, with ``--db`` if given."""
    from dashboard import data

    settings = get_settings()
    if db:
        settings = settings.model_copy(update={"db_path": db})
    data.configure(settings)
    return settings


def _db_url(url: str | None) -> str:
    return url or get_settings().app_db_url


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="target revision")] = "head",
    url: Annotated[str | None, typer.Option(help="default: the app_db_url setting")] = None,
) -> None:
    """Create the application database or bring it up to the code's migrations."""
    from dashboard.appdb import AppDB, upgrade

    with _revision_refused(revision):
        upgrade(_db_url(url), revision)
    db = AppDB(_db_url(url))
    err.print(f"application database at revision {db.current_revision()}")
    db.dispose()


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="target revision, e.g. -1 or base")],
    url: Annotated[str | None, typer.Option(help="default: the app_db_url setting")] = None,
) -> None:
    """Step the application database back to an earlier revision."""
    from dashboard.appdb import downgrade

    with _revision_refused(revision):
        downgrade(_db_url(url), revision)


@db_app.command("current")
def db_current(
    url: Annotated[str | None, typer.Option(help="default: the app_db_url setting")] = None,
) -> None:
    """Print the revision the database is at and the one the code expects."""
    from dashboard.appdb import AppDB
    from dashboard.appdb.engine import head_revision

    db = AppDB(_db_url(url))
    print(f"current {db.current_revision() or 'none'}\nhead {head_revision()}")
    db.dispose()


audits_app = typer.Typer(no_args_is_help=True, help="Case audits: the monthly central sample.")
app.add_typer(audits_app, name="audits")


def _print_drawn(rows: list[tuple[str, str, str, str]], fmt: str) -> None:
    """The drawn cases. Ids and teams come from the extracts: the CSV goes through the one
    formula guard (etl/spreadsheet.py), the table shows them as text, never as rich markup."""
    import sys

    import pandas as pd

    from etl.spreadsheet import write_csv

    header = ("area", "category", "investigation_id", "team")
    if fmt == "csv":
        write_csv(pd.DataFrame(rows, columns=list(header)), sys.stdout)
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*(escape(str(v)) for v in row))
    Console(width=200).print(table)


def _month_arg(month: str):
    from datetime import date

    try:
        return date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        err.print(f"[red]--month must be YYYY-MM, not {escape(repr(month))}[/]")
        raise typer.Exit(2) from exc


def _report_empty(empty: list[dict]) -> None:
    for e in empty:
        where = escape(f"{e['area']}, {e['category']}")
        err.print(f"[yellow]no eligible case[/]: {where}")


@audits_app.command("sample")
def audits_sample(
    month: Annotated[str, typer.Option(help="audit month YYYY-MM; draws the month before's cases")],
    db: Annotated[Path | None, typer.Option(help="warehouse file")] = None,
    seed: Annotated[int | None, typer.Option(help="default: a random seed, stored")] = None,
    interest: Annotated[str | None, typer.Option(help="force-interest category key")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or table")] = "table",
    dry_run: Annotated[bool, typer.Option(help="print the draw without storing it")] = False,
    app_db: Annotated[str | None, typer.Option(help="default: the app_db_url setting")] = None,
) -> None:
    """Draw the month's audit sample for every area and store it with its seed and snapshots."""

    from dashboard.appdb import AppDB
    from dashboard.appdb.engine import SchemaNotCurrent
    from dashboard.audits import service
    from dashboard.data import NoWarehouse
    from dashboard.scope import Scope

    if fmt not in ("csv", "table"):
        err.print("[red]--format must be csv or table[/]")
        raise typer.Exit(2)
    settings = _configure(db)
    chosen = _month_arg(month)
    # Run on the server by the operator for the public protection unit: the whole force.
    scope = Scope("audit-sampler", "ppu", tuple(settings.areas))
    store = AppDB(_db_url(app_db))
    try:
        store.check_current()
        if dry_run:
            seed_, interest_, drawn, empty, as_of = service.draw_month(
                store, scope, chosen, seed, interest
            )
            rows = [(d.area, d.category, d.investigation_id, d.team) for d in drawn]
        else:
            sample = service.store_sample(store, scope, chosen, seed, interest)
            seed_, interest_, empty, as_of = (
                sample.seed,
                sample.interest_category,
                sample.empty_categories,
                sample.as_of,
            )
            audits = service.list_audits(store, scope, chosen)
            rows = [(a.area, a.category, a.investigation_id, a.team) for a in audits]
    except (service.AlreadySampled, ValueError, SchemaNotCurrent) as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    except NoWarehouse as exc:
        err.print(f"[red]no warehouse at {escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    finally:
        store.dispose()
    _print_drawn(rows, fmt)
    _report_empty(empty)
    stored = "not stored (dry run)" if dry_run else "stored"
    err.print(
        f"{chosen:%Y-%m}: {len(rows)} cases, seed {seed_}, force interest {interest_}, "
        f"facts as of {as_of:%d/%m/%Y}; {stored}",
        markup=False,
    )


@audits_app.command("show")
def audits_show(
    month: Annotated[str, typer.Option(help="audit month YYYY-MM")],
    fmt: Annotated[str, typer.Option("--format", help="csv or table")] = "table",
    app_db: Annotated[str | None, typer.Option(help="default: the app_db_url setting")] = None,
) -> None:
    """Show a stored draw again: its cases with their status, seed and empty categories."""
    from dashboard.appdb import AppDB
    from dashboard.audits import service
    from dashboard.scope import Scope

    chosen = _month_arg(month)
    scope = Scope("audit-sampler", "ppu", tuple(get_settings().areas))
    store = AppDB(_db_url(app_db))
    try:
        _check_current(store)
        sample = service.get_sample(store, chosen)
        if sample is None:
            err.print(f"[red]{chosen:%Y-%m} has not been drawn[/]")
            raise typer.Exit(2)
        audits = service.list_audits(store, scope, chosen)
    finally:
        store.dispose()
    _print_drawn([(a.area, a.category, a.investigation_id, a.team) for a in audits], fmt)
    _report_empty(sample.empty_categories)
    err.print(
        f"{chosen:%Y-%m}: {len(audits)} cases, seed {sample.seed}, force interest "
        f"{sample.interest_category}, drawn {sample.drawn_at:%d/%m/%Y %H:%M} by "
        f"{sample.drawn_by}",
        markup=False,
    )
