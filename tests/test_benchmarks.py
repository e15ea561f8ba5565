"""Every benchmark runs once, on the small sample, in a folder of its own: a benchmark that
stops working (a callback renamed, a module moved) fails `make test`, not the next `make bench`.
The figures are not checked here (timing tests belong to `make bench`), only that each
benchmark ran to the end and wrote its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl.testing import POLICE_UK_SAMPLE

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    ("bench", "report", "extra"),
    [
        ("etl_bench", "etl.json", {}),
        ("dashboard_bench", "dashboard.json", {}),
        # A page's callbacks sent at once, as a browser sends them.
        ("dashboard_bench", "dashboard.json", {"PVP_BENCH_AT_ONCE": "1"}),
        ("panels_bench", "panels.json", {}),
        pytest.param("pack_bench", "pack.json", {}, marks=pytest.mark.browser),  # the PDF
        ("police_bench", "police.json", {}),
    ],
)
def test_the_benchmark_runs_at_small_scale(bench, report, extra, tmp_path):
    env = {
        **os.environ,
        **extra,
        "PVP_BENCH_OUT": str(tmp_path),
        "PVP_BENCH_SCALE": "small",
        "PVP_BENCH_RUNS": "1",
        "PVP_BENCH_CHANGES": "6",
        "PVP_BENCH_SATURATED_CHANGES": "6",
        "PVP_BENCH_THINK_S": "0.1",
        "PVP_BENCH_POLICE_DIR": str(POLICE_UK_SAMPLE),
    }
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{bench}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    written = json.loads((tmp_path / report).read_text())
    assert written, report
    if bench == "dashboard_bench":
        from benchmarks.dashboard_bench import PAGES

        # Every callback each page sends was asked and timed, at the stated pace and with no
        # pause (the capacity).
        for figures in (written, written["capacity"]):
            timed = [f"{n}_p95_ms" for page in PAGES for n in page if f"{n}_p95_ms" in figures]
            assert len(timed) == sum(len(page) for page in PAGES)
        assert (written["think_s"], written["capacity"]["think_s"]) == (0.1, 0.0)
    if extra.get("PVP_BENCH_AT_ONCE"):
        assert written["callbacks_at_once"] is True


def test_the_latency_verdict_reads_first_visits_alone_too():
    from benchmarks.dashboard_bench import _latency_verdicts

    # The ten-year run of 2026-11-29 with reading time: every request's p95 under 150 ms, the
    # cards' first visits' p95 over it. "Met" for the first alone overstated the run.
    report = {"first_visits": 61, "cards_p95_ms": 138.2, "cards_first_visit_p95_ms": 183.2,
              "rows_p95_ms": 70.4, "rows_first_visit_p95_ms": 89.5}  # fmt: skip
    assert [ok for _, ok in _latency_verdicts(report, ["cards", "rows"])] == [True, False]
    report["cards_first_visit_p95_ms"] = 149.9
    assert [ok for _, ok in _latency_verdicts(report, ["cards", "rows"])] == [True, True]
    report["cards_p95_ms"] = 150.0
    assert [ok for _, ok in _latency_verdicts(report, ["cards", "rows"])] == [False, True]
    # No first visit made: the second target is not met by default.
    verdicts = _latency_verdicts({**report, "first_visits": 0}, ["cards", "rows"])
    assert verdicts[1] == ("p95 over first visits alone: none made (PVP_BENCH_NEW_DAYS=0)", False)
