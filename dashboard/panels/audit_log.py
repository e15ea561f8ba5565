"""Audit (admins only): who viewed which page or case, and what they exported."""

from __future__ import annotations

from dashboard.access import auth
from dashboard.grid import Column
from dashboard.panels import Context, Panel, Table


def rows(ctx: Context):
    if ctx.scope.role != "admin":
        raise PermissionError("the audit log is for admins")
    return auth().audit.read(limit=20000)


PANEL = Panel(
    id="audit-log",
    page="audit",
    order=10,
    title="Access audit log",
    description=(
        "Append-only: every sign-in, page and case view, read of case rows, filter change and "
        "export, newest first. Reads by one user of one page with one filter set within a few "
        "minutes make one entry, with the rows read and requests added up; nothing else in "
        "the app can change or delete an entry. Times are UTC."
    ),
    roles=("admin",),
    table=Table(
        columns=[
            Column("id", "#", kind="number", width=90),
            Column("at", "When (UTC)", width=200),
            Column("username", "User", width=120),
            Column("event", "Event", width=140),
            Column("page", "Page", width=110),
            Column("case_id", "Case", width=130),
            Column("detail", "Detail"),
            Column("address", "Address", width=130),
            Column("rows_read", "Rows read", kind="number", width=110),
            Column("reads", "Requests", kind="number", width=110),
            Column("last_at", "Last (UTC)", width=200),
        ],
        rows=rows,
        export_name="audit-log",
        noun="entry",
    ),
)
