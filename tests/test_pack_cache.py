"""The PDF packs' folder (dashboard/packjobs.py), found by an adversarial pass (session 17): an
operator pointing `pack_cache_dir` at a shared folder had it closed to others (chmod 0700),
every file untouched for a week deleted (the users file, the secret key), and a PDF request
failing on an old sub-folder."""

from __future__ import annotations

import os
import time

from dashboard import data, packjobs


def test_the_sweep_removes_only_old_packs_and_leaves_everything_else(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    key = "0123456789abcdef0123456789abcdef"
    old_pack, new_pack = folder / f"{key}.pdf", folder / f"{key[::-1]}.pdf"
    stray_tmp = folder / f".{key}.pdf.123.456"
    others = [folder / "users.json", folder / "secret_key", folder / "warehouse.duckdb"]
    for path in [old_pack, new_pack, stray_tmp, *others]:
        path.write_bytes(b"x")
    (folder / "sub").mkdir()
    week_ago = time.time() - packjobs.KEEP_SECONDS - 60
    for path in [old_pack, stray_tmp, *others, folder / "sub"]:
        os.utime(path, (week_ago, week_ago))
    moved = data.settings().model_copy(update={"pack_cache_dir": folder})
    monkeypatch.setattr(data, "settings", lambda: moved)
    assert packjobs.cache_dir() == folder
    assert oct(folder.stat().st_mode & 0o777) == "0o755"  # an existing folder keeps its mode
    packjobs._sweep(folder)  # no IsADirectoryError from the old sub-folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [new_pack.name, "sub", *(p.name for p in others)]
    )


def test_a_folder_the_app_makes_is_its_owners_alone(tmp_path, monkeypatch):
    folder = tmp_path / "made" / "pack-cache"
    moved = data.settings().model_copy(update={"pack_cache_dir": folder})
    monkeypatch.setattr(data, "settings", lambda: moved)
    assert packjobs.cache_dir() == folder
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_a_pdf_made_before_an_action_was_agreed_is_not_served_after_it(
    tmp_path, monkeypatch, appdb
):
    """An adversarial pass (session 17): the PDF's cache key left out the application
    database, so an action agreed (or closed) after a PDF was made never reached it until the
    next load. Any write the pack shows now changes the key; reading changes nothing."""
    from datetime import date

    from dashboard.audits import service
    from dashboard.scope import Scope
    from etl.testing import build_fixture_warehouse

    build_fixture_warehouse(tmp_path / "extract", tmp_path / "w.duckdb")
    here = {"db_path": tmp_path / "w.duckdb", "audit_path": tmp_path / "access.sqlite",
            "app_db_url": appdb.url}  # fmt: skip
    moved = data.settings().model_copy(update=here)
    monkeypatch.setattr(data, "settings", lambda: moved)
    ppu, west = Scope("ppu", "ppu", ("West", "East", "South")), Scope("w", "area", ("West",))
    june = date(2018, 6, 1)
    made = packjobs._key(west, june, ["West"])
    assert packjobs._key(west, june, ["West"]) == made
    action = service.add_action(appdb, ppu, "West", june, "Chase DS reviews", "DI Shaw", None)
    agreed = packjobs._key(west, june, ["West"])
    assert agreed != made
    service.close_action(appdb, ppu, action.id, action.version)
    assert packjobs._key(west, june, ["West"]) not in (made, agreed)


def test_a_user_has_at_most_two_pdf_packs_in_the_making_and_the_next_waits(
    tmp_path, monkeypatch, appdb
):
    """An adversarial pass (session 24): each month or area asked was a render of its own, run
    one at a time per worker, so one user's crafted requests queued hundreds of renders ahead of
    everyone else's pack. The renders are not run here: what is counted is what was started."""
    from datetime import date

    from dashboard.scope import Scope
    from etl.testing import build_fixture_warehouse

    build_fixture_warehouse(tmp_path / "extract", tmp_path / "w.duckdb")
    here = {"db_path": tmp_path / "w.duckdb", "audit_path": tmp_path / "access.sqlite",
            "app_db_url": appdb.url, "pack_cache_dir": tmp_path / "packs"}  # fmt: skip
    moved = data.settings().model_copy(update=here)
    monkeypatch.setattr(data, "settings", lambda: moved)
    started: list[dict] = []
    monkeypatch.setattr(packjobs, "_submit", lambda _fn, job: started.append(job))
    west, east = Scope("west", "area", ("West",)), Scope("east", "area", ("East",))
    april, may, june = (date(2018, m, 1) for m in (4, 5, 6))
    assert packjobs.IN_FLIGHT_PER_USER == 2
    assert packjobs.ensure(west, april, None).state == "running"
    assert packjobs.ensure(west, may, None).state == "running"
    assert packjobs.ensure(west, june, None).state == "waiting"
    assert packjobs.ensure(west, june, ["West"]).state == "waiting"  # another choice, the same
    assert packjobs.ensure(east, june, None).state == "running"  # others are not held back
    assert packjobs.ensure(west, april, None).state == "running"  # the one already started
    assert [(j["username"], j["month"]) for j in started] == [
        ("west", "2018-04-01"), ("west", "2018-05-01"), ("east", "2018-06-01"),
    ]  # fmt: skip
    folder = packjobs.cache_dir()
    (folder / f"{started[0]['key']}.pending").unlink()  # April's render ended
    assert packjobs.ensure(west, june, None).state == "running"
    assert started[-1]["month"] == "2018-06-01"
    # A pending file a dead worker left (older than STALE_SECONDS) holds no place.
    old = time.time() - packjobs.STALE_SECONDS - 60
    os.utime(folder / f"{started[1]['key']}.pending", (old, old))
    assert packjobs.ensure(west, date(2018, 3, 1), None).state == "running"
