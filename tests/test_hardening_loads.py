"""Sources, messages and loads under attack or accident: secrets in URLs, markup in headers,
a failing source in a refresh, over-long fields, a full disk, many columns, symlinks."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import read, use_warehouse

from etl.load import LoadError, Prepared, load
from etl.redact import redact
from etl.refresh import RefreshLog, refresh
from etl.settings import Settings
from etl.sources import database_url, load_source
from etl.testing import write_extracts

SECRET = "s3cr3t-Hunter2"


def etl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip


# --- item 3: no password in a source URL, and any URL redacted -------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/db",
        f"postgresql+psycopg://u@127.0.0.1:1/db?password={SECRET}",
        f"postgresql+psycopg://u@127.0.0.1:1/db?sslmode=require&sslpassword={SECRET}",
        f"postgresql+psycopg://u@127.0.0.1:1/db?passfile=/home/u/{SECRET}",
        f"postgresql+psycopg://u@127.0.0.1:1/db?PassWord={SECRET}",
    ],
)
def test_a_password_anywhere_in_the_url_is_refused_without_echoing_it(url):
    with pytest.raises(LoadError, match="no password in the URL") as err:
        database_url(url)
    assert SECRET not in str(err.value)


def test_a_url_without_secrets_is_accepted():
    url = database_url("postgresql+psycopg://u@127.0.0.1:1/db?sslmode=require")
    assert url.query == {"sslmode": "require"} and url.password is None


def test_redact_hides_user_info_passwords_and_secret_parameters():
    text = (
        f"failed: postgresql://u:{SECRET}@h/db?application_name=pvp&password={SECRET}"
        f"&sslpassword={SECRET};passfile={SECRET} and mysql://x:{SECRET}@h2"
    )
    shown = redact(text)
    assert SECRET not in shown
    assert "postgresql://u:***@h/db?application_name=pvp&password=***" in shown
    assert redact("sample_data/small") == "sample_data/small"


def test_a_secret_never_reaches_the_refresh_log_stderr_or_the_data_quality_page(
    tmp_path, db, dash_app, monkeypatch
):
    log_path = tmp_path / "refresh.sqlite"
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    url = f"postgresql+psycopg://u@127.0.0.1:1/db?password={SECRET}"
    got = etl("refresh", url, str(good), "--db", str(db), "--cycles", "1", "--mapping", "m.toml",
              env={"PVP_REFRESH_LOG_PATH": str(log_path)})  # fmt: skip
    assert got.returncode == 0, got.stderr
    assert SECRET not in got.stderr and "password=***" in got.stderr
    runs = RefreshLog(log_path).recent()
    assert list(runs["status"]) == ["ok", "failed"]
    assert SECRET not in runs.to_csv()
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.stat().st_mode) == 0o600

    # A log written before this fix held the URL as it was: the page still shows it redacted.
    RefreshLog(log_path).record(9, datetime.now(UTC), url, "failed", f"x {url}", None)
    from dashboard import data
    from dashboard.panels import Context
    from dashboard.panels.data_refresh import render
    from dashboard.scope import Filters, Scope

    moved = data.settings().model_copy(update={"refresh_log_path": log_path})
    monkeypatch.setattr(data, "settings", lambda: moved)
    ctx = Context(scope=Scope("f", "force", ("West",)), filters=Filters(), as_of=None)
    shown = str(render(ctx))
    assert "password=***" in shown and SECRET not in shown


def test_the_load_log_stores_a_source_redacted(tmp_path, db, settings):
    folder = write_extracts(tmp_path / "x", incidents=[{"incident_id": "I1"}])
    described = f"postgresql://u:{SECRET}@h/db?password={SECRET}"
    labels = {"incidents": "a", "investigations": "b", "supervision": "c"}
    load(Prepared(folder, described, labels), db, settings)
    (source,) = {r[0] for r in read(db, "SELECT source FROM load_log")}
    assert SECRET not in source and source == "postgresql://u:***@h/db?password=***"


# --- item 6: user-controlled text is printed, never read as rich markup ----------------------


def test_a_header_holding_rich_markup_gives_the_clean_refusal(tmp_path, db):
    folder = write_extracts(tmp_path / "x")
    (folder / "investigations.csv").write_text("investigation_id,[/oops],[bold]x\n")
    got = etl("load", str(folder), "--db", str(db))
    assert got.returncode == 2, got.stderr
    assert "Traceback" not in got.stderr and "MarkupError" not in got.stderr
    assert "load failed, warehouse unchanged" in got.stderr and "[/oops]" in got.stderr


def test_table_output_prints_markup_in_data_as_text(tmp_path, db, load_rows):
    load_rows(investigations=[{"investigation_id": "A", "team": "[/oops] [red]Team",
                               "team_type": "child_protection"}])  # fmt: skip
    got = etl("flags", "--db", str(db), "--format", "table", "--as-of", "2018-06-30")
    assert got.returncode == 0, got.stderr
    assert "[/oops]" in got.stdout and "[red]Team" in got.stdout


def test_the_dashboard_command_prints_markup_in_names_as_text(tmp_path):
    env = {**os.environ, "PVP_USERS_FILE": str(tmp_path / "users.json"),
           "PVP_AUDIT_PATH": str(tmp_path / "access.sqlite")}  # fmt: skip
    got = subprocess.run(
        [sys.executable, "-m", "dashboard", "users", "add", "[/oops]", "--area", "[/x]"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert got.returncode == 2 and "Traceback" not in got.stderr
    assert "unknown area(s): [/x]" in got.stderr
    got = subprocess.run(
        [sys.executable, "-m", "dashboard", "users", "add", "[/oops]", "--role", "force", "--sso"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert got.returncode == 0 and "added [/oops]" in got.stderr, got.stderr


def test_refresh_bad_good_loads_the_good_source_every_cycle(tmp_path, db):
    log_path = tmp_path / "refresh.sqlite"
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    bad = write_extracts(tmp_path / "bad")
    (bad / "investigations.csv").write_text("investigation_id,[/oops]\n")
    got = etl("refresh", str(bad), str(good), "--db", str(db), "--cycles", "2", "--every", "0",
              env={"PVP_REFRESH_LOG_PATH": str(log_path)})  # fmt: skip
    assert got.returncode == 0, got.stderr
    assert "Traceback" not in got.stderr and "[/oops]" in got.stderr
    runs = RefreshLog(log_path).recent()
    assert list(runs["status"]) == ["ok", "failed", "ok", "failed"]
    assert read(db, "SELECT count(*) FROM incidents") == [(1,)]


def test_refresh_survives_any_exception_from_a_source_and_from_its_reporting(tmp_path, db):
    settings = Settings(refresh_log_path=tmp_path / "refresh.sqlite")
    good = write_extracts(tmp_path / "good", incidents=[{"incident_id": "I1"}])
    said: list[str] = []

    def fussy_say(message: str) -> None:
        said.append(message)
        if "FAILED" in message:
            raise RuntimeError("the console broke")

    # A path that is not a directory, a URL that is not a URL: neither may stop the loop.
    refresh([str(tmp_path / "missing"), "::://[", str(good)], db, settings, every=0, cycles=2,
            say=fussy_say, sleep=lambda _s: None)  # fmt: skip
    runs = RefreshLog(settings.refresh_log_path).recent()
    assert list(runs["status"]) == ["ok", "failed", "failed"] * 2
    assert read(db, "SELECT count(*) FROM incidents") == [(1,)]


def test_load_source_refuses_a_database_url_without_a_mapping_cleanly(tmp_path, db, settings):
    with pytest.raises(LoadError, match="mapping"):
        load_source(f"postgresql://u@h/db?password={SECRET}", db, settings)


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as fh:
        return list(csv.reader(fh))


# --- item 8: an over-long field quarantines its row, never the whole file --------------------


def test_a_long_note_and_a_malformed_row_elsewhere_both_load_as_they_should(
    tmp_path, db, settings, query
):
    folder = write_extracts(
        tmp_path / "x",
        investigations=[{"investigation_id": "A"}],
        supervision=[{"review_id": "R1", "investigation_id": "A", "note": "n" * 200_000},
                     {"review_id": "R2", "investigation_id": "A"}],
    )  # fmt: skip
    with (folder / "supervision.csv").open("a") as fh:
        fh.write("R3,A,too,few\n")
    result = load(folder, db, settings)
    assert (result.files[2].loaded, result.files[2].quarantined) == (2, 1)
    assert query("SELECT length(note) FROM supervision WHERE review_id = 'R1'") == [(200_000,)]
    assert query("SELECT line, reason FROM quarantine") == [(4, "malformed_row")]


def test_a_five_megabyte_field_is_quarantined_with_its_start_and_size(
    tmp_path, db, settings, query
):
    folder = write_extracts(
        tmp_path / "x",
        investigations=[{"investigation_id": "A"}],
        supervision=[{"review_id": "R1", "investigation_id": "A", "note": "n" * 5_000_000},
                     {"review_id": "R2", "investigation_id": "A", "note": "two\nlines"},
                     {"review_id": "R3", "investigation_id": "B"}],
    )  # fmt: skip
    result = load(folder, db, settings)
    assert (result.files[2].loaded, result.files[2].quarantined) == (1, 2)
    rows = query("SELECT line, record_id, reason, detail, length(raw) FROM quarantine ORDER BY 1")
    assert [r[:3] for r in rows] == [
        (2, "R1", "field_too_long"), (5, "R3", "unknown_investigation"),
    ]  # fmt: skip
    assert "note is 5,000,000 bytes, over the 1,048,576-byte limit" in rows[0][3]
    assert rows[0][4] < 1000  # the quarantine keeps the start of the field, not all of it


def test_the_limit_is_a_setting_counted_in_bytes_on_the_fast_path_too(tmp_path, db, query):
    settings = Settings(max_field_bytes=1000)
    folder = write_extracts(
        tmp_path / "x",
        investigations=[{"investigation_id": "A", "team": "é" * 499},  # 998 bytes: fine
                        {"investigation_id": "B", "team": "é" * 501}],  # 1,002 bytes
    )  # fmt: skip
    load(folder, db, settings)
    assert query("SELECT investigation_id FROM investigations") == [("A",)]
    assert query("SELECT record_id, reason FROM quarantine") == [("B", "field_too_long")]


def test_a_line_longer_than_duckdbs_limit_made_of_fields_within_ours_loads(tmp_path, db, query):
    settings = Settings()
    big = "m" * 900_000
    folder = write_extracts(
        tmp_path / "x",
        investigations=[{"investigation_id": "A", "team": big, "offence": big,
                         "officer_id": big}],
    )  # fmt: skip
    load(folder, db, settings)
    assert query("SELECT length(team) + length(offence) FROM investigations") == [(1_800_000,)]


# --- item 16: 1,000+ columns -----------------------------------------------------------------


def test_an_extract_with_1500_columns_loads_and_ignores_the_extras(tmp_path, db, settings, query):
    folder = write_extracts(tmp_path / "x", incidents=[{"incident_id": "I1"}])
    path = folder / "incidents.csv"
    rows = _csv_rows(path)
    rows[0] += [f"extra_{i}" for i in range(1500)]
    rows[1] += ["line one\nline two" if i == 7 else "x" for i in range(1500)]
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(
            [*rows, ["I2", "bad date", "West", "domestic", "", "", *"y" * 1500]]
        )
    result = load(folder, db, settings)
    assert (result.files[0].loaded, result.files[0].quarantined) == (1, 1)
    assert query("SELECT line, record_id FROM quarantine") == [(4, "I2")]  # after 2 lines of I1
    with path.open("a", newline="") as fh:  # a short row: the csv-module path, as wide
        fh.write("I3,too,few\n")
    result = load(folder, db, settings)
    assert (result.files[0].rows_read, result.files[0].quarantined) == (3, 2)
    assert query("SELECT line, reason FROM quarantine WHERE record_id IS NULL") == [
        (5, "malformed_row")
    ]


# --- item 10: a full disk, and a killed load's leftovers --------------------------------------

SAMPLE = Path(__file__).parent.parent / "sample_data" / "small"


@pytest.fixture
def small_disk(tmp_path):
    """A real tmpfs whose size the test can change (remount), or skip where mounting is not
    allowed (not root, or no CAP_SYS_ADMIN in a container)."""
    point = tmp_path / "disk"
    point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    got = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(point)],
                         capture_output=True, text=True)  # fmt: skip
    if got.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {got.stderr.strip()}")

    def resize(size_kb: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size_kb}k", str(point)], check=True)

    try:
        yield point, resize
    finally:
        subprocess.run(["umount", str(point)], check=False)


def test_a_full_disk_gives_a_clean_refusal_and_leaves_nothing_behind(small_disk):
    point, resize = small_disk
    db = point / "w.duckdb"
    first = etl("load", str(SAMPLE), "--db", str(db))
    assert first.returncode == 0, first.stderr
    before = db.read_bytes()
    used_kb = sum(p.stat().st_size for p in point.iterdir()) // 1024
    resize(used_kb + 512)  # room for the live file, not for a second one beside it
    full = etl("load", str(SAMPLE / "delta"), "--db", str(db))
    assert full.returncode == 2, full.stderr
    assert "Traceback" not in full.stderr and "FatalException" not in full.stderr
    assert "no space left on the device" in full.stderr and "unchanged" in full.stderr
    assert sorted(p.name for p in point.iterdir()) == ["w.duckdb", "w.duckdb.lock"]
    assert db.read_bytes() == before
    resize(32 * 1024)
    again = etl("load", str(SAMPLE / "delta"), "--db", str(db))
    assert again.returncode == 0, again.stderr


def test_a_simulated_enospc_is_the_same_clean_refusal(tmp_path, db):
    from etl.load import leftovers, swap_in

    def fill_the_disk(con, _work, _kept):
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(100000)")
        raise OSError(28, "No space left on device")

    with pytest.raises(LoadError, match="no space left on the device"):
        swap_in(db, fill_the_disk)
    assert not any(p.exists() for p in leftovers(db)) and not db.exists()


def test_a_killed_loads_leftovers_are_cleaned_at_the_next_start(tmp_path, db, settings, query):
    load(write_extracts(tmp_path / "a", incidents=[{"incident_id": "I1"}]), db, settings)
    building = tmp_path / "warehouse.duckdb.building"
    wal = tmp_path / "warehouse.duckdb.building.wal"
    # A load killed (kill -9) part-way through building: its file and its WAL stay behind.
    killed = (
        "import duckdb, os, signal\n"
        f"con = duckdb.connect({str(building)!r})\n"
        "con.execute(\"SET wal_autocheckpoint = '1TB'\")\n"
        "con.execute('CREATE TABLE incidents AS SELECT range AS i FROM range(1000)')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", killed], timeout=60)
    assert wal.exists()
    load(write_extracts(tmp_path / "b", incidents=[{"incident_id": "I2"}]), db, settings)
    assert not building.exists() and not wal.exists()
    assert query("SELECT incident_id FROM incidents ORDER BY 1") == [("I1",), ("I2",)]


# --- item 16: symlinked extracts, and reviews resolved by a later load -----------------------


def test_a_symlinked_extract_is_refused_without_echoing_its_target(tmp_path, db, settings):
    secret = tmp_path / "elsewhere" / "shadow"
    secret.parent.mkdir()
    secret.write_text(f"root:{SECRET}:19000:0:99999:7:::\n")
    folder = write_extracts(tmp_path / "x")
    (folder / "incidents.csv").unlink()
    (folder / "incidents.csv").symlink_to(secret)
    with pytest.raises(LoadError, match="symbolic link") as err:
        load(folder, db, settings)
    assert SECRET not in str(err.value) and not db.exists()
    got = etl("load", str(folder), "--db", str(db))
    assert got.returncode == 2 and "symbolic link" in got.stderr
    assert SECRET not in got.stderr + got.stdout

    book = tmp_path / "link.xlsx"
    book.symlink_to(secret)
    with pytest.raises(LoadError, match="symbolic link"):
        load_source(str(book), db, settings)


def test_a_refused_header_is_shown_shortened(tmp_path, db, settings):
    folder = write_extracts(tmp_path / "x")
    header = [f"{i}{'h' * 100}" for i in range(3)] + [f"c{i}" for i in range(500)]
    (folder / "incidents.csv").write_text(",".join(header) + "\n")
    with pytest.raises(LoadError, match="missing required column") as err:
        load(folder, db, settings)
    assert len(str(err.value)) < 1200 and "and 483 more" in str(err.value)


def test_a_review_loaded_once_its_case_arrives_is_marked_resolved_not_deleted(
    tmp_path, db, settings, query
):
    first = write_extracts(
        tmp_path / "a",
        investigations=[{"investigation_id": "A"}],
        supervision=[{"review_id": "R1", "investigation_id": "A"},
                     {"review_id": "R2", "investigation_id": "B"}],
    )  # fmt: skip
    load(first, db, settings)
    assert query("SELECT record_id, reason, resolved_load_id FROM quarantine") == [
        ("R2", "unknown_investigation", None)
    ]
    later = write_extracts(
        tmp_path / "b",
        investigations=[{"investigation_id": "B"}],
        supervision=[{"review_id": "R2", "investigation_id": "B"}],
    )
    load(later, db, settings)
    assert query("SELECT review_id FROM supervision ORDER BY 1") == [("R1",), ("R2",)]
    assert query("SELECT record_id, load_id, resolved_load_id FROM quarantine") == [("R2", 1, 2)]
    load(first, db, settings)  # the old extract again: R2 now loads, still resolved
    assert query("SELECT record_id, resolved_load_id FROM quarantine") == [("R2", 2)]

    got = etl("rejects", "--db", str(db))
    assert got.returncode == 0, got.stderr
    (row,) = list(csv.DictReader(got.stdout.splitlines()))
    assert (row["record_id"], row["resolved_load_id"]) == ("R2", "2")


def test_the_data_quality_grid_shows_the_resolving_load(
    dash_app, client_for, tmp_path, db, settings, monkeypatch
):
    from conftest import call

    review = [{"review_id": "R2", "investigation_id": "B"}]
    load(write_extracts(tmp_path / "a", supervision=review), db, settings)
    case = [{"investigation_id": "B"}]
    load(write_extracts(tmp_path / "b", investigations=case, supervision=review), db, settings)
    use_warehouse(monkeypatch, db)
    client = client_for("force")  # signing in makes Dash register its callbacks
    key = next(k for k in dash_app.callback_map if k.startswith("..data-quarantine-rows-grid"))
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    status, body = call(dash_app, client, key,
                        {"data-quarantine-rows-grid.getRowsRequest": request,
                         "data-filters.data": {}})  # fmt: skip
    assert status == 200, body
    rows = body["response"]["data-quarantine-rows-grid"]["getRowsResponse"]["rowData"]
    assert [(r["record_id"], r["resolved_load_id"]) for r in rows] == [("R2", 2)]


def test_the_warehouse_being_built_and_its_wal_are_the_owners_alone(tmp_path):
    """An adversarial pass (session 17): DuckDB made the new file's WAL with the process's
    umask, so under the usual 0022 anyone on the server could read tens of MB of case data
    during a load, and after a killed one."""
    import os

    from etl.build import swap_in

    modes = {}

    def build(con, _work, _kept):
        con.execute("CREATE TABLE t (case_id VARCHAR)")
        con.execute("INSERT INTO t VALUES ('W-1')")  # a small write goes to the WAL
        for path in tmp_path.iterdir():
            modes[path.name] = stat.S_IMODE(path.stat().st_mode)

    before = os.umask(0o022)
    try:
        swap_in(tmp_path / "w.duckdb", build)
        assert os.umask(0o022) == 0o022  # the process's own umask is given back
    finally:
        os.umask(before)
    assert modes["w.duckdb.building.wal"] == 0o600
    assert modes["w.duckdb.building"] == 0o600
    assert stat.S_IMODE((tmp_path / "w.duckdb").stat().st_mode) == 0o600


def test_an_extract_day_still_to_come_is_refused_and_today_is_not(tmp_path, db, settings):
    """Adversarial passes (session 24): ``--extracted-on 2028-07-10`` (for 2018) was taken;
    the extract day is every page's default day and only moves forward, so every later load
    kept it (a DS review 3,662 days overdue). The edge is today where the force is, plus
    ``future_tolerance_hours``; the CLI refuses it with exit 2 and the warehouse unchanged."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from etl.validate import load_cutoff

    write_extracts(tmp_path / "x")
    latest = load_cutoff(settings).astimezone(ZoneInfo(settings.timezone)).date()
    with pytest.raises(LoadError, match=r"--extracted-on .* is after today"):
        load(tmp_path / "x", db, settings, extracted_on=latest + timedelta(days=1))
    assert not db.exists()
    load(tmp_path / "x", db, settings, extracted_on=latest)
    ran = etl("load", str(tmp_path / "x"), "--db", str(db), "--extracted-on", "2999-07-10")
    assert ran.returncode == 2
    assert "is after today" in ran.stderr and "warehouse unchanged" in ran.stderr
    assert read(db, "SELECT max(extract_day) FROM load_log") == [(latest,)]
    # Nor a day before the years a timestamp may name (a first load of 0001-01-01 made every
    # page's default day year 1); that year's first day is taken.
    first = date(settings.min_timestamp_year, 1, 1)
    with pytest.raises(LoadError, match=r"--extracted-on .* is before"):
        load(
            tmp_path / "x",
            tmp_path / "new.duckdb",
            settings,
            extracted_on=first.replace(year=first.year - 1, month=12, day=31),
        )
    load(tmp_path / "x", tmp_path / "new.duckdb", settings, extracted_on=first)
