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
        "rui_with_cawn": "suspect released under investigation; a CAWN was issued",
        "cse_child_suspect": f"CSE with a suspect {child(s)}: belongs to "
        f"{_teams(s.cse_child_suspect_team_types)}",
        "cse_online": f"online CSE: belongs to {_teams(s.cse_online_team_types)}",
        "cse_not_online": f"CSE not online: belongs to {_teams(s.cse_not_online_team_types)}",
        "not_requested": "accommodation not requested",
        "requested_late": "accommodation requested more than "
        f"{hours(s.accommodation_request_hours)} after charge",
        "requested_at_night": f"accommodation requested at night ({night(s)})",
        "no_certificate": "no s38(6) certificate",
        "no_rationale": "s38(6) certificate without a rationale",
    }


# The inspection's other findings as checks (issue 17), in the order Today lists them: the
# case's own record first, then custody, then missing children. Names state no threshold.
CHECKS = (
    "rui_with_cawn", "cse_allocation", "unallocated", "no_plan", "bail_expiring",
    "accommodation_late", "certificate_missing", "absent_category_used", "rhi_overdue",
)  # fmt: skip
CHECK_THEMES = {
    "case": ("rui_with_cawn", "cse_allocation", "unallocated", "no_plan", "bail_expiring"),
    "custody": ("accommodation_late", "certificate_missing"),
    "missing": ("absent_category_used", "rhi_overdue", "repeat_missing"),
}
CHECK_WORDS = {
    "rui_with_cawn": "Released under investigation with a CAWN",
    "cse_allocation": "CSE case with the wrong team",
    "unallocated": "Not allocated",
    "no_plan": "No investigation plan",
    "bail_expiring": "Bail ending or ended",
    "accommodation_late": "Accommodation requested late",
    "certificate_missing": "s38(6) certificate missing",
    "absent_category_used": "Recorded as 'absent'",
    "rhi_overdue": "Return interview overdue",
    "repeat_missing": "Missing repeatedly",
}

# The Today page's check filter: the checks its list can hold.
CHECK_WORDS_TODAY = {c: CHECK_WORDS[c] for c in CHECKS}

# A missing episode's return home interview (missing_checks.sql rhi_state), in words.
RHI_STATES = {
    "still_missing": "still missing",
    "not_yet_due": "not yet offered, not yet due",
    "overdue": "overdue: not offered",
    "offered_in_time": "offered in time",
    "offered_late": "offered late",
}


def hours(n: int) -> str:
    return f"{n} hour" if n == 1 else f"{n} hours"


def _teams(team_types: list[str]) -> str:
    return " or ".join(team_type_words(t) for t in team_types) or "no team"


def night(s: Settings) -> str:
    """The night window: "22:00 to 06:00" with the defaults."""
    return f"{s.night_from_hour:02d}:00 to {s.night_until_hour:02d}:00"


def check_definitions(s: Settings) -> dict[str, str]:
    """What each check counts, made from the settings (shown under its table and in the pack)."""
    return {
        "rui_with_cawn": "An open child-related case whose suspect is released under "
        "investigation while a child abduction warning notice was issued: bail could have "
        'safeguarded the child (the inspection\'s "missed opportunity").',
        "cse_allocation": "An open CSE case (a CSE team, or an offence naming "
        f"{', '.join(s.cse_offence_phrases)}) held by a team the allocation rules do not give "
        f"it: with a suspect {child(s)} it belongs to {_teams(s.cse_child_suspect_team_types)}; "
        f"otherwise online to {_teams(s.cse_online_team_types)}, not online to "
        f"{_teams(s.cse_not_online_team_types)}.",
        "unallocated": "An open child-related case with no officer allocated more than "
        f"{hours(s.unallocated_hours)} after it opened (counted to the end of the day shown).",
        "no_plan": "An open child-related case with no investigation plan recorded more than "
        f"{days(s.plan_days)} after it opened.",
        "bail_expiring": "An open child-related case whose bailed suspect's bail ends within "
        f"{days(s.bail_warning_days)} (today included), or has ended with the suspect still "
        "recorded as bailed.",
        "accommodation_late": f"A child {child(s)} charged and refused bail for whom "
        "local-authority accommodation was not requested, was requested more than "
        f"{hours(s.accommodation_request_hours)} after charge, or was requested at night "
        f"({night(s)}).",
        "certificate_missing": f"A child {child(s)} charged and refused bail, not moved to "
        "local-authority accommodation, with no s38(6) certificate, or one without a rationale.",
        "absent_category_used": f"A missing episode of a child {child(s)} recorded in the "
        "'absent' category, which was withdrawn nationally.",
        "rhi_overdue": f"A child {child(s)} who returned from a missing episode more than "
        f"{hours(s.rhi_hours)} before the end of the day shown with no return home interview "
        "offered.",
        "repeat_missing": f"A child {child(s)} reported missing {s.repeat_missing_episodes} or "
        f"more times in {days(s.repeat_missing_days)}.",
    }


def check_list_description(s: Settings) -> str:
    """What Today's checks list holds, and over which days."""
    return (
        "The inspection's other findings, each a check on the day shown: cases (allocation, "
        "plan, bail, CAWN, CSE allocation), children in custody detained in the last "
        f"{days(s.recent_days)}, 'absent' episodes reported in the last {days(s.recent_days)}, "
        f"and return interviews overdue for returns in the last {days(s.theme_days)}. A check "
        "whose data the extracts do not carry is off (see Data quality)."
    )


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


def response_within(s: Settings) -> tuple[str, str]:
    """The two spans new response child cases are measured on: "within 1 day" and "within 7
    days" with the defaults."""
    first, second = s.response_entry_within_days
    return f"within {days(first)}", f"within {days(second)}"


def pvp_definitions(s: Settings) -> str:
    """How the PVP page's headline figures are counted (under its table)."""
    return (
        f"Compliance: share of open specialist cases within {window(s)} of their last review "
        f"by {ranks(s.ds_review_ranks)} (or of opening), measured at the end of each day. Gaps: "
        f"intervals between such reviews longer than {window(s)} that ended in the month or "
        "were still running at its end. Response child cases: response-team cases with a child "
        "victim or suspect (or another child reason); supervised within "
        f"{s.response_entry_within_days[0]} or {days(s.response_entry_within_days[1])} = an "
        f"entry by {ranks(s.supervisor_ranks)} within that many days of opening and by the "
        "month's end."
    )


def measure_definitions(s: Settings) -> dict[str, str]:
    """Each PVP headline figure (by its column in data.pvp_monthly) defined in a sentence, for
    the pack's Definitions sheet."""
    specialist = ", ".join(s.specialist_team_types)
    response = ", ".join(s.response_team_types)
    ds, sup = ranks(s.ds_review_ranks), ranks(s.supervisor_ranks)
    first, second = response_within(s)
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
        "within_first": f"The share of those with an entry by {sup} {first} of opening (and "
        "by the month's end).",
        "within_second": f"The share of those with an entry by {sup} {second} of opening (and "
        "by the month's end).",
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
    if d.get("check"):
        parts.append(f"check: {CHECK_WORDS[d['check']].lower()}")
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
