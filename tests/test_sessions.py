"""Sessions that end, a sign-in form that needs its token, and a throttle keyed on the real
client: each tested by replaying what an attacker holds (an old cookie, an empty token, a
forwarded header) against the real app."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta

from conftest import PASSWORD, TRUSTED_PROXY, call, sign_in
from sqlalchemy import update

from dashboard.appdb.models import UserSession
from dashboard.sessions import utcnow

GRID = "..today-actions-grid.getRowsResponse...today-actions-count.children.."
ALL_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


def client_at(dash_app, address: str):
    client = dash_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def signed_in(dash_app, username: str, address: str):
    client = client_at(dash_app, address)
    response = sign_in(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def session_cookie(client) -> str:
    return client.get_cookie("pvp_session").value


def replay(dash_app, cookie: str, address: str = "192.0.2.200"):
    """A new browser carrying only the copied cookie: (page status, callback status)."""
    thief = client_at(dash_app, address)
    thief.set_cookie("pvp_session", cookie)
    page = thief.get("/").status_code
    status, _ = call(dash_app, thief, GRID, {"today-actions-grid.getRowsRequest": ALL_REQUEST})
    return page, status


def add_user(username: str, role: str = "area", areas=("West",)) -> None:
    from dashboard.access import auth

    store = auth().users
    if store.get(username) is None:
        store.add(username, role, list(areas), PASSWORD)


def cli(*args: str) -> subprocess.CompletedProcess:
    # The dash_app fixture has put the test's PVP_* settings in the environment.
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "users", *args],
        capture_output=True, text=True, env=dict(os.environ), timeout=60,
    )  # fmt: skip


def test_a_cookie_replayed_after_sign_out_is_refused(dash_app):
    client = signed_in(dash_app, "west", "192.0.2.1")
    cookie = session_cookie(client)
    assert replay(dash_app, cookie) == (200, 200)
    assert client.post("/logout").status_code == 302
    assert replay(dash_app, cookie) == (302, 401)


def test_a_new_password_ends_every_session_of_that_user(dash_app):
    add_user("pw-change")
    first = session_cookie(signed_in(dash_app, "pw-change", "192.0.2.2"))
    other = session_cookie(signed_in(dash_app, "west", "192.0.2.2"))
    done = cli("set-password", "pw-change", "--generate")
    assert done.returncode == 0, done.stderr
    assert "1 session(s) ended" in done.stderr
    assert replay(dash_app, first) == (302, 401)
    assert replay(dash_app, other) == (200, 200)  # someone else's session is untouched


def test_a_new_password_written_by_any_tool_ends_the_session(dash_app):
    from dashboard.access import auth

    add_user("pw-file")
    cookie = session_cookie(signed_in(dash_app, "pw-file", "192.0.2.3"))
    auth().users.set_password("pw-file", "another long password")  # not through the CLI
    assert replay(dash_app, cookie) == (302, 401)


def test_a_new_role_or_area_ends_the_session(dash_app):
    from dashboard.access import auth

    store = auth().users
    add_user("moved")
    cookie = session_cookie(signed_in(dash_app, "moved", "192.0.2.4"))
    users = dict(store.load())
    users["moved"].areas = ["West", "East"]  # widened: the old session must not carry on
    store.save(users)
    assert replay(dash_app, cookie) == (302, 401)
    cookie = session_cookie(signed_in(dash_app, "moved", "192.0.2.4"))
    users = dict(store.load())
    users["moved"].role = "force"
    store.save(users)
    assert replay(dash_app, cookie) == (302, 401)


def test_a_session_ended_by_a_change_stays_ended_when_the_change_is_undone(dash_app):
    """An adversarial pass (session 17): a removed user's entry restored, or an area change
    undone, brought the old cookie back to life; `sign-out-everywhere` refused a removed
    name, so only --all could end its sessions."""
    import copy

    from dashboard.access import auth

    store = auth().users
    add_user("leaver")
    cookie = session_cookie(signed_in(dash_app, "leaver", "192.0.2.11"))
    saved = copy.deepcopy(dict(store.load())["leaver"])
    users = dict(store.load())
    users["leaver"].areas = ["East"]
    store.save(users)
    assert replay(dash_app, cookie) == (302, 401)
    users = dict(store.load())
    users["leaver"] = copy.deepcopy(saved)  # moved back: the old session stays ended
    store.save(users)
    assert dict(store.load())["leaver"].areas == saved.areas
    assert replay(dash_app, cookie) == (302, 401)
    cookie = session_cookie(signed_in(dash_app, "leaver", "192.0.2.11"))
    done = cli("remove", "leaver")
    assert done.returncode == 0 and "1 session(s) ended" in done.stderr, done.stderr
    users = dict(store.load())
    users["leaver"] = copy.deepcopy(saved)  # restored from a backup
    store.save(users)
    assert replay(dash_app, cookie) == (302, 401)
    # A name removed by editing the file still has its sessions ended by name.
    cookie = session_cookie(signed_in(dash_app, "leaver", "192.0.2.11"))
    users = dict(store.load())
    del users["leaver"]
    store.save(users)
    done = cli("sign-out-everywhere", "leaver")
    assert done.returncode == 0 and "1 session(s) ended" in done.stderr, done.stderr


def test_sign_out_everywhere_from_the_command_line(dash_app):
    add_user("everywhere")
    laptop = session_cookie(signed_in(dash_app, "everywhere", "192.0.2.5"))
    phone = session_cookie(signed_in(dash_app, "everywhere", "192.0.2.6"))
    bystander = session_cookie(signed_in(dash_app, "east", "192.0.2.7"))
    done = cli("sign-out-everywhere", "everywhere")
    assert done.returncode == 0, done.stderr
    assert "2 session(s) ended" in done.stderr
    assert replay(dash_app, laptop) == (302, 401)
    assert replay(dash_app, phone) == (302, 401)
    assert replay(dash_app, bystander) == (200, 200)
    assert cli("sign-out-everywhere", "no-such-user").returncode == 2
    assert cli("sign-out-everywhere").returncode == 2  # a name or --all
    assert cli("sign-out-everywhere", "--all").returncode == 0
    assert replay(dash_app, bystander) == (302, 401)


def test_using_a_session_never_extends_its_absolute_lifetime(dash_app):
    from dashboard.access import auth

    client = signed_in(dash_app, "west", "192.0.2.8")
    cookie = session_cookie(client)
    response = client.get("/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # no fresh 8-hour cookie on every request
    # Bring the end of this session (set at sign-in) two seconds close, then keep using it.
    with auth().db.transaction() as s:
        s.execute(
            update(UserSession)
            .where(UserSession.username == "west", UserSession.address == "192.0.2.8")
            .values(expires_at=utcnow() + timedelta(seconds=2))
        )
    started = time.monotonic()
    while time.monotonic() - started < 1.5:
        assert replay(dash_app, cookie)[0] == 200
    time.sleep(max(0.0, 2.2 - (time.monotonic() - started)))
    assert replay(dash_app, cookie) == (302, 401)


def test_the_session_lasts_session_hours_from_sign_in(dash_app):
    from dashboard.access import auth

    before = utcnow()
    signed_in(dash_app, "east", "192.0.2.9")
    with auth().db.transaction() as s:
        row = s.query(UserSession).filter_by(username="east", address="192.0.2.9").one()
    assert row.expires_at - row.created_at == timedelta(hours=8)
    assert row.created_at >= before.replace(microsecond=0) - timedelta(seconds=1)
    assert len(row.token_hash) == 64  # a hash, never the token the cookie carries


def test_sign_in_with_an_empty_csrf_token_is_refused(dash_app):
    # A cross-site form: no visit to /login first, so no token in the session, and none sent.
    victim = client_at(dash_app, "192.0.2.10")
    form = {"username": "west", "password": PASSWORD, "csrf": "", "next": "/"}
    response = victim.post("/login", data=form)
    assert response.status_code == 401 and "form expired" in response.get_data(as_text=True)
    assert victim.get("/").status_code == 302
    # With a token in the session, an empty or wrong one in the form is refused too.
    victim.get("/login")
    assert victim.post("/login", data=form).status_code == 401
    assert victim.post("/login", data={**form, "csrf": "x" * 32}).status_code == 401
    assert sign_in(victim, "west").status_code == 302


def behind_proxy(dash_app, forwarded_for: str):
    client = client_at(dash_app, TRUSTED_PROXY)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def test_the_rate_limit_is_keyed_on_the_client_behind_the_trusted_proxy(dash_app):
    add_user("target")
    attacker = behind_proxy(dash_app, "203.0.113.5")
    for _ in range(5):
        assert sign_in(attacker, "target", "guess").status_code == 401
    assert sign_in(attacker, "target", "guess").status_code == 429
    # The owner, behind the same proxy from another address, still gets in.
    owner = behind_proxy(dash_app, "203.0.113.6")
    assert sign_in(owner, "target").status_code == 302
    # The address a client writes in front of the proxy's own entry is not believed.
    spoofer = behind_proxy(dash_app, "198.51.100.1, 203.0.113.5")
    assert sign_in(spoofer, "target", "guess").status_code == 429
    # X-Forwarded-For from an untrusted address is ignored: the connection's address counts.
    direct = client_at(dash_app, "192.0.2.11")
    direct.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.6"
    for _ in range(5):
        assert sign_in(direct, "target", "guess").status_code == 401
    assert sign_in(direct, "target", "guess").status_code == 429
    assert sign_in(behind_proxy(dash_app, "203.0.113.6"), "target").status_code == 302
    from dashboard.access import auth

    log = auth().audit.read()
    failed = log[(log["event"] == "sign_in_failed") & (log["username"] == "target")]
    assert set(failed["address"]) == {"203.0.113.5", "192.0.2.11"}


def test_spraying_one_password_over_many_usernames_is_limited_per_address(dash_app):
    sprayer = behind_proxy(dash_app, "203.0.113.20")
    statuses = [sign_in(sprayer, f"user{i}", "Summer2018!").status_code for i in range(25)]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429] * 5
    assert sign_in(behind_proxy(dash_app, "203.0.113.21"), "west").status_code == 302


def test_parallel_guesses_get_at_most_the_limit_checked(dash_app):
    add_user("parallel")
    clients = [behind_proxy(dash_app, "203.0.113.30") for _ in range(20)]
    tokens = []
    for c in clients:
        page = c.get("/login").get_data(as_text=True)
        tokens.append(re.search(r'name="csrf" value="([^"]*)"', page).group(1))
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client, token):
        barrier.wait()
        form = {"username": "parallel", "password": "guess", "csrf": token, "next": "/"}
        statuses.append(client.post("/login", data=form).status_code)

    threads = [threading.Thread(target=guess, args=ct) for ct in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 20
    assert statuses.count(401) == 5 and statuses.count(429) == 15
    from dashboard.access import auth

    log = auth().audit.read()
    checked = log[(log["event"] == "sign_in_failed") & (log["username"] == "parallel")]
    assert len(checked) == 5


def test_two_processes_making_the_secret_key_at_once_agree(tmp_path):
    from dashboard.auth import _secret_key

    for round_ in range(30):
        path = tmp_path / str(round_) / "secret_key"
        barrier = threading.Barrier(8)
        keys: list[bytes] = []
        errors: list[BaseException] = []

        def make(path=path, barrier=barrier, keys=keys, errors=errors):
            barrier.wait()
            try:
                keys.append(_secret_key(path))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=make) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(set(keys)) == 1 and len(keys[0]) == 32
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no leftovers


def test_the_session_store_and_throttle_work_on_both_engines(app_db_url):
    from dashboard.appdb import AppDB, upgrade
    from dashboard.sessions import SessionStore, SignInThrottle
    from dashboard.users import User

    upgrade(app_db_url)
    db = AppDB(app_db_url)
    user = User("ann", "area", ["West"], "scrypt$x")
    store = SessionStore(db, timedelta(hours=8))
    token = store.create(user, "192.0.2.1")
    assert store.user_for(token, {"ann": user}.get) == user
    assert store.user_for(token + "x", {"ann": user}.get) is None
    changed = User("ann", "area", ["West", "East"], "scrypt$x")
    assert store.user_for(token, {"ann": changed}.get) is None
    assert store.user_for(token, {"ann": user}.get) is None  # ended for good by the change
    second = store.create(user, "192.0.2.1")
    assert store.revoke_user("ann") == 1
    assert store.user_for(second, {"ann": user}.get) is None

    throttle = SignInThrottle(db, timedelta(minutes=15), per_user=2, per_address=3)
    assert [throttle.reserve("ann", "192.0.2.1") for _ in range(3)] == [True, True, False]
    throttle.succeeded("ann", "192.0.2.1")
    assert throttle.reserve("ann", "192.0.2.1")  # the user's count started again
    assert not throttle.reserve("bob", "192.0.2.1")  # the address has had 4 (one forgiven)
    assert throttle.reserve("ann", "192.0.2.2")
    # Twenty at once: the upsert is atomic on either engine, so exactly the limit get through.
    wide = SignInThrottle(db, timedelta(minutes=15), per_user=5, per_address=100)
    barrier, got = threading.Barrier(20), []

    def attempt():
        barrier.wait()
        got.append(wide.reserve("carl", "192.0.2.3"))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == [False] * 15 + [True] * 5
    db.dispose()


def test_the_app_refuses_to_start_on_an_application_database_not_upgraded(tmp_path):
    from pathlib import Path

    env = dict(
        os.environ,
        PVP_APP_DB_URL=f"sqlite:///{tmp_path / 'app.sqlite'}",
        PVP_USERS_FILE=str(tmp_path / "users.json"),
        PVP_AUDIT_PATH=str(tmp_path / "audit.sqlite"),
        PVP_SECRET_KEY_FILE=str(tmp_path / "key"),
    )
    started = subprocess.run(
        [sys.executable, "-c", "import app"],
        capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert started.returncode != 0
    assert "SchemaNotCurrent" in started.stderr
    assert "python -m dashboard db upgrade" in started.stderr


def test_an_ipv6_host_is_counted_by_its_64_network(app_db_url):
    """An adversarial pass (session 17): each IPv6 address was counted alone, so one host (a
    /64 holds 2^64 of them) had unlimited guesses at a password."""
    from dashboard.appdb import AppDB, upgrade
    from dashboard.sessions import SignInThrottle

    upgrade(app_db_url)
    db = AppDB(app_db_url)
    throttle = SignInThrottle(db, timedelta(minutes=15), per_user=5, per_address=20)
    tries = [throttle.reserve("ann", f"2001:db8:1:2::{n:x}") for n in range(1, 9)]
    assert tries == [True] * 5 + [False] * 3
    assert throttle.reserve("ann", "2001:db8:1:3::1")  # another /64 is another host
    assert throttle.reserve("bob", "192.0.2.1") and throttle.reserve("bob", "192.0.2.2")
    db.dispose()
