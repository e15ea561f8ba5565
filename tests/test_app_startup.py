"""app.py finishes Dash's set-up at start-up, not on the first request (where Dash marks it
done before it is done: two first requests at once on a fresh worker gave one of them a
partial callback list, and that user's page never wired up); and leaves what starting made out
of Python's full garbage collections (a ~100 ms pause inside whichever request met one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, app
before = [c["output"] for c in app.app._callback_list]
app.server.test_client().get("/login")
after = [c["output"] for c in app.app._callback_list]
print(json.dumps({"before": before, "after": after}))
"""


def _run_in_a_fresh_process(tmp_path: Path, script: str) -> dict:
    """``script`` in a new Python importing the app as a gunicorn worker does; its last line
    of output read as JSON."""
    from dashboard.appdb import upgrade

    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    upgrade(url)
    env = dict(
        os.environ,
        PVP_DB_PATH=str(tmp_path / "no-warehouse-yet.duckdb"),
        PVP_APP_DB_URL=url,
        PVP_USERS_FILE=str(tmp_path / "users.json"),
        PVP_AUDIT_PATH=str(tmp_path / "audit.sqlite"),
        PVP_SECRET_KEY_FILE=str(tmp_path / "key"),
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_every_callback_is_listed_before_the_first_request(tmp_path):
    lists = _run_in_a_fresh_process(tmp_path, SCRIPT)
    before = lists["before"]
    # The pages' router (Dash adds it on the first request), a panel page's callbacks, and
    # app.py's own menu callback, registered after create_app.
    assert any("_pages_content.children" in o for o in before)
    assert "..today-team.options.." in before or any("today-team.options" in o for o in before)
    assert "nav-collapse.is_open" in before
    assert before == lists["after"]


def test_what_starting_the_app_made_is_left_out_of_full_garbage_collections(tmp_path):
    """A full collection walks every object the collector tracks. The app's start-up makes
    about 200,000 (modules, classes, Dash's registry) that live as long as the worker: frozen,
    a full collection walks only what requests made since."""
    counts = _run_in_a_fresh_process(
        tmp_path,
        "import gc, json, app; "
        "print(json.dumps({'frozen': gc.get_freeze_count(), 'walked': len(gc.get_objects())}))",
    )
    assert counts["frozen"] > 100_000
    assert counts["walked"] < counts["frozen"] / 10
