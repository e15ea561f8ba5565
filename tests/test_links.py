"""Case ids with characters that mean something in a URL or in markdown (spaces, <, ", /, ], ()
link from the grid to their case page, and the page opens the case the link names."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from conftest import call, use_warehouse
from markdown_it import MarkdownIt

ODD_IDS = ["A B", "x<y>", 'q"d', "a/b", "a]b(c)", "-1", "3. x", "*b*", "50%25"]
ALL_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


def _link(markdown: str) -> tuple[str, str]:
    """(href, text) of the single link in ``markdown``, as a markdown renderer reads it."""
    tokens = MarkdownIt().parseInline(markdown)[0].children
    kinds = [t.type for t in tokens]
    assert kinds == ["link_open", "text", "link_close"], (markdown, kinds)
    return tokens[0].attrs["href"], tokens[1].content


@pytest.mark.parametrize("case_id", ODD_IDS)
def test_a_markdown_link_keeps_its_text_and_href_whole(case_id):
    from dashboard.grid import markdown_link

    href, text = _link(markdown_link(case_id, "/case/"))
    assert text == case_id
    assert href == "/case/" + quote(case_id, safe="")


def _case_title(body) -> str | None:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == "case-title":
                found.append(node["props"]["children"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(body)
    return found[0] if found else None


def test_odd_case_ids_open_from_the_grids_links(dash_app, client_for, load_rows, db, monkeypatch):
    load_rows(
        investigations=[
            {"investigation_id": i, "team": "West CP", "team_type": "child_protection"}
            for i in ODD_IDS
        ]
    )
    use_warehouse(monkeypatch, db)
    client = client_for("force")
    grid = next(k for k in dash_app.callback_map if k.startswith("..child-list-grid"))
    status, body = call(
        dash_app, client, grid,
        {"child-list-grid.getRowsRequest": ALL_REQUEST, "child-filters.data": {}},
    )  # fmt: skip
    assert status == 200, body
    rows = body["response"]["child-list-grid"]["getRowsResponse"]["rowData"]
    links = dict(_link(r["investigation_id"])[::-1] for r in rows)
    assert set(links) == set(ODD_IDS)
    page = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    for case_id, href in links.items():
        path, _, search = href.partition("?")
        assert search.startswith("as_of="), href  # the list's day travels with the link
        status, body = call(
            dash_app, client, page,
            {"_pages_location.pathname": path, "_pages_location.search": f"?{search}"},
        )  # fmt: skip
        assert status == 200, href
        assert _case_title(body) == f"Case {case_id}", (href, json.dumps(body)[:300])


def test_the_case_pages_own_day_opens_the_same_case_then_and_keeps_the_way_back(
    dash_app, client_for
):
    client = client_for("force")
    client.get("/_dash-layout")
    key = next(k for k in dash_app.callback_map if k.startswith("case-go.href"))
    status, body = call(
        dash_app, client, key,
        {"case-as-of.date": "2018-06-01", "case-title.children": "Case E-OVERDUE",
         "case-from.data": "/?area=East&as_of=2018-06-30"},
        changed="case-as-of.date",
    )  # fmt: skip
    assert status == 200, body
    href = body["response"]["case-go"]["href"]
    assert href == "/case/E-OVERDUE?as_of=2018-06-01&from=%2F%3Farea%3DEast%26as_of%3D2018-06-30"
