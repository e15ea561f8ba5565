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

        # Every callback each page sends was asked and timed.
        assert [f"{n}_p95_ms" for page in PAGES for n in page if f"{n}_p95_ms" not in written] == []
    if extra.get("PVP_BENCH_AT_ONCE"):
        assert written["callbacks_at_once"] is True
