"""The access audit log's writes from many threads and from a forked process: each thread
keeps its own connection (dashboard/audit.py), and not one read may be lost or counted
twice."""

from __future__ import annotations

import os
import sqlite3
import threading

from dashboard import audit
from dashboard.audit import AuditLog


def entries(path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT username, event, page, rows_read, reads FROM audit ORDER BY id"
        ).fetchall()
    finally:
        con.close()


def test_reads_from_eight_threads_at_once_all_add_up(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite")
    start = threading.Barrier(8)

    def reader(n: int) -> None:
        start.wait()
        for k in range(40):
            # One filter set shared by every thread, and one of each thread's own.
            log.record_read("shared", "today", 3, {"as_of": "2018-11-30"})
            log.record_read(f"user{n}", "today", k, {"as_of": "2018-11-30"})

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.record("shared", "sign_out")
    got = {(u, e): (rows, reads) for u, e, _, rows, reads in entries(log.path)}
    assert got[("shared", "read")] == (3 * 40 * 8, 40 * 8)
    for n in range(8):
        assert got[(f"user{n}", "read")] == (sum(range(40)), 40)
    assert got[("shared", "sign_out")] == (None, None)
    assert len(entries(log.path)) == 10


def test_a_forked_process_writes_with_its_own_connection(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite")
    log.record_read("parent", "today", 1)  # the parent's thread now keeps a connection
    pid = os.fork()
    if pid == 0:  # the child: gunicorn forks its workers after the app may have written
        try:
            log.record_read("child", "today", 2)
            log.record("child", "sign_in")
        finally:
            os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    log.record_read("parent", "today", 1)
    assert entries(log.path) == [
        ("parent", "read", "today", 2, 2),
        ("child", "read", "today", 2, 1),
        ("child", "sign_in", None, None, None),
    ]


def test_every_write_is_committed_to_disk_before_the_request_goes_on(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite")
    log.record("u", "sign_in")
    con = log._writer()
    assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.in_transaction is False
    assert entries(log.path) == [("u", "sign_in", None, None, None)]


def test_a_read_that_waited_for_the_lock_is_counted_not_refused(tmp_path, monkeypatch):
    """Two reads of one filter set at once: the first reads the clock, then is slow; the
    second reads a later time and writes. Had the first read the clock before taking the lock,
    its update would put last_at back, which the append-only trigger refuses: the read lost
    and the callback failed (found under 8 threads: 17 of 40 runs lost reads)."""
    log = AuditLog(tmp_path / "audit.sqlite")
    log.record_read("u", "today", 1)  # the entry both reads add to
    seconds = iter(range(10, 60))
    first_has_the_time, second_done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def clock() -> str:
        value = f"2999-01-01T00:00:{next(seconds):02d}+00:00"
        if threading.current_thread().name == "first":
            first_has_the_time.set()
            second_done.wait(timeout=1)  # holding the lock, the second cannot finish: 1 s
        return value

    def read(name: str) -> None:
        try:
            log.record_read("u", "today", 1)
        except BaseException as exc:  # reported by the assert below
            failures.append(exc)
        if name == "second":
            second_done.set()

    monkeypatch.setattr(audit, "_now", clock)
    first = threading.Thread(target=read, args=("first",), name="first")
    first.start()
    assert first_has_the_time.wait(timeout=5)
    second = threading.Thread(target=read, args=("second",), name="second")
    second.start()
    first.join()
    second.join()
    assert failures == []
    assert entries(log.path) == [("u", "read", "today", 3, 3)]
    con = sqlite3.connect(log.path)
    assert con.execute("SELECT last_at FROM audit").fetchone()[0] == "2999-01-01T00:00:11+00:00"
    con.close()
