"""The PVP meeting's measures and month arithmetic, over query results (no SQL here).

The queries (etl/sql/queries/) return counts per area, or the rows behind a median; this
module adds them up over the areas shown and turns them into the monthly figures.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

COUNTS = ("breaches", "new_response_child", "new_child_related")


def month_end(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from ``first`` to ``last``, oldest first."""
    return list(pd.date_range(first, last, freq="MS").date)


def _month(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column).dt.to_period("M").dt.start_time.dt.date


def compliance(daily: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """From daily_compliance_by_area rows: per month, the mean over the days with open cases
    of the share within the window, the share on the month's last day, and the open cases then.
    NaN when nothing was open (no figure, not 0%)."""
    by_day = daily.groupby("day")[["open_cases", "within_window"]].sum().reset_index()
    by_day["day"] = pd.to_datetime(by_day["day"])
    # Every day of the range, with or without open cases: the month end is the month's last
    # day, not the last day that happened to have an open case.
    every_day = pd.DataFrame({"day": pd.date_range(start, end, freq="D")})
    by_day = every_day.merge(by_day, on="day", how="left")
    by_day["open_cases"] = by_day["open_cases"].fillna(0).astype(int)
    by_day["share"] = by_day["within_window"] / by_day["open_cases"].where(by_day["open_cases"] > 0)
    by_day["month"] = _month(by_day["day"])
    last_day = by_day.groupby("month").tail(1).set_index("month")
    return pd.DataFrame(
        {
            "compliance_avg": by_day.groupby("month")["share"].mean(),
            # The last day's share (groupby's "last" would skip a NaN): NaN = nothing open.
            "compliance_month_end": last_day["share"],
            "open_specialist_month_end": last_day["open_cases"],
        }
    )


def breaches(rows: pd.DataFrame) -> pd.DataFrame:
    """From monthly_breaches rows: per month, how many gaps and their median length."""
    if rows.empty:
        return pd.DataFrame(columns=["breaches", "breach_median_days"])
    rows = rows.assign(month=_month(rows["month"]))
    grouped = rows.groupby("month")["days"]
    return pd.DataFrame({"breaches": grouped.size(), "breach_median_days": grouped.median()})


def new_cases(counts: pd.DataFrame) -> pd.DataFrame:
    """From monthly_new_child_cases counts: per month, new child-related and response child
    cases, and the share of the response ones supervised within each of the
    ``response_entry_within_days`` (NaN: none)."""
    if counts.empty:
        return pd.DataFrame(
            columns=["new_response_child", "within_first", "within_second", "new_child_related"]
        )
    counts = counts.assign(month=_month(counts["month"]))
    summed = counts.groupby("month")[
        ["new_child_related", "new_response_child", "response_within_first",
         "response_within_second"]
    ].sum()  # fmt: skip
    response = summed["new_response_child"].where(summed["new_response_child"] > 0)
    return pd.DataFrame(
        {
            "new_response_child": summed["new_response_child"],
            "within_first": summed["response_within_first"] / response,
            "within_second": summed["response_within_second"] / response,
            "new_child_related": summed["new_child_related"],
        }
    )


def demand(counts: pd.DataFrame) -> pd.DataFrame:
    """From monthly_new_child_cases counts: new child-related cases per month and team type."""
    if counts.empty:
        return pd.DataFrame(columns=["month", "team_type", "cases"])
    out = (
        counts.groupby(["month", "team_type"], as_index=False)["new_child_related"]
        .sum()
        .rename(columns={"new_child_related": "cases"})
        .sort_values(["month", "team_type"])
        .reset_index(drop=True)
    )
    out["month"] = _month(out["month"])
    return out


def monthly(
    months: list[date],
    first_data_month: date,
    parts: list[pd.DataFrame],
    unsupervised: list[int],
) -> pd.DataFrame:
    """The headline measures per month: the parts joined on the month; counts 0 where a
    month had none; every measure empty (pd.NA) before the first case (no figure, not 0)."""
    out = pd.DataFrame({"month": months}).set_index("month")
    out["response_never_supervised"] = unsupervised
    for part in parts:
        out = out.join(part)
    out = out.reset_index()
    for column in COUNTS:
        out[column] = out[column].fillna(0).astype(int)
    out["has_data"] = out["month"] >= first_data_month
    measures = [c for c in out.columns if c not in ("month", "has_data")]
    out[measures] = out[measures].astype("Float64").where(out["has_data"], pd.NA)
    return out
