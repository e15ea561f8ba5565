"""Follow-ups of the daily list: a manager records that they "chased" someone about a flagged
case, or "assigned" it to a supervisor, with an optional note and a "remind me on" day that
hides the case from the default list until then.

A follow-up never clears a flag: only a review in the extracts does. It belongs to the run of
flags the case is in when it is made (``flagged_since``, flag_spans.sql). ``reconcile`` (run once
per warehouse version, after each load) closes the follow-ups whose run has ended, keeping the
review that ended it and the days from first flagged to that review: the PVP page's "time to
review" (``time_to_review``).

Every write is checked here, on the server: the role may act, and the case is one of the
caller's areas' flagged cases on the newest day of data. A refusal does not say which of the
two failed, and every write and refusal goes into the access audit log.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import select

from dashboard import data
from dashboard.appdb import AppDB
from dashboard.appdb.models import CaseFollowUp
from dashboard.audits.service import log
from dashboard.scope import Scope
from dashboard.words import ACTION_FLAGS

KINDS = {"chased": "Chased", "assigned": "Assigned to"}
ACTING_ROLES = ("area", "force")
PERSON_MAX, NOTE_MAX = 100, 1000
OUTCOMES = {"reviewed": "reviewed", "case_closed": "case closed", "cleared": "no longer flagged"}
FOLLOW_UP_COLUMNS = ["investigation_id", "follow_up", "follow_up_kind", "my_remind_on"]


class Refused(Exception):
    """Not allowed, or not a flagged case in the caller's areas (the two are not told apart)."""


class Invalid(ValueError):
    """Allowed, but not acceptable (no such kind, a reminder in the past, too long a note)."""


def _flagged_today(scope: Scope) -> pd.DataFrame:
    """The caller's flagged cases (action flags) on the newest day of data."""
    day = data.latest_day()
    if day is None:
        return pd.DataFrame(columns=["investigation_id", "flag", "area", "team", "flagged_since"])
    df = data.day_flags(scope, day)
    return df[df["flag"].isin(ACTION_FLAGS)]


def _text(value: str | None, limit: int, what: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise Invalid(f"{what} is longer than {limit} characters")
    return value or None


def remind_latest(today: date) -> date:
    """The last day a reminder may fall on, the newest day of data being ``today``."""
    return today + timedelta(days=data.settings().remind_max_days)


def record(
    db: AppDB,
    scope: Scope,
    investigation_id: str,
    kind: str,
    person: str | None = None,
    note: str | None = None,
    remind_on: date | None = None,
) -> CaseFollowUp:
    """Store a follow-up of a case flagged today in the caller's areas."""
    if scope.role not in ACTING_ROLES:
        log(scope, "follow_up_refused", case_id=str(investigation_id)[:64],
            detail={"why": "role"})  # fmt: skip
        raise Refused("your role cannot record follow-ups")
    flagged = _flagged_today(scope)
    rows = flagged[flagged["investigation_id"] == investigation_id]
    if rows.empty:
        log(scope, "follow_up_refused", case_id=str(investigation_id)[:64],
            detail={"why": "not a flagged case in the caller's areas"})  # fmt: skip
        raise Refused("that is not a case needing a supervisor in your areas today")
    if kind not in KINDS:
        raise Invalid(f"a follow-up is one of: {', '.join(KINDS)}")
    person = _text(person, PERSON_MAX, "The person")
    if kind == "assigned" and not person:
        raise Invalid("say who the case is assigned to")
    note = _text(note, NOTE_MAX, "The note")
    today = data.latest_day()
    if remind_on is not None and today is not None:
        if remind_on <= today:
            raise Invalid(f"a reminder must fall after {today:%d/%m/%Y}, the newest day of data")
        # A reminder hides a flagged case: one years ahead (a year mistyped) would hide it
        # until its flag ends, however overdue it becomes.
        latest = remind_latest(today)
        if remind_on > latest:
            raise Invalid(
                f"a reminder must fall on or before {latest:%d/%m/%Y}, "
                f"{data.settings().remind_max_days} days after the newest day of data"
            )
    first = rows.iloc[0]
    follow_up = CaseFollowUp(
        investigation_id=investigation_id,
        area=str(first["area"]),
        team=str(first["team"]),
        flags=[str(f) for f in rows["flag"]],  # worst first: flags.sql's order
        flagged_since=pd.Timestamp(rows["flagged_since"].min()).date(),
        made_on=today,
        kind=kind,
        person=person,
        note=note,
        remind_on=remind_on,
        created_by=scope.username,
        created_at=data.local_now(),
    )
    with db.transaction() as s:
        s.add(follow_up)
    log(scope, "follow_up", page="today", case_id=investigation_id,
        detail={"kind": kind, "person": person, "remind_on": str(remind_on or ""),
                "follow_up": follow_up.id})  # fmt: skip
    return follow_up


# --- closing follow-ups when their run of flags ends ------------------------------------------

_reconciled: set[tuple] = set()
_reconcile_lock = threading.Lock()


def reconcile(db: AppDB) -> int:
    """Close every open follow-up whose run of flags has ended on the newest day of data;
    returns how many were closed. A run has ended when the case is not flagged that day, or is
    flagged in a later run (a review came and the case fell due again)."""
    day = data.latest_day()
    if day is None:
        return 0
    with db.transaction() as s:
        open_ = list(s.scalars(select(CaseFollowUp).where(CaseFollowUp.closed_at.is_(None))))
        if not open_:
            return 0
        everyone = Scope("follow-up-reconcile", "force", tuple(data.settings().areas))
        flagged = _flagged_today(everyone)
        since = flagged.groupby("investigation_id")["flagged_since"].min()
        ended = [
            f
            for f in open_
            if f.flagged_since <= day
            and not (
                f.investigation_id in since.index
                and pd.Timestamp(since[f.investigation_id]).date() <= f.flagged_since
            )
        ]
        if not ended:
            return 0
        found = data.query(
            "follow_up_reviews",
            everyone,
            as_of=day,
            follow_up_ids=[f.investigation_id for f in ended],
            follow_up_since=[f.flagged_since for f in ended],
            follow_up_flags=[f.flags[0] for f in ended],
        )
        by_key = {(r.investigation_id, pd.Timestamp(r.since).date()): r for r in found.itertuples()}
        now = data.local_now()
        for f in ended:
            hit = by_key.get((f.investigation_id, f.flagged_since))
            reviewed = None if hit is None or pd.isna(hit.reviewed_on) else hit.reviewed_on
            f.closed_at, f.cleared_on = now, day
            if reviewed is not None:
                f.outcome, f.reviewed_on = "reviewed", pd.Timestamp(reviewed).date()
                f.days_to_review = (f.reviewed_on - f.flagged_since).days
            elif hit is not None and not pd.isna(hit.closed_on):
                f.outcome = "case_closed"
            else:
                f.outcome = "cleared"
        return len(ended)


def reconcile_once(db: AppDB) -> None:
    """``reconcile`` once per warehouse version and database in this process (pages call this
    before reading follow-ups, so the first request after a load closes what it ended)."""
    key = (db.url, data.warehouse().path, data.warehouse().version)
    if key in _reconciled:
        return
    with _reconcile_lock:
        if key not in _reconciled:
            reconcile(db)
            _reconciled.add(key)


# --- reading --------------------------------------------------------------------------------


def words(f: CaseFollowUp) -> str:
    what = KINDS[f.kind] + (f" {f.person}" if f.person else "")
    text = f"{what}, {f.created_at:%d/%m/%Y %H:%M} by {f.created_by}"
    if f.note:
        text += f': "{f.note}"'
    if f.remind_on:
        text += f" (reminder {f.remind_on:%d/%m/%Y})"
    return text


def latest(db: AppDB, areas: list[str], as_of: date, username: str) -> pd.DataFrame:
    """The latest follow-up of each case of ``areas`` in its run of flags on ``as_of``, made
    by then (a past day's list is the list as it was: follow-ups made later, and their
    reminders, were shown on it), and the "remind me on" day of ``username``'s own latest one
    (``my_remind_on``): a reminder hides a case from its author's list only. Hidden from every
    colleague, one manager's reminder took an overdue case off the whole area's and the
    force's lists and digests."""
    reconcile_once(db)
    with db.transaction() as s:
        rows = s.scalars(
            select(CaseFollowUp)
            .where(
                CaseFollowUp.area.in_(list(areas)),
                CaseFollowUp.flagged_since <= as_of,
                CaseFollowUp.made_on <= as_of,
                (CaseFollowUp.cleared_on.is_(None)) | (CaseFollowUp.cleared_on > as_of),
            )
            .order_by(CaseFollowUp.investigation_id, CaseFollowUp.id)
        ).all()
    newest: dict[str, CaseFollowUp] = {f.investigation_id: f for f in rows}
    mine = {f.investigation_id: f.remind_on for f in rows if f.created_by == username}
    return pd.DataFrame(
        [
            [f.investigation_id, words(f), f.kind, mine.get(f.investigation_id)]
            for f in newest.values()
        ],
        columns=FOLLOW_UP_COLUMNS,
    )


def history(db: AppDB, scope: Scope, investigation_id: str) -> list[CaseFollowUp]:
    """Every follow-up of one case, newest first (the case page): all of them when the case is
    now in the caller's areas (a case moved from West to East keeps the follow-ups West made,
    as its log keeps West's entries), else those made in the caller's areas."""
    reconcile_once(db)
    wanted = select(CaseFollowUp).where(CaseFollowUp.investigation_id == investigation_id)
    if data.case_record(scope, investigation_id) is None:
        wanted = wanted.where(CaseFollowUp.area.in_(list(scope.areas)))
    with db.transaction() as s:
        return list(s.scalars(wanted.order_by(CaseFollowUp.id.desc())))


def time_to_review(db: AppDB, areas: list[str], first: date, last: date) -> pd.DataFrame:
    """Per area and team: runs of flags followed up and ended by a review dated in
    [first, last], and the median days from first flagged to that review (one per case and
    run, however many follow-ups it had)."""
    reconcile_once(db)
    with db.transaction() as s:
        rows = s.execute(
            select(
                CaseFollowUp.area,
                CaseFollowUp.team,
                CaseFollowUp.investigation_id,
                CaseFollowUp.flagged_since,
                CaseFollowUp.days_to_review,
            ).where(
                CaseFollowUp.area.in_(list(areas)),
                CaseFollowUp.outcome == "reviewed",
                CaseFollowUp.reviewed_on >= first,
                CaseFollowUp.reviewed_on <= last,
            )
        ).all()
    columns = ["area", "team", "runs", "median_days"]
    df = pd.DataFrame(rows, columns=["area", "team", "investigation_id", "since", "days"])
    if df.empty:
        return pd.DataFrame(columns=columns)
    df = df.drop_duplicates(["investigation_id", "since"])
    out = (
        df.groupby(["area", "team"], as_index=False)
        .agg(runs=("days", "size"), median_days=("days", "median"))
        .sort_values(["median_days", "area", "team"], ascending=[False, True, True])
    )
    return out[columns].reset_index(drop=True)


def state(f: CaseFollowUp) -> str:
    if f.closed_at is None:
        return "open: the case still needs a supervisor"
    if f.outcome == "reviewed" and f.reviewed_on is not None:
        return (
            f"closed: reviewed {f.reviewed_on:%d/%m/%Y}, "
            f"{f.days_to_review} days after first flagged"
        )
    return f"closed: {OUTCOMES.get(f.outcome or '', f.outcome)}"


def recent(db: AppDB, areas: list[str], n: int = 10) -> pd.DataFrame:
    """The newest ``n`` follow-ups of ``areas``, open or closed, in words."""
    reconcile_once(db)
    with db.transaction() as s:
        rows = s.scalars(
            select(CaseFollowUp)
            .where(CaseFollowUp.area.in_(list(areas)))
            .order_by(CaseFollowUp.id.desc())
            .limit(n)
        ).all()
    return pd.DataFrame(
        [[f.investigation_id, words(f), state(f)] for f in rows],
        columns=["investigation_id", "follow_up", "state"],
    )
