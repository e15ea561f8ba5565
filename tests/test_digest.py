"""The morning digest against a real SMTP server (aiosmtpd on a loopback port), on SQLite and a
real PostgreSQL: per-user scoping, the marking, the links, ids-only mode, a failing recipient,
"new since the last digest", the user's default view, stale data and the dry run.

The fixture warehouse (etl/testing.py), as of 30/06/2018: West W-OVERDUE (CP, overdue 60),
W-NEW (CSE, overdue 29), W-DUE (CSE, due soon 25), W-RESP (response, never supervised);
East E-OVERDUE, E-RESP; South S-DUE.
"""

from __future__ import annotations

import email
import json
import socket
import subprocess
import sys
from datetime import date
from email import policy

import pytest
from aiosmtpd.controller import Controller

from dashboard import data, digest, views
from dashboard.appdb.models import DigestSend, DigestSubscription
from dashboard.users import UserStore
from etl.load import load
from etl.settings import Settings
from etl.testing import FIXTURE, FIXTURE_DAY, write_extracts

DAY = date.fromisoformat(FIXTURE_DAY)  # the extracts cover up to 30/06/2018
EAST_CASES = ("E-OVERDUE", "E-RESP")
WEST_CASES = ("W-OVERDUE", "W-NEW", "W-DUE", "W-RESP")


class Inbox:
    """What the server accepted; a recipient at broken.test is refused at RCPT."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@broken.test"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def world(tmp_path, monkeypatch, appdb, smtp):
    inbox, port = smtp
    write_extracts(tmp_path / "extract", **FIXTURE)
    load(tmp_path / "extract", tmp_path / "w.duckdb", Settings(), extracted_on=DAY)
    store = UserStore(tmp_path / "users.json")
    for name, role, areas, address in [
        ("west", "area", ["West"], "west@force.test"),
        ("east", "area", ["East"], "east@force.test"),
        ("force", "force", [], "force@force.test"),
        ("admin", "admin", [], "admin@force.test"),
        ("quiet", "area", ["West"], "quiet@force.test"),  # has an address, not subscribed
        ("nomail", "area", ["West"], None),
    ]:
        store.add(name, role, areas, None)
        store.set_email(name, address)
    settings = data.settings().model_copy(
        update={
            "db_path": tmp_path / "w.duckdb",
            "audit_path": tmp_path / "access.sqlite",
            "app_db_url": appdb.url,
            "users_file": tmp_path / "users.json",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "smtp_sender": "pvp@force.test",
            "digest_retry_seconds": 0,
            "public_url": "https://pvp.force.test/",
            "stale_data_hours": 36,
        }
    )
    monkeypatch.setattr(data, "settings", lambda: settings)
    for name in ("west", "east", "force", "nomail"):
        digest.subscribe(appdb, name, True)
    return appdb, store, settings, inbox


def run(world, **changes):
    db, store, settings, _ = world
    s = settings.model_copy(update=changes)
    return digest.run(db, store, s, send=digest.smtp_sender(s), sleep=lambda _s: None)


def bodies(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def sends(db) -> list[tuple[str | None, str, int]]:
    with db.transaction() as s:
        rows = s.query(DigestSend).order_by(DigestSend.id).all()
        return [(r.username, r.status, r.attempts) for r in rows]


def test_each_subscriber_gets_their_own_areas_marked_with_links(world):
    db, _, _, inbox = world
    result = run(world)
    assert (result.sent, result.failed) == (3, 0)
    assert sorted(m["To"] for m in inbox.messages) == [
        "east@force.test", "force@force.test", "west@force.test"]  # fmt: skip
    (west,) = inbox.to("west@force.test")
    subject = str(west["Subject"]).strip()
    assert subject.startswith("OFFICIAL-SENSITIVE: PVP supervision for 30/06/2018")
    assert west["X-Protective-Marking"] == "OFFICIAL-SENSITIVE"
    text, html = bodies(west)
    for body in (text, html):
        assert body.count("OFFICIAL-SENSITIVE") >= 2  # top and bottom
        # Overdue or never supervised are listed; W-DUE (due 03/07) is counted, not listed.
        assert all(case in body for case in WEST_CASES if case != "W-DUE"), body
        assert "1 more case due soon" in body
        assert not any(case in body for case in (*EAST_CASES, "S-DUE"))
        assert "East CP 1" not in body and "DC21" not in body
    assert "https://pvp.force.test/case/W-OVERDUE?as_of=2018-06-30" in text
    assert '<a href="https://pvp.force.test/case/W-OVERDUE?as_of=2018-06-30">' in html
    assert "DS review overdue: 2 (+1 since the day before)" in text  # W-NEW fell due 30/06
    assert "Data refreshed " in text
    assert "New since your last digest" not in text  # a first digest: every case is below
    (east,) = inbox.to("east@force.test")
    east_text, _ = bodies(east)
    assert "E-OVERDUE" in east_text and not any(c in east_text for c in WEST_CASES)
    assert sends(db) == [("east", "sent", 1), ("force", "sent", 1), ("west", "sent", 1)]
    # Each digest's case rows are in the access audit log, as a page's or an export's are.
    from dashboard.audit import AuditLog

    logged = AuditLog(world[2].audit_path).read()
    logged = logged[logged["event"] == "digest"].sort_values("username")
    assert list(logged["username"]) == ["east", "force", "west"]
    west_entry = json.loads(logged["detail"].iloc[2])
    assert (west_entry["outcome"], west_entry["as_of"], west_entry["detail"]) == (
        "sent", "2018-06-30", "full"
    )  # fmt: skip
    assert set(west_entry["cases"]) == set(WEST_CASES)  # listed, or counted (W-DUE)
    assert west_entry["rows"] == len(west_entry["cases"])


def test_a_role_that_does_not_read_the_today_list_is_sent_nothing(world):
    """An adversarial pass (session 24): an auditor, a moderator and the public protection
    unit could subscribe on My settings and were mailed the Today list the app never shows
    them (the unit the whole force's)."""
    db, store, _, inbox = world
    for name, role, areas in [("auditor", "auditor", ["West"]), ("moderator", "moderator",
                              ["West"]), ("ppu", "ppu", [])]:  # fmt: skip
        store.add(name, role, areas, None)
        store.set_email(name, f"{name}@force.test")
        digest.subscribe(db, name, True)
    result = run(world)
    assert (result.sent, result.failed) == (3, 0)
    assert sorted(m["To"] for m in inbox.messages) == [
        "east@force.test", "force@force.test", "west@force.test"]  # fmt: skip


def test_ids_only_leaves_out_every_case_detail(world):
    _, _, _, inbox = world
    run(world, digest_detail="ids_only")
    text, html = bodies(inbox.to("west@force.test")[0])
    for body in (text, html):
        assert all(case in body for case in WEST_CASES if case != "W-DUE")
        assert "West CP 1" not in body and "West CSE" not in body and "days," not in body


def test_a_failing_recipient_is_retried_recorded_and_does_not_stop_the_rest(world):
    db, store, _, inbox = world
    store.set_email("west", "west@broken.test")
    result = run(world, digest_attempts=3)
    assert (result.sent, result.failed) == (2, 1)
    assert result.problems[0].startswith("west: SMTPRecipientsRefused")
    assert not inbox.to("west@broken.test") and inbox.to("east@force.test")
    assert ("west", "failed", 3) in sends(db)
    with db.transaction() as s:
        assert s.get(DigestSubscription, "west").last_sent_at is None  # not marked as sent


def test_the_second_digest_puts_new_cases_first(world):
    db, _, _, inbox = world
    run(world)
    with db.transaction() as s:  # as if W-RESP had not been flagged at the last digest
        sub = s.get(DigestSubscription, "west")
        sub.last_case_ids = [c for c in sub.last_case_ids if c != "W-RESP"]
    inbox.messages.clear()
    run(world)
    text, _ = bodies(inbox.to("west@force.test")[0])
    new = text.split("New since your last digest (1)")[1].split("Overdue, or never")[0]
    assert "W-RESP" in new and "W-OVERDUE" not in new
    assert text.index("New since your last digest") < text.index("Overdue, or never supervised")


def test_the_digest_is_the_users_default_view(world):
    db, _, _, inbox = world
    views.save(db, "west", "today", "CSE only", {"team_type": "cse"}, default=True)
    run(world)
    text, _ = bodies(inbox.to("west@force.test")[0])
    assert "your view 'CSE only'" in text
    assert "W-NEW" in text and "1 more case due soon" in text  # W-DUE
    assert "W-OVERDUE" not in text and "W-RESP" not in text


def test_a_default_view_naming_an_area_no_longer_held_is_not_a_digest_of_nothing(world):
    """A fifth adversarial pass (session 17): a view of "East only" saved while the user held
    East, who then held West alone, gave "0 cases need a supervisor" with West's overdue cases
    left out. As on the page, the area is dropped and the user told."""
    db, store, _, inbox = world
    store.add("mover", "area", ["West", "East"], None)
    store.set_email("mover", "mover@force.test")
    digest.subscribe(db, "mover", True)
    views.save(db, "mover", "today", "East only", {"area": ["East"]}, default=True)
    users = dict(store.load())
    users["mover"].areas = ["West"]
    store.save(users)
    run(world)
    text, _ = bodies(inbox.to("mover@force.test")[0])
    assert "Your view names East, which you no longer hold" in text
    assert "in West (your view 'East only')" in text
    assert "W-OVERDUE" in text and "E-" not in text


def test_stale_data_is_not_sent_and_the_admins_are_told(world):
    db, _, _, inbox = world
    result = run(world, stale_data_hours=-1)  # any age is too old
    assert result.status == "stale"
    assert [m["To"] for m in inbox.messages] == ["admin@force.test"]
    notice = inbox.messages[0].get_content()
    assert "not sent" in notice and "W-" not in notice
    assert sends(db)[0][:2] == (None, "stale")


def test_the_dry_run_writes_private_files_and_the_command_says_how_to_run(world, tmp_path):
    db, store, settings, inbox = world
    out = tmp_path / "digests"
    result = digest.run(db, store, settings, out_dir=out)
    files = sorted(out.glob("*.eml"))
    assert result.written == 3 and len(files) == 3 and not inbox.messages
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    west = email.message_from_bytes(
        next(f for f in files if f.name.endswith("-west.eml")).read_bytes(),
        policy=policy.default,
    )
    assert west["To"] == "west@force.test"
    # A "/" in a username stopped the run (session 24's adversarial pass): the file stays in
    # the folder, under the name quoted.
    store.add("team/lead", "area", ["West"], None)
    store.set_email("team/lead", "lead@force.test")
    digest.subscribe(db, "team/lead", True)
    other = tmp_path / "again"
    again = digest.run(db, store, settings, out_dir=other)
    assert again.written == 4 and list(other.glob("*-team%2Flead.eml"))
    assert all(p.is_file() for p in other.iterdir())
    bad = subprocess.run(
        [sys.executable, "-m", "dashboard", "digest"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "--send or --dry-run" in bad.stderr


@pytest.fixture
def tls_smtp(tmp_path):
    """A mail server that requires STARTTLS and a password (certificate made here for
    127.0.0.1, trusted through smtp_ca_file)."""
    import shutil
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"pvp-digest",
            b"s3cret from a file",
        )
        # handled=False: the server answers a refusal itself (535).
        return AuthResult(success=ok, handled=False)  # fmt: skip

    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
        require_starttls=True, auth_required=True, authenticator=authenticator,
    )  # fmt: skip
    controller.start()
    yield inbox, controller.port, cert
    controller.stop()


def test_starttls_with_the_forces_ca_and_a_password_from_a_file(world, tls_smtp, tmp_path):
    inbox, port, cert = tls_smtp
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret from a file\n")
    tls = {"smtp_port": port, "smtp_security": "starttls", "smtp_ca_file": cert,
           "smtp_username": "pvp-digest", "smtp_password_file": secret}  # fmt: skip
    result = run(world, **tls)
    assert (result.sent, result.failed) == (3, 0)
    assert sorted(m["To"] for m in inbox.messages) == [
        "east@force.test", "force@force.test", "west@force.test"]  # fmt: skip
    # A wrong password is a failed send, recorded, never a crash.
    secret.write_text("wrong")
    assert run(world, **tls, digest_attempts=1).failed == 3
    # Without the force's CA the self-made certificate is refused: nothing is sent.
    assert run(world, **{**tls, "smtp_ca_file": None}, digest_attempts=1).sent == 0


def test_a_subscriber_whose_digest_cannot_be_made_is_recorded_and_the_rest_go_on(
    world, monkeypatch
):
    """Only the mail server's refusals were caught: anything else raised while making or
    sending one subscriber's digest ended the run, and those sorted after got nothing."""
    db, *_, inbox = world
    made = digest.build

    def build(db_, user, s, refreshed):
        if user.username == "east":  # sorted first of the three: the others come after
            raise KeyError("a fault inside one subscriber's digest")
        return made(db_, user, s, refreshed)

    monkeypatch.setattr(digest, "build", build)
    result = run(world)
    assert (result.sent, result.failed) == (2, 1)
    assert result.problems == ["east: not built: KeyError"]
    assert ("east", "failed", 0) in sends(db)
    assert inbox.to("west@force.test") and not inbox.to("east@force.test")
