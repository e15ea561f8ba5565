"""The monthly PVP meeting pack: one reproducible set of figures per area and month, as a page,
a print-ready A4 PDF and an Excel workbook.

Every figure comes from dashboard.data, which replays the history with the flags' as-of logic,
so a pack for a past month is the same whenever it is produced.
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from dashboard import data, measures, words
from dashboard.audits import results as audit_results
from dashboard.figures import TEAM_TYPE_COLOURS, styled, team_type_order, whole_numbers
from dashboard.printing import MARKING, breakable, page_rules
from dashboard.scope import Filters, Scope
from etl import assessment
from etl.settings import Settings
from etl.spreadsheet import PERCENT_FORMAT, xlsx_bytes

QUALITY_NOTE = (
    "Every supervisory entry that counts for its case's rule, assessed against the "
    "reviewing-officer checklist (how: the Supervision quality page); shares of the month's "
    "entries, beside the month before. Shares are empty for teams or supervisors with too few "
    "entries to judge."
)
LONGEST_WAITING = 10  # cases in the pack's longest-waiting list
NO_AREAS = "No areas (none of the areas asked for is yours)"


def headlines(s: Settings) -> list[tuple[str, str, str]]:
    """(column of data.pvp_monthly, label, format) for each headline figure."""
    return [
        ("compliance_avg", "DS-review compliance, month average", "pct"),
        ("compliance_month_end", "DS-review compliance at month end", "pct"),
        ("open_specialist_month_end", "Open specialist cases at month end", "int"),
        ("breaches", f"{words.gaps_over(s)} (ended or running in month)", "int"),
        ("breach_median_days", "Median length of those gaps (days)", "num"),
        ("response_never_supervised", "Response child cases never supervised at month end", "int"),
        ("new_response_child", "New response child cases", "int"),
        ("within_first", f"... with a supervisor entry {words.response_within(s)[0]}", "pct"),
        ("within_second", f"... with a supervisor entry {words.response_within(s)[1]}", "pct"),
        ("new_child_related", "New child-related investigations", "int"),
    ]


# The headline columns and their formats (the labels state settings: headlines(settings)).
HEADLINE_FORMATS = {col: kind for col, _label, kind in headlines(Settings())}


@dataclass
class Pack:
    month: date
    areas: list[str]
    area_label: str
    produced_at: datetime
    produced_by: str
    headline: pd.DataFrame  # measure, this month, previous month, same month last year
    trend: pd.DataFrame  # the last 12 months, one row per month
    demand: pd.DataFrame  # month x team type
    quality: pd.DataFrame  # grade shares and element coverage, this month and the one before
    by_team: pd.DataFrame
    by_supervisor: pd.DataFrame
    longest: pd.DataFrame
    # Audit outcomes (dashboard/audits/results.py): the month's grades, themes, actions agreed.
    audit_grades: pd.DataFrame = field(default_factory=pd.DataFrame)
    audit_themes: pd.DataFrame = field(default_factory=pd.DataFrame)
    audit_actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    audit_note: str = ""
    # The headline as numbers (words where there is none), for the workbook.
    headline_numbers: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality_numbers: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Followed-up cases reviewed in the month: median days from first flagged to the review.
    time_to_review: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The inspection's other checks (issue 17): a section per theme (theme, measure, this
    # month, previous month, same month last year), and the month's children held overnight
    # after charge with the outcome.
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    overnight: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def title(self) -> str:
        return f"PVP supervision pack: {self.area_label}, {self.month:%B %Y}"

    @property
    def filters_text(self) -> str:
        return f"areas: {', '.join(self.areas) or 'none'}; month: {self.month:%m/%Y}"

    @property
    def top_supervisors(self) -> pd.DataFrame:
        """The supervisors the page and the PDF list: the worst first, at most
        ``pack_top_supervisors`` (the workbook has every one)."""
        return self.by_supervisor.head(data.settings().pack_top_supervisors)

    @property
    def more_supervisors(self) -> str:
        """ "and K more, in the workbook" when the list is cut, else ""."""
        more = len(self.by_supervisor) - len(self.top_supervisors)
        return f"and {more} more, in the workbook" if more > 0 else ""

    @property
    def supervisors_title(self) -> str:
        shown = len(self.top_supervisors)
        if self.more_supervisors:
            return f"By supervisor: the {shown} of most concern ({self.month:%B %Y})"
        return f"By supervisor ({self.month:%B %Y})"

    @property
    def longest_title(self) -> str:
        """The heading of the longest-waiting list, saying how many there are when fewer."""
        n, most = len(self.longest), LONGEST_WAITING
        if n >= most:
            return f"The {most} longest-waiting open cases at month end"
        if n == 0:
            return "Longest-waiting open cases at month end: none"
        return f"Longest-waiting open cases at month end: {n} (all there are)"


# What an empty figure means, per measure: nothing was open, nothing new, or no gap at all.
WHEN_EMPTY = {
    "compliance_avg": "no cases",
    "compliance_month_end": "no cases",
    "breach_median_days": "no gaps",
    "within_first": "no cases",
    "within_second": "no cases",
}


def in_words(row: pd.Series, col: str, kind: str) -> str:
    """A month's figure in words: "no data" before the first case, the measure's own word when
    there was nothing to measure, else the number."""
    if not row["has_data"]:
        return "no data"
    value = row[col]
    if pd.isna(value):
        return WHEN_EMPTY.get(col, "-")
    return fmt(value, kind)


def trend_table(trend: pd.DataFrame) -> pd.DataFrame:
    """The trend as a sheet: numbers stay numbers; an empty month says why in words."""
    out = pd.DataFrame({"month": pd.to_datetime(trend["month"]).dt.strftime("%m/%Y")})
    for col, kind in HEADLINE_FORMATS.items():
        out[col] = [
            float(row[col])
            if row["has_data"] and not pd.isna(row[col])
            else in_words(row, col, kind)
            for _, row in trend.iterrows()
        ]
    return out


def fmt(value, kind: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "int":
        return f"{int(value):,}"
    return f"{value:.1f}"


def build(scope: Scope, month: date, areas: list[str] | None = None) -> Pack:
    """All the pack's figures for ``month`` (any day in it) and the user's (narrowed) areas."""
    month = month.replace(day=1)
    wanted = scope.narrow(areas)
    # Every figure below is read with exactly the areas shown: asking for an area outside the
    # user's scope (or none that exists) shows nothing, and says so; it never widens.
    shown = scope.only(wanted)
    everything = set(wanted) == set(data.settings().areas)
    label = "Whole force" if everything else (", ".join(wanted) or NO_AREAS)
    first = measures.add_months(month, -12)
    monthly = data.pvp_monthly(shown, None, first, month).set_index("month")
    previous, last_year = measures.add_months(month, -1), measures.add_months(month, -12)

    def cell(when: date, col: str, kind: str) -> str:
        return in_words(monthly.loc[when], col, kind)

    def number(when: date, col: str, kind: str) -> float | str:
        """The figure as a number for the workbook, or its words when there is none."""
        row = monthly.loc[when]
        if row["has_data"] and not pd.isna(row[col]):
            return float(row[col])
        return in_words(row, col, kind)

    def by_measure(value) -> pd.DataFrame:
        """The headline table, each figure given by ``value(month, column, kind)``."""
        return pd.DataFrame(
            [
                {
                    "measure": label_,
                    "this month": value(month, col, kind),
                    "previous month": value(previous, col, kind),
                    "same month last year": value(last_year, col, kind),
                }
                for col, label_, kind in headlines(data.settings())
            ]
        )

    headline, headline_numbers = by_measure(cell), by_measure(number)
    end = measures.month_end(month)
    days = (end - month).days + 1
    filters = Filters(as_of=end)
    before = Filters(as_of=month - timedelta(days=1))
    before_days = (month - previous).days
    # The row in all first: the query that makes it makes the others (data.quality).
    quality_now = data.quality(shown, filters, by="all", days=days)
    quality_before = data.quality(shown, before, by="all", days=before_days)
    by_team = data.quality(shown, filters, by="team", days=days)
    by_supervisor = data.quality(shown, filters, by="reviewer", days=days)
    team_before = data.quality(shown, before, by="team", days=before_days)
    audits = audit_results.outcomes(shown, month, wanted)
    quality_numbers = _quality_numbers(quality_now, quality_before)
    return Pack(
        month=month,
        areas=wanted,
        area_label=label,
        produced_at=datetime.now(),
        produced_by=scope.username,
        headline=headline,
        headline_numbers=headline_numbers,
        trend=monthly.loc[measures.add_months(month, -11) :].reset_index(),
        demand=data.pvp_demand(shown, None, measures.add_months(month, -11), month),
        quality=_quality_summary(quality_numbers),
        quality_numbers=quality_numbers,
        by_team=_quality_table(by_team, ["area", "team"], team_before),
        by_supervisor=_quality_table(by_supervisor, ["reviewer_id", "reviewer_rank"]),
        longest=data.longest_waiting(shown, None, end, LONGEST_WAITING)[
            ["investigation_id", "flag_words", "days", "area", "team", "officer_id", "last_entry"]
        ].rename(
            columns={
                "investigation_id": "case",
                "flag_words": "needs",
                "officer_id": "OIC",
                "last_entry": "last supervisory entry",
            }
        ),
        audit_grades=audits["grades"],
        audit_themes=audits["themes"],
        audit_actions=audits["actions"],
        audit_note=audits["note"],
        time_to_review=_time_to_review(wanted, month, end),
        checks=check_sections(shown, month),
        overnight=_overnight(shown, month),
    )


THEMES = {"case": "Cases", "custody": "Children in custody", "missing": "Missing children"}


def check_measures(s: Settings) -> list[tuple[str, str, str]]:
    """(theme, key, label) of each check figure in the pack: case checks at month end, custody
    and missing over the month's detentions and episodes."""
    case = [("case", c, f"{words.CHECK_WORDS[c]} (open cases at month end)")
            for c in words.CHECK_THEMES["case"]]  # fmt: skip
    return [
        *case,
        ("custody", "detained", "Children detained"),
        ("custody", "refused", "... charged and refused bail"),
        ("custody", "accommodation_late", words.CHECK_WORDS["accommodation_late"]),
        ("custody", "certificate_missing", words.CHECK_WORDS["certificate_missing"]),
        ("custody", "overnight", "Held overnight after charge"),
        ("missing", "episodes", "Missing episodes of children"),
        ("missing", "absent_category_used", words.CHECK_WORDS["absent_category_used"]),
        ("missing", "rhi_overdue", f"{words.CHECK_WORDS['rhi_overdue']} at month end"),
        ("missing", "offered_late", "Return interview offered late"),
        ("missing", "repeat_missing",
         f"Children missing {s.repeat_missing_episodes}+ times in "
         f"{words.days(s.repeat_missing_days)} (at month end)"),
    ]  # fmt: skip


# Which check turns each pack figure on: a figure whose check is off says "off".
_FIGURE_CHECK = {
    "detained": "accommodation_late", "refused": "accommodation_late",
    "overnight": "accommodation_late", "episodes": "rhi_overdue", "offered_late": "rhi_overdue",
}  # fmt: skip


def _check_month(shown: Scope, month: date) -> dict[str, int]:
    """Every check figure for one month (replayed: what was known at its end)."""
    end = measures.month_end(month)
    if month > (data.latest_day() or date.min) or end < data.first_data_month():
        return {}
    cases = data.case_checks(shown, end)["check_name"].value_counts()
    out = {c: int(cases.get(c, 0)) for c in words.CHECK_THEMES["case"]}
    k = data.custody_checks(shown, None, month, end)
    refused = k["bail_refused"].fillna(False).astype(bool) & k["charged_at"].notna()
    out |= {
        "detained": len(k), "refused": int(refused.sum()),
        "accommodation_late": int(k["accommodation_late"].sum()),
        "certificate_missing": int(k["certificate_missing"].sum()),
        "overnight": int(k["overnight"].fillna(False).sum()),
    }  # fmt: skip
    m = data.missing_checks(shown, None, month, end)
    # Overdue at month end: any return in the theme window before it, not only the month's.
    recent = data.missing_checks(
        shown, None, end - timedelta(days=data.settings().theme_days - 1), end
    )
    out |= {
        "episodes": len(m), "absent_category_used": int(m["absent_category_used"].sum()),
        "rhi_overdue": int((recent["rhi_state"] == "overdue").sum()),
        "offered_late": int((m["rhi_state"] == "offered_late").sum()),
        "repeat_missing": len(data.repeat_missing(shown, None, end)),
    }  # fmt: skip
    return out


def check_sections(shown: Scope, month: date) -> pd.DataFrame:
    """The pack's checks, a section per theme: each figure this month, the previous month and
    the same month last year ("off" when the extracts lack the check's data, "no data" for a
    month the data does not cover)."""
    s = data.settings()
    off = data.checks_off()
    months = {
        "this month": month,
        "previous month": measures.add_months(month, -1),
        "same month last year": measures.add_months(month, -12),
    }
    figures_ = {label: _check_month(shown, m) for label, m in months.items()}
    rows = []
    for theme, key, label in check_measures(s):
        check = _FIGURE_CHECK.get(key, key)
        row = {"theme": THEMES[theme], "measure": label}
        for when in months:
            row[when] = "off" if check in off else figures_[when].get(key, "no data")
        rows.append(row)
    return pd.DataFrame(rows)


OVERNIGHT_NOTE = (
    "Children charged and refused bail in the month who were still detained at the end of the "
    "day of charge: when accommodation was asked for, what came of it, and the certificate."
)


def _overnight(shown: Scope, month: date) -> pd.DataFrame:
    columns = ["custody record", "case", "area", "age", "charged", "accommodation requested",
               "whole hours after charge", "outcome", "certificate"]  # fmt: skip
    if "accommodation_late" in data.checks_off():
        return pd.DataFrame(columns=columns)
    k = data.custody_checks(shown, None, month, measures.month_end(month))
    k = k[k["overnight"].fillna(False).astype(bool)].sort_values(["charged_at", "custody_id"])
    s = data.settings()

    def when(v) -> str:
        return "" if pd.isna(v) else f"{pd.Timestamp(v):%d/%m/%Y %H:%M}"

    return pd.DataFrame(
        {
            "custody record": k["custody_id"],
            "case": k["investigation_id"].fillna(""),
            "area": k["area"],
            "age": k["child_age"],
            "charged": [when(v) for v in k["charged_at"]],
            "accommodation requested": [when(v) or "not requested"
                                        for v in k["accommodation_requested_at"]],
            "whole hours after charge": k["hours_to_request"],
            "outcome": k["accommodation_outcome"].fillna("").str.replace("_", " "),
            "certificate": [
                "not needed" if o == "secured"
                else words.reasons_in_words(r, s) if isinstance(r, str) and r
                else "completed, with rationale"
                for o, r in zip(k["accommodation_outcome"], k["certificate_reason"], strict=True)
            ],
        }
    ).reset_index(drop=True)  # fmt: skip


TIME_TO_REVIEW_NOTE = (
    "Cases a manager followed up (chased, or assigned) on the daily list whose flag was then "
    "ended by a review dated in the month: how many, and the median days from the first day "
    "the case was on the list to that review. One per case and run of flags."
)


def _time_to_review(areas: list[str], first: date, last: date) -> pd.DataFrame:
    from dashboard import followup
    from dashboard.audits import app_db, app_db_exists

    if not app_db_exists():
        return pd.DataFrame(columns=["area", "team", "runs", "median_days"])
    df = followup.time_to_review(app_db(), areas, first, last)
    return df.rename(columns={"runs": "cases reviewed", "median_days": "median days"})


def for_context(ctx) -> Pack | None:
    """The pack the PVP page's panels show: the month ending on ``ctx.as_of`` for the areas of
    ``ctx.scope`` (already narrowed to those shown), built once per page render (ctx.memo)."""
    if ctx.as_of is None:
        return None
    if "pack" not in ctx.memo:
        ctx.memo["pack"] = build(ctx.scope, ctx.as_of.replace(day=1))
    return ctx.memo["pack"]


QUALITY_MEASURES = [
    # (column of data.quality, label)
    ("entries", "Counting entries by supervisors"),
    ("substantive_share", "Substantive"),
    ("partial_share", "Partial"),
    ("thin_share", "Thin"),
    ("repeated_share", "Repeated text"),
    ("risk_share", "Risk reviewed"),
    ("actions_share", "Actions checked or set"),
    ("plan_share", "Plan or direction"),
    ("next_review_share", "Next review set"),
    ("child_share", "Child's voice (child cases)"),
]


def _quality_numbers(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """The month's assessed quality beside the month before as numbers (shares as fractions,
    the change in points; None where there is nothing to show)."""
    rows = []
    for col, label in QUALITY_MEASURES:
        this, last = (
            float(f[col].iloc[0]) if len(f) and pd.notna(f[col].iloc[0]) else None
            for f in (now, before)
        )
        if col == "entries":
            this, last = this or 0, last or 0
            change = this - last
        else:
            change = None if this is None or last is None else (this - last) * 100
        rows.append({"Measure": label, "This month": this, "Previous month": last,
                     "Change": change})  # fmt: skip
    return pd.DataFrame(rows)


def _quality_summary(numbers: pd.DataFrame) -> pd.DataFrame:
    """The quality numbers in words, as the page and the PDF show them."""
    rows = []
    for (col, _label), (_, n) in zip(QUALITY_MEASURES, numbers.iterrows(), strict=True):
        if col == "entries":
            shown = [str(int(n["This month"])), str(int(n["Previous month"]))]
            change = f"{int(n['Change']):+d}"
        else:
            shown = [fmt(n["This month"], "pct"), fmt(n["Previous month"], "pct")]
            change = "-" if pd.isna(n["Change"]) else f"{n['Change']:+.1f} points"
        rows.append({"measure": n["Measure"], "this month": shown[0],
                     "previous month": shown[1], "change": change})  # fmt: skip
    return pd.DataFrame(rows)


def _quality_table(
    df: pd.DataFrame, keys: list[str], before: pd.DataFrame | None = None
) -> pd.DataFrame:
    headers = [*keys, "entries", "substantive %", "thin %", "repeated entries", "risk %",
               "actions %", "plan %", "next review %", "child's voice %",
               "median days between"]  # fmt: skip
    if before is not None:
        headers.insert(headers.index("thin %"), "substantive % change")
    if df.empty:
        return pd.DataFrame(columns=headers)
    out = df[keys].copy()
    out["entries"] = df["entries"]
    out["substantive %"] = (df["substantive_share"] * 100).round(1)
    if before is not None:
        prev = before.set_index(keys)["substantive_share"] if len(before) else pd.Series()
        was = [prev.get(tuple(k) if len(keys) > 1 else k[0]) for k in df[keys].values]
        out["substantive % change"] = [
            None if w is None or pd.isna(w) or pd.isna(n) else round((n - w) * 100, 1)
            for w, n in zip(was, df["substantive_share"], strict=True)
        ]
    out["thin %"] = (df["thin_share"] * 100).round(1)
    out["repeated entries"] = df["repeated_entries"]
    for col, header in (("risk_share", "risk %"), ("actions_share", "actions %"),
                        ("plan_share", "plan %"), ("next_review_share", "next review %"),
                        ("child_share", "child's voice %")):  # fmt: skip
        out[header] = (df[col].astype("float64") * 100).round(1)
    out["median days between"] = df["median_days_between"].round(1)
    return out[headers]


def figures(pack: Pack) -> list[tuple[str, go.Figure]]:
    """The 12-month trend of each headline figure."""
    t = pack.trend.copy()
    t["month"] = pd.to_datetime(t["month"])
    measures = list(HEADLINE_FORMATS)
    s = data.settings()
    gaps = words.gaps_over(s)
    t[measures] = t[measures].astype("float64")  # an empty month is a gap in the line, not 0
    out = []
    comp = t.melt("month", ["compliance_avg", "compliance_month_end"], "measure", "share")
    comp["measure"] = comp["measure"].map(
        {"compliance_avg": "month average", "compliance_month_end": "month end"}
    )
    fig = px.line(comp, x="month", y="share", color="measure", markers=True)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    out.append(("DS-review compliance", fig))
    fig = px.bar(t, x="month", y="breaches", text="breaches", labels={"breaches": "Gaps"})
    whole_numbers(fig, t["breaches"].max())
    out.append((gaps, fig))
    fig = px.line(t, x="month", y="breach_median_days", markers=True,
                  labels={"breach_median_days": "Days"})  # fmt: skip
    out.append((f"Median length of {gaps[0].lower()}{gaps[1:]} (days)", fig))
    never = "response_never_supervised"
    fig = px.bar(t, x="month", y=never, text=never, labels={never: "Cases"})
    whole_numbers(fig, t[never].max())
    out.append(("Response child cases never supervised at month end", fig))
    first, second = words.response_within(s)
    resp = t.melt("month", ["within_first", "within_second"], "measure", "share")
    resp["measure"] = resp["measure"].map({"within_first": first, "within_second": second})
    fig = px.line(resp, x="month", y="share", color="measure", markers=True)
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    spans = s.response_entry_within_days
    out.append((f"New response child cases supervised within {spans[0]} and "
                f"{words.days(spans[1])}", fig))  # fmt: skip
    demand = pack.demand.copy()
    demand["month"] = pd.to_datetime(demand["month"])
    demand["team_type"] = demand["team_type"].map(words.team_type_words)
    fig = px.bar(
        demand, x="month", y="cases", color="team_type",
        color_discrete_map=TEAM_TYPE_COLOURS, category_orders={"team_type": team_type_order()},
        labels={"cases": "New cases", "team_type": "Team type"},
    )  # fmt: skip
    whole_numbers(fig, demand.groupby("month")["cases"].sum().max() if len(demand) else 0)
    out.append(("New child-related investigations by team type", fig))
    for _, f in out:
        f.update_xaxes(tickformat="%b %Y", title=None)
        styled(f, 280)
    return out


EXCEL_FORMATS = {"pct": PERCENT_FORMAT, "int": "#,##0", "num": "0.0"}
POINTS_FORMAT = "+0.0;-0.0;0.0"  # a change in percentage points, signed


def _for_analysis(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A pack table with headers in words and its "... %" columns as fractions formatted as
    percentages ("... % change" as points), in the page's column order."""
    out, formats = pd.DataFrame(index=df.index), {}
    for col in df.columns:
        name = str(col)
        if name.endswith(" % change"):
            header = f"{name[: -len(' % change')].capitalize()} change (points)"
            out[header] = pd.to_numeric(df[col], errors="coerce")
            formats[header] = POINTS_FORMAT
        elif name.endswith(" %"):
            header = name[:-2].capitalize()
            out[header] = pd.to_numeric(df[col], errors="coerce") / 100
            formats[header] = PERCENT_FORMAT
        else:
            header = words.header_words(name)
            out[header] = df[col]
            if header == "Median days between entries":
                formats[header] = "0.0"
    return out, formats


def _quality_row_formats() -> list[str]:
    """Counting entries is a count; every other quality measure a share."""
    return ["#,##0" if col == "entries" else PERCENT_FORMAT for col, _label in QUALITY_MEASURES]


def to_excel(pack: Pack) -> bytes:
    """A workbook for analysis, one sheet per table of the pack: numbers are numbers (shares as
    percentages), months and dates are Excel dates, headers in words, and an About sheet with
    the marking, produced when and by whom, and the filters. Text cells are neutralised
    (etl/spreadsheet.py)."""
    about = pd.DataFrame(
        {
            "": [
                MARKING,
                pack.title,
                f"Produced {pack.produced_at:%d/%m/%Y %H:%M} by {pack.produced_by}",
                f"Filters: {pack.filters_text}",
            ]
        }
    )
    lines = headlines(data.settings())
    numbers = trend_table(pack.trend)
    trend = pd.DataFrame({"Month": pd.to_datetime(pack.trend["month"]).dt.date})
    trend_formats = {}
    for col, label, kind in lines:
        trend[label] = numbers[col]
        trend_formats[label] = EXCEL_FORMATS[kind]
    demand_headers = {"month": "Month", "team_type": "Team type", "cases": "New child cases"}
    demand = pack.demand.assign(team_type=pack.demand["team_type"].map(words.team_type_words))
    demand = demand.rename(columns=demand_headers)
    by_team, team_formats = _for_analysis(pack.by_team)
    by_supervisor, supervisor_formats = _for_analysis(pack.by_supervisor)
    longest, _ = _for_analysis(pack.longest)
    headline = pack.headline_numbers if len(pack.headline_numbers) else pack.headline
    headline = headline.rename(columns=words.header_words)
    return xlsx_bytes(
        {
            "About": about,
            "Headline": headline,
            "Trend": trend,
            "Demand": demand,
            "Quality": pack.quality_numbers,
            "By team": by_team,
            "By supervisor": by_supervisor,
            "Longest waiting": longest,
            "Time to review": pack.time_to_review.rename(columns=words.header_words),
            "Checks": pack.checks.rename(columns=words.header_words),
            "Overnight after charge": pack.overnight.rename(columns=words.header_words),
            "Audit outcomes": pd.DataFrame({"": [pack.audit_note]}),
            "Audit grades": pack.audit_grades,
            "Audit themes": pack.audit_themes,
            "Actions agreed": pack.audit_actions,
            "Definitions": definitions(data.settings()),
        },
        headerless=["About", "Audit outcomes"],
        formats={
            "Trend": trend_formats,
            "By team": team_formats,
            "By supervisor": supervisor_formats,
            "Quality": {"Change": POINTS_FORMAT},  # entries: a count
        },
        row_formats={
            "Headline": [EXCEL_FORMATS[kind] for _col, _label, kind in lines],
            "Quality": _quality_row_formats(),
        },
    )


def definitions(s: Settings) -> pd.DataFrame:
    """How each figure of the pack is counted, made from the settings (the workbook's
    Definitions sheet; the PDF prints the same)."""
    defined = words.measure_definitions(s)
    rows = [{"Measure": label, "Definition": defined[col]} for col, label, _ in headlines(s)]
    rows.append({"Measure": "Quality of supervision", "Definition": QUALITY_NOTE})
    rows += [{"Measure": "Checklist", "Definition": line} for line in assessment.definition(s)]
    defs = words.check_definitions(s)
    rows += [{"Measure": words.CHECK_WORDS[c], "Definition": defs[c]} for c in defs]
    return pd.DataFrame(rows)


def _definitions_html(df: pd.DataFrame) -> str:
    items = "".join(
        f"<dt>{html.escape(m)}</dt><dd>{html.escape(d)}</dd>"
        for m, d in zip(df["Measure"], df["Definition"], strict=True)
    )
    return f"<dl class='definitions'>{items}</dl>"


def _table(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p class='empty'>None.</p>"
    shown = df.rename(columns=words.header_words)
    for col in shown.columns:
        # Text columns only: a date column rebuilt from a list could print differently.
        if pd.api.types.is_string_dtype(shown[col].dtype):
            shown[col] = [breakable(v) if isinstance(v, str) else v for v in shown[col]]
    return shown.to_html(index=False, border=0, classes="t", na_rep="-", escape=True)


CSS = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 9.5pt; color: #111; }
h1 { font-size: 15pt; margin: 0 0 2mm 0; } h2 { font-size: 12pt; margin: 6mm 0 2mm 0; }
.meta { color: #444; margin-bottom: 4mm; }
table.t { border-collapse: collapse; width: 100%; }
table.t th, table.t td { border-bottom: 1px solid #ccc; padding: 1.2mm 1.5mm; text-align: left; }
table.t thead { display: table-header-group; }
table.t tr { page-break-inside: avoid; break-inside: avoid; }
.chart { page-break-inside: avoid; break-inside: avoid; margin-bottom: 3mm; }
.chart img { width: 100%; }
.section { page-break-before: always; break-before: page; }
dl.definitions dt { font-weight: bold; margin-top: 2mm; }
dl.definitions dd { margin: 0 0 0 4mm; }
"""


def page_furniture(pack: Pack) -> str:
    """What every printed page of the pack carries (dashboard/printing.py)."""
    return page_rules(
        f"PVP pack: {pack.area_label}, {pack.month:%B %Y}",
        f"Produced {pack.produced_at:%d/%m/%Y %H:%M} by {pack.produced_by}",
    )


def to_html(pack: Pack, chart_images: list[tuple[str, bytes]]) -> str:
    head = f"""
      <h1>{html.escape(pack.title)}</h1>
      <div class="meta">Area: {html.escape(pack.area_label)} &middot; Month:
      {pack.month:%B %Y} &middot; Produced {pack.produced_at:%d/%m/%Y %H:%M} by
      {html.escape(pack.produced_by)} &middot; Filters: {html.escape(pack.filters_text)}</div>"""
    charts = "".join(
        f"<div class='chart'><h2>{html.escape(t)}</h2>"
        f"<img alt='{html.escape(t)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
        "</div>"
        for t, png in chart_images
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
      <title>{html.escape(pack.title)}</title><style>{CSS}{page_furniture(pack)}</style>
      </head><body>
      {head}
      <h2>Headline figures</h2>{_table(pack.headline)}
      <p class="meta">{html.escape(words.pvp_definitions(data.settings()))}</p>
      <h2>{html.escape(pack.longest_title)}</h2>{_table(pack.longest)}
      <div class="section"><h2>Twelve-month trends</h2>{charts}</div>
      <div class="section"><h2>Quality of supervision ({pack.month:%B %Y})</h2>
      <p class="meta">{html.escape(QUALITY_NOTE)}</p>{_table(pack.quality)}
      <h2>By team ({pack.month:%B %Y})</h2>{_table(pack.by_team)}</div>
      <h2>{html.escape(pack.supervisors_title)}</h2>{_table(pack.top_supervisors)}
      <p class="meta">{html.escape(pack.more_supervisors)}</p>
      <h2>Time to review after a follow-up ({pack.month:%B %Y})</h2>
      <p class="meta">{html.escape(TIME_TO_REVIEW_NOTE)}</p>{_table(pack.time_to_review)}
      {_checks_html(pack)}
      <div class="section"><h2>Audit outcomes ({pack.month:%B %Y})</h2>
      <p>{html.escape(pack.audit_note)}</p>
      <h2>Grades by area</h2>{_table(pack.audit_grades)}
      <h2>Themes</h2>{_table(pack.audit_themes)}
      <h2>Actions agreed (open ones carried forward)</h2>{_table(pack.audit_actions)}</div>
      <div class="section"><h2>Definitions</h2>
      {_definitions_html(definitions(data.settings()))}</div>
      </body></html>"""


def _checks_html(pack: Pack) -> str:
    """A section per theme of the inspection's other checks, then the overnight table."""
    if pack.checks.empty:
        return ""
    parts = ["<div class='section'><h2>The inspection's other findings</h2>"]
    for theme in THEMES.values():
        rows = pack.checks[pack.checks["theme"] == theme].drop(columns="theme")
        parts.append(f"<h2>{html.escape(theme)}</h2>{_table(rows)}")
    parts.append(
        f"<h2>Children held overnight after charge ({pack.month:%B %Y})</h2>"
        f"<p class='meta'>{html.escape(OVERNIGHT_NOTE)}</p>{_table(pack.overnight)}</div>"
    )
    return "".join(parts)


def chart_pngs(pack: Pack) -> list[tuple[str, bytes]]:
    import warnings

    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "kopts ignored with a server"
            return [(t, f.to_image(format="png", width=900, height=300)) for t, f in figures(pack)]
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("the PDF needs Chromium: apt-get install chromium")


def to_pdf(pack: Pack) -> bytes:
    """Print the pack's HTML to an A4 PDF with headless Chromium."""
    page = to_html(pack, chart_pngs(pack))
    with tempfile.TemporaryDirectory(prefix="pvp-pack-") as tmp:
        source, out = Path(tmp) / "pack.html", Path(tmp) / "pack.pdf"
        source.write_text(page, encoding="utf-8")
        subprocess.run(
            [
                chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp}/profile",
                "--no-pdf-header-footer", "--virtual-time-budget=10000",
                f"--print-to-pdf={out}", source.as_uri(),
            ],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return out.read_bytes()


def file_stem(pack: Pack) -> str:
    area = pack.area_label.lower().replace(", ", "-").replace(" ", "-") if pack.areas else "none"
    return f"pvp-pack-{area}-{pack.month:%Y-%m}"


def write(pack: Pack, out_dir: Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf, xlsx = out_dir / f"{file_stem(pack)}.pdf", out_dir / f"{file_stem(pack)}.xlsx"
    pdf.write_bytes(to_pdf(pack))
    xlsx.write_bytes(to_excel(pack))
    return pdf, xlsx
