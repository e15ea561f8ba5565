"""The morning digest: each subscribed user's default Today view, by email.

``python -m dashboard digest --send`` (from cron after the morning load) or ``--dry-run DIR``.
For each user with an address (set by an administrator) who subscribed on My settings: the
counts of the day and their change since the day before, then the cases new since their last
digest, the cases overdue (and response cases never supervised) and those due today, each with
a link to its case page. In their areas only, through the same readers as the pages. HTML and
plain text, OFFICIAL-SENSITIVE in the subject and at the top and bottom of the body;
``digest_detail = "ids_only"`` leaves out everything but the case numbers and links.

Nothing is sent when the newest load is older than ``stale_data_hours``: the run is recorded
as "stale" for the admins (the Data page) and the admins with an address are told by email.
A failed send is tried ``digest_attempts`` times, then recorded as failed; the next recipient is
still served. Every outcome is a row of ``digest_send``.
"""

from __future__ import annotations

import html
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import quote, urlencode

import pandas as pd
from sqlalchemy import select

from dashboard import data, followup, inputs, views
from dashboard.appdb import AppDB
from dashboard.appdb.models import DigestSend, DigestSubscription
from dashboard.audit import AuditLog
from dashboard.panels.today_actions import PANEL as TODAY_LIST
from dashboard.scope import Filters, Scope
from dashboard.users import User, UserStore
from dashboard.words import ACTION_FLAGS, FLAG_WORDS, WAITING_FLAGS
from etl.settings import Settings

log = logging.getLogger("pvp.digest")
MARKING = "OFFICIAL-SENSITIVE"
LISTED_MAX = 50  # cases per section; the rest are counted and one link away


@dataclass
class Digest:
    username: str
    to: str
    subject: str
    text: str
    html: str
    case_ids: list[str] = field(default_factory=list)


# --- subscriptions (the My settings page) ------------------------------------------------------


def subscribed(db: AppDB, username: str) -> bool:
    with db.transaction() as s:
        row = s.get(DigestSubscription, username)
        return bool(row and row.subscribed)


def subscribe(db: AppDB, username: str, on: bool) -> None:
    with db.transaction() as s:
        row = s.get(DigestSubscription, username)
        if row is None:
            row = DigestSubscription(username=username, subscribed=on, changed_at=_now())
            s.add(row)
        row.subscribed, row.changed_at = on, _now()


def last_sent(db: AppDB, username: str) -> datetime | None:
    with db.transaction() as s:
        row = s.get(DigestSubscription, username)
        return row.last_sent_at if row else None


def recent_sends(db: AppDB, n: int = 50) -> pd.DataFrame:
    with db.transaction() as s:
        rows = s.scalars(select(DigestSend).order_by(DigestSend.id.desc()).limit(n)).all()
    return pd.DataFrame(
        [[r.run_at, r.username or "(the run)", r.status, r.attempts, r.cases, r.detail or ""]
         for r in rows],
        columns=["run_at", "username", "status", "attempts", "cases", "detail"],
    )  # fmt: skip


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


# --- what each user gets ---------------------------------------------------------------------


def _filters(db: AppDB, username: str) -> tuple[Filters, str | None]:
    """The user's default Today view, and its name (the caller sets the day: the newest)."""
    view = views.default_for(db, username, "today")
    if view is None:
        return Filters(), None
    try:
        return inputs.filters(views.as_query(view.query)), view.name
    except inputs.BadInput:
        return Filters(), None


def _change(n: int) -> str:
    return "no change since the day before" if n == 0 else f"{n:+d} since the day before"


def _case_link(s: Settings, case_id: str, day: date) -> str:
    return f"{s.public_url.rstrip('/')}/case/{quote(case_id, safe='')}?" + urlencode(
        {"as_of": day.isoformat()}
    )


def _sections(
    rows: pd.DataFrame, seen: set[str] | None, day: date
) -> list[tuple[str, pd.DataFrame]]:
    """New since the last digest first (not in a user's first digest: all would be new), then
    overdue or never supervised, then due today."""
    waiting = {FLAG_WORDS[f] for f in WAITING_FLAGS}
    due = pd.to_datetime(rows["due_on"]).dt.date == day
    new = rows[~rows["investigation_id"].isin(seen or set())]
    new = [] if seen is None else [("New since your last digest", new)]
    return [
        *new,
        ("Overdue, or never supervised", rows[rows["flag_words"].isin(waiting)]),
        ("Due today", rows[due]),
    ]


def offered_to(role: str) -> bool:
    """Whether a role is sent the digest: it is the Today list, for the roles that read it.
    Auditors, moderators and the public protection unit could subscribe on My settings and
    were mailed a list the app never shows them (the whole force's, for the unit: an
    adversarial pass, session 24)."""
    return role in TODAY_LIST.roles


def build(db: AppDB, user: User, s: Settings, refreshed: datetime | None) -> Digest | None:
    """The user's digest, or None when they have no areas or their role is not sent one
    (``offered_to``): nothing they may be sent."""
    scope = Scope(user.username, user.role, user.visible_areas(s.areas))
    if not scope.areas or not user.email or not offered_to(user.role):
        return None
    day = data.latest_day()
    filters, view_name = _filters(db, user.username)
    filters.as_of = day
    # A view saved while the user held areas they no longer do: as the page does, those areas
    # are dropped and the user told; none left, all their areas (it said "0 cases" before).
    dropped = [a for a in filters.areas if a not in scope.areas]
    filters.areas = [a for a in filters.areas if a in scope.areas]
    rows = data.action_list(scope, filters)
    counts = data.flag_counts(scope, filters)
    with db.transaction() as t:
        sub = t.get(DigestSubscription, user.username)
        seen = set(sub.last_case_ids) if sub and sub.last_case_ids is not None else None
    full = s.digest_detail == "full"
    areas = ", ".join(scope.narrow(filters.areas))
    n = rows["investigation_id"].nunique()
    subject = f"{MARKING}: PVP supervision for {day:%d/%m/%Y}: {n} cases need a supervisor"
    fresh = f"{refreshed:%d/%m/%Y %H:%M}" if refreshed else "unknown"
    intro = [
        f"Cases needing a supervisor on {day:%d/%m/%Y} in {areas}"
        + (f" (your view '{view_name}')" if view_name else "")
        + ".",
        f"Data refreshed {fresh}.",
    ]
    if dropped:
        intro.insert(
            1,
            f"Your view names {', '.join(dropped)}, which you no longer hold: "
            + ("left out." if filters.areas else "all your areas are shown instead."),
        )
    count_lines = [
        f"{FLAG_WORDS[f]}: {counts.get(f, (0, 0))[0]} ({_change(counts.get(f, (0, 0))[1])})"
        for f in ACTION_FLAGS
    ]
    sections = _sections(rows, seen, day)
    text = [MARKING, "", *intro, "", *count_lines]
    parts = [f"<p><strong>{MARKING}</strong></p>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in intro]
    parts.append("<ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in count_lines) + "</ul>")
    for title, part in sections:
        part = part.drop_duplicates("investigation_id")
        text += ["", f"{title} ({len(part)})"]
        parts.append(f"<h3>{html.escape(title)} ({len(part)})</h3>")
        if part.empty:
            text.append("  none")
            parts.append("<p>None.</p>")
            continue
        items = []
        for r in part.head(LISTED_MAX).itertuples():
            link = _case_link(s, r.investigation_id, day)
            detail = (
                f"{r.flag_words}, {r.days} days, {r.team}"
                + (f"; follow-up: {r.follow_up}" if r.follow_up else "")
                if full
                else ""
            )
            text.append(f"  {r.investigation_id}" + (f": {detail}" if detail else "") + f" {link}")
            items.append(
                f'<li><a href="{html.escape(link)}">{html.escape(r.investigation_id)}</a>'
                + (f": {html.escape(detail)}" if detail else "")
                + "</li>"
            )
        if len(part) > LISTED_MAX:
            more = f"and {len(part) - LISTED_MAX} more on the Today page"
            text.append(f"  {more}")
            items.append(f"<li>{html.escape(more)}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    listed = set().union(*(set(part["investigation_id"]) for _, part in sections))
    others = rows.loc[~rows["investigation_id"].isin(listed), "investigation_id"].nunique()
    if others:
        noun = "case" if others == 1 else "cases"
        line = f"{others} more {noun} due soon or with a thin last review: see the Today page."
        text += ["", line]
        parts.append(f"<p>{html.escape(line)}</p>")
    today_link = f"{s.public_url.rstrip('/')}/"
    text += ["", f"Today page: {today_link}", "", MARKING]
    parts += [f'<p><a href="{html.escape(today_link)}">Today page</a></p>',
              f"<p><strong>{MARKING}</strong></p>"]  # fmt: skip
    return Digest(
        username=user.username,
        to=user.email,
        subject=subject,
        text="\n".join(text) + "\n",
        html="<html><body>" + "".join(parts) + "</body></html>",
        case_ids=sorted(rows["investigation_id"].unique()),
    )


def _message(d: Digest, s: Settings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = d.subject
    msg["From"] = s.smtp_sender
    msg["To"] = d.to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=s.smtp_sender.rsplit("@", 1)[-1])
    msg["X-Protective-Marking"] = MARKING
    msg.set_content(d.text)
    msg.add_alternative(d.html, subtype="html")
    return msg


# --- sending --------------------------------------------------------------------------------


def smtp_password(s: Settings) -> str | None:
    if s.smtp_password_file is not None:
        return Path(s.smtp_password_file).read_text().strip()
    return os.environ.get("PVP_SMTP_PASSWORD") or None


def smtp_sender(s: Settings) -> Callable[[EmailMessage], None]:
    """Send one message through the configured server (a connection per message, so one
    refused recipient or a dropped connection does not take the others with it)."""
    password = smtp_password(s)
    # Certificates are always checked: against the force's own CA when one is given.
    context = ssl.create_default_context(cafile=str(s.smtp_ca_file) if s.smtp_ca_file else None)

    def send(msg: EmailMessage) -> None:
        if s.smtp_security == "ssl":
            server = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=context
            )
        else:
            server = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            if s.smtp_security == "starttls":
                server.starttls(context=context)
            if s.smtp_username:
                server.login(s.smtp_username, password or "")
            server.send_message(msg)
            server.quit()
        finally:
            # After a refusal, no polite QUIT: a server may not answer it, and the next
            # recipient would wait out the whole timeout.
            server.close()

    return send


def _record(db: AppDB, run_at: datetime, username: str | None, status: str, attempts: int,
            cases: int | None = None, detail: str | None = None) -> None:  # fmt: skip
    with db.transaction() as t:
        t.add(DigestSend(run_at=run_at, username=username, status=status, attempts=attempts,
                         cases=cases, detail=detail))  # fmt: skip


def _mark_sent(db: AppDB, d: Digest, day: date) -> None:
    with db.transaction() as t:
        sub = t.get(DigestSubscription, d.username)
        if sub is not None:
            sub.last_sent_at, sub.last_day, sub.last_case_ids = _now(), day, d.case_ids


@dataclass
class RunResult:
    status: str  # sent | stale | nothing
    sent: int = 0
    failed: int = 0
    written: int = 0
    problems: list[str] = field(default_factory=list)


def _stale(s: Settings, refreshed: datetime | None, now: datetime) -> str | None:
    if refreshed is None:
        return "no load has finished yet"
    return data.stale_load(refreshed, now, s.stale_data_hours)


def run(
    db: AppDB,
    store: UserStore,
    s: Settings,
    send: Callable[[EmailMessage], None] | None = None,
    out_dir: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """One digest run: ``send`` each message (or write it to ``out_dir`` for a dry run)."""
    run_at = _now()
    refreshed = data.newest_load_at()
    users = store.load()
    stale = _stale(s, refreshed, run_at)
    if stale:
        _record(db, run_at, None, "stale", 0, detail=f"not sent: {stale}")
        log.warning("digest not sent: %s", stale)
        notice = f"The morning digest was not sent: {stale}. Check the scheduled refresh."
        for admin in (u for u in users.values() if u.role == "admin" and u.email):
            msg = EmailMessage()
            msg["Subject"], msg["From"], msg["To"] = (
                "PVP supervision: the morning digest was not sent",
                s.smtp_sender,
                admin.email,
            )
            msg.set_content(notice + "\n")  # no case detail: nothing to mark
            _deliver(db, run_at, admin.username, msg, send, out_dir, s, sleep, RunResult("stale"))
        return RunResult("stale", problems=[stale])
    followup.reconcile_once(db)
    result = RunResult("sent")
    day = data.latest_day()
    access = AuditLog(s.audit_path)  # opened once a run, not once a recipient
    for user in sorted(users.values(), key=lambda u: u.username):
        if not user.email or not subscribed(db, user.username):
            continue
        try:
            digest = build(db, user, s, refreshed)
            message = None if digest is None else _message(digest, s)
        except Exception as exc:  # one subscriber's failure never costs the others theirs
            log.exception("digest for %s not built", user.username)
            why = f"not built: {type(exc).__name__}"  # never the words: they may hold a case
            _record(db, run_at, user.username, "failed", 0, None, why)
            result.failed += 1
            result.problems.append(f"{user.username}: {why}")
            continue
        if digest is None or message is None:  # nothing to say to this subscriber today
            continue
        if _deliver(db, run_at, user.username, message, send, out_dir, s, sleep,
                    result, len(digest.case_ids)):  # fmt: skip
            _mark_sent(db, digest, day)
            _log_disclosure(access, s, digest, day, "written" if out_dir is not None else "sent")
    return result


def _log_disclosure(
    access: AuditLog, s: Settings, d: Digest, day: date | None, outcome: str
) -> None:
    """The access audit log's entry for the case rows a digest took out of the app, as a page
    or an export records its own (digest_send says only whether the mail went)."""
    access.record(
        d.username, "digest", page="digest",
        detail={"outcome": outcome, "as_of": str(day or ""), "detail": s.digest_detail,
                "rows": len(d.case_ids), "cases": d.case_ids},
    )  # fmt: skip


def _deliver(db, run_at, username, msg, send, out_dir, s, sleep, result, cases=None) -> bool:
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Made readable by its owner only, never through a link planted at the name (which
        # would write case detail elsewhere), and named so that no username leaves the folder
        # ("a/b" stopped the run): an adversarial pass, session 24.
        path = out_dir / f"{run_at:%Y%m%d-%H%M%S}-{quote(username, safe='')}.eml"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            with os.fdopen(os.open(path, flags, 0o600), "wb") as fh:
                fh.write(bytes(msg))
        except OSError as exc:  # something already there: not written, the rest go on
            _record(db, run_at, username, "failed", 0, cases, f"not written: {exc.strerror}")
            result.failed += 1
            return False
        _record(db, run_at, username, "written", 0, cases, str(path))
        result.written += 1
        return True
    assert send is not None
    wait, error = s.digest_retry_seconds, ""
    for attempt in range(1, s.digest_attempts + 1):
        try:
            send(msg)
        except Exception as exc:  # the mail server's refusals, and anything else a send raises
            # The class and the server's words: never the message, which holds case detail.
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("digest to %s: attempt %d failed (%s)", username, attempt, error)
            if attempt < s.digest_attempts:
                sleep(wait)
                wait *= 2
            continue
        _record(db, run_at, username, "sent", attempt, cases)
        result.sent += 1
        return True
    _record(db, run_at, username, "failed", s.digest_attempts, cases, error)
    result.failed += 1
    result.problems.append(f"{username}: {error}")
    log.error("digest to %s not sent after %d attempts", username, s.digest_attempts)
    return False
