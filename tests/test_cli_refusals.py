"""A bad argument or a store not set up is answered in a line and exit status 2, never a
Python traceback (session 24's third adversarial pass found these nine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("refusals")
    (tmp / "a-file").write_text("not a folder, not a warehouse\n")
    duckdb.connect(str(tmp / "empty.duckdb")).close()  # a DuckDB file no load built
    return {"tmp": tmp, "file": tmp / "a-file", "empty": tmp / "empty.duckdb"}


CASES = {
    "pack for a month with no warehouse": (
        ["-m", "dashboard", "pack", "--db", "{tmp}/none.duckdb", "--month", "2018-06",
         "--out", "{tmp}/packs"],
        "no warehouse at",
    ),
    "pack into a file": (
        ["-m", "dashboard", "pack", "--month", "2018-06", "--out", "{file}"],
        "is a file, not a folder",
    ),
    "digest with the application database never set up": (
        ["-m", "dashboard", "digest", "--dry-run", "{tmp}/digest"],
        "python -m dashboard db upgrade",
    ),
    "audits show with the application database never set up": (
        ["-m", "dashboard", "audits", "show", "--month", "2018-06"],
        "python -m dashboard db upgrade",
    ),
    "db downgrade to a revision that does not exist": (
        ["-m", "dashboard", "db", "downgrade", "nonsense"],
        "revision 'nonsense'",
    ),
    "etl flags on a file that is not a DuckDB database": (
        ["-m", "etl", "flags", "--db", "{file}"],
        "cannot be opened as a warehouse",
    ),
    "etl rejects on a DuckDB file no load built": (
        ["-m", "etl", "rejects", "--db", "{empty}"],
        "not a warehouse a load built",
    ),
    "etl sample into a file": (
        ["-m", "etl", "sample", "--out", "{file}"],
        "is a file, not a folder",
    ),
    "python app.py with a setting no rule can work with": (
        ["app.py", "--port", "18997"],
        "settings: areas: name at least one area",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_a_bad_argument_or_a_store_not_set_up_is_said_in_a_line(case, places):
    argv, said = CASES[case]
    tmp = places["tmp"]
    env = {
        **os.environ,
        "PVP_DB_PATH": str(tmp / "none.duckdb"),
        "PVP_USERS_FILE": str(tmp / "users.json"),
        "PVP_AUDIT_PATH": str(tmp / "audit.sqlite"),
        "PVP_APP_DB_URL": f"sqlite:///{tmp / 'app.sqlite'}",  # never upgraded
        "PVP_PACK_CACHE_DIR": str(tmp / "pack-cache"),
    }
    if case.startswith("python app.py"):
        env["PVP_AREAS"] = "[]"
    args = [a.format(**{k: str(v) for k, v in places.items()}) for a in argv]
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    assert said in " ".join(done.stderr.split())
    assert not (tmp / "packs").exists()


def test_gunicorn_stops_on_a_refused_setting_instead_of_starting_workers_again(tmp_path):
    """Exit status 2 from a worker made gunicorn start another, for ever; 3 is its "worker
    failed to boot", and the server stops."""
    env = {**os.environ, "PVP_AREAS": "[]", "PVP_DB_PATH": str(tmp_path / "none.duckdb")}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", "127.0.0.1:0",
         "--no-control-socket", "app:server"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert done.returncode != 0
    assert "Worker failed to boot" in done.stderr
    assert done.stderr.count("settings: areas: name at least one area") == 1
    assert "Traceback" not in done.stderr
