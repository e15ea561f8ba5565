"""How a page is put together from its panels, and the callbacks every page shares.

A page module calls ``page_layout(page, ...)`` in its layout function; ``register(page)`` (run
once by app.py for each page) wires: controls -> filter store -> panels, and for every table
panel its server-side grid and exports. Panels and pages never define these themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
)
from dash.exceptions import PreventUpdate

from dashboard import data, inputs, printview, views_bar, words
from dashboard.access import auth, current_scope
from dashboard.data import NoWarehouse
from dashboard.grid import (
    apply_model,
    describe_grid_filters,
    export_bytes,
    grid,
    rows_response,
    slug,
    sort_model,
)
from dashboard.panels import Context, Panel, panels_for
from dashboard.scope import Filters

CONTROLS = ("as_of", "area", "team", "team_type", "officer_id")
LABELS = {
    "as_of": "As of",
    "area": "Area",
    "team": "Team",
    "team_type": "Team type",
    "officer_id": "Officer in charge",
    "reviewer": "Supervisor",
    "follow_up": "Follow-up",
    "check": "Check",
}
# Controls with fixed choices (value: words), not narrowed by the data.
FIXED_CHOICES = {"follow_up": words.FOLLOW_UP_SHOWN, "check": words.CHECK_WORDS_TODAY}


def context(filters: Filters, case_id: str | None = None) -> Context:
    return Context(
        scope=current_scope(),
        filters=filters,
        as_of=data.resolve_as_of(filters),
        case_id=case_id,
    )


def render_panels(page: str, ctx: Context) -> list:
    """A page built in one request (the case page, the PVP page's body): each of its panels
    the user's role may see, in order, rendered with the one context (and so one memo)."""
    out: list = []
    for panel in panels_for(page):
        if ctx.scope.role not in panel.roles or panel.render is None:
            continue
        part = panel.render(ctx)
        out.extend(part if isinstance(part, list) else [part])
    return out


def no_data_message() -> dbc.Alert:
    db = data.warehouse().path
    if data.warehouse().outdated:
        lacking = data.warehouse().outdated
        more = f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""
        shown = ", ".join(lacking[:5]) + more
        return dbc.Alert(
            [
                html.Strong("The warehouse was built by an earlier version of the loader. "),
                f"It lacks what this version reads ({shown}). Load the extracts again with ",
                html.Code(f"python -m etl load SOURCE --db {db}"),
                " (the next scheduled refresh does it too).",
            ],
            color="warning",
            id="no-data",
        )
    return dbc.Alert(
        [
            html.Strong("No data loaded yet. "),
            "Load extracts with ",
            html.Code(f"python -m etl load SOURCE --db {db}"),
            " (or run ",
            html.Code("make run"),
            " for the sample).",
        ],
        color="warning",
        id="no-data",
    )


def filter_bar(page: str, initial: dict, controls: tuple[str, ...]) -> html.Div:
    scope = current_scope()
    latest = data.latest_day()
    items = []
    for name in controls:
        cid = f"{page}-{name}"
        if name == "as_of":
            control = dcc.DatePickerSingle(
                id=cid,
                date=initial.get("as_of") or (latest.isoformat() if latest else None),
                max_date_allowed=latest,
                min_date_allowed=_first_day(),
                display_format="DD/MM/YYYY",
                first_day_of_week=1,
                clearable=False,
            )
        else:
            # A value from the address (a drill-down link) must be an option from the start, or
            # the dropdown drops it before the options callback has answered.
            options = (
                [a for a in data.settings().areas if a in scope.areas]
                if name == "area"
                else [{"label": w, "value": v} for v, w in FIXED_CHOICES[name].items()]
                if name in FIXED_CHOICES
                else [str(initial[name])]
                if isinstance(initial.get(name), str)
                else []
            )
            control = dcc.Dropdown(
                id=cid,
                options=options,
                value=initial.get(name),
                placeholder={"area": "All my areas", "follow_up": "All but later reminders"}.get(
                    name, "All"
                ),
                clearable=True,
            )
        items.append(
            dbc.Col(
                [html.Label(LABELS[name], htmlFor=cid, className="form-label small mb-1"), control],
                md=2,
            )
        )
    return dbc.Row(items, className="g-2 mb-3 align-items-end", id=f"{page}-controls")


def table_panel(panel: Panel) -> dbc.Card:
    assert panel.table is not None
    gid = f"{panel.id}-grid"
    return dbc.Card(
        [
            dbc.CardHeader(
                dbc.Row(
                    [
                        dbc.Col(html.H2(panel.heading(data.settings()), className="h5 mb-0")),
                        dbc.Col(
                            [
                                dbc.Button(
                                    "Export CSV",
                                    id=f"{panel.id}-export-csv",
                                    size="sm",
                                    color="secondary",
                                    className="me-2",
                                ),
                                dbc.Button(
                                    "Export Excel",
                                    id=f"{panel.id}-export-xlsx",
                                    size="sm",
                                    color="secondary",
                                    className="me-2",
                                ),
                                dbc.Button(
                                    "Print",
                                    id=f"{panel.id}-print",
                                    href=printview.link(panel.id, None, None, None),
                                    target="_blank",
                                    external_link=True,
                                    size="sm",
                                    color="secondary",
                                    title="Every row of the list as filtered, on A4 pages",
                                ),
                                dcc.Download(id=f"{panel.id}-download"),
                            ],
                            width="auto",
                        ),
                    ],
                    align="center",
                )
            ),
            dbc.CardBody(
                [
                    html.P(panel.describe(data.settings()), className="text-muted small"),
                    html.Div(id=f"{panel.id}-count", className="small mb-2", role="status"),
                    grid(gid, panel.table.columns, keyed=bool(panel.table.row_key)),
                    _footnotes(panel),
                    dcc.Store(id=f"{panel.id}-purged"),
                ]
            ),
        ],
        className="mb-3",
        id=f"panel-{panel.id}",
    )


def _footnotes(panel: Panel) -> html.Ul | None:
    """A table panel's footnotes, under its grid (what each row's check means, from the
    running settings)."""
    if panel.table is None or panel.table.footnotes is None:
        return None
    lines = panel.table.footnotes(data.settings())
    return html.Ul(
        [html.Li(line) for line in lines],
        className="text-muted small mt-2 mb-0",
        id=f"{panel.id}-footnotes",
    )


def panel_shell(panel: Panel) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(panel.heading(data.settings()), className="h5 mb-0")),
            dbc.CardBody(
                [
                    html.P(panel.describe(data.settings()), className="text-muted small"),
                    dcc.Loading(html.Div(id=f"panel-{panel.id}-body")),
                ]
            ),
        ],
        className="mb-3 h-100",
        id=f"panel-{panel.id}",
    )


# Pages reached from another page (a case, an audit, a drill-down) rather than the navigation.
NOT_IN_NAV = {"Case", "Audit log", "Audit", "Supervision entries", "My settings"}


def readable_by(page: str, role: str) -> bool:
    """Whether any of the panel-built ``page``'s panels is for ``role`` (Panel.roles)."""
    return any(role in panel.roles for panel in panels_for(page))


def nav_pages(role: str) -> list[dict]:
    """The pages in the navigation for ``role``, in order: a panel-built page (registered with
    ``panels=``) only when one of its panels is for the role. The audit roles were shown Today,
    Child-related and the rest, which held nothing for them and said nothing (a newcomer's walk,
    session 25); the Audit log is added for admins by the shell."""
    return [
        p
        for p in dash.page_registry.values()
        if p["name"] not in NOT_IN_NAV and ("panels" not in p or readable_by(p["panels"], role))
    ]


def landing(role: str) -> str:
    """Where ``role`` lands after signing in: Today, or the first page that holds anything
    for it (the audit roles: the PVP meeting)."""
    pages = nav_pages(role)
    return pages[0]["relative_path"] if pages else "/"


def nothing_for_role(title: str, role: str) -> html.Div:
    """A page none of whose panels is for ``role`` (reached by an old link or by address)."""
    links = [html.Li(dcc.Link(p["name"], href=p["relative_path"])) for p in nav_pages(role)]
    return html.Div(
        [
            html.H1(title, className="h3"),
            dbc.Alert(
                [
                    html.P(f"Nothing on this page is for your role ({role}). Yours are:"),
                    html.Ul(links, className="mb-0"),
                ],
                color="info",
                id="nothing-for-role",
            ),
        ]
    )


def page_layout(
    page: str,
    title: str,
    intro: str,
    query: dict | None = None,
    controls: tuple[str, ...] = CONTROLS,
) -> html.Div:
    """Title, filter bar, and the page's panels in order. Reads data: call at request time."""
    scope = current_scope()
    if not readable_by(page, scope.role):
        return nothing_for_role(title, scope.role)
    try:
        latest = data.latest_day()
    except NoWarehouse:
        return html.Div([html.H1(title, className="h3"), no_data_message()])
    query, default_view = views_bar.applied_default(page, query) if controls else (query, None)
    initial, problems = from_address(query, controls, scope)
    if "as_of" not in initial and latest and "as_of" in controls:
        initial["as_of"] = latest.isoformat()
    auth().record("view", page=page, detail={"filters": initial})
    rows, row = [], []
    used = 0
    hidden = []
    for panel in panels_for(page):
        if scope.role not in panel.roles:
            # The page's one render callback still names its body (it answers None for it).
            if not panel.table:
                hidden.append(html.Div(id=f"panel-{panel.id}-body", hidden=True))
            continue
        block = table_panel(panel) if panel.table else panel_shell(panel)
        if used + panel.width > 12:
            rows.append(dbc.Row(row, className="g-3 mb-3"))
            row, used = [], 0
        row.append(dbc.Col(block, md=panel.width))
        used += panel.width
    if row:
        rows.append(dbc.Row(row, className="g-3 mb-3"))
    day = inputs.filters(initial).as_of
    return html.Div(
        [
            html.H1(dated(title, day), className="h3", id=f"{page}-title"),
            html.P(intro, className="text-muted"),
            address_alert(page, problems),
            _before_data_alert(page, day),
            filter_bar(page, initial, controls) if controls else None,
            views_bar.bar(page, default_view) if controls else None,
            dcc.Store(id=f"{page}-filters", data=initial),
            dcc.Store(id=f"{page}-address"),
            *rows,
            *hidden,
        ]
    )


def _first_day() -> date | None:
    first = data.first_data_month()
    return None if first == date.max else first


def dated(title: str, day: date | None) -> str:
    """ "Today" says today only when the data is today's; otherwise "As of DD/MM/YYYY"."""
    if title != "Today" or day is None or day == date.today():
        return title
    return f"As of {day:%d/%m/%Y}"


def from_address(query: dict | None, controls: tuple[str, ...], scope) -> tuple[dict, list[str]]:
    """The filters an address asks for, checked as the callbacks check them, and what could
    not be used (said on the page; the rest of the view is the default one)."""
    initial: dict = {}
    problems: list[str] = []
    for key in controls:
        value = (query or {}).get(key)
        if value in (None, "", []):
            continue
        shown = str(value)[:40]
        try:
            checked = inputs.filters({key: value})
        except inputs.BadInput:
            problems.append(f"{LABELS[key]} '{shown}' is not a valid choice")
            continue
        if key == "area":
            mine = [a for a in checked.areas if a in scope.areas]
            if len(mine) < len(checked.areas):
                problems.append(f"Area '{shown}' is not one of your areas")
            if not mine:
                continue
            value = mine[0] if len(mine) == 1 else mine
        initial[key] = value
    return initial, problems


def address_alert(page: str, problems: list[str]) -> dbc.Alert | None:
    """What an address asked for that the page could not use (None when all was usable)."""
    if not problems:
        return None
    return dbc.Alert(
        "The address asked for what this page cannot show ("
        + "; ".join(problems)
        + "): that part of the view is the default instead.",
        color="warning",
        id=f"{page}-address-problem",
    )


def _before_data_alert(page: str, day: date | None) -> dbc.Alert | None:
    first = _first_day()
    if day is None or first is None or day >= first:
        return None
    return dbc.Alert(
        f"The data starts in {first:%B %Y}: there is nothing to show as of {day:%d/%m/%Y}. "
        "Choose a later day.",
        color="warning",
        id=f"{page}-before-data",
    )


def register(page: str, controls: tuple[str, ...] = CONTROLS) -> None:
    """The callbacks every panel-built page shares. Called once per page by app.py."""
    panels = panels_for(page)
    shells = [p for p in panels if not p.table]
    tables = [p for p in panels if p.table]

    if controls:
        clientside_callback(
            ClientsideFunction(namespace="pvp", function_name="filtersToAddress"),
            Output(f"{page}-address", "data"),
            Input(f"{page}-filters", "data"),
            prevent_initial_call=True,
        )

        @callback(
            Output(f"{page}-title", "children"),
            Input(f"{page}-filters", "data"),
            State(f"{page}-title", "children"),
            prevent_initial_call=True,
        )
        def _title(store, shown):
            day = data.resolve_as_of(inputs.filters(store))
            base = "Today" if shown == "Today" or str(shown).startswith("As of") else shown
            return dated(base, day)

        @callback(
            Output(f"{page}-filters", "data"),
            [Input(f"{page}-{c}", "date" if c == "as_of" else "value") for c in controls],
            prevent_initial_call=True,
        )
        def _store(*values):
            return {c: v for c, v in zip(controls, values, strict=True) if v}

    if {"team", "team_type", "officer_id", "reviewer"} & set(controls):
        narrowing = [c for c in ("team", "team_type", "officer_id", "reviewer") if c in controls]

        @callback(
            [Output(f"{page}-{c}", "options") for c in narrowing],
            Input(f"{page}-filters", "data"),
        )
        def _options(store):
            filters = inputs.filters(store)
            try:
                options = data.filter_options(current_scope(), filters, tuple(narrowing))
            except NoWarehouse:
                return [[] for _ in narrowing]
            return [_labelled(c, options[c]) for c in narrowing]

    if shells:

        @callback(
            [Output(f"panel-{p.id}-body", "children") for p in shells],
            Input(f"{page}-filters", "data"),
        )
        def _render(store):
            filters = inputs.filters(store)
            scope = current_scope()
            out = []
            c = context(filters)
            with data.counting_rows() as read:
                for p in shells:
                    if scope.role not in p.roles:
                        out.append(None)
                        continue
                    try:
                        out.append(p.render(c))
                    except NoWarehouse:
                        out.append(no_data_message())
            # Every render is recorded, whatever triggered it (even "changedPropIds": []).
            auth().record_read(
                page,
                read[0],
                {"filters": filters.describe(), "panels": [p.id for p in shells]},
            )
            return out

    if controls:
        views_bar.register(page)
    for panel in tables:
        _register_table(page, panel)
        printview.register(panel)


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _labelled(control: str, values: list[str]) -> list[dict] | list[str]:
    """Team types are chosen by their words ("Child protection"); other values as they are."""
    if control != "team_type":
        return values
    return [{"label": words.team_type_words(v), "value": v} for v in values]


def case_link_query(c: Context, store: dict | None, pathname: str | None) -> str:
    """What a case link from a list carries: the list's as-of day, and the list's own address
    (its path and filters) for the case page's link back."""
    if c.as_of is None:
        return ""
    path = pathname if isinstance(pathname, str) and pathname.startswith("/") else "/"
    filters = urlencode({k: v for k, v in sorted((store or {}).items()) if v}, doseq=True)
    return urlencode(
        {"as_of": c.as_of.isoformat(), "from": f"{path}?{filters}" if filters else path}
    )


def _register_table(page: str, panel: Panel) -> None:
    table = panel.table
    gid = f"{panel.id}-grid"

    @callback(
        Output(gid, "getRowsResponse"),
        Output(f"{panel.id}-count", "children"),
        Input(gid, "getRowsRequest"),
        State(f"{page}-filters", "data"),
        State("_pages_location", "pathname"),
        prevent_initial_call=True,
    )
    def _rows(request, store, pathname):
        if not request:
            raise PreventUpdate
        request = inputs.rows_request(request)
        c = context(inputs.filters(store))
        if current_scope().role not in panel.roles:  # a crafted request: the page is not theirs
            return {"rowData": [], "rowCount": 0}, ""
        try:
            df = table.rows(c)
        except NoWarehouse:
            return {"rowData": [], "rowCount": 0}, "No data loaded yet."
        response = rows_response(
            df, table.columns, request, case_link_query(c, store, pathname), table.row_key,
            table.distinct,
        )  # fmt: skip
        distinct = response.pop("_distinct", None)
        auth().record_read(
            page,
            len(response["rowData"]),
            {
                "filters": c.filters.describe(),
                "panel": panel.id,
                "grid": {
                    "filterModel": request.get("filterModel"),
                    "sortModel": request.get("sortModel"),
                },
            },
        )
        n = response["rowCount"]
        if not n:
            return response, f"No {_plural(table.noun)} match these filters."
        as_of = f" on {c.as_of:%d/%m/%Y}" if c.as_of and table.as_of_day else ""
        if distinct is not None and distinct != n:
            # "24 cases" when 21 cases fill 24 rows (two flags on a case) was a count of rows.
            nouns = table.noun if distinct == 1 else _plural(table.noun)
            return response, f"{distinct:,} {nouns} ({n:,} {_plural(table.row_noun)}){as_of}."
        return response, f"{n:,} {table.noun if n == 1 else _plural(table.noun)}{as_of}."

    clientside_callback(
        ClientsideFunction(namespace="pvp", function_name="purgeGrid"),
        Output(f"{panel.id}-purged", "data"),
        Input(f"{page}-filters", "data"),
        State(gid, "id"),
        prevent_initial_call=True,
    )

    @callback(
        Output(f"{panel.id}-download", "data"),
        Input(f"{panel.id}-export-csv", "n_clicks"),
        Input(f"{panel.id}-export-xlsx", "n_clicks"),
        State(gid, "filterModel"),
        State(gid, "columnState"),
        State(f"{page}-filters", "data"),
        prevent_initial_call=True,
    )
    def _export(_csv, _xlsx, filter_model, column_state, store):
        fmt = "csv" if ctx.triggered_id == f"{panel.id}-export-csv" else "xlsx"
        filters = inputs.filters(store)
        filter_model, column_state = inputs.export_state(filter_model, column_state)
        c = context(filters)
        scope = current_scope()
        if scope.role not in panel.roles:
            raise PreventUpdate
        df = table.rows(c)
        df = apply_model(df, table.columns, filter_model, sort_model(column_state))
        produced = datetime.now().strftime("%d/%m/%Y %H:%M")
        about = [
            "OFFICIAL-SENSITIVE",
            f"{panel.heading(data.settings())}, as of {c.as_of:%d/%m/%Y}"
            if c.as_of
            else panel.heading(data.settings()),
            f"Produced {produced} by {scope.username} for areas: {', '.join(scope.areas)}",
            f"Filters: {words.filters_in_words(filters)}",
            f"Grid filters: {describe_grid_filters(filter_model, table.columns)}",
            f"Rows: {len(df)}",
        ]
        auth().record(
            "export",
            page=page,
            detail={
                "panel": panel.id,
                "format": fmt,
                "rows": len(df),
                "filters": filters.describe(),
                "grid_filters": filter_model or {},
            },
        )
        day = (c.as_of or date.today()).isoformat()
        narrowed = "grid-filtered" if filter_model else ""
        # The marking travels with the file: a plain CSV has no other place for it.
        stem = slug("official-sensitive", table.export_name, "as-of", day,
                    words.filters_in_words(filters, ""), narrowed)  # fmt: skip
        name = f"{stem}.{fmt}"
        return dcc.send_bytes(export_bytes(df, table.columns, fmt, about), name)
