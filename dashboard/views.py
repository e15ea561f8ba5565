"""Saved views: a user's named filters for one page, kept in the application database.

A view is the page's address query (the filters-in-the-address of every panel page), so a view
is also a link that can be shared: whoever opens it sees it within their own areas (the page
checks the address as it checks any other). One view per page may be the user's default: the
page opens with it when its address asks for nothing.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlencode

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from dashboard import inputs
from dashboard.appdb import AppDB
from dashboard.appdb.models import SavedView, by_key

NAME_MAX = 80
PER_PAGE_MAX = 50
# Pages with filters, by their path (their views' links).
PAGES = {
    "today": "/", "child": "/child-related", "quality": "/quality",
    "quality-entries": "/quality/entries", "data": "/data-quality",
}  # fmt: skip


class Invalid(ValueError):
    """A view that cannot be saved (no name, too long, too many, a name already used)."""


# What a view keeps: the page controls' own keys, bounded as the callbacks bound them.
# Without the as-of day: a view is what to look at, and it follows the newest data (a link to
# one day is the page's own address).
KEPT = frozenset(inputs.Store.model_fields) - {"as_of"}


def query_text(store: dict | None) -> str:
    """A filter store as an address query: checked as the callbacks check it, only the keys
    of the page controls (``KEPT``; anything else in a crafted store is dropped, however
    long), keys sorted."""
    inputs.filters(store)  # refuses what no page could send
    pairs = []
    for key, value in sorted((store or {}).items()):
        if key not in KEPT:
            continue
        for v in value if isinstance(value, list) else [value]:
            if v not in (None, ""):
                pairs.append((key, str(v)))
    return urlencode(pairs)


def as_query(text: str) -> dict:
    """A stored query back into the ``query`` a page's layout is given."""
    return {k: v if len(v) > 1 else v[0] for k, v in parse_qs(text).items()}


def link(view: SavedView) -> str:
    path = PAGES.get(view.page, "/")
    return f"{path}?{view.query}" if view.query else path


def save(
    db: AppDB, username: str, page: str, name: str, store: dict | None, default: bool = False
) -> SavedView:
    if page not in PAGES:
        raise Invalid("this page has no views")
    name = (name or "").strip()
    if not name:
        raise Invalid("give the view a name")
    if len(name) > NAME_MAX:
        raise Invalid(f"a view's name is at most {NAME_MAX} characters")
    view = SavedView(
        username=username,
        page=page,
        name=name,
        query=query_text(store),
        is_default=False,
        created_at=datetime.now().replace(microsecond=0),
    )
    try:
        with db.transaction() as s:
            count = s.scalar(
                select(func.count())
                .select_from(SavedView)
                .where(SavedView.username == username, SavedView.page == page)
            )
            if count >= PER_PAGE_MAX:
                raise Invalid(f"at most {PER_PAGE_MAX} views a page: delete one first")
            s.add(view)
    except IntegrityError as exc:
        raise Invalid(f"you already have a view called '{name}' here") from exc
    if default:
        set_default(db, username, view.id)
    return view


def list_for(db: AppDB, username: str, page: str | None = None) -> list[SavedView]:
    with db.transaction() as s:
        q = select(SavedView).where(SavedView.username == username)
        if page is not None:
            q = q.where(SavedView.page == page)
        return list(s.scalars(q.order_by(SavedView.page, SavedView.name)))


def _own(s, username: str, view_id: int) -> SavedView:
    view = by_key(s, SavedView, view_id)
    if view is None or view.username != username:
        raise Invalid("no such view of yours")
    return view


def set_default(db: AppDB, username: str, view_id: int | None, page: str | None = None) -> None:
    """Make one of the user's views their default for its page (``None``: no default on
    ``page``)."""
    with db.transaction() as s:
        if view_id is not None:
            page = _own(s, username, view_id).page
        s.execute(
            update(SavedView)
            .where(SavedView.username == username, SavedView.page == page)
            .values(is_default=SavedView.id == view_id if view_id is not None else False)
        )


def delete(db: AppDB, username: str, view_id: int) -> None:
    with db.transaction() as s:
        s.delete(_own(s, username, view_id))


def default_for(db: AppDB, username: str, page: str) -> SavedView | None:
    with db.transaction() as s:
        return s.scalars(
            select(SavedView).where(
                SavedView.username == username,
                SavedView.page == page,
                SavedView.is_default.is_(True),
            )
        ).first()
