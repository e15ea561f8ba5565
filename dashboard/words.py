"""What the screens and the pack say: flag order and names, reason words, and every phrase that
states a threshold, a rank group or an age.

Phrases that state a setting are functions of the settings object, never typed-in numbers: a
force that sets ``review_window_days = 21`` must read "21 days" everywhere, on screen, in the
PDF and in the workbook (tests/test_words.py renders them all with non-default settings).
"""

from __future__ import annotations

from etl.settings import TEAM_TYPE_ACRONYMS, Settings

# The order flags are listed in, worst first (the action list sorts by it).
ACTION_FLAGS = (
    "ds_review_overdue", "response_unsupervised", "ds_review_due_soon", "ds_review_not_substantive"
)  # fmt: skip
FLAGS = ("child_related", *ACTION_FLAGS)
# The flags an area manager must act on first: a case waiting for any supervisor at all.
WAITING_FLAGS = ("ds_review_overdue", "response_unsupervised")

# Flag names state no threshold: the threshold is in the descriptions made below.
FLAG_WORDS = {
    "child_related": "Child-related",
    "ds_review_overdue": "DS review overdue",
    "ds_review_due_soon": "DS review due soon",
    "response_unsupervised": "Response case never supervised",
    "ds_review_not_substantive": "Last DS review thin or repeated",
}
GRADES = ("substantive", "partial", "thin")


def ranks(names: list[str] | tuple[str, ...]) -> str:
    """A rank group as listed in the settings: "DS, DI, DCI, DSUPT"."""
    return ", ".join(names)


def days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def window(s: Settings) -> str:
    """The review window: "28 days" with the defaults."""
    return days(s.review_window_days)


def child(s: Settings) -> str:
    """Who is a child: "under 18" with the defaults."""
    return f"under {s.child_age_under}"


def reason_words(s: Settings) -> dict[str, str]:
    """Each child_reasons / flag reason code (etl/sql/child_cases.sql, flag_spans.sql) in words."""
    return {
        "child_marker": "child marker on the incident",
        "children_present": "children present at the incident",
        "child_victim": f"victim {child(s)}",
        "child_suspect": f"suspect {child(s)}",
        "specialist_team": "specialist child team",
        "cp_concern": "child-protection concern recorded",
        "no_ds_review_since_opening": "no DS review since opening",
        "since_last_ds_review": "since the last DS review",
        "thin_review": "the last DS review was thin",
        "repeated_text": "the last DS review repeats text the reviewer used on other cases",
    }


def reasons_in_words(codes: str | list[str] | None, s: Settings) -> str:
    """``a;b`` (or a list of codes) as "a in words; b in words"."""
    if isinstance(codes, str) or codes is None:
        codes = str(codes or "").split(";")
    table = reason_words(s)
    return "; ".join(table.get(c, c) for c in codes if c)


def card_titles(s: Settings) -> dict[str, str]:
    """The Today cards, one per flag."""
    return {
        "child_related": "Open child-related cases",
        "ds_review_overdue": "DS reviews overdue",
        "ds_review_due_soon": f"DS reviews due within {days(s.due_soon_days)}",
        "response_unsupervised": "Response child cases never supervised",
        "ds_review_not_substantive": "Last DS review thin or repeated",
    }


def child_related_definition(s: Settings) -> str:
    return (
        "An investigation is child-related when its incident carries the child marker or had "
        f"children present, its youngest victim or suspect is {child(s)}, it sits with a "
        "specialist child team, or a child-protection concern is recorded."
    )


def action_list_description(s: Settings) -> str:
    return (
        f"Overdue DS reviews (specialist teams, over {window(s)} since the last review by "
        f"{ranks(s.ds_review_ranks)}), response cases with a child victim or suspect that no "
        f"supervisor has looked at, DS reviews due within {days(s.due_soon_days)}, and open "
        "specialist cases whose last DS review was thin or repeated text (its note quoted under "
        "Why). 'Days' is days since the last DS review (or opening) for DS reviews, and days "
        "open for response cases. The last supervisory entry's grade is its assessment against "
        "the reviewing-officer checklist."
    )


def case_rule(s: Settings, specialist: bool) -> str:
    """The rule a case is under, for its page."""
    if specialist:
        return (
            f"Specialist case: a review by {ranks(s.ds_review_ranks)} is needed at least every "
            f"{window(s)}."
        )
    return f"Entries by {ranks(s.supervisor_ranks)} count as supervision."


def gaps_over(s: Settings) -> str:
    """ "Review gaps over 28 days" with the defaults."""
    return f"Review gaps over {window(s)}"


def pvp_definitions(s: Settings) -> str:
    """How the PVP page's headline figures are counted (under its table)."""
    return (
        f"Compliance: share of open specialist cases within {window(s)} of their last review "
        f"by {ranks(s.ds_review_ranks)} (or of opening), measured at the end of each day. Gaps: "
        f"intervals between such reviews longer than {window(s)} that ended in the month or "
        "were still running at its end. Response child cases: response-team cases with a child "
        "victim or suspect (or another child reason); supervised within 1 or 7 days = an entry "
        f"by {ranks(s.supervisor_ranks)} within that many days of opening and by the month's "
        "end."
    )


def measure_definitions(s: Settings) -> dict[str, str]:
    """Each PVP headline figure (by its column in data.pvp_monthly) defined in a sentence, for
    the pack's Definitions sheet."""
    specialist = ", ".join(s.specialist_team_types)
    response = ", ".join(s.response_team_types)
    ds, sup = ranks(s.ds_review_ranks), ranks(s.supervisor_ranks)
    return {
        "compliance_avg": f"Mean over the month's days of the share of open specialist cases "
        f"({specialist}) whose last review by {ds} (or opening) was within {window(s)}, "
        "measured at the end of each day.",
        "compliance_month_end": "The same share at the end of the month's last day.",
        "open_specialist_month_end": f"Specialist cases ({specialist}) open at the end of the "
        "month's last day.",
        "breaches": f"Intervals between reviews by {ds} (or from opening) longer than "
        f"{window(s)} that ended in the month or were still running at its end.",
        "breach_median_days": "The median length of those intervals in days (a running one "
        "counts its length at the month's end).",
        "response_never_supervised": f"Open response cases ({response}) with a child reason "
        f"and no entry by {sup}, at the month's end.",
        "new_response_child": f"Response cases ({response}) with a child reason opened in the "
        "month.",
        "within_1_day": f"The share of those with an entry by {sup} within 1 day of opening "
        "(and by the month's end).",
        "within_7_days": f"The share of those with an entry by {sup} within 7 days of opening "
        "(and by the month's end).",
        "new_child_related": "Child-related investigations opened in the month. "
        + child_related_definition(s),
    }


def fill(text: str, s: Settings) -> str:
    """``text`` (from a configuration file, e.g. the audit question set) with each
    ``{setting}`` it names replaced by the setting's value; other braces are left alone."""
    values = {
        "review_window_days": s.review_window_days,
        "due_soon_days": s.due_soon_days,
        "child_age_under": s.child_age_under,
        "ds_review_ranks": ranks(s.ds_review_ranks),
        "supervisor_ranks": ranks(s.supervisor_ranks),
    }
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


# The daily list's "Follow-up" control (dashboard/followup.py); no choice hides the cases whose
# "remind me on" day is still ahead.
FOLLOW_UP_SHOWN = {
    "not_acted": "Not yet acted on",
    "acted": "Acted on",
    "all": "All, with reminders not yet due",
}


def filters_in_words(filters, none: str = "none") -> str:
    """A page's filters beyond the as-of day (dashboard.scope.Filters), in words: "West; team
    East CP 1"; ``none`` when there are none."""
    d = filters.describe()
    parts = [", ".join(d["areas"] or [])] + [
        f"{label} {d[key]}"
        for key, label in (("team", "team"), ("team_type", "team type"),
                           ("officer_id", "officer"), ("reviewer", "supervisor"))
        if d[key]
    ]  # fmt: skip
    if d.get("follow_up"):
        parts.append(f"follow-up: {FOLLOW_UP_SHOWN[d['follow_up']].lower()}")
    return "; ".join(p for p in parts if p) or none


# Team types as the product says them: words, with the forces' own acronyms in capitals.
ACRONYMS = TEAM_TYPE_ACRONYMS


def team_type_words(team_type: object) -> str:
    """ "child_protection" -> "Child protection", "cse" -> "CSE"; anything else as it is."""
    if not isinstance(team_type, str) or not team_type:
        return "unknown"
    if team_type in ACRONYMS:
        return ACRONYMS[team_type]
    text = team_type.replace("_", " ")
    return text[:1].upper() + text[1:]


# Column names as a table's header says them (the PVP page, the pack's PDF and workbook).
HEADERS = {
    "case": "Case", "needs": "Needs", "days": "Days", "area": "Area", "team": "Team",
    "OIC": "OIC", "last supervisory entry": "Last supervisory entry", "reviewer_id": "Supervisor",
    "reviewer_rank": "Rank", "entries": "Counting entries", "repeated entries": "Repeated entries",
    "median days between": "Median days between entries", "team_type": "Team type",
}  # fmt: skip


def header_words(column: object) -> str:
    """A column's header in words: "reviewer_id" -> "Supervisor", "this month" -> "This
    month"."""
    name = str(column)
    if name in HEADERS:
        return HEADERS[name]
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]
