"""Settings no rule can work with are refused at start-up, naming the setting (an adversarial
pass, session 17: each of these ended a load in a DuckDB or Python traceback, quarantined every
row without a word, or refused every sign-in with the right password)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from etl.settings import Settings


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
        ({"areas": []}, "areas: name at least one area"),
        ({"unallocated_hours": 99_999_999_999}, "unallocated_hours is at most 876,600"),
        ({"repeated_within_days": -1}, "repeated_within_days cannot be negative"),
        ({"future_tolerance_hours": -100_000_000_000}, "future_tolerance_hours cannot be"),
        ({"min_timestamp_year": 3000}, "min_timestamp_year must be before max_timestamp_year"),
        ({"session_hours": 0}, "session_hours must be at least 1"),
        ({"sign_in_attempts": 0}, "sign_in_attempts must be at least 1"),
        ({"sign_in_attempts_per_address": -1}, "sign_in_attempts_per_address cannot be"),
        # Session 24's third pass: each ended a load or a send in a traceback, drew each audit
        # case twice, never sent, or graded "Seen." substantive without a word.
        *[({"timezone": tz}, "not a time zone the loader knows")
          for tz in ("localtime", "posixrules", "posix/Europe/London")],
        ({"areas": ["West", "East", "west"]}, "areas: 'West' is named twice"),
        ({"digest_retry_seconds": -1}, "digest_retry_seconds must be a number of seconds"),
        ({"digest_retry_seconds": float("inf")}, "digest_retry_seconds must be"),
        ({"smtp_timeout_seconds": -1}, "smtp_timeout_seconds must be a number of seconds"),
        ({"smtp_timeout_seconds": 0}, "smtp_timeout_seconds must be"),
        ({"digest_attempts": 0}, "digest_attempts must be at least 1"),
        ({"substantive_min_elements": 0}, "substantive_min_elements is a number"),
        ({"substantive_min_elements": 6}, "substantive_min_elements is a number"),
        ({"repeated_min_cases": 1}, "repeated_min_cases must be at least 2"),
        ({"quality_window_days": 0}, "quality_window_days must be at least 1"),
        ({"response_entry_within_days": [7, 1]}, "response_entry_within_days is two numbers"),
        ({"response_entry_within_days": [1, 7, 14]}, "response_entry_within_days is two"),
        ({"response_entry_within_days": [1, 40]}, "response_entry_within_days is two numbers"),
    ],
)  # fmt: skip
def test_a_setting_no_rule_can_work_with_is_refused_by_name(given, said):
    with pytest.raises(ValidationError, match=said):
        Settings(**given)


def test_the_defaults_and_the_edges_that_make_sense_are_accepted():
    Settings()
    Settings(future_tolerance_hours=0, audit_exclude_months=0, repeated_within_days=0)
    Settings(unallocated_hours=876_600, session_hours=1, min_timestamp_year=1900)
    Settings(digest_retry_seconds=0, digest_attempts=1, substantive_min_elements=5,
             repeated_min_cases=2, timezone="UTC", areas=["King's Lynn"],
             quality_window_days=1, response_entry_within_days=[0, 31])  # fmt: skip


def test_the_commands_answer_a_bad_setting_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PVP_REPEATED_WITHIN_DAYS": "-1"}
    for command in (["etl", "load", "sample_data/small", "--db", str(tmp_path / "w.duckdb")],
                    ["dashboard", "users", "list"]):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", *command], env=env, capture_output=True, text=True
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr == "settings: repeated_within_days cannot be negative (-1)\n"
    assert not (tmp_path / "w.duckdb.lock").exists()
