"""docs/adding-a-rule.md works: its blocks, applied to a copy of the code as the page says,
give a rule, a setting, words and a panel that render on the test warehouse."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
DOC = ROOT / "docs" / "adding-a-rule.md"
BLOCK = r"\n```[a-z]*\n(?P<code>.*?)```"
NEW_FILE = re.compile(r"<!-- new file: (?P<path>\S+) -->" + BLOCK, re.S)
INSERT = re.compile(
    r'<!-- insert into (?P<path>\S+) before: "(?P<before>(?:[^"\\]|\\.)*)" -->' + BLOCK, re.S
)

RENDER = r"""
import json, sys
from datetime import date
from pathlib import Path

import dashboard
from dashboard import data
from dashboard.panels import Context, discover
from dashboard.scope import Filters, Scope
from etl.settings import Settings
from etl.testing import FIXTURE_DAY, build_fixture_warehouse

root = Path(sys.argv[1])
assert Path(dashboard.__file__).is_relative_to(root), dashboard.__file__  # the copy, not ours
build_fixture_warehouse(root / "extract", root / "w.duckdb")
panel = discover()["child-long-open"]
out = {}
for long_open_days in (60, 30):
    data.configure(Settings(db_path=root / "w.duckdb", long_open_days=long_open_days))
    out[f"description {long_open_days}"] = panel.describe(data.settings())
    for who, areas in {"force": ("West", "East", "South"), "west": ("West",), "nobody": ()}.items():
        ctx = Context(Scope(who, "area", areas), Filters(), date.fromisoformat(FIXTURE_DAY))
        rows = panel.table.rows(ctx)
        out[f"{who} {long_open_days}"] = list(zip(rows["investigation_id"], rows["days_open"]))
print(json.dumps(out, default=int))
"""


def _copy_with_the_walkthrough(tmp: Path) -> Path:
    copy = tmp / "code"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("etl", "dashboard"):
        shutil.copytree(ROOT / package, copy / package, ignore=ignore)
    text = DOC.read_text()
    new_files = list(NEW_FILE.finditer(text))
    inserts = list(INSERT.finditer(text))
    assert len(new_files) == 2 and len(inserts) == 2, "the page's steps changed: update the test"
    for block in new_files:
        path = copy / block["path"]
        assert not path.exists(), block["path"]
        path.write_text(block["code"])
    for block in inserts:
        path = copy / block["path"]
        before = block["before"].replace('\\"', '"')
        source = path.read_text()
        assert source.count(before + "\n") == 1, f"{block['path']}: {before!r} is not one line"
        # The page shows the code as a formatter leaves it (unindented, no trailing blank
        # lines): it goes in at the indentation of the line it comes before.
        indent = before[: len(before) - len(before.lstrip())]
        code = "".join(
            indent + line if line.strip() else line
            for line in block["code"].rstrip("\n").splitlines(keepends=True)
        )
        path.write_text(source.replace(before + "\n", code + "\n\n" + before + "\n"))
    return copy


def test_the_adding_a_rule_walkthrough_renders(tmp_path):
    copy = _copy_with_the_walkthrough(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PVP_")}
    env["PYTHONPATH"] = str(copy)
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(copy)],
        cwd=copy, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # On 30/06/2018 (etl/testing.py FIXTURE) E-OVERDUE (opened 01/04) has been open 90 days,
    # W-OVERDUE (01/05) 60: only the first is over 60; both are over 30; West sees its own.
    assert out["force 60"] == [["E-OVERDUE", 90]]
    assert out["west 60"] == [] and out["nobody 60"] == []
    assert out["force 30"] == [["E-OVERDUE", 90], ["W-OVERDUE", 60]]
    assert out["west 30"] == [["W-OVERDUE", 60]] and out["nobody 30"] == []
    assert "longer than 60 days" in out["description 60"]
    assert "longer than 30 days" in out["description 30"]
