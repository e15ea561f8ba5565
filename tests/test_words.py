"""Every text that states a threshold, a rank group or an age is made from the settings: with
non-default settings, no page, no panel, no pack (its PDF's HTML and its workbook) says a
default value. A force that reviews every 21 days must never read "28 days"."""

from __future__ import annotations

import io
import json
from datetime import date

import dash
import openpyxl
import plotly.io as pio
import pytest
from conftest import call

from dashboard import data, pack, words
from dashboard.panels import Context, discover
from dashboard.scope import Filters, Scope

FORCE = Scope("force", "force", ("West", "East", "South"))
OTHER = {
    "review_window_days": 21,
    "due_soon_days": 5,
    "child_age_under": 16,
    "ds_review_ranks": ["DI", "DCI"],
    "supervisor_ranks": ["INSP", "DI", "CI", "DCI"],
    # The inspection's other checks (issue 17).
    "unallocated_hours": 36,
    "rhi_hours": 60,
    "night_from_hour": 21,
    "repeat_missing_days": 60,
    "theme_days": 45,
    # The supervision-quality tables (session 25: their window and small-numbers note were typed).
    "quality_window_days": 35,
    "min_entries_for_share": 12,
    # The PVP pack's new response child cases (session 25: "within 1 and 7 days" was typed).
    "response_entry_within_days": [2, 10],
    # The case audits' draw (it said "ten" cases a month, typed).
    "audit_cases_per_area": 12,
}
# What the default settings would put in a text (28-day window, 7 days due soon, under 18,
# DS-and-above and PS-and-above rank groups), and the words it was written in before.
DEFAULT_WORDS = (
    "28 days", "28-day", "due within 7 days", "22 days", "under 18", "DS, DI, DCI, DSUPT",
    "PS, DS, INSP", "DS or above", "sergeant or above", "PS and above",
    "48 hours", "72 hours", "22:00 to 06:00", "in 90 days", "the 90 days", "last 90 days",
    "fewer than 10 entries", "within 1 day", "1 and 7 days", "1 or 7 days", "audits ten",
    "audits 10",
)  # fmt: skip
# What the non-default settings must put there instead (so the texts are really looked at).
OTHER_WORDS = (
    "21 days", "due within 5 days", "under 16", "DI, DCI", "INSP, DI, CI, DCI",
    "36 hours", "60 hours", "21:00 to 06:00", "in 60 days", "the 45 days", "last 35 days",
    "fewer than 12 entries", "within 2 days", "within 10 days", "2 and 10 days", "2 or 10 days",
    "audits 12 child-related cases",
)  # fmt: skip


@pytest.fixture
def other_settings(dash_app, monkeypatch):
    other = data.settings().model_copy(update=OTHER)
    monkeypatch.setattr(data, "settings", lambda: other)
    return other


def _text(value) -> str:
    return json.dumps(json.loads(pio.json.to_json_plotly(value)), ensure_ascii=False)


def _page(app, client, path: str) -> str:
    key = next(k for k in app.callback_map if k.startswith(".._pages_content.children"))
    status, body = call(
        app, client, key, {"_pages_location.pathname": path, "_pages_location.search": ""}
    )
    assert status == 200, path
    return _text(body)


def _pvp_body(app, client, month: date) -> str:
    key = next(k for k in app.callback_map if k.startswith("pvp-body.children"))
    status, body = call(app, client, key, {"pvp-month.value": month.isoformat(),
                                           "pvp-area.value": "__force__"})  # fmt: skip
    assert status == 200
    return _text(body)


def _workbook_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def test_no_text_states_a_default_setting_when_the_settings_differ(
    dash_app, client_for, other_settings
):
    client = client_for("force")
    client.get("/_dash-layout")  # Dash fills callback_map on the first request
    texts: dict[str, str] = {}
    for page in dash.page_registry.values():
        path = page["path_template"] or page["path"]
        if "<audit_id>" in path:
            # An audit shows the figures measured when its case was sampled, with the window
            # they were measured with; its questions are checked below.
            continue
        path = path.replace("<investigation_id>", "E-OVERDUE")
        texts[path] = _page(dash_app, client, path)
    ctx = Context(FORCE, Filters(), date(2018, 6, 30))
    for panel in discover().values():
        texts[f"panel {panel.id}"] = panel.describe(other_settings) + (
            "" if panel.table else _text(panel.render(ctx))
        )
    month = data.default_month()
    texts["pvp body"] = _pvp_body(dash_app, client, month)
    p = pack.build(FORCE, month)
    charts = [(title, b"") for title, _fig in pack.figures(p)]
    texts["pack pdf (html)"] = pack.to_html(p, charts)
    texts["pack workbook"] = _workbook_text(pack.to_excel(p))
    texts["audit questions"] = _text(_audit_questions())

    for where, text in texts.items():
        for default in DEFAULT_WORDS:
            assert default not in text, f"{where} says {default!r}"
    everything = "\n".join(texts.values())
    for wanted in OTHER_WORDS:
        assert wanted in everything, wanted
    # Each place that states the window says the running one.
    assert "Review gaps over 21 days" in texts["pack pdf (html)"]
    assert "Review gaps over 21 days" in texts["pack workbook"]
    assert "victim or suspect is under 16" in texts["/child-related"]


def _audit_questions():
    from types import SimpleNamespace

    from dashboard.audits.config import get_config
    from dashboard.pages.audit_form import question_block

    return question_block(get_config(), SimpleNamespace(answers={}), editable=False)


def test_words_for_the_defaults_are_the_documented_ones(settings):
    # The same functions with the defaults say what the README and the inspectorate say.
    assert words.gaps_over(settings) == "Review gaps over 28 days"
    assert words.card_titles(settings)["ds_review_due_soon"] == "DS reviews due within 7 days"
    assert words.reason_words(settings)["child_victim"] == "victim under 18"
    assert words.fill("every {review_window_days} days by {ds_review_ranks}", settings) == (
        "every 28 days by DS, DI, DCI, DSUPT"
    )
    assert words.fill("{not_a_setting}", settings) == "{not_a_setting}"
