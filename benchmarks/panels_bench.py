"""`make bench`: what a first visit to a day costs each panel, in one process, no server.

The dashboard benchmark (dashboard_bench.py) measures callbacks over HTTP with users at once,
where every figure is also queueing; this one says which panel the time goes to. On the same
warehouse (the `force` sample, or PVP_BENCH_SCALE), for PVP_BENCH_DAYS days picked at random
over the history (each new to the process), it calls each panel of the Today, Child-related,
Supervision quality and Data quality pages as their callbacks do (``render``, or a table's
``rows``), in page order, for a force-wide user with one area chosen; then each again on a day
already read. It prints and writes (panels.json) the median and the largest time per panel, and
the sum of the medians per page: what a visit to the page on a new day costs the server.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.dashboard_bench import WAREHOUSE, prepare_warehouse
from benchmarks.etl_bench import OUT

DAYS = int(os.environ.get("PVP_BENCH_DAYS", "8"))
PAGES = ("today", "child", "quality", "data")


def main() -> None:
    prepare_warehouse()
    # An application database of its own (follow-ups are read with the list), never the
    # working copy's, which may be at an older revision.
    tmp = Path(tempfile.mkdtemp(prefix="panels-bench-"))
    os.environ["PVP_APP_DB_URL"] = f"sqlite:///{tmp / 'app.sqlite'}"
    os.environ["PVP_DB_PATH"] = str(WAREHOUSE)
    from dashboard import data
    from dashboard.appdb import upgrade
    from dashboard.panels import Context, panels_for
    from dashboard.scope import Filters, Scope

    upgrade(os.environ["PVP_APP_DB_URL"])
    scope = Scope("bench", "force", tuple(data.settings().areas))
    latest = data.latest_day()
    first = data.first_data_month()
    rng = random.Random(3)
    span = max((latest - first).days, 2)
    days = rng.sample(range(1, span), min(DAYS, span - 1))
    panels = [p for page in PAGES for p in panels_for(page)]

    def visit(day) -> dict[str, float]:
        ctx = Context(scope, Filters(as_of=day, areas=[scope.areas[0]]), day)
        took = {}
        for p in panels:
            start = time.perf_counter()
            if p.render is not None:
                p.render(ctx)
            if p.table is not None:
                p.table.rows(ctx)
            took[p.id] = time.perf_counter() - start
        return took

    visit(latest)  # start-up (imports, the first connection) is not a first visit
    first_visits = [visit(latest - timedelta(days=d)) for d in days]
    # The day just visited, again: its results are the newest in the cache (cache_mb).
    again = [visit(latest - timedelta(days=days[-1])) for _ in range(2)]
    report: dict = {"warehouse": str(WAREHOUSE), "days": len(days), "panels": {}}
    for p in panels:
        times = [v[p.id] * 1000 for v in first_visits]
        report["panels"][p.id] = {
            "first_visit_median_ms": round(statistics.median(times), 1),
            "first_visit_max_ms": round(max(times), 1),
            "day_already_read_ms": round(statistics.median(v[p.id] * 1000 for v in again), 1),
        }
    report["first_visit_sum_of_medians_ms"] = {
        page: round(
            sum(report["panels"][p.id]["first_visit_median_ms"] for p in panels_for(page)), 1
        )
        for page in PAGES
    }
    (OUT / "panels.json").write_text(json.dumps(report, indent=2))
    print(f"{'panel':<28}{'first visit (median, max)':>28}{'day already read':>20}")
    for pid, v in report["panels"].items():
        print(
            f"{pid:<28}{v['first_visit_median_ms']:>16.1f} ms {v['first_visit_max_ms']:>7.1f}"
            f"{v['day_already_read_ms']:>17.1f} ms"
        )
    sums = report["first_visit_sum_of_medians_ms"]
    print("sum of the first-visit medians, by page: "
          + ", ".join(f"{page} {ms} ms" for page, ms in sums.items()))  # fmt: skip


if __name__ == "__main__":
    main()
