"""The application database: migrations up from empty, down and up again, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from dashboard.appdb import AppDB, downgrade, upgrade
from dashboard.appdb.engine import SchemaNotCurrent, head_revision
from dashboard.appdb.models import AppInfo, Base


def tables(db: AppDB) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_makes_every_model_table(app_db_url):
    db = AppDB(app_db_url)
    with pytest.raises(SchemaNotCurrent, match="db upgrade"):
        db.check_current()
    upgrade(app_db_url)
    db.check_current()
    assert db.current_revision() == head_revision()
    assert tables(db) == set(Base.metadata.tables)
    with db.transaction() as s:
        assert s.scalar(select(AppInfo.value).where(AppInfo.key == "created_by"))
    db.dispose()


def test_downgrade_to_base_and_up_again(app_db_url):
    upgrade(app_db_url)
    downgrade(app_db_url, "base")
    db = AppDB(app_db_url)
    assert db.current_revision() is None
    assert tables(db) == set()
    upgrade(app_db_url)
    assert tables(db) == set(Base.metadata.tables)
    db.dispose()


def test_a_failed_transaction_writes_nothing(app_db_url):
    upgrade(app_db_url)
    db = AppDB(app_db_url)
    with pytest.raises(RuntimeError), db.transaction() as s:
        s.add(AppInfo(key="half", value="written"))
        s.flush()
        raise RuntimeError("stop")
    with db.transaction() as s:
        assert s.get(AppInfo, "half") is None
    db.dispose()


def test_the_sqlite_file_is_private(tmp_path):
    path = tmp_path / "sub" / "app.sqlite"
    upgrade(f"sqlite:///{path}")
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_cli_upgrades_and_reports(tmp_path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    run = [sys.executable, "-m", "dashboard", "db"]
    subprocess.run([*run, "upgrade", "--url", url], check=True, capture_output=True)
    out = subprocess.run([*run, "current", "--url", url], check=True, capture_output=True)
    assert out.stdout.decode().split() == ["current", head_revision(), "head", head_revision()]


def test_the_case_audit_migration_goes_down_and_up_keeping_the_baseline(app_db_url):
    audit_tables = {"audit_sample", "audit", "audit_event", "audit_feedback", "audit_action"}
    upgrade(app_db_url)
    db = AppDB(app_db_url)
    assert audit_tables <= tables(db)
    downgrade(app_db_url, "0001")
    assert tables(db) == {"app_info"} and db.current_revision() == "0001"
    with db.transaction() as s:
        assert s.scalar(select(AppInfo.value).where(AppInfo.key == "created_by"))
    upgrade(app_db_url)
    assert audit_tables <= tables(db)
    db.dispose()


def test_a_database_from_a_newer_release_is_said_to_be_newer(app_db_url):
    """An adversarial pass (session 17): code rolled back after a newer release migrated the
    database advised "db upgrade", which then failed: it cannot find the newer revision."""
    from sqlalchemy import text

    upgrade(app_db_url)
    db = AppDB(app_db_url)
    with db.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999_from_a_newer_release'"))
    with pytest.raises(SchemaNotCurrent, match="migrated by a newer release") as refused:
        db.check_current()
    assert "db upgrade" not in str(refused.value)
    db.dispose()


def test_a_follow_up_recorded_before_0005_keeps_showing_from_its_run_of_flags(app_db_url):
    """0005 keeps each follow-up's data day (made_on). A row recorded before it has none; it
    takes the start of its run of flags, as the list showed it until then. Down and up again."""
    from datetime import date, datetime

    from sqlalchemy import text

    upgrade(app_db_url, "0004")
    db = AppDB(app_db_url)
    with db.engine.begin() as con:
        con.execute(
            text(
                "INSERT INTO case_follow_up (investigation_id, area, team, flags, flagged_since, "
                "kind, created_by, created_at) VALUES ('CP1', 'West', 'West CP 1', '[]', "
                ":since, 'chased', 'west', :at)"
            ),
            {"since": date(2018, 6, 23), "at": datetime(2026, 11, 29, 9, 0)},
        )
    upgrade(app_db_url)
    with db.engine.connect() as con:
        assert con.execute(text("SELECT made_on FROM case_follow_up")).scalar() in (
            date(2018, 6, 23), "2018-06-23",
        )  # fmt: skip
    downgrade(app_db_url, "0004")
    upgrade(app_db_url)
    db.dispose()
