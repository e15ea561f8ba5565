"""The case timeline's drawing on the edges a user met: no entries, a case opened on the as-of
day, entries close together, a gap near the end of the plot."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboard import timeline
from etl.settings import Settings

ENTRY_COLUMNS = ["reviewed_at", "reviewer_id", "reviewer_rank", "review_type", "actions_set",
                 "note", "grade", "repeated", "does_not_count"]  # fmt: skip


def _entries(times: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            [datetime.fromisoformat(t), "DS1", "DS", "review", 1, "Risk reviewed.", "partial",
             False, None]
            for t in times
        ],
        columns=ENTRY_COLUMNS,
    )  # fmt: skip


def _record(opened: str, closed: str | None = None) -> dict:
    return {
        "opened_on": pd.Timestamp(opened),
        "closed_on": pd.Timestamp(closed) if closed else None,
    }


NO_INTERVALS = pd.DataFrame(
    columns=["started_on", "ended_on", "days", "is_breach", "still_running"]
)


def test_a_case_with_no_entries_opened_on_the_day_still_has_date_axes():
    fig = timeline.figure(
        _record("2018-06-30"), _entries([]), NO_INTERVALS, date(2018, 6, 30), Settings()
    )
    assert fig.layout.xaxis.type == "date"
    assert list(fig.layout.xaxis.range) == [date(2018, 6, 27), date(2018, 7, 3)]
    assert fig.layout.yaxis.type == "category"
    assert fig.layout.modebar.orientation == "v"  # the toolbar clear of "opened" and "as of"


def test_close_entries_put_their_labels_on_alternate_sides():
    fig = timeline.figure(
        _record("2018-01-01"),
        _entries(["2018-03-01 09:00", "2018-03-01 15:00", "2018-03-02 10:00", "2018-06-01 10:00"]),
        NO_INTERVALS,
        date(2018, 6, 30),
        Settings(),
    )
    (trace,) = fig.data
    assert list(trace.textposition) == ["top center", "bottom center", "top center", "top center"]


def test_a_gap_near_the_end_is_labelled_from_its_right_edge():
    gap = pd.DataFrame(
        [{"started_on": pd.Timestamp("2018-05-01"), "ended_on": pd.Timestamp("2018-06-30"),
          "days": 60, "is_breach": True, "still_running": True}]
    )  # fmt: skip
    fig = timeline.figure(_record("2018-01-01"), _entries([]), gap, date(2018, 6, 30), Settings())
    labels = [a for a in fig.layout.annotations if "gap" in (a.text or "")]
    assert labels and labels[0].xanchor == "right"
