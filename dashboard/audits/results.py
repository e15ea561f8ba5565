"""What the audits say: the month's progress per area, grades, themes, the moderators'
agreement with the auditors, the human grade beside the measured supervision, and the PVP
pack's "Audit outcomes". Plain functions over the audits a user may read (service.list_audits).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd

from dashboard import measures
from dashboard.appdb.models import Audit
from dashboard.audits.config import get_config

STAGES = ("sampled", "draft", "submitted", "moderated")
MEASURED_GAP_FLAGS = ("ds_review_overdue", "response_unsupervised")


def grade_of(audit: Audit) -> str | None:
    """The moderated grade when there is one, else the auditor's submitted grade."""
    if audit.status == "moderated":
        return audit.final_grade
    return audit.grade if audit.status == "submitted" else None


def overview(audits: list[Audit], today: date | None = None) -> pd.DataFrame:
    """Per month and area: sampled, drafted, submitted, moderated, and overdue (not submitted
    when the month has ended)."""
    today = today or date.today()
    rows = []
    for (month, area), group in _group(audits, lambda a: (a.month, a.area)).items():
        status = Counter(a.status for a in group)
        ended = today > measures.month_end(month)
        rows.append(
            {
                "month": f"{month:%m/%Y}",
                "area": area,
                "sampled": len(group),
                "drafted": status["draft"],
                "submitted": status["submitted"] + status["moderated"],
                "moderated": status["moderated"],
                "overdue at month end": status["sampled"] + status["draft"] if ended else 0,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "month",
            "area",
            "sampled",
            "drafted",
            "submitted",
            "moderated",
            "overdue at month end",
        ],
    )


def _group(audits, key) -> dict:
    out: dict = {}
    for a in audits:
        out.setdefault(key(a), []).append(a)
    return out


def agreement(audits: list[Audit]) -> pd.DataFrame:
    """Per auditor: audits moderated, how many kept their grade, and the agreement rate."""
    rows = []
    for auditor, group in sorted(
        _group([a for a in audits if a.status == "moderated"], lambda a: a.auditor or "").items()
    ):
        agreed = sum(a.final_grade == a.grade for a in group)
        rows.append(
            {
                "auditor": auditor,
                "moderated": len(group),
                "grade kept": agreed,
                "grade changed": len(group) - agreed,
                "agreement": f"{agreed / len(group):.0%}",
            }
        )
    return pd.DataFrame(
        rows, columns=["auditor", "moderated", "grade kept", "grade changed", "agreement"]
    )


def in_window(audits: list[Audit], last_month: date, months: int = 12) -> list[Audit]:
    """The audits of the ``months`` months to ``last_month``: the one window of the results
    page, for its grades, themes and comparison alike."""
    first = measures.add_months(last_month.replace(day=1), -(months - 1))
    return [a for a in audits if first <= a.month <= last_month]


def grades(audits: list[Audit], by: str, last_month: date, months: int = 12) -> pd.DataFrame:
    """Graded audits over ``months`` to ``last_month`` by month, area, category or team: a
    count per grade, in the configured grade order."""
    config = get_config()
    rows = Counter()
    for a in in_window(audits, last_month, months):
        g = grade_of(a)
        if g:
            if by == "category":
                key = config.category_name(a.category)
            elif by == "month":
                key = f"{a.month:%Y-%m}"
            else:
                key = getattr(a, by)
            rows[(key, g)] += 1
    keys = sorted({k for k, _ in rows})
    return pd.DataFrame(
        [{by: k, **{g: rows[(k, g)] for g in config.grades}} for k in keys],
        columns=[by, *config.grades],
    )


def themes(audits: list[Audit]) -> pd.DataFrame:
    """Theme tags over the submitted audits, most frequent first (free-text themes listed)."""
    # Each theme once per audit (a row stored before duplicates were refused may repeat one).
    counts = Counter(t for a in audits if grade_of(a) for t in set(a.themes or []))
    rows = [
        {"theme": t, "audits": n} for t, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
    ]
    return pd.DataFrame(rows, columns=["theme", "audits"])


def measured_gap(audit: Audit) -> bool:
    snap = audit.snapshot or {}
    measures = snap.get("measures") or {}
    flagged = any(f.get("flag") in MEASURED_GAP_FLAGS for f in snap.get("flags") or [])
    return bool(measures.get("gaps_over_window")) or flagged


def human_vs_measured(audits: list[Audit]) -> tuple[pd.DataFrame, str]:
    """Each graded audit's grade beside its measured supervision, and one sentence saying how
    often they agree: 'good' with no measured gap, or a lower grade with one."""
    rows = []
    for a in audits:
        g = grade_of(a)
        if not g:
            continue
        m = (a.snapshot or {}).get("measures") or {}
        gap = measured_gap(a)
        agree = (g == "good") != gap
        rows.append(
            {
                "audit": a.id,
                "case": a.investigation_id,
                "area": a.area,
                "team": a.team,
                "grade": g,
                "gaps over window": m.get("gaps_over_window"),
                "longest interval (days)": m.get("longest_gap_days"),
                # A sample drawn before entries were graded kept no grades.
                "entry grades": "not measured when sampled"
                if m.get("entry_grades") is None
                else ", ".join(f"{k} {v}" for k, v in m["entry_grades"].items()),
                "measured": "gap or unsupervised" if gap else "no gap",
                "agree": "yes" if agree else "no",
            }
        )
    df = pd.DataFrame(rows)
    if df.empty:
        return df, "No graded audits yet."
    agreed = int((df["agree"] == "yes").sum())
    good_with_gap = int(((df["grade"] == "good") & (df["measured"] != "no gap")).sum())
    low_without = int(((df["grade"] != "good") & (df["measured"] == "no gap")).sum())
    sentence = (
        f"The human grade and the measured supervision agree on {agreed} of {len(df)} graded "
        f"audits ({agreed / len(df):.0%}). {good_with_gap} graded good had a measured gap or "
        f"were never supervised; {low_without} graded lower had no measured gap (the grade "
        "looks at more than timeliness)."
    )
    return df, sentence


# --- the PVP meeting's "Audit outcomes" ----------------------------------------------------------


def outcomes(scope, month: date, areas: list[str]) -> dict:
    """The month's grades by area, themes ranked, the human-vs-measured sentence, and the
    actions agreed (open ones carried forward) for the pack and the PVP page. Never fails the
    pack: an application database that is not set up gives a note and empty tables."""
    from dashboard.appdb.engine import SchemaNotCurrent
    from dashboard.audits import app_db, app_db_exists, service

    config = get_config()
    empty = {
        "grades": pd.DataFrame(columns=["area", *config.grades, "not graded yet"]),
        "themes": pd.DataFrame(columns=["theme", "audits"]),
        "actions": pd.DataFrame(columns=ACTION_COLUMNS),
        "note": "",
    }
    if not app_db_exists():
        return {
            **empty,
            "note": "No audit data: the application database has not been made "
            "(python -m dashboard db upgrade).",
        }
    db = app_db()
    try:
        db.check_current()
    except SchemaNotCurrent as exc:
        return {**empty, "note": f"No audit data: {exc}."}
    month = month.replace(day=1)
    audits = [a for a in service.list_audits(db, scope, month) if a.area in areas]
    rows = []
    for area in areas:
        mine = [a for a in audits if a.area == area]
        if not mine:
            continue
        counts = Counter(grade_of(a) for a in mine)
        rows.append(
            {"area": area, **{g: counts[g] for g in config.grades}, "not graded yet": counts[None]}
        )
    _, sentence = human_vs_measured(audits)
    actions = service.actions_for(db, scope, month, areas)
    return {
        "grades": pd.DataFrame(rows, columns=empty["grades"].columns),
        "themes": themes(audits),
        "actions": pd.DataFrame(
            [
                {
                    "action": a.id,
                    "area": a.area or "force",
                    "agreed": f"{a.agreed_month:%m/%Y}",
                    "text": a.text,
                    "owner": a.owner,
                    "due": f"{a.due_on:%d/%m/%Y}" if a.due_on else "",
                    "status": "open"
                    if a.closed_at is None or a.closed_at.date() >= measures.add_months(month, 1)
                    else f"closed {a.closed_at:%d/%m/%Y}",
                }
                for a in actions
            ],
            columns=ACTION_COLUMNS,
        ),
        "note": (
            f"{len(audits)} cases audited in {month:%B %Y}. {sentence}"
            if audits
            else f"No cases audited in {month:%B %Y}."
        ),
    }


ACTION_COLUMNS = ["action", "area", "agreed", "text", "owner", "due", "status"]
