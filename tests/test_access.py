"""Sign-in, server-side area scoping, the audit log and the server's hardening, tested the way
an attacker would try them: hand-made requests to every route and callback."""

from __future__ import annotations

import base64
import csv
import io
import sqlite3

import pandas as pd
import pytest
from conftest import PASSWORD, TRUSTED_PROXY, call, sign_in, use_warehouse

from etl.testing import FIXTURE_DAY

GRID = "..today-actions-grid.getRowsResponse...today-actions-count.children.."
ALL_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
AREA_OF = {"W": "West", "E": "East", "S": "South"}


def grid_ids(app, client, store: dict) -> set[str]:
    status, body = call(
        app,
        client,
        GRID,
        {"today-actions-grid.getRowsRequest": ALL_REQUEST, "today-filters.data": store},
    )
    assert status == 200, body
    rows = body["response"]["today-actions-grid"]["getRowsResponse"]["rowData"]
    return {r["investigation_id"].split("]")[0].lstrip("[") for r in rows}


def test_every_route_refuses_a_stranger(dash_app, client_for):
    client = dash_app.server.test_client()
    sign_in(client, "west")  # makes Dash register its routes and callbacks
    stranger = dash_app.server.test_client()
    paths = {"/", "/case/W-OVERDUE", "/child-related", "/quality", "/data-quality", "/audit",
             "/pvp", "/audits", "/audits/1", "/audit-results"}  # fmt: skip
    for rule in dash_app.server.url_map.iter_rules():
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "x").replace(f"<path:{arg}>", "x")
        paths.add(path)
    for path in sorted(paths):
        if path in ("/login", "/assets/bootstrap.min.css", "/assets/app.css"):
            continue
        response = stranger.get(path)
        assert response.status_code in (302, 401, 405), path
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), path
        for secret in (b"West CP 1", b"DC11", b"E-RESP"):  # fixture data
            assert secret not in response.data, path
    status, _ = call(dash_app, stranger, GRID, {"today-actions-grid.getRowsRequest": ALL_REQUEST})
    assert status == 401
    raw = stranger.post("/_dash-update-component", data=b"{}", content_type="application/json")
    assert raw.status_code == 401


def test_sign_in_wrong_password_rate_limit_and_sign_out(dash_app):
    client = dash_app.server.test_client()
    assert sign_in(client, "east", "wrong").status_code == 401
    assert sign_in(client, "nosuchuser", "wrong").status_code == 401
    ok = sign_in(client, "east")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302

    attacker = dash_app.server.test_client()
    for _ in range(5):
        assert sign_in(attacker, "locked", "guess").status_code == 401
    assert sign_in(attacker, "locked", "guess").status_code == 429
    assert sign_in(attacker, "locked", PASSWORD).status_code == 429  # even the right one


def test_sign_in_never_redirects_off_site(dash_app):
    client = dash_app.server.test_client()
    page = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    assert 'name="next" value="/"' in page


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("west", {"W-OVERDUE", "W-NEW", "W-DUE", "W-RESP"}),
        ("east", {"E-OVERDUE", "E-RESP"}),
        ("force", {"W-OVERDUE", "W-NEW", "W-DUE", "W-RESP", "E-OVERDUE", "E-RESP", "S-DUE"}),
        ("nobody", set()),
    ],
)
def test_crafted_callbacks_only_narrow_the_scope(dash_app, client_for, user, expected):
    client = client_for(user)
    for area in (None, ["West", "East", "South"], "East", "South", ["North"]):
        store = {"as_of": FIXTURE_DAY, **({"area": area} if area else {})}
        got = grid_ids(dash_app, client, store)
        wanted = {a for a in ([area] if isinstance(area, str) else area or AREA_OF.values())}
        assert got == {i for i in expected if AREA_OF[i[0]] in wanted}, (user, area)


def test_cards_are_scoped(dash_app, client_for):
    key = next(k for k in dash_app.callback_map if "panel-today-cards-body" in k)
    for user, overdue in (("west", "2"), ("east", "1"), ("nobody", "0"), ("force", "3")):
        status, body = call(
            dash_app, client_for(user), key, {"today-filters.data": {"as_of": FIXTURE_DAY}}
        )
        assert status == 200
        assert _card(body, "card-ds_review_overdue") == overdue, user


def _card(body, card_id):
    found = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") == card_id:
                found.append(props.get("children"))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(body)
    return found[0] if found else None


def test_an_east_case_answers_a_west_user_like_a_missing_case(dash_app, client_for):
    client = client_for("west")
    key = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    bodies = {}
    for case in ("E-OVERDUE", "NO-SUCH-CASE"):
        status, body = call(
            dash_app,
            client,
            key,
            {"_pages_location.pathname": f"/case/{case}", "_pages_location.search": ""},
        )
        assert status == 200
        bodies[case] = str(body).replace(case, "<id>")
    assert bodies["E-OVERDUE"] == bodies["NO-SUCH-CASE"]
    assert "E-OVERDUE" not in bodies["E-OVERDUE"]
    status, body = call(
        dash_app,
        client_for("east"),
        key,
        {"_pages_location.pathname": "/case/E-OVERDUE", "_pages_location.search": ""},
    )
    assert "Supervision timeline" in str(body)


def test_exports_are_scoped_and_audited(dash_app, client_for):
    key = next(k for k in dash_app.callback_map if k.startswith("today-actions-download"))
    client = client_for("west")
    status, body = call(
        dash_app,
        client,
        key,
        {
            "today-actions-export-csv.n_clicks": 1,
            "today-filters.data": {"as_of": FIXTURE_DAY, "area": ["East", "South", "West"]},
            "today-actions-grid.filterModel": {},
            "today-actions-grid.columnState": [],
        },
        changed="today-actions-export-csv.n_clicks",
    )
    assert status == 200
    download = body["response"]["today-actions-download"]["data"]
    text = base64.b64decode(download["content"]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["Case"] for r in rows} == {"W-OVERDUE", "W-NEW", "W-DUE", "W-RESP"}
    assert download["filename"].startswith("official-sensitive-")
    log = dash_app_audit(dash_app)
    exports = log[(log["event"] == "export") & (log["username"] == "west")]
    assert len(exports) >= 1 and '"rows": 4' in exports.iloc[0]["detail"]


def dash_app_audit(dash_app):
    from dashboard.access import auth

    return auth().audit.read()


def test_case_views_are_audited_and_the_log_cannot_be_changed(dash_app, client_for):
    client = client_for("east")
    key = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    call(dash_app, client, key, {"_pages_location.pathname": "/case/E-RESP"})
    log = dash_app_audit(dash_app)
    views = log[(log["event"] == "case_view") & (log["case_id"] == "E-RESP")]
    assert list(views["username"])[:1] == ["east"]
    from dashboard.access import auth

    con = sqlite3.connect(auth().audit.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE audit SET username = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit")
    con.close()
    # The app's only ways to write are sign-in, sign-out and callbacks; none edits the log.
    posts = {
        r.rule
        for r in dash_app.server.url_map.iter_rules()
        if r.methods and ({"POST", "PUT", "PATCH", "DELETE"} & set(r.methods))
    }
    assert posts <= {"/login", "/logout", "/_dash-update-component"}
    # Using the app (views, a case, an export, signing out) only adds entries: every earlier
    # one is still there as written (a read's counters may grow: reads are coalesced).
    fixed = ["id", "at", "username", "event", "page", "case_id", "detail", "address"]
    before = dash_app_audit(dash_app)[fixed].set_index("id")
    for user in ("east", "force"):
        client = client_for(user)
        for path in ("/", "/case/E-RESP", "/child-related", "/data-quality"):
            call(dash_app, client, key, {"_pages_location.pathname": path})
        export = next(k for k in dash_app.callback_map if k.startswith("today-actions-download"))
        call(dash_app, client, export, {"today-actions-export-csv.n_clicks": 1},
             "today-actions-export-csv.n_clicks")  # fmt: skip
        client.post("/logout")
    after = dash_app_audit(dash_app)[fixed].set_index("id")
    assert len(after) > len(before)
    pd.testing.assert_frame_equal(after.loc[before.index], before)


def test_the_audit_page_is_for_admins_only(dash_app, client_for):
    key = next(k for k in dash_app.callback_map if k.startswith("..audit-log-grid"))
    request = {"audit-log-grid.getRowsRequest": ALL_REQUEST, "audit-filters.data": {}}
    _, body = call(dash_app, client_for("admin"), key, request)
    assert body["response"]["audit-log-grid"]["getRowsResponse"]["rowCount"] > 0
    for user in ("west", "force"):
        _, body = call(dash_app, client_for(user), key, request)
        assert body["response"]["audit-log-grid"]["getRowsResponse"]["rowCount"] == 0


def test_quarantine_is_scoped(dash_app, client_for):
    key = next(k for k in dash_app.callback_map if k.startswith("..data-quarantine-rows-grid"))
    request = {"data-quarantine-rows-grid.getRowsRequest": ALL_REQUEST, "data-filters.data": {}}
    for user, expected in (
        ("west", set()),
        ("east", {"E-BAD", "R-EBAD"}),
        ("force", {"E-BAD", "R-EBAD", "I-BAD"}),
        ("nobody", set()),
    ):
        _, body = call(dash_app, client_for(user), key, request)
        rows = body["response"]["data-quarantine-rows-grid"]["getRowsResponse"]["rowData"]
        assert {r["record_id"] for r in rows} == expected, user


def test_trusted_header_only_from_a_trusted_proxy(dash_app):
    client = dash_app.server.test_client()
    header = {"X-Forwarded-User": "sso-west"}
    assert client.get("/", headers=header).status_code == 302  # from 127.0.0.1: ignored
    trusted = dash_app.server.test_client()
    trusted.environ_base["REMOTE_ADDR"] = TRUSTED_PROXY
    assert trusted.get("/", headers=header).status_code == 200
    assert trusted.get("/", headers={"X-Forwarded-User": "stranger"}).status_code == 302
    store = {"as_of": FIXTURE_DAY, "area": ["East", "West"]}
    ids = grid_ids(dash_app, _with_header(trusted, header), store)
    assert ids == {"W-OVERDUE", "W-NEW", "W-DUE", "W-RESP"}


class _with_header:
    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def post(self, *args, **kwargs):
        return self.client.post(*args, headers=self.headers, **kwargs)


def test_security_headers(dash_app, client_for):
    client = client_for("west")
    for path in ("/", "/login"):
        h = client.get(path).headers
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert "script-src 'self'" in h["Content-Security-Policy"]
        assert "unsafe-eval" not in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "DENY"
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_debug_is_off(dash_app):
    assert dash_app.server.debug is False


def test_pages_say_how_to_load_data_when_there_is_no_warehouse(
    dash_app, client_for, tmp_path, monkeypatch
):
    use_warehouse(monkeypatch, tmp_path / "none.duckdb")
    client = client_for("force")
    key = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    for path in ("/", "/child-related", "/quality", "/data-quality", "/case/X"):
        status, body = call(dash_app, client, key, {"_pages_location.pathname": path})
        assert status == 200, path
        assert "No data loaded yet" in str(body) and "python -m etl load" in str(body), path


def test_the_pvp_pack_is_scoped(dash_app, client_for):
    key = "pvp-body.children"
    west = client_for("west")
    status, body = call(
        dash_app, west, key, {"pvp-month.value": "2018-05-01", "pvp-area.value": "East"}
    )
    assert status == 200
    text = str(body)
    assert "No areas" in text and "E-OVERDUE" not in text
    _, body = call(dash_app, west, key, {"pvp-month.value": "2018-05-01", "pvp-area.value": "West"})
    assert "W-OVERDUE" in str(body) and "E-OVERDUE" not in str(body)
    assert "'href': '/case/W-OVERDUE'" in str(body)  # the longest-waiting cases link
    download = next(k for k in dash_app.callback_map if k.startswith("pvp-download"))
    status, body = call(
        dash_app, west, download,
        {"pvp-xlsx.n_clicks": 1, "pvp-month.value": "2018-05-01", "pvp-area.value": "__force__"},
        changed="pvp-xlsx.n_clicks",
    )  # fmt: skip
    assert status == 200
    log = dash_app_audit(dash_app)
    packs = log[(log["event"] == "pack") & (log["username"] == "west")]
    assert '"areas": ["West"]' in packs.iloc[0]["detail"]  # "whole force" narrowed to West


def test_the_session_key_is_made_once_and_readable_by_its_owner_only(dash_app):
    import stat

    from etl.settings import get_settings

    key = get_settings().secret_key_file
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32
    assert dash_app.server.secret_key == key.read_bytes()


def test_the_quality_drill_down_never_lists_another_areas_entries(dash_app, client_for):
    """A West user asks, by hand, for East's supervisor and East's area: nothing from East."""
    client_for("force").get("/_dash-layout")  # Dash fills its callback map on first use
    key = next(k for k in dash_app.callback_map if k.startswith("..quality-entries-grid"))

    def cases(user: str, store: dict) -> set[str]:
        request = {"quality-entries-grid.getRowsRequest": ALL_REQUEST,
                   "quality-entries-filters.data": store}  # fmt: skip
        status, body = call(dash_app, client_for(user), key, request)
        assert status == 200, body
        rows = body["response"]["quality-entries-grid"]["getRowsResponse"]["rowData"]
        return {r["investigation_id"].split("]")[0].lstrip("[") for r in rows}

    everything = {"as_of": FIXTURE_DAY}
    assert cases("force", {**everything, "reviewer": "DS24"}) == {"E-OVERDUE"}
    assert cases("west", {**everything, "reviewer": "DS24"}) == set()
    assert cases("west", {**everything, "area": ["East"]}) == set()
    assert cases("west", everything) <= {"W-OVERDUE", "W-NEW", "W-DUE", "W-RESP", "W-OK"}
    assert cases("nobody", everything) == set()


def test_each_role_is_shown_the_pages_that_hold_something_for_it(dash_app, client_for):
    """A newcomer's walk (session 25): the audit roles were shown Today, Child-related,
    Custody, Missing, Supervision quality and Data quality, each only a filter bar with no
    panel and no word, and the unit landed on an empty Today after signing in. Each role's
    navigation now holds the pages with something for it; such a page reached by address says
    so and links the role's own; and signing in lands on the first of them."""
    import json

    def nav(user: str) -> list[str]:
        shell = json.dumps(client_for(user).get("/_dash-layout").get_json())
        return [name for name in ("Today", "Child-related", "Custody", "Missing",
                                  "Supervision quality", "Data quality", "PVP meeting",
                                  "Audits", "Audit results") if f'"{name}"' in shell]  # fmt: skip

    everything = ["Today", "Child-related", "Custody", "Missing", "Supervision quality",
                  "Data quality", "PVP meeting", "Audits", "Audit results"]  # fmt: skip
    assert nav("west") == everything and nav("force") == everything
    for audit_role in ("ppu", "west-auditor", "west-moderator"):
        assert nav(audit_role) == ["PVP meeting", "Audits", "Audit results"], audit_role
    key = next(k for k in dash_app.callback_map if k.startswith(".._pages_content.children"))
    home = {"_pages_location.pathname": "/", "_pages_location.search": ""}
    status, body = call(dash_app, client_for("ppu"), key, home)
    page = json.dumps(body)
    assert status == 200 and "Nothing on this page is for your role (ppu)" in page
    assert '"/pvp"' in page and '"/audits"' in page and "today-filters" not in page
    landed = {u: sign_in(dash_app.server.test_client(), u).headers["Location"]
              for u in ("ppu", "west-auditor", "west")}  # fmt: skip
    assert landed == {"ppu": "/pvp", "west-auditor": "/pvp", "west": "/"}
