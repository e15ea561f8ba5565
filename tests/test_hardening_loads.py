"""Sources, messages and loads under attack or accident: secrets in URLs, markup in headers,
a failing source in a refresh, over-long fields, a full disk, many columns, symlinks."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import read

from etl.load import LoadError, Prepared, load
from etl.redact import redact
from etl.refresh import RefreshLog, refresh
from etl.settings import Settings
from etl.sources import database_url, load_source
from etl.testing import write_extracts

SECRET = "s3cr3t-Hunter2"


def etl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip


# --- item 3: no password in a source URL, and any URL redacted -------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/db",
        f"postgresql+psycopg://u@127.0.0.1:1/db?password={SECRET}",
        f"postgresql+psycopg://u@127.0.0.1:1/db?sslmode=require&sslpassword={SECRET}",
        f"postgresql+psycopg://u@127.0.0.1:1/db?passfile=/home/u/{SECRET}",
        f"postgresql+psycopg://u@127.0.0.1:1/db?PassWord={SECRET}",
    ],
)
def test_a_password_anywhere_in_the_url_is_refused_without_echoing_it(url):
    with pytest.raises(LoadError, match="no password in the URL") as err:
        database_url(url)
    assert SECRET not in str(err.value)


def test_a_url_without_secrets_is_accepted():
    url = database_url("postgresql+psycopg://u@127.0.0.1:1/db?sslmode=require")
    assert url.query == {"sslmode": "require"} and url.password is None


def test_redact_hides_user_info_passwords_and_secret_parameters():
    text = (
        f"failed: postgresql://u:{SECRET}@h/db?application_name=pvp&password={SECRET}"
        f"&sslpassword={SECRET};passfile={SECRET} and mysql://x:{SECRET}@h2"
    )
    shown = redact(text)
    assert SECRET not in shown
    assert "postgresql://u:***@h/db?application_name=pvp&password=***" in shown
    assert redact("sample_data/small") == "sample_data/small"


def test_a_secret_never_reaches_the_refresh_log_stderr_or_the_data_quality_page(
    tmp_path, db, dash_app, monkeypatch
):
    log_path = tmp_path / "refresh.sqlite"
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    url = f"postgresql+psycopg://u@127.0.0.1:1/db?password={SECRET}"
    got = etl("refresh", url, str(good), "--db", str(db), "--cycles", "1", "--mapping", "m.toml",
              env={"PVP_REFRESH_LOG_PATH": str(log_path)})  # fmt: skip
    assert got.returncode == 0, got.stderr
    assert SECRET not in got.stderr and "password=***" in got.stderr
    runs = RefreshLog(log_path).recent()
    assert list(runs["status"]) == ["ok", "failed"]
    assert SECRET not in runs.to_csv()
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.stat().st_mode) == 0o600

    # A log written before this fix held the URL as it was: the page still shows it redacted.
    RefreshLog(log_path).record(9, datetime.now(UTC), url, "failed", f"x {url}", None)
    from dashboard.data import Filters, Scope
    from dashboard.panels import Context
    from dashboard.panels.data_refresh import render

    monkeypatch.setenv("PVP_REFRESH_LOG_PATH", str(log_path))
    from etl.settings import get_settings

    get_settings.cache_clear()
    try:
        ctx = Context(scope=Scope("f", "force", ("West",)), filters=Filters(), as_of=None)
        shown = str(render(ctx))
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "password=***" in shown and SECRET not in shown


def test_the_load_log_stores_a_source_redacted(tmp_path, db, settings):
    folder = write_extracts(tmp_path / "x", incidents=[{"incident_id": "I1"}])
    described = f"postgresql://u:{SECRET}@h/db?password={SECRET}"
    labels = {"incidents": "a", "investigations": "b", "supervision": "c"}
    load(Prepared(folder, described, labels), db, settings)
    (source,) = {r[0] for r in read(db, "SELECT source FROM load_log")}
    assert SECRET not in source and source == "postgresql://u:***@h/db?password=***"


# --- item 6: user-controlled text is printed, never read as rich markup ----------------------


def test_a_header_holding_rich_markup_gives_the_clean_refusal(tmp_path, db):
    folder = write_extracts(tmp_path / "x")
    (folder / "investigations.csv").write_text("investigation_id,[/oops],[bold]x\n")
    got = etl("load", str(folder), "--db", str(db))
    assert got.returncode == 2, got.stderr
    assert "Traceback" not in got.stderr and "MarkupError" not in got.stderr
    assert "load failed, warehouse unchanged" in got.stderr and "[/oops]" in got.stderr


def test_table_output_prints_markup_in_data_as_text(tmp_path, db, load_rows):
    load_rows(investigations=[{"investigation_id": "A", "team": "[/oops] [red]Team",
                               "team_type": "child_protection"}])  # fmt: skip
    got = etl("flags", "--db", str(db), "--format", "table", "--as-of", "2018-06-30")
    assert got.returncode == 0, got.stderr
    assert "[/oops]" in got.stdout and "[red]Team" in got.stdout


def test_the_dashboard_command_prints_markup_in_names_as_text(tmp_path):
    env = {**os.environ, "PVP_USERS_FILE": str(tmp_path / "users.json")}
    got = subprocess.run(
        [sys.executable, "-m", "dashboard", "users", "add", "[/oops]", "--area", "[/x]"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert got.returncode == 2 and "Traceback" not in got.stderr
    assert "unknown area(s): [/x]" in got.stderr
    got = subprocess.run(
        [sys.executable, "-m", "dashboard", "users", "add", "[/oops]", "--role", "force", "--sso"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert got.returncode == 0 and "added [/oops]" in got.stderr, got.stderr


def test_refresh_bad_good_loads_the_good_source_every_cycle(tmp_path, db):
    log_path = tmp_path / "refresh.sqlite"
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    bad = write_extracts(tmp_path / "bad")
    (bad / "investigations.csv").write_text("investigation_id,[/oops]\n")
    got = etl("refresh", str(bad), str(good), "--db", str(db), "--cycles", "2", "--every", "0",
              env={"PVP_REFRESH_LOG_PATH": str(log_path)})  # fmt: skip
    assert got.returncode == 0, got.stderr
    assert "Traceback" not in got.stderr and "[/oops]" in got.stderr
    runs = RefreshLog(log_path).recent()
    assert list(runs["status"]) == ["ok", "failed", "ok", "failed"]
    assert read(db, "SELECT count(*) FROM incidents") == [(1,)]


def test_refresh_survives_any_exception_from_a_source_and_from_its_reporting(tmp_path, db):
    settings = Settings(refresh_log_path=tmp_path / "refresh.sqlite")
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    said: list[str] = []

    def fussy_say(message: str) -> None:
        said.append(message)
        if "FAILED" in message:
            raise RuntimeError("the console broke")

    # A path that is not a directory, a URL that is not a URL: neither may stop the loop.
    refresh([str(tmp_path / "missing"), "::://[", str(good)], db, settings, every=0, cycles=2,
            say=fussy_say, sleep=lambda _s: None)  # fmt: skip
    runs = RefreshLog(settings.refresh_log_path).recent()
    assert list(runs["status"]) == ["ok", "failed", "failed"] * 2
    assert read(db, "SELECT count(*) FROM incidents") == [(1,)]


def test_load_source_refuses_a_database_url_without_a_mapping_cleanly(tmp_path, db, settings):
    with pytest.raises(LoadError, match="mapping"):
        load_source(f"postgresql://u@h/db?password={SECRET}", db, settings)


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as fh:
        return list(csv.reader(fh))
