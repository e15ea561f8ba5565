"""`make bench` for the dashboard: the Today page on the `force` sample, served by a real
process, driven over HTTP the way the browser drives it.

Measures, for a sequence of filter changes (area, team type, officer; some as-of days):
p50/p95 latency of each of the Today page's callbacks and of the whole change, the largest
callback response, and the server process's peak memory (VmHWM). Targets (issue 3): p95 under
150 ms per callback, largest response under 1 MB, memory under 500 MB.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.etl_bench import OUT, SAMPLE, SCALE, SEED

WAREHOUSE = OUT / "dashboard.duckdb"
PORT = 8097
CHANGES = int(os.environ.get("PVP_BENCH_CHANGES", "60"))
NARROWING = ("team", "team_type", "officer_id")


def _outputs(key: str):
    """The ``outputs`` field of a request for the callback ``key`` (Dash's own spelling)."""
    if key.startswith(".."):
        parts = [p for p in key.strip(".").split("...") if p]
        return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    cid, prop = key.rsplit(".", 1)
    return {"id": cid, "property": prop}


class Callbacks:
    """The app's callbacks as /_dash-dependencies lists them, found by one of their outputs
    (keys are not hard-coded: a panel joining a callback changes its key)."""

    def __init__(self, deps: list[dict]) -> None:
        self.deps = deps

    def request(self, output: str, values: dict) -> dict:
        dep = next(d for d in self.deps if output in d["output"])

        def fill(items: list[dict]) -> list[dict]:
            return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

        inputs = fill(dep["inputs"])
        return {
            "output": dep["output"],
            "outputs": _outputs(dep["output"]),
            "inputs": inputs,
            "state": fill(dep.get("state", [])),
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        }


GRID_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


def requests_for(callbacks: Callbacks, store: dict) -> dict[str, dict]:
    """The callbacks a filter change sets off, as the browser sends them: Today's three, and
    the Supervision quality page's two tables (the entry assessment, issue 12)."""
    quality = {k: v for k, v in store.items() if k != "officer_id"}
    return {
        "options": callbacks.request("today-team.options", {"today-filters.data": store}),
        "cards": callbacks.request("panel-today-cards-body", {"today-filters.data": store}),
        "rows": callbacks.request(
            "today-actions-grid.getRowsResponse",
            {"today-actions-grid.getRowsRequest": GRID_REQUEST, "today-filters.data": store},
        ),
        "quality_supervisors": callbacks.request(
            "quality-supervisors-grid.getRowsResponse",
            {
                "quality-supervisors-grid.getRowsRequest": GRID_REQUEST,
                "quality-filters.data": quality,
            },
        ),
        "quality_teams": callbacks.request(
            "quality-teams-grid.getRowsResponse",
            {"quality-teams-grid.getRowsRequest": GRID_REQUEST, "quality-filters.data": quality},
        ),
    }


def peak_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024


def prepare_warehouse() -> None:
    """The force sample (base and delta) in its own warehouse, made once."""
    if WAREHOUSE.exists():
        return
    from etl.load import load
    from etl.sample import write_sample
    from etl.settings import Settings

    if not (SAMPLE / "supervision.csv").exists():
        write_sample(SAMPLE, SCALE, SEED)
    print("loading the force sample ...", file=sys.stderr)
    load(SAMPLE, WAREHOUSE, Settings())
    load(SAMPLE / "delta", WAREHOUSE, Settings())


def main() -> None:
    prepare_warehouse()
    tmp = Path(tempfile.mkdtemp(prefix="dash-bench-"))
    env = dict(
        os.environ,
        PVP_DB_PATH=str(WAREHOUSE),
        PVP_USERS_FILE=str(tmp / "users.json"),
        PVP_AUDIT_PATH=str(tmp / "audit.sqlite"),
        PVP_SECRET_KEY_FILE=str(tmp / "key"),
        PVP_APP_DB_URL=f"sqlite:///{tmp / 'app.sqlite'}",
        PVP_PACK_CACHE_DIR=str(tmp / "pack-cache"),
    )
    from dashboard.appdb import upgrade
    from dashboard.users import UserStore

    upgrade(env["PVP_APP_DB_URL"])  # the app refuses to start on an old schema

    UserStore(tmp / "users.json").add("bench", "force", [], "bench password 123")
    server = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(PORT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / "dashboard-server.log", "w"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        s = requests.Session()
        for _ in range(100):
            try:
                page = s.get(base + "/login", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        csrf = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
        s.post(base + "/login", data={"username": "bench", "password": "bench password 123",
                                      "csrf": csrf, "next": "/"})  # fmt: skip
        s.get(base + "/")
        callbacks = Callbacks(s.get(base + "/_dash-dependencies").json())
        latest = s.post(base + "/_dash-update-component", json=requests_for(callbacks, {})["cards"])
        assert latest.status_code == 200, latest.text[:300]

        rng = random.Random(1)
        import duckdb

        from etl.flags import latest_date

        con = duckdb.connect(str(WAREHOUSE), read_only=True)
        day = latest_date(con)
        officers = [r[0] for r in con.execute(
            "SELECT DISTINCT officer_id FROM investigations WHERE closed_at IS NULL LIMIT 200"
        ).fetchall()]  # fmt: skip
        con.close()
        days = [day.isoformat()] + [
            (day.fromordinal(day.toordinal() - d)).isoformat() for d in (1, 7, 30)
        ]
        timings: dict[str, list[float]] = {
            "options": [], "cards": [], "rows": [], "quality_supervisors": [], "quality_teams": [],
            "change": [],
        }  # fmt: skip
        cold: list[float] = []
        largest = (0, "")
        for n in range(CHANGES):
            store = {"as_of": days[0] if n % 10 else rng.choice(days)}
            if rng.random() < 0.8:
                store["area"] = rng.choice(["West", "East", "South"])
            if rng.random() < 0.4:
                store["team_type"] = rng.choice(["child_protection", "response", "cse"])
            if rng.random() < 0.2:
                store["officer_id"] = rng.choice(officers)
            total = 0.0
            for name, body in requests_for(callbacks, store).items():
                start = time.perf_counter()
                r = s.post(base + "/_dash-update-component", json=body)
                took = time.perf_counter() - start
                assert r.status_code in (200, 204), (name, r.status_code, r.text[:200])
                timings[name].append(took)
                total += took
                if len(r.content) > largest[0]:
                    largest = (len(r.content), name)
            (cold if n % 10 == 0 else timings["change"]).append(total)
        memory = peak_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)

    def pct(values: list[float], q: float) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 1)

    report = {
        "warehouse": str(WAREHOUSE),
        "filter_changes": CHANGES,
        **{f"{k}_p50_ms": pct(v, 50) for k, v in timings.items()},
        **{f"{k}_p95_ms": pct(v, 95) for k, v in timings.items()},
        "first_change_of_a_new_day_ms_max": round(max(cold) * 1000, 1),
        "largest_response_kb": round(largest[0] / 1024, 1),
        "largest_response_callback": largest[1],
        "server_peak_mb": round(memory),
    }
    (OUT / "dashboard.json").write_text(json.dumps(report, indent=2))
    for key, value in report.items():
        print(f"{key:>36}: {value}")
    per_callback = max(
        report[f"{k}_p95_ms"]
        for k in ("options", "cards", "rows", "quality_supervisors", "quality_teams")
    )
    for name, ok in [
        ("p95 per callback < 150 ms", per_callback < 150),
        ("largest response < 1 MB", report["largest_response_kb"] < 1024),
        ("server memory < 500 MB", report["server_peak_mb"] < 500),
    ]:
        print(f"{'met' if ok else 'MISSED':>8}  {name}")


if __name__ == "__main__":
    main()
