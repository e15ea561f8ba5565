"""Case audits in the running app: the form starts unmarked and refuses an incomplete submit,
two sessions cannot overwrite each other, and another area's auditor is refused (and logged)
whatever they send. Hand-made callback requests, as an attacker would send them."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import call
from sqlalchemy import select

from dashboard.appdb.models import Audit, AuditSample
from dashboard.audits import app_db, service
from dashboard.audits.config import get_config
from dashboard.scope import Scope

MONTH = date(2018, 7, 1)
PAGE = ".._pages_content.children"


def new_audit(area: str, case: str, month: date = MONTH) -> Audit:
    """A fresh audit of ``case`` in the app's database (one stored sample for the month)."""
    db = app_db()
    with db.transaction() as s:
        sample = s.scalar(select(AuditSample).where(AuditSample.month == month))
        if sample is None:
            sample = AuditSample(
                month=month,
                seed=1,
                interest_category="response_child",
                as_of=date(2018, 6, 28),
                cases_per_area=10,
                empty_categories=[],
                drawn_by="test",
                drawn_at=datetime.now(),
            )
            s.add(sample)
            s.flush()
        snap = service.snapshot(
            Scope("t", "ppu", ("West", "East", "South")), case, date(2018, 6, 28)
        )
        audit = Audit(
            sample_id=sample.id,
            month=month,
            area=area,
            category="child_abuse",
            investigation_id=case,
            team=snap["record"]["team"],
            snapshot=snap,
            status="sampled",
            answers={},
            themes=[],
            updated_by="test",
            updated_at=datetime.now(),
        )
        s.add(audit)
    return audit


def read(audit_id: int) -> Audit:
    with app_db().transaction() as s:
        return s.get(Audit, audit_id)


def components(node, wanted_type: str) -> list[dict]:
    """The props of every component in a callback response whose id has ``type``."""
    found = []
    if isinstance(node, dict):
        props = node.get("props", {})
        if isinstance(props.get("id"), dict) and props["id"].get("type") == wanted_type:
            found.append(props)
        for v in node.values():
            found += components(v, wanted_type)
    elif isinstance(node, list):
        for v in node:
            found += components(v, wanted_type)
    return found


def page_json(dash_app, client, path: str) -> dict:
    key = next(k for k in dash_app.callback_map if k.startswith(PAGE))
    status, body = call(
        dash_app, client, key, {"_pages_location.pathname": path, "_pages_location.search": ""}
    )
    assert status == 200
    return body


def page(dash_app, client, path: str) -> str:
    key = next(k for k in dash_app.callback_map if k.startswith(PAGE))
    status, body = call(
        dash_app, client, key, {"_pages_location.pathname": path, "_pages_location.search": ""}
    )
    assert status == 200
    return str(body)


def all_answered(answer: str = "yes") -> dict:
    return {q.key: {"answer": answer, "note": f"note {q.key}"} for q in get_config().questions}


def save(dash_app, client, audit_id, version, answers, grade=None, rationale="", submit=False):
    """POST the form's save callback exactly as the browser does (pattern-matching states)."""
    key = next(k for k in dash_app.callback_map if "audits-message.children" in k)
    cb = dash_app.callback_map[key]
    keys = [q.key for q in get_config().questions]
    answer_ids = [{"type": "audits-answer", "q": k} for k in keys]
    note_ids = [{"type": "audits-note", "q": k} for k in keys]
    body = {
        "output": key,
        "outputs": [{"id": o.component_id, "property": o.component_property} for o in cb["output"]],
        "inputs": [
            {"id": "audits-save", "property": "n_clicks", "value": None if submit else 1},
            {"id": "audits-submit", "property": "n_clicks", "value": 1 if submit else None},
        ],
        "state": [
            [
                {"id": i, "property": "value", "value": (answers.get(i["q"]) or {}).get("answer")}
                for i in answer_ids
            ],
            [{"id": i, "property": "id", "value": i} for i in answer_ids],
            [
                {"id": i, "property": "value", "value": (answers.get(i["q"]) or {}).get("note", "")}
                for i in note_ids
            ],
            [{"id": i, "property": "id", "value": i} for i in note_ids],
            {"id": "audits-grade", "property": "value", "value": grade},
            {"id": "audits-rationale", "property": "value", "value": rationale},
            {"id": "audits-themes", "property": "value", "value": ["supervision quality"]},
            {"id": "audits-theme-note", "property": "value", "value": ""},
            {
                "id": "audits-state",
                "property": "data",
                "value": {"id": audit_id, "version": version},
            },
        ],
        "changedPropIds": ["audits-submit.n_clicks" if submit else "audits-save.n_clicks"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return str(response.get_json(silent=True) or {})


def access_log(dash_app) -> list[tuple]:
    import os

    con = sqlite3.connect(Path(os.environ["PVP_AUDIT_PATH"]))
    try:
        return con.execute("SELECT username, event, case_id, detail FROM audit").fetchall()
    finally:
        con.close()


def test_the_form_starts_unmarked_and_cannot_be_submitted_incomplete(dash_app, client_for):
    audit = new_audit("West", "W-OVERDUE")
    client = client_for("west-auditor")
    body = page(dash_app, client, f"/audits/{audit.id}")
    assert "W-OVERDUE" in body and "Measured supervision" in body
    radios = components(page_json(dash_app, client, f"/audits/{audit.id}"), "audits-answer")
    assert len(radios) == len(get_config().questions)
    assert [r.get("value") for r in radios] == [None] * len(radios)  # none pre-marked
    answers = all_answered()
    del answers["childs_voice"]
    out = save(dash_app, client, audit.id, 1, answers, "good", "Fine.", submit=True)
    assert "1 question(s) unanswered: childs_voice" in out
    out = save(dash_app, client, audit.id, 1, all_answered(), "good", "  ", submit=True)
    assert "the grade needs a rationale" in out
    assert read(audit.id).status == "sampled" and read(audit.id).version == 1
    out = save(dash_app, client, audit.id, 1, answers, "good", "")  # a draft may be partial
    assert "Draft saved" in out and read(audit.id).status == "draft"
    out = save(dash_app, client, audit.id, 2, all_answered(), "good", "Timely.", submit=True)
    after = read(audit.id)
    assert (after.status, after.grade, after.auditor, after.version) == (
        "submitted",
        "good",
        "west-auditor",
        3,
    )
    assert (
        save(dash_app, client, audit.id, 3, all_answered("no"), "inadequate", "x").count(
            "read-only"
        )
        == 1
    )


def test_two_sessions_editing_one_audit_lose_nothing(dash_app, client_for):
    audit = new_audit("West", "W-DUE")
    first, second = client_for("west-auditor"), client_for("west-auditor-2")
    # Both open the form at version 1.
    assert "Draft saved" in save(
        dash_app, first, audit.id, 1, {"risk": {"answer": "no", "note": "A's note"}}
    )
    out = save(dash_app, second, audit.id, 1, {"risk": {"answer": "yes", "note": "B's note"}})
    now = read(audit.id)
    assert f"changed by west-auditor at {now.updated_at:%H:%M}" in out and "reload" in out
    assert "'audits-state'" not in out  # the form (and what B typed) is left alone
    assert now.answers["risk"] == {"answer": "no", "note": "A's note"} and now.version == 2
    # B reloads (version 2) and saves: nothing of A's is lost unless B changes it.
    out = save(
        dash_app, second, audit.id, 2, {**now.answers, "plan": {"answer": "partly", "note": "B"}}
    )
    final = read(audit.id)
    assert "Draft saved" in out and final.version == 3
    assert final.answers["risk"]["note"] == "A's note" and final.answers["plan"]["note"] == "B"


def test_an_east_auditor_cannot_read_or_write_a_west_audit(dash_app, client_for):
    audit = new_audit("West", "W-OK")
    east = client_for("east-auditor")
    body = page(dash_app, east, f"/audits/{audit.id}")
    missing = page(dash_app, east, "/audits/999999")
    assert "Audit not found" in body and "W-OK" not in body and "West CP 1" not in body
    assert body.replace(f"No audit {audit.id} ", "No audit N ") == missing.replace(
        "No audit 999999 ", "No audit N "
    )
    before = len(access_log(dash_app))
    out = save(dash_app, east, audit.id, 1, all_answered(), "good", "Looks fine.", submit=True)
    assert "No such audit in your areas" in out
    out = save(dash_app, client_for("west-moderator"), audit.id, 1, all_answered())
    assert "No such audit in your areas" in out
    after = read(audit.id)
    assert (after.status, after.answers, after.version, after.grade) == ("sampled", {}, 1, None)
    refused = [r for r in access_log(dash_app)[before:] if r[1] == "audit_refused"]
    assert {r[0] for r in refused} == {"east-auditor", "west-moderator"}
    # The page view was refused and logged too.
    assert any(r[0] == "east-auditor" and r[1] == "audit_refused" for r in access_log(dash_app))


def test_moderation_and_feedback_are_checked_on_the_server(dash_app, client_for):
    audit = new_audit("West", "W-NEW")
    west = Scope("west-auditor", "auditor", ("West",))
    service.save_audit(
        app_db(), west, audit.id, 1, all_answered(), "good", "ok", [], None, submit=True
    )
    key = next(k for k in dash_app.callback_map if "audits-mod-message.children" in k)
    values = {
        "audits-moderate.n_clicks": 1,
        "audits-mod-grade.value": "inadequate",
        "audits-mod-reason.value": "No DS review for 58 days.",
        "audits-state.data": {"id": audit.id, "version": 2},
    }
    _, body = call(dash_app, client_for("east-moderator"), key, values)
    assert "No such audit" in str(body) and read(audit.id).status == "submitted"
    _, body = call(
        dash_app, client_for("west-moderator"), key, {**values, "audits-mod-reason.value": ""}
    )
    assert "say why the grade is changed" in str(body)
    _, body = call(dash_app, client_for("west-moderator"), key, values)
    done = read(audit.id)
    assert (done.status, done.final_grade, done.moderator) == (
        "moderated",
        "inadequate",
        "west-moderator",
    )
    with pytest.raises(service.Invalid, match="read-only"):
        service.save_audit(
            app_db(), west, audit.id, done.version, all_answered(), "good", "x", [], None
        )
    fb = service.add_feedback(
        app_db(),
        Scope("west-moderator", "moderator", ("West",)),
        audit.id,
        "supervisor",
        date.today(),
        "Discussed with DS14",
    )
    assert fb.given_by == "west-moderator"
    with pytest.raises(service.Refused):
        service.add_feedback(
            app_db(),
            Scope("east-moderator", "moderator", ("East",)),
            audit.id,
            "officer",
            date(2018, 7, 20),
            None,
        )
    events = [e.event for e in service.get_audit(app_db(), west, audit.id).events]
    assert events == ["submitted", "moderated", "feedback"]
    log = access_log(dash_app)
    assert ("west-moderator", "audit_moderate", "W-NEW") in [r[:3] for r in log]


def test_the_pvp_pack_shows_the_months_audit_outcomes_and_open_actions(dash_app, client_for):
    import io

    import pandas as pd

    from dashboard import pack

    # A month the data holds: the page makes no pack for one after it (session 24).
    may = date(2018, 5, 1)
    audit = new_audit("East", "E-OVERDUE", may)
    east = Scope("east-auditor", "auditor", ("East",))
    service.save_audit(
        app_db(),
        east,
        audit.id,
        1,
        all_answered("partly"),
        "good",
        "Seen.",
        ["supervision frequency"],
        None,
        submit=True,
    )
    service.moderate(
        app_db(),
        Scope("east-moderator", "moderator", ("East",)),
        audit.id,
        2,
        "requires improvement",
        "A 58-day gap without a DS review.",
    )
    service.add_action(
        app_db(),
        Scope("ppu", "ppu", ("West", "East", "South")),
        "East",
        may,
        '=HYPERLINK("x") brief East DSs',
        "DI East",
        None,
    )
    p = pack.build(Scope("force", "force", ("West", "East", "South")), may, ["East"])
    grades = p.audit_grades.set_index("area")
    assert grades.loc["East", "requires improvement"] >= 1
    assert "supervision frequency" in list(p.audit_themes["theme"])
    assert "brief East DSs" in " ".join(p.audit_actions["text"])  # agreed in May, still open
    assert "agree on" in p.audit_note
    sheets = pd.read_excel(io.BytesIO(pack.to_excel(p)), sheet_name=None)
    assert sheets["Actions agreed"]["text"].iloc[0].startswith("'=HYPERLINK")
    # The PVP page shows the same section.
    key = next(k for k in dash_app.callback_map if k.startswith("pvp-body.children"))
    _, body = call(
        dash_app,
        client_for("east"),
        key,
        {"pvp-month.value": "2018-05-01", "pvp-area.value": "East"},
    )
    assert "Audit outcomes, May 2018" in str(body) and "brief East DSs" in str(body)


def test_only_the_ppu_can_draw_and_only_moderators_record_their_areas_actions(dash_app, client_for):
    from dashboard.appdb.models import AuditAction

    key = next(k for k in dash_app.callback_map if "audits-sample-message.children" in k)
    values = {
        "audits-sample-draw.n_clicks": 1,
        "audits-sample-month.value": "2018-06",
        "audits-sample-interest.value": "response_child",
        "audits-sample-seed.value": 4,
    }
    for user in ("west-auditor", "west-moderator", "force", "admin"):
        _, body = call(dash_app, client_for(user), key, values)
        assert "Only the public protection unit" in str(body), user
    assert service.get_sample(app_db(), date(2018, 6, 1)) is None
    _, body = call(dash_app, client_for("ppu"), key, values)
    assert "seed 4" in str(body) and service.get_sample(app_db(), date(2018, 6, 1)) is not None

    key = next(k for k in dash_app.callback_map if "pvp-action-message.children" in k)
    values = {
        "pvp-action-add.n_clicks": 1,
        "pvp-action-text.value": "Crafted",
        "pvp-action-owner.value": "me",
        "pvp-action-area.value": "West",
        "pvp-month.value": "2018-05-01",
        "pvp-area.value": "West",
    }
    for user in ("east-moderator", "west-auditor", "west", "force"):
        _, body = call(dash_app, client_for(user), key, values, changed="pvp-action-add.n_clicks")
        assert "Not allowed" in str(body), user
    with app_db().transaction() as s:
        assert s.scalar(select(AuditAction).where(AuditAction.text == "Crafted")) is None
    _, body = call(
        dash_app, client_for("west-moderator"), key, values, changed="pvp-action-add.n_clicks"
    )
    assert "Saved." in str(body)
    refused = [r for r in access_log(dash_app) if r[1] == "audit_refused"]
    assert {"west-auditor", "east-moderator", "force"} <= {r[0] for r in refused}


def test_a_crafted_form_is_answered_with_a_message_not_a_500(dash_app, client_for):
    """A number where the form sends text (an adversarial pass: 500s from .strip())."""
    audit = new_audit("West", "W-DUE")
    client = client_for("west-auditor")
    said = save(dash_app, client, audit.id, read(audit.id).version, all_answered(), "good", 7)
    assert "The rationale must be text" in said
    crafted = {**all_answered(), "risk": {"answer": "yes", "note": 5}}
    said = save(dash_app, client, audit.id, read(audit.id).version, crafted, "good", "ok")
    assert "risk: the note must be text" in said
    assert read(audit.id).version == 1  # nothing stored


def test_the_results_page_counts_themes_over_its_twelve_months_only(dash_app, client_for):
    """A sixth adversarial pass (session 17): the themes and the human-against-measured
    comparison counted every audit ever made under a heading of "twelve months to ...", so an
    audit from years before changed them. One graded far outside the window changes nothing."""
    config = get_config()

    def results_page() -> str:
        values = {"_pages_location.pathname": "/audit-results", "_pages_location.search": ""}
        key = next(k for k in dash_app.callback_map if k.startswith(PAGE))
        status, body = call(dash_app, client_for("ppu"), key, values)
        assert status == 200
        return str(body)

    new_audit("West", "W-OVERDUE")  # a sampled month of 2018 or later ends the window
    before = results_page()
    assert "results-themes" in before
    # Entry grades are measured (issue 12): the page said they would "appear here once" they
    # were (an adversarial pass, session 25).
    assert "appear here" not in before and "Entry grades: the case" in before
    old = new_audit("West", "W-OVERDUE", month=date(2015, 1, 1))
    with app_db().transaction() as s:
        audit = s.get(Audit, old.id)
        audit.status, audit.grade = "submitted", config.grades[-1]
        audit.themes = [config.themes[0]]
    assert results_page() == before


def test_the_audits_list_says_when_no_sample_has_been_drawn(dash_app):
    """A newcomer's walk (session 25): before any draw the list said "None in your areas",
    as if the areas were wrong."""
    from dashboard.pages.audits import worklist

    assert "No sample has been drawn yet" in str(worklist([], drawn=False))
    assert "None in your areas" in str(worklist([]))
