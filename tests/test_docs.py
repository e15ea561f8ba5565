"""The README cannot drift from the code: every setting, contract column and reason is in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from etl.contract import ALL_EXTRACTS, Reason
from etl.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n#", start + len(title))
    return README[start:end]


def test_every_setting_is_documented_with_its_default():
    table = section("## Settings")
    for name, field in Settings.model_fields.items():
        row = next((line for line in table.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"setting {name} is not in the README"
        assert f"`PVP_{name.upper()}`" in row
        default = field.default
        shown = json.dumps(default) if isinstance(default, list | dict) else str(default)
        assert f"`{shown}`" in row, f"README default for {name} is not {shown}"


def test_every_extract_column_is_documented_under_its_file():
    for ex in ALL_EXTRACTS:
        table = section(f"### `{ex.file}`")
        documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.M)
        assert documented == list(ex.names), ex.file
        for col in ex.columns:
            row = next(line for line in table.splitlines() if line.startswith(f"| `{col.name}`"))
            assert f"| {col.kind.value} |" in row
            assert ("required" in row) == col.required, col.name


def test_every_quarantine_reason_is_documented():
    table = section("## Loading")
    assert set(re.findall(r"^\| `(\w+)` \|", table, flags=re.M)) == {r.value for r in Reason}


def test_the_readme_shows_the_two_commands_first():
    first_block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split()[0:2] for line in first_block.strip().splitlines()] == [
        ["make", "run"],
        ["make", "test"],
    ]


def test_settings_come_from_the_environment_and_a_toml_file(tmp_path, monkeypatch):
    toml = tmp_path / "s.toml"
    toml.write_text('review_window_days = 21\nareas = ["North", "South"]\n')
    monkeypatch.setenv("PVP_SETTINGS_FILE", str(toml))
    monkeypatch.setenv("PVP_DUE_SOON_DAYS", "3")
    s = Settings()
    assert (s.review_window_days, s.areas, s.due_soon_days) == (21, ["North", "South"], 3)
    monkeypatch.setenv("PVP_REVIEW_WINDOW_DAYS", "14")
    assert Settings().review_window_days == 14  # the environment wins over the file
