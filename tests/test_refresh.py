"""Scheduled refresh: no overlap, a failing source recorded while the rest load, nothing
half-built left behind."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

import duckdb
import pytest

from etl.refresh import RefreshLog, RefreshRunning, parse_interval, refresh, refresh_lock
from etl.settings import Settings
from etl.testing import POLICE_UK_SAMPLE, write_extracts


def test_intervals():
    assert [parse_interval(t) for t in ("20m", "1h", "30s", "90")] == [1200, 3600, 30, 90]
    assert parse_interval("168h") == 7 * 24 * 3600  # a week: the longest
    for text in ("soon", "169h", "3000000h"):  # 3,000,000 h overflowed the wait (session 24)
        with pytest.raises(ValueError):
            parse_interval(text)


@pytest.mark.parametrize("args", [["--every", "3000000h"], ["--cycles", "0"], ["--cycles", "-3"]])
def test_a_refresh_that_could_not_run_as_asked_is_refused(tmp_path, db, args):
    """An adversarial pass (session 24): --every 3000000h loaded once, then the wait overflowed
    (a traceback); --cycles 0 or -3 loaded nothing, logged nothing and exited 0."""
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    env = dict(os.environ, PVP_REFRESH_LOG_PATH=str(tmp_path / "r.sqlite"))
    done = subprocess.run(
        [sys.executable, "-m", "etl", "refresh", str(good), "--db", str(db), *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not db.exists()


def test_a_failing_source_is_recorded_and_the_others_still_load(tmp_path, db):
    settings = Settings(refresh_log_path=tmp_path / "refresh.sqlite")
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    broken = write_extracts(tmp_path / "broken")
    (broken / "supervision.csv").unlink()
    waits = []
    refresh([str(broken), str(good), f"police-uk:{POLICE_UK_SAMPLE}"], db, settings,
            every=1200, cycles=2, say=lambda _m: None, sleep=waits.append)  # fmt: skip
    runs = RefreshLog(settings.refresh_log_path).recent()
    assert list(runs["status"]) == ["ok", "ok", "failed", "ok", "ok", "failed"]
    assert "supervision.csv: missing file" in runs.iloc[-1]["message"]
    assert waits == [1200]  # waited between the two rounds, not after the last
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM incidents").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) > 0 FROM police_uk_crimes").fetchall() == [(True,)]
    con.close()
    assert not db.with_name(db.name + ".building").exists()

    before = hashlib.sha256(db.read_bytes()).hexdigest()
    refresh([str(broken)], db, settings, every=0, cycles=1, say=lambda _m: None)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_two_refreshes_never_overlap(tmp_path, db):
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    env = dict(os.environ, PVP_REFRESH_LOG_PATH=str(tmp_path / "r.sqlite"))
    cmd = [sys.executable, "-m", "etl", "refresh", str(good), "--db", str(db)]
    first = subprocess.Popen([*cmd, "--every", "30s", "--cycles", "2"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.time() + 60
        while not db.exists() and time.time() < deadline:  # the first round has loaded
            time.sleep(0.2)
        second = subprocess.run([*cmd, "--cycles", "1"], env=env, capture_output=True,
                                text=True, timeout=60)  # fmt: skip
        assert second.returncode == 3
        assert "another refresh" in second.stderr
    finally:
        first.terminate()
        first.wait(10)
    with refresh_lock(db), pytest.raises(RefreshRunning):
        refresh([str(good)], db, Settings(refresh_log_path=tmp_path / "x.sqlite"), 0, 1)


def test_the_data_quality_page_shows_refresh_failures(dash_app, tmp_path, monkeypatch):
    from dashboard import data
    from dashboard.panels import Context, data_refresh
    from dashboard.scope import Filters, Scope

    settings = Settings(refresh_log_path=tmp_path / "refresh.sqlite")
    broken = write_extracts(tmp_path / "broken")
    (broken / "incidents.csv").unlink()
    refresh([str(broken)], tmp_path / "w.duckdb", settings, 0, 1, say=lambda _m: None)
    monkeypatch.setattr(data, "settings", lambda: settings)
    rendered = str(data_refresh.render(Context(Scope("f", "force", ()), Filters(), None)))
    assert "FAILED" in rendered and "incidents.csv: missing file" in rendered
