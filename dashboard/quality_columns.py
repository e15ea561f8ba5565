"""The assessed-quality columns the supervisor and team tables share, as percentages."""

from __future__ import annotations

import pandas as pd

from dashboard import data, words
from dashboard.grid import Column
from etl.settings import Settings

# (share column in dashboard.data.quality, header)
SHARES = [
    ("concern", "Thin or repeated %"),
    ("substantive_share", "Substantive %"),
    ("partial_share", "Partial %"),
    ("thin_share", "Thin %"),
    ("repeated_share", "Repeated text %"),
    ("risk_share", "Risk reviewed %"),
    ("actions_share", "Actions %"),
    ("plan_share", "Plan %"),
    ("next_review_share", "Next review set %"),
    ("child_share", "Child's voice % (child cases)"),
]
SHARE_COLUMNS = [Column(f"{name}_pct", header, kind="number", width=120) for name, header in SHARES]


def as_percentages(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df
    names = [name for name, _header in SHARES]
    # One block of every share at once: a column at a time cost a grid block 1-2 ms.
    shares = (df[names].astype("float64") * 100).round(1)
    shares.columns = [f"{name}_pct" for name in names]
    note = f"fewer than {data.settings().min_entries_for_share} entries: no shares"
    notes = pd.Series(
        [note if small else "" for small in df["small_numbers"]],
        index=df.index,
        name="small_numbers_words",
    )
    return pd.concat([df, shares, notes], axis=1)


def small_numbers_note(s: Settings) -> str:
    return (
        f"Shares are left empty for fewer than {s.min_entries_for_share} entries: too few to judge."
    )


def window_title(what: str, s: Settings) -> str:
    """A quality table's title with the days it covers: "By team (last 90 days)"."""
    return f"{what} (last {words.days(s.quality_window_days)})"
