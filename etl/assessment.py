"""Every supervisory entry assessed against the reviewing-officer checklist, at load time.

The definition is one query, etl/sql/entry_assessment.sql; this module turns the settings'
phrase lists into the whole-word patterns it uses, runs it into the ``entry_assessment`` table
of the warehouse being built, and describes the definition in words for the pages.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.flags import CHILD_CASES_SQL, SQL_DIR, bind
from etl.settings import ELEMENTS, Settings

ASSESSMENT_SQL = (
    (SQL_DIR / "entry_assessment.sql").read_text().replace("{child_cases}", f"({CHILD_CASES_SQL})")
)
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


def parameters(settings: Settings) -> dict:
    patterns = {f"{e}_pattern": phrase_pattern(settings.element_phrases[e]) for e in ELEMENTS}
    return bind(ASSESSMENT_SQL, settings, **patterns)


def assess(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Fill ``entry_assessment`` (created empty with the schema) from the merged entries."""
    con.execute(
        f"INSERT INTO entry_assessment BY NAME SELECT * FROM ({ASSESSMENT_SQL})",
        parameters(settings),
    )


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
