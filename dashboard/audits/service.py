"""Every read and write of case audits, with the role and area checks done here, on the
server: pages and the command line call these and nothing else touches the audit tables.

Roles (dashboard/users.py): ``auditor`` audits the sampled cases of their areas; ``moderator``
(the DI) moderates their areas' submitted audits and records feedback; ``ppu`` (the public
protection unit) draws the sample for the whole force and records agreed actions. Anyone may
read the audits of the areas they can see. A refusal is answered like a missing audit, and
every write and every refusal goes into the access audit log.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import flask
import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dashboard import data, measures
from dashboard.appdb import AppDB
from dashboard.appdb.models import (
    Audit,
    AuditAction,
    AuditEvent,
    AuditFeedback,
    AuditSample,
    by_key,
)
from dashboard.audits import sampling
from dashboard.audits.config import AuditConfig, get_config
from dashboard.scope import Scope

FINAL = ("submitted", "moderated")
RECIPIENTS = ("officer", "supervisor")


class Refused(Exception):
    """Not allowed, or no such audit in the caller's areas (the two are not told apart)."""


class Invalid(ValueError):
    """The request is allowed but not acceptable (unanswered questions, no rationale...)."""


class Conflict(Exception):
    """Someone else saved the audit since the form was loaded."""

    def __init__(self, by: str, at: datetime, version: int) -> None:
        self.by, self.at, self.version = by, at, version
        super().__init__(f"changed by {by} at {at:%H:%M}, reload to see their changes")


class AlreadySampled(Exception):
    """The month has a stored draw."""


def _now() -> datetime:
    return data.local_now()


# The longest text each field keeps; longer is refused with a message, never cut unseen. The
# form's inputs carry the same limits (dashboard/pages/audit_form.py, pvp_audit_outcomes.py).
NOTE_MAX = 4000  # an answer's note, a moderation reason, a feedback note
RATIONALE_MAX = 8000
THEME_NOTE_MAX = 2000
ACTION_MAX = 2000
OWNER_MAX = 100
# A sample's seed (drawn when none is given): stored, and said in the pack, as a plain number.
SEED_LIMIT = 2**31
# An action's due day falls within this many days of its meeting's month.
ACTION_DUE_WITHIN_DAYS = 3 * 366


def _text(value: object, limit: int, what: str) -> str:
    """``value`` stripped; Invalid when it is not text or is longer than ``limit``."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text")
    value = value.strip()
    if len(value) > limit:
        raise Invalid(f"{what} is longer than {limit:,} characters ({len(value):,})")
    return value


def log(scope: Scope, event: str, **kwargs) -> None:
    """Into the access audit log: the request's own user inside the app, else the operator."""
    if flask.has_request_context():
        from dashboard.access import auth

        auth().record(event, **kwargs)
        return
    from dashboard.audit import AuditLog

    AuditLog(data.settings().audit_path).record(scope.username, event, **kwargs)


# --- who may do what ---------------------------------------------------------------------------


def can_read(scope: Scope, area: str) -> bool:
    return area in scope.areas


def can_audit(scope: Scope, area: str) -> bool:
    return scope.role == "auditor" and area in scope.areas


def can_moderate(scope: Scope, area: str) -> bool:
    return scope.role == "moderator" and area in scope.areas


def can_give_feedback(scope: Scope, area: str) -> bool:
    return scope.role in ("moderator", "auditor") and area in scope.areas


def can_sample(scope: Scope) -> bool:
    return scope.role == "ppu"


def can_record_actions(scope: Scope, area: str | None) -> bool:
    if scope.role == "ppu":
        return True
    return scope.role == "moderator" and area is not None and area in scope.areas


def _refuse(scope: Scope, what: str, audit_id=None, **detail) -> Refused:
    log(scope, "audit_refused", page="audits", detail={"what": what, "audit": audit_id, **detail})
    return Refused(what)


def _event(s: Session, audit: Audit, scope: Scope, event: str, detail: str | None = None):
    s.add(
        AuditEvent(
            audit_id=audit.id, at=_now(), username=scope.username, event=event, detail=detail
        )
    )


# --- sampling ----------------------------------------------------------------------------------


def sampling_period(month: date) -> tuple[date, date]:
    """The previous month: its cases are drawn, its last day is the snapshot's as-of day."""
    previous = measures.add_months(month.replace(day=1), -1)
    return previous, measures.month_end(previous)


def recently_audited(s: Session, month: date, months: int) -> set[str]:
    since = measures.add_months(month, -months)
    rows = s.scalars(
        select(Audit.investigation_id).where(Audit.month >= since, Audit.month < month)
    )
    return set(rows)


def draw_month(
    db: AppDB,
    scope: Scope,
    month: date,
    seed: int | None = None,
    interest: str | None = None,
    config: AuditConfig | None = None,
) -> tuple[int, str, list[sampling.Drawn], list[dict], date]:
    """(seed, interest, drawn cases, empty categories, as-of day) without storing anything."""
    if not can_sample(scope):
        raise _refuse(scope, "sample", month=str(month))
    config = config or get_config()
    s_ = data.settings()
    month = month.replace(day=1)
    if seed is not None and not 0 <= seed < SEED_LIMIT:
        raise Invalid(f"a seed is a whole number from 0 to {SEED_LIMIT - 1:,}")
    seed = secrets.randbelow(SEED_LIMIT) if seed is None else seed
    interest = interest or config.default_interest
    first, as_of = sampling_period(month)
    _refuse_a_month_outside_the_data(month, first)
    as_of = min(as_of, data.latest_day())
    candidates = data.audit_candidates(scope, first, as_of)
    with db.transaction() as s:
        excluded = recently_audited(s, month, s_.audit_exclude_months)
    areas = [a for a in s_.areas if a in scope.areas]
    drawn, empty = sampling.draw(
        candidates, config, areas, seed, interest, s_.audit_cases_per_area, excluded
    )
    return seed, interest, drawn, empty, as_of


def _refuse_a_month_outside_the_data(month: date, first: date) -> None:
    """A month's cases are drawn from the month before (``first``): it must have begun in the
    data, and not lie before its first month. A draw is kept for good and refused twice, so a
    month typed ahead (2030 for 2020) took that month from the real draw and moved /audits and
    /audit-results to it; one before the data stored an empty sample."""
    if data.month_in_data(first):
        return
    latest = data.latest_day()
    if latest is None:
        raise Invalid("no data is loaded yet: there are no cases to draw from")
    if first > latest:
        raise Invalid(
            f"{month:%B %Y}'s cases are drawn from {first:%B %Y}, which the data does not "
            f"reach yet (its newest day is {latest:%d/%m/%Y})"
        )
    raise Invalid(
        f"{month:%B %Y}'s cases would be drawn from {first:%B %Y}, before the first month of "
        f"data ({data.first_data_month():%B %Y})"
    )


def _json_safe(value):
    """Warehouse values (numpy, pandas timestamps, NaN) as plain JSON values."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def snapshot(scope: Scope, investigation_id: str, as_of: date) -> dict:
    """The case's facts, flags and measured supervision on the as-of day, kept with the audit
    (the warehouse is rebuilt by loads; the audit must show what was sampled)."""
    record = data.case_record(scope, investigation_id, known_on=as_of) or {}
    flags = data.case_flags(scope, investigation_id, as_of)
    return _json_safe(
        {
            "as_of": as_of,
            "record": record,
            "flags": flags[["flag", "days", "reasons"]].to_dict("records"),
            "measures": data.case_measures(scope, investigation_id, as_of),
        }
    )


def store_sample(
    db: AppDB,
    scope: Scope,
    month: date,
    seed: int | None = None,
    interest: str | None = None,
) -> AuditSample:
    """Draw and store the month's sample with each case's snapshot; refused twice a month."""
    month = month.replace(day=1)
    with db.transaction() as s:
        existing = s.scalar(select(AuditSample).where(AuditSample.month == month))
        if existing is not None:
            raise AlreadySampled(f"{month:%Y-%m} was drawn already (seed {existing.seed})")
    seed, interest, drawn, empty, as_of = draw_month(db, scope, month, seed, interest)
    now = _now()
    try:
        # Snapshots are read from the warehouse first: the write transaction stays short.
        snaps = {d.investigation_id: snapshot(scope, d.investigation_id, as_of) for d in drawn}
        sample_id = _store(db, scope, month, seed, interest, drawn, empty, as_of, now, snaps)
    except IntegrityError as exc:  # a second draw of the month committed first
        raise AlreadySampled(f"{month:%Y-%m} was drawn already") from exc
    log(
        scope,
        "audit_sample",
        page="audits",
        detail={"month": f"{month:%Y-%m}", "seed": seed, "cases": len(drawn), "empty": len(empty)},
    )
    with db.transaction() as s:
        return s.get(AuditSample, sample_id)


def _store(db, scope, month, seed, interest, drawn, empty, as_of, now, snaps) -> int:
    with db.transaction() as s:
        sample = AuditSample(
            month=month,
            seed=seed,
            interest_category=interest,
            as_of=as_of,
            cases_per_area=data.settings().audit_cases_per_area,
            empty_categories=empty,
            drawn_by=scope.username,
            drawn_at=now,
        )
        s.add(sample)
        s.flush()
        for d in drawn:
            audit = Audit(
                sample_id=sample.id,
                month=month,
                area=d.area,
                category=d.category,
                investigation_id=d.investigation_id,
                team=d.team,
                snapshot=snaps[d.investigation_id],
                status="sampled",
                answers={},
                themes=[],
                updated_by=scope.username,
                updated_at=now,
            )
            s.add(audit)
            s.flush()
            _event(s, audit, scope, "sampled", f"category {d.category}, seed {seed}")
        return sample.id


def get_sample(db: AppDB, month: date) -> AuditSample | None:
    with db.transaction() as s:
        return s.scalar(select(AuditSample).where(AuditSample.month == month.replace(day=1)))


# --- reading -------------------------------------------------------------------------------------


def get_audit(db: AppDB, scope: Scope, audit_id: int, log_view: bool = True) -> Audit | None:
    """The audit with its feedback and history, or None when missing or outside the areas."""
    with db.transaction() as s:
        audit = by_key(s, Audit, audit_id)
        if audit is None or not can_read(scope, audit.area):
            if audit is not None:
                _refuse(scope, "read", audit_id)
            return None
        audit.feedback, audit.events  # noqa: B018 - load them before the session closes
    if log_view:
        log(
            scope,
            "audit_view",
            page="audits",
            case_id=audit.investigation_id,
            detail={"audit": audit_id},
        )
    return audit


def list_audits(db: AppDB, scope: Scope, month: date | None = None) -> list[Audit]:
    with db.transaction() as s:
        q = select(Audit).where(Audit.area.in_(list(scope.areas)))
        if month is not None:
            q = q.where(Audit.month == month.replace(day=1))
        return list(s.scalars(q.order_by(Audit.month.desc(), Audit.id)))


def sampled_months(db: AppDB) -> list[date]:
    with db.transaction() as s:
        return list(s.scalars(select(AuditSample.month).order_by(AuditSample.month.desc())))


# --- the audit form ------------------------------------------------------------------------------


def _checked_answers(config: AuditConfig, answers: dict) -> dict:
    known = {q.key for q in config.questions}
    out = {}
    for key, value in (answers or {}).items():
        if key not in known:
            raise Invalid(f"unknown question {key!r}")
        if value is not None and not isinstance(value, dict):
            raise Invalid(f"{key}: not an answer")
        answer = (value or {}).get("answer")
        if answer is not None and answer not in config.answers:
            raise Invalid(f"{key}: answer must be one of {', '.join(config.answers)}")
        note = _text((value or {}).get("note"), NOTE_MAX, f"{key}: the note")
        out[key] = {"answer": answer, "note": note}
    return out


def unanswered(config: AuditConfig, answers: dict) -> list[str]:
    return [q.key for q in config.questions if not (answers.get(q.key) or {}).get("answer")]


def _load_for_write(s: Session, scope: Scope, audit_id: int, allowed, what: str) -> Audit:
    audit = by_key(s, Audit, audit_id)
    if audit is None or not allowed(scope, audit.area):
        raise _refuse(scope, what, audit_id)
    return audit


def _wrote(s: Session, audit: Audit, username: str) -> bool:
    """Whether ``username`` saved the audit's answers (a draft or the submission)."""
    if audit.auditor == username:
        return True
    wrote = select(AuditEvent.id).where(
        AuditEvent.audit_id == audit.id,
        AuditEvent.username == username,
        AuditEvent.event.in_(("draft", "submitted")),
    )
    return s.execute(wrote.limit(1)).first() is not None


def _check_version(audit: Audit, expected: int) -> None:
    if audit.version != expected:
        raise Conflict(audit.updated_by, audit.updated_at, audit.version)


def save_audit(
    db: AppDB,
    scope: Scope,
    audit_id: int,
    version: int,
    answers: dict,
    grade: str | None,
    rationale: str | None,
    themes: list[str] | None,
    theme_note: str | None,
    submit: bool = False,
) -> Audit:
    """Save the auditor's form as a draft, or submit it (every question answered, a grade and
    its rationale). ``version`` is the one the form was loaded with."""
    config = get_config()
    answers = _checked_answers(config, answers)
    if themes is not None and not isinstance(themes, list):
        raise Invalid("themes are a list")
    themes = list(themes or [])
    if not all(isinstance(theme, str) for theme in themes) or set(themes) - set(config.themes):
        raise Invalid("unknown theme")
    # A theme once per audit: one sent three times counted as three audits in every theme
    # table (an adversarial pass, session 25).
    themes = list(dict.fromkeys(themes))
    if grade is not None and grade not in config.grades:
        raise Invalid(f"grade must be one of {', '.join(config.grades)}")
    rationale = _text(rationale, RATIONALE_MAX, "The rationale")
    theme_note = _text(theme_note, THEME_NOTE_MAX, "The note on themes")
    if submit:
        missing = unanswered(config, answers)
        if missing:
            raise Invalid(f"{len(missing)} question(s) unanswered: {', '.join(missing)}")
        if grade is None:
            raise Invalid("choose a grade")
        if not rationale:
            raise Invalid("the grade needs a rationale")
    try:
        with db.transaction() as s:
            audit = _load_for_write(s, scope, audit_id, can_audit, "save")
            _check_version(audit, version)
            if audit.status in FINAL:
                raise Invalid(f"the audit is {audit.status} and read-only")
            audit.answers = answers
            audit.grade, audit.rationale = grade, rationale or None
            audit.themes, audit.theme_note = themes, theme_note or None
            audit.auditor = scope.username
            audit.status = "submitted" if submit else "draft"
            audit.updated_by, audit.updated_at = scope.username, _now()
            if submit:
                audit.submitted_at = audit.updated_at
            s.flush()  # the version check happens here (UPDATE ... WHERE version = ?)
            _event(s, audit, scope, audit.status, grade if submit else None)
    except StaleDataError:
        current = get_audit(db, scope, audit_id, log_view=False)
        raise Conflict(current.updated_by, current.updated_at, current.version) from None
    log(
        scope,
        "audit_submit" if submit else "audit_draft",
        page="audits",
        case_id=audit.investigation_id,
        detail={"audit": audit_id, "grade": grade},
    )
    return audit


def moderate(
    db: AppDB, scope: Scope, audit_id: int, version: int, final_grade: str, reason: str | None
) -> Audit:
    """The moderator agrees with the grade or changes it (a reason is then required); the
    audit is final and read-only afterwards."""
    config = get_config()
    if final_grade not in config.grades:
        raise Invalid(f"grade must be one of {', '.join(config.grades)}")
    reason = _text(reason, NOTE_MAX, "The reason")
    try:
        with db.transaction() as s:
            audit = _load_for_write(s, scope, audit_id, can_moderate, "moderate")
            if _wrote(s, audit, scope.username):
                # The moderator is the auditor's check: someone whose role changed after they
                # drafted or submitted the audit does not judge their own work.
                raise _refuse(scope, "moderate your own audit", audit_id)
            _check_version(audit, version)
            if audit.status != "submitted":
                raise Invalid(
                    f"only a submitted audit can be moderated (this one is {audit.status})"
                )
            if final_grade != audit.grade and not reason:
                raise Invalid("say why the grade is changed")
            audit.final_grade, audit.moderation_reason = final_grade, reason or None
            audit.moderator, audit.moderated_at = scope.username, _now()
            audit.status = "moderated"
            audit.updated_by, audit.updated_at = scope.username, audit.moderated_at
            s.flush()
            verdict = "agreed" if final_grade == audit.grade else f"changed to {final_grade}"
            _event(s, audit, scope, "moderated", verdict)
    except StaleDataError:
        current = get_audit(db, scope, audit_id, log_view=False)
        raise Conflict(current.updated_by, current.updated_at, current.version) from None
    log(
        scope,
        "audit_moderate",
        page="audits",
        case_id=audit.investigation_id,
        detail={"audit": audit_id, "grade": audit.grade, "final": final_grade},
    )
    return audit


def add_feedback(
    db: AppDB, scope: Scope, audit_id: int, recipient: str, given_on: date, note: str | None
) -> AuditFeedback:
    """Record that feedback was given to the officer in charge or their supervisor."""
    if recipient not in RECIPIENTS:
        raise Invalid(f"recipient must be one of {', '.join(RECIPIENTS)}")
    note = _text(note, NOTE_MAX, "The note")
    today = _now().date()
    if not isinstance(given_on, date) or given_on > today:
        raise Invalid(f"feedback is given on or before today ({today:%d/%m/%Y})")
    with db.transaction() as s:
        audit = _load_for_write(s, scope, audit_id, can_give_feedback, "feedback")
        if audit.status not in FINAL:
            raise Invalid("feedback follows a submitted audit")
        # Given after the audit it is about (1901 and days before the case was sampled were
        # taken: an adversarial pass, session 25).
        submitted = audit.submitted_at.date() if audit.submitted_at else given_on
        if given_on < submitted:
            raise Invalid(
                f"feedback follows the audit: on or after {submitted:%d/%m/%Y}, when it was "
                "submitted"
            )
        fb = AuditFeedback(
            audit_id=audit_id,
            recipient=recipient,
            given_on=given_on,
            given_by=scope.username,
            note=note or None,
            recorded_at=_now(),
        )
        s.add(fb)
        _event(s, audit, scope, "feedback", f"to the {recipient} on {given_on:%d/%m/%Y}")
        case_id = audit.investigation_id
    log(
        scope,
        "audit_feedback",
        page="audits",
        case_id=case_id,
        detail={"audit": audit_id, "recipient": recipient},
    )
    return fb


# --- actions agreed at the PVP meeting -----------------------------------------------------------


def add_action(
    db: AppDB,
    scope: Scope,
    area: str | None,
    month: date,
    text: str,
    owner: str,
    due_on: date | None,
) -> AuditAction:
    if not can_record_actions(scope, area):
        raise _refuse(scope, "action", area=area)
    if area is not None and area not in data.settings().areas:
        raise Invalid(f"an action's area is one of {', '.join(data.settings().areas)}")
    text = _text(text, ACTION_MAX, "The action")
    owner = _text(owner, OWNER_MAX, "The owner")
    if not text or not owner:
        raise Invalid("an action needs its text and an owner")
    month = month.replace(day=1)
    if month > _now().date():
        raise Invalid("an action is agreed at a meeting on a month already begun")
    if due_on is not None and not month <= due_on <= month + timedelta(ACTION_DUE_WITHIN_DAYS):
        raise Invalid(
            f"an action falls due from {month:%d/%m/%Y} to "
            f"{month + timedelta(ACTION_DUE_WITHIN_DAYS):%d/%m/%Y}"
        )
    with db.transaction() as s:
        action = AuditAction(
            area=area,
            agreed_month=month,
            text=text,
            owner=owner,
            due_on=due_on,
            status="open",
            created_by=scope.username,
            created_at=_now(),
        )
        s.add(action)
    log(scope, "audit_action_add", page="pvp", detail={"area": area, "action": action.id})
    return action


def close_action(db: AppDB, scope: Scope, action_id: int, version: int) -> AuditAction:
    try:
        with db.transaction() as s:
            action = by_key(s, AuditAction, action_id)
            if action is None or not can_record_actions(scope, action.area):
                raise _refuse(scope, "close action", action=action_id)
            # Closed once, for good: a second close rewrote when and by whom, and the packs of
            # the months between carried it as open again (an adversarial pass, session 25).
            if action.closed_at is not None:
                raise Invalid(
                    f"action {action_id} was closed on {action.closed_at:%d/%m/%Y} by "
                    f"{action.closed_by}"
                )
            if action.version != version:
                raise Conflict(
                    action.closed_by or action.created_by,
                    action.closed_at or action.created_at,
                    action.version,
                )
            action.status, action.closed_by, action.closed_at = "closed", scope.username, _now()
    except StaleDataError:
        raise Conflict("someone else", _now(), -1) from None
    log(scope, "audit_action_close", page="pvp", detail={"action": action_id})
    return action


def still_open(db: AppDB, ids: list[int]) -> set[int]:
    """Of ``ids``, the actions not closed yet. A past month's pack shows an action closed
    after that month as open then; it is not offered for closing again."""
    if not ids:
        return set()
    with db.transaction() as s:
        return set(
            s.scalars(
                select(AuditAction.id).where(
                    AuditAction.id.in_(ids), AuditAction.closed_at.is_(None)
                )
            )
        )


def actions_by_id(db: AppDB, scope: Scope, action_id: int) -> AuditAction:
    with db.transaction() as s:
        action = by_key(s, AuditAction, action_id)
        if action is None or not can_record_actions(scope, action.area):
            raise _refuse(scope, "action", action=action_id)
        return action


def actions_for(db: AppDB, scope: Scope, month: date, areas: list[str]) -> list[AuditAction]:
    """Actions agreed up to ``month`` for the areas (and force-wide ones) that were not
    closed before it: carried from meeting to meeting until closed."""
    month = month.replace(day=1)
    wanted = [a for a in areas if a in scope.areas]
    with db.transaction() as s:
        rows = s.scalars(
            select(AuditAction)
            .where(AuditAction.agreed_month <= month)
            .order_by(AuditAction.agreed_month, AuditAction.id)
        )
        return [
            a
            for a in rows
            if (a.area is None or a.area in wanted)
            and (a.closed_at is None or month <= a.closed_at.date())
        ]
