"""Saved views on SQLite and a real PostgreSQL: named filters per user and page, one default
per page, links that are the page's own address, and what cannot be saved."""

from __future__ import annotations

import pytest

from dashboard import inputs, views


@pytest.fixture
def db(appdb):
    return appdb


def test_a_view_is_the_pages_address_and_one_default_per_page(db):
    west = {"area": "West", "team_type": "cse", "follow_up": "not_acted", "as_of": "2018-06-30"}
    mine = views.save(db, "west", "today", "  My CSE cases ", west, default=True)
    assert mine.name == "My CSE cases"
    # Not the day: a view follows the newest data.
    assert views.link(mine) == "/?area=West&follow_up=not_acted&team_type=cse"
    assert views.as_query(mine.query) == {k: v for k, v in west.items() if k != "as_of"}
    other = views.save(db, "west", "today", "Overdue", {"area": "West"}, default=True)
    views.save(db, "west", "quality", "Team", {"team": "West CP 1"}, default=True)
    assert views.default_for(db, "west", "today").id == other.id  # one default a page
    assert views.default_for(db, "west", "quality").name == "Team"
    assert views.default_for(db, "east", "today") is None
    views.set_default(db, "west", None, "today")
    assert views.default_for(db, "west", "today") is None
    assert [v.name for v in views.list_for(db, "west", "today")] == ["My CSE cases", "Overdue"]


def test_what_cannot_be_saved_is_said_and_views_are_the_owners(db):
    views.save(db, "west", "today", "Mine", {})
    with pytest.raises(views.Invalid, match="already"):
        views.save(db, "west", "today", "Mine", {"area": "West"})
    with pytest.raises(views.Invalid, match="name"):
        views.save(db, "west", "today", "  ", {})
    with pytest.raises(views.Invalid, match="80"):
        views.save(db, "west", "today", "x" * 81, {})
    with pytest.raises(views.Invalid, match="no views"):
        views.save(db, "west", "case", "x", {})
    with pytest.raises(inputs.BadInput):
        views.save(db, "west", "today", "bad", {"follow_up": "everything"})
    theirs = views.list_for(db, "west")[0]
    with pytest.raises(views.Invalid, match="no such view"):
        views.delete(db, "east", theirs.id)
    with pytest.raises(views.Invalid, match="no such view"):
        views.set_default(db, "east", theirs.id)
    views.delete(db, "west", theirs.id)
    assert views.list_for(db, "west") == []


def test_a_view_keeps_only_the_page_controls_keys_however_long_the_rest(db):
    """An adversarial pass saved a crafted store with a 5 MB key no control has: it was kept,
    and the My settings page then carried it. Only the controls' keys are kept, each bounded
    as the callbacks bound it."""
    crafted = {"area": "West", "zz": "x" * 5_000_000, "nested": {"a": [1, 2]}, "check": "no_plan"}
    view = views.save(db, "west", "today", "crafted", crafted)
    assert view.query == "area=West&check=no_plan"
    assert set(views.KEPT) == {
        "area", "team", "team_type", "officer_id", "reviewer", "follow_up", "check"
    }  # fmt: skip
    with pytest.raises(inputs.BadInput):
        views.save(db, "west", "today", "long", {"team": "x" * 201})
