"""`make bench` for the ETL: generate the `force` sample, then measure in fresh processes

(a) `etl load` against DuckDB's bare read_csv of the same three files into a new database file,
    both timed inside their own process (imports excluded), median of RUNS runs: the ratio;
(b) peak resident memory of each (ru_maxrss of the process);
(c) `etl flags` for one day on the loaded warehouse (median of 5).

Figures are printed and written to bench-output/etl.json. Targets (issue 2): ratio <= 2.5,
load peak memory < 1.5 GB, flags < 1 s.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

# `make bench` measures the `force` sample; the smoke test (tests/test_benchmarks.py) runs every
# benchmark once on the small one, into a folder of its own, so none of them can rot.
OUT = Path(os.environ.get("PVP_BENCH_OUT", "bench-output"))
SCALE = os.environ.get("PVP_BENCH_SCALE", "force")
SAMPLE = OUT / SCALE
RUNS = int(os.environ.get("PVP_BENCH_RUNS", "3"))
SEED = 2018


def _worker(kind: str, source: Path, db: Path) -> None:
    import duckdb

    from etl.load import load
    from etl.settings import Settings

    db.unlink(missing_ok=True)
    start = time.perf_counter()
    steps: list[tuple[float, str]] = []
    if kind == "baseline":
        con = duckdb.connect(str(db))
        for name in ("incidents", "investigations", "supervision"):
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_csv(?)", [str(source / f"{name}.csv")]
            )
        con.close()
    else:
        load(source, db, Settings(), progress=lambda m: steps.append((time.perf_counter(), m)))
    seconds = time.perf_counter() - start
    # The checklist assessment of every entry: from its step's start to the next step's.
    assess = next(
        (b[0] - a[0] for a, b in itertools.pairwise(steps) if a[1].startswith("assessing")), 0.0
    )
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "assess_s": assess}))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss
    over exec from the parent, so a child would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(kind: str, source: Path, db: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.etl_bench", "worker", kind, str(source), str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    OUT.mkdir(exist_ok=True)
    if not (SAMPLE / "supervision.csv").exists():
        print(f"generating the {SCALE} sample in {SAMPLE} (seed {SEED}) ...", file=sys.stderr)
        from etl.sample import write_sample

        write_sample(SAMPLE, SCALE, SEED)
    rows = {
        p.name: sum(1 for _ in p.open("rb")) - 1 for p in sorted(SAMPLE.glob("*.csv"))
    }  # physical lines, for orientation
    results: dict[str, list[dict]] = {"baseline": [], "load": []}
    for _ in range(RUNS):
        for kind in results:  # interleaved, so drift in the machine hits both alike
            results[kind].append(_run(kind, SAMPLE, OUT / f"{kind}.duckdb"))
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    peak = {k: max(r["peak_mb"] for r in v) for k, v in results.items()}

    import duckdb

    from etl.flags import flags, latest_date
    from etl.settings import Settings

    con = duckdb.connect(str(OUT / "load.duckdb"), read_only=True)
    day = latest_date(con)
    timings, n_flags = [], 0
    for _ in range(5):
        start = time.perf_counter()
        n_flags = len(flags(con, Settings(), day))
        timings.append(time.perf_counter() - start)
    counts = dict(con.execute("SELECT file, rows_read FROM load_log").fetchall())
    con.close()
    report = {
        "sample": str(SAMPLE),
        "rows_read": counts,
        "physical_lines": rows,
        "baseline_read_csv_s": round(med["baseline"], 3),
        "etl_load_s": round(med["load"], 3),
        "ratio": round(med["load"] / med["baseline"], 2),
        "baseline_peak_mb": round(peak["baseline"]),
        "etl_load_peak_mb": round(peak["load"]),
        "flags_as_of": str(day),
        "flags_rows": n_flags,
        "flags_s": round(statistics.median(timings), 3),
        "assess_entries_s": round(statistics.median(r["assess_s"] for r in results["load"]), 3),
        "assess_share_of_load": round(
            statistics.median(r["assess_s"] / r["seconds"] for r in results["load"]), 3
        ),
        "runs": RUNS,
    }
    (OUT / "etl.json").write_text(json.dumps(report, indent=2))
    for key, value in report.items():
        print(f"{key:>22}: {value}")
    targets = [
        ("load/read_csv ratio <= 2.5", report["ratio"] <= 2.5),
        ("load peak memory < 1536 MB", report["etl_load_peak_mb"] < 1536),
        ("flags for one day < 1 s", report["flags_s"] < 1),
        # Issue 12: assessing every entry adds at most 25% to the load without it.
        (
            "entry assessment <= 25% on top of the rest of the load",
            report["assess_entries_s"]
            <= 0.25 * (report["etl_load_s"] - report["assess_entries_s"]),
        ),
    ]
    for name, ok in targets:
        print(f"{'met' if ok else 'MISSED':>8}  {name}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        _worker(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
