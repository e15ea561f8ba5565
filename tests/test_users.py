"""Users: the file, the command line, demo users on first run, and the stale-data banner."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

from dashboard.users import UserStore, check_password, ensure_demo_users, hash_password


def test_password_hashes_are_salted_scrypt():
    a, b = hash_password("same password"), hash_password("same password")
    assert a != b and a.startswith("scrypt$")
    assert check_password("same password", a)
    assert not check_password("other", a)
    assert not check_password("anything", None)


def run_cli(tmp_path, *args, stdin: str | None = None):
    env = dict(
        os.environ,
        PVP_USERS_FILE=str(tmp_path / "users.json"),
        PVP_APP_DB_URL=f"sqlite:///{tmp_path / 'app.sqlite'}",
        PVP_AUDIT_PATH=str(tmp_path / "access.sqlite"),
    )
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "users", *args],
        capture_output=True, text=True, env=env, input=stdin, timeout=60,
    )  # fmt: skip


def test_users_command_line(tmp_path):
    added = run_cli(tmp_path, "add", "alice", "--role", "area", "--area", "West", "--generate")
    assert added.returncode == 0, added.stderr
    password = added.stderr.split("shown once): ")[1].split()[0]
    store = UserStore(tmp_path / "users.json")
    assert check_password(password, store.get("alice").password_hash)
    assert stat.S_IMODE((tmp_path / "users.json").stat().st_mode) == 0o600
    assert run_cli(tmp_path, "add", "bob", "--role", "area", "--area", "Mars").returncode == 2
    bad_email = run_cli(tmp_path, "add", "mallory", "--role", "force", "--generate",
                        "--email", "not-an-address")  # fmt: skip
    assert bad_email.returncode == 2 and "not an email address" in bad_email.stderr
    assert "shown once" not in bad_email.stderr  # no password made
    assert "mallory" not in json.loads((tmp_path / "users.json").read_text())["users"]
    assert run_cli(tmp_path, "add", "carol", "--role", "force", "--sso").returncode == 0
    listing = run_cli(tmp_path, "list").stdout
    assert "alice" in listing and "West" in listing and "proxy only" in listing
    assert "scrypt" not in listing and password not in listing
    assert run_cli(tmp_path, "set-password", "alice", "--generate").returncode == 0
    assert not check_password(
        password, UserStore(tmp_path / "users.json").get("alice").password_hash
    )
    assert run_cli(tmp_path, "remove", "alice").returncode == 0
    assert "alice" not in json.loads((tmp_path / "users.json").read_text())["users"]
    assert run_cli(tmp_path, "remove", "alice").returncode == 2
    # Each change is in the access audit log, with who ran it (a refused one changed nothing).
    from dashboard.audit import AuditLog

    log = AuditLog(tmp_path / "access.sqlite").read().iloc[::-1]
    assert list(log["event"].unique()) == ["user_admin"]
    assert log["username"].str.startswith("cli:").all()
    assert [json.loads(d)["command"] for d in log["detail"]] == [
        "add", "add", "set-password", "remove"
    ]  # fmt: skip
    assert json.loads(log["detail"].iloc[0]) == {
        "command": "add", "user": "alice", "role": "area", "areas": ["West"], "sso": False,
        "email": False,
    }  # fmt: skip


def test_demo_users_are_made_once(tmp_path):
    store = UserStore(tmp_path / "users.json")
    created = ensure_demo_users(store, ["West", "East", "South"])
    audit_users = {f"{a}-{r}" for a in ("west", "east", "south") for r in ("auditor", "moderator")}
    assert set(created) == {"force", "admin", "west", "east", "south", "ppu", *audit_users}
    assert store.get("ppu").role == "ppu" and store.get("east-auditor").areas == ["East"]
    assert store.get("west").areas == ["West"] and store.get("force").role == "force"
    assert check_password(created["east"], store.get("east").password_hash)
    assert ensure_demo_users(store, ["West"]) is None


def test_stale_data_banner(dash_app, monkeypatch):
    import app as app_module
    from dashboard import data
    from etl.settings import Settings

    assert app_module.stale_banner() is None  # fixture allows 100,000 hours
    monkeypatch.setattr(data, "settings", lambda: Settings(stale_data_hours=0))
    banner = app_module.stale_banner()
    assert banner is not None and "Old data" in str(banner.children)


def test_make_run_ends_with_the_passwords_or_who_exists_and_how_to_reset(dash_app, tmp_path):
    import argparse

    from app import demo_users_message

    args = argparse.Namespace(host="127.0.0.1", port=8050)
    first = demo_users_message({"force": "pw-1", "west": "pw-2"}, [], tmp_path / "u.json", args)
    assert "shown ONCE" in first and "  force            pw-1" in first
    assert first.rstrip().endswith("=" * 64)
    again = demo_users_message(None, ["admin", "force"], tmp_path / "u.json", args)
    assert f"Users already exist in {tmp_path / 'u.json'}: admin, force." in again
    assert "set-password USERNAME --generate" in again and "pw-1" not in again
