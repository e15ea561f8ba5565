"""Every supervisory entry assessed against the reviewing-officer checklist, at load time.

The definition is one query, etl/sql/entry_assessment.sql; this module turns the settings'
phrase lists into the whole-word patterns it uses, runs it into the ``entry_assessment`` table
of the warehouse being built, and describes the definition in words for the pages.

A load on top of a warehouse assessed with the same rules (``entry_assessment_build``) assesses
again only what it can change: every entry of each case whose entries, record or incident the
load brought or changed (the child element and the days since the previous entry are the
case's), and the repeated-text windows of every group (reviewer and folded note) those entries
fall in or left; every other entry keeps its assessment. tests/test_entry_quality.py checks
that this gives what assessing everything gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import duckdb
import pandas as pd

from etl import history, queries
from etl.flags import bind
from etl.settings import ELEMENTS, Settings
from etl.warehouse import prev_made_by

ASSESSMENT_SQL = queries.sql("entry_assessment")
NOTE_KEY_SQL = queries.sql("note_key")
TABLE = "entry_assessment"
BUILD = "entry_assessment_build"
# The keys of an entry assessed before, for the repeated-text windows of a group it is in.
CARRIED_DDL = """
CREATE OR REPLACE TEMP TABLE carried_entry_keys (
  review_id VARCHAR, investigation_id VARCHAR, reviewer_id VARCHAR, note_key UBIGINT,
  reviewed_on DATE, grade VARCHAR
)
"""
ELEMENT_WORDS = {
    "risk": "risk reviewed",
    "actions": "actions checked or set",
    "plan": "investigation plan or direction",
    "next_review": "next review set",
    "child": "child's voice, behaviour or demeanour",
}
_SPECIAL = set(r".^$*+?()[]{}|\-")


def element_words(elements: str | None, n_applicable, shown: bool) -> str:
    """The checklist elements an entry shows (``shown``) or misses, in words and in checklist
    order; "" when there are none. ``n_applicable``: 5 where the child element applies, else 4
    (also when unknown)."""
    present = set(str(elements or "").split(";"))
    n = len(ELEMENTS) - 1 if n_applicable is None or pd.isna(n_applicable) else int(n_applicable)
    return ", ".join(ELEMENT_WORDS[e] for e in ELEMENTS[:n] if (e in present) == shown)


def _escape(phrase: str) -> str:
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in phrase.lower())


def phrase_pattern(phrases: list[str]) -> str:
    """A pattern matching any phrase as whole words (not inside a longer word or number)."""
    alternatives = "|".join(_escape(p) for p in phrases) or "(?!)"
    return f"(^|[^a-z0-9])({alternatives})([^a-z0-9]|$)"


def _patterns(settings: Settings) -> dict[str, str]:
    return {f"{e}_pattern": phrase_pattern(settings.element_phrases[e]) for e in ELEMENTS}


def parameters(settings: Settings, case_scope: list[str] | None = None) -> dict:
    return bind(ASSESSMENT_SQL, settings, case_scope=case_scope, **_patterns(settings))


def rules(settings: Settings) -> str:
    """What the assessment depends on besides the entries: the query, its settings and the
    phrase patterns made from them."""
    # The patterns are given, not settings: they go into the text the fingerprint hashes.
    patterns = _patterns(settings)
    text = ASSESSMENT_SQL + json.dumps(patterns, sort_keys=True)
    return queries.fingerprint(text, settings, case_scope=None, **patterns)


def assess(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    load_id: int,
    say: Callable[[str], None] = lambda _msg: None,
    in_place: bool = False,
) -> None:
    """Fill ``entry_assessment`` for the merged entries: all of them, or, on top of a warehouse
    assessed with the same rules, what this load can change. The table starts empty, or
    (``in_place``) holding the previous warehouse's rows (etl/build.py)."""
    fingerprint = rules(settings)
    con.execute(f"INSERT INTO {BUILD} VALUES (?)", [fingerprint])
    con.execute(CARRIED_DDL)
    if not prev_made_by(con, TABLE, BUILD, fingerprint, "reviewed_on"):
        say("assessing every entry against the reviewing-officer checklist")
        if in_place:
            con.execute(f"DELETE FROM {TABLE}")
        con.execute(
            f"INSERT INTO {TABLE} BY NAME SELECT * EXCLUDE (carried) FROM ({ASSESSMENT_SQL})",
            parameters(settings),
        )
        return
    touched = history.touched_cases(con, load_id)
    cases = _cases_to_assess(con, touched)
    say(f"assessing the entries of {len(cases)} changed case(s) against the checklist")
    _carry_group_keys(con, touched)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE assessed AS SELECT * FROM ({ASSESSMENT_SQL})",
        parameters(settings, case_scope=cases),
    )
    # Entries of the cases the load did not touch keep their assessment (they are all still
    # there: an entry taken away touches its case); a carried one takes its group's new
    # repeated-text windows. The touched cases' entries, as they were, give way to the new.
    touched_entries = (
        "SELECT review_id FROM prev.supervision "
        f"WHERE investigation_id IN (SELECT investigation_id FROM {touched})"
    )
    if in_place:
        con.execute(f"DELETE FROM {TABLE} WHERE review_id IN ({touched_entries})")
        new = {c: f"coalesce(a.{c}, p.{c})" for c in _CARRIED_WINDOWS}
        con.execute(
            f"""
            UPDATE {TABLE} AS p SET {", ".join(f"{c} = {e}" for c, e in new.items())}
            FROM (SELECT * FROM assessed WHERE carried) AS a
            WHERE p.review_id = a.review_id
              AND ({", ".join(f"p.{c}" for c in new)}) IS DISTINCT FROM ({", ".join(new.values())})
            """
        )
    else:
        windows = ", ".join(f"coalesce(a.{c}, p.{c}) AS {c}" for c in _CARRIED_WINDOWS)
        con.execute(
            f"""
            INSERT INTO {TABLE} BY NAME
            SELECT p.* REPLACE ({windows})
            FROM prev.{TABLE} AS p ANTI JOIN ({touched_entries}) AS t USING (review_id)
            LEFT JOIN (SELECT * FROM assessed WHERE carried) AS a USING (review_id)
            """
        )
    con.execute(
        f"INSERT INTO {TABLE} BY NAME SELECT * EXCLUDE (carried) FROM assessed WHERE NOT carried"
    )
    con.execute("DROP TABLE assessed; DROP TABLE carried_entry_keys")


# What an entry assessed before takes from its group's new repeated-text windows.
_CARRIED_WINDOWS = ("repeated", "repeated_cases", "restarts_clock")


def _cases_to_assess(con: duckdb.DuckDBPyConnection, touched: str) -> list[str]:
    """Cases whose entries' assessment this load can change (the work table ``touched``,
    etl/history.py touched_cases): the child element and the days since the previous entry
    are the case's."""
    return [r[0] for r in con.execute(f"SELECT investigation_id FROM {touched}").fetchall()]


def _carry_group_keys(con: duckdb.DuckDBPyConnection, touched: str) -> None:
    """The keys of the entries assessed before that share a group (reviewer, folded note) with
    an entry of the cases assessed again (those in the work table ``touched``), as it is now or
    as it was: their windows change."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE touched_groups AS
        SELECT DISTINCT reviewer_id, note_key FROM (
          SELECT reviewer_id, {NOTE_KEY_SQL} AS note_key
          FROM (SELECT reviewer_id, coalesce(note, '') AS text FROM supervision
                WHERE investigation_id IN (SELECT investigation_id FROM {touched}))
          UNION ALL
          SELECT p.reviewer_id, a.note_key FROM prev.supervision AS p
          JOIN prev.{TABLE} AS a USING (review_id)
          WHERE p.investigation_id IN (SELECT investigation_id FROM {touched})
        ) WHERE note_key IS NOT NULL
        """
    )
    con.execute(
        f"""
        INSERT INTO carried_entry_keys
        SELECT s.review_id, s.investigation_id, s.reviewer_id, a.note_key,
               CAST(s.reviewed_at AS DATE), a.grade
        FROM supervision AS s JOIN prev.{TABLE} AS a USING (review_id)
        SEMI JOIN touched_groups AS g USING (reviewer_id, note_key)
        WHERE s.investigation_id NOT IN (SELECT investigation_id FROM {touched})
        """
    )
    con.execute("DROP TABLE touched_groups")


def definition(settings: Settings) -> list[str]:
    """The definition in sentences, made from the settings (shown under the quality tables)."""
    phrases = {e: ", ".join(f'"{p}"' for p in settings.element_phrases[e]) for e in ELEMENTS}
    return [
        "Each entry is checked for five elements of a good review. A ticked box in the review "
        "template decides; when the extract has none, the note's words do (any case, whole "
        "words).",
        f"Risk reviewed: the risk box, or the note mentions {phrases['risk']}.",
        f"Actions: actions set, or the note mentions {phrases['actions']}.",
        f"Plan: the plan box, or the note mentions {phrases['plan']}.",
        f"Next review: a next review date, or the note mentions {phrases['next_review']}.",
        f"Child (child-related cases only): the child-seen box, or the note mentions "
        f"{phrases['child']}.",
        f"Substantive: at least {settings.substantive_min_elements} of the elements that apply. "
        f"Thin: none of them and a note under {settings.thin_note_chars} characters. Partial: "
        "anything between.",
        f"Repeated: the same note (ignoring case and spacing) by the same reviewer on "
        f"{settings.repeated_min_cases} or more cases within {settings.repeated_within_days} "
        "days.",
        (
            "Thin and repeated DS reviews still restart the review clock (thin_reviews_count)."
            if settings.thin_reviews_count
            else "Thin and repeated DS reviews do not restart the review clock "
            "(thin_reviews_count is off)."
        ),
        f"Shares are not shown for fewer than {settings.min_entries_for_share} entries.",
    ]
