"""What the browser may send to a callback, checked at the boundary with pydantic models.

Anything else (``{"area": 7}``, a store that is not an object, ``2018-02-30``,
``startRow: "abc"``, a sort model that is a string...) raises ``BadInput``: the request is
answered 400 and one short line is logged, naming the callback and what was wrong, never the
value sent (it may be a megabyte long, or personal data).
"""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import date
from typing import Annotated, Any, Literal

import dash
import flask
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dashboard.scope import Filters
from dashboard.words import CHECKS

log = logging.getLogger("pvp.inputs")

Text = Annotated[str, Field(max_length=200)]


class BadInput(ValueError):
    """A callback input outside what the page can send."""


# Days a page may be asked for: a day counted from 01/01/0001 or 31/12/9999 overflows.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def _iso_day(value: str | None) -> date | None:
    """``YYYY-MM-DD`` (a date picker may add a time, which is ignored); a real date between
    FIRST_DAY and LAST_DAY."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("expected a date as YYYY-MM-DD")
    day = date.fromisoformat(value[:10])  # ValueError for 2018-02-30
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"expected a date from {FIRST_DAY:%Y} to {LAST_DAY:%Y}")
    return day


def address_day(value: Any) -> date | None:
    """A day from a page's address (``address_value``): ValueError when it is not one."""
    return _iso_day(address_value(value))


def address_value(value: Any) -> str | None:
    """One value of a page's address: the first when a key is repeated (``?a=1&a=2`` reaches a
    page as a list), None for anything but text."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class Store(_Model):
    as_of: date | None = None
    area: Text | list[Text] | None = Field(None)
    team: Text | None = None
    team_type: Text | None = None
    officer_id: Text | None = None
    reviewer: Text | None = None
    follow_up: Literal["not_acted", "acted", "all"] | None = None
    check: Literal[CHECKS] | None = None

    @field_validator("as_of", mode="before")
    @classmethod
    def _day(cls, value: Any) -> date | None:
        return _iso_day(value)

    @field_validator("area")
    @classmethod
    def _few(cls, value):
        if isinstance(value, list) and len(value) > 20:
            raise ValueError("too many areas")
        return value


# A number a filter compares with: a JSON integer may be any length (10**400 overflowed pandas).
FilterNumber = Annotated[int, Field(ge=-(10**15), le=10**15)] | float


class Condition(_Model):
    filterType: Text | None = None
    type: Text | None = None
    filter: Annotated[str, Field(max_length=1000)] | FilterNumber | None = None
    filterTo: Annotated[str, Field(max_length=1000)] | FilterNumber | None = None
    dateFrom: Annotated[str, Field(max_length=40)] | None = None  # a date filter's days
    dateTo: Annotated[str, Field(max_length=40)] | None = None
    operator: Literal["AND", "OR"] | None = None
    conditions: Annotated[list[Condition], Field(min_length=1, max_length=10)] | None = None

    @field_validator("conditions")
    @classmethod
    def _one_level(cls, value):
        # AG Grid combines a column's conditions one level deep; nested ones cost a full-table
        # mask per leaf (five levels of ten: 10^5 masks, 22 s of a worker for one request).
        if value and any(c.conditions is not None for c in value):
            raise ValueError("a combined filter's conditions are not themselves combined")
        return value


Condition.model_rebuild()
FilterModel = Annotated[dict[Text, Condition], Field(max_length=50)]


class Sort(_Model):
    colId: Text
    sort: Literal["asc", "desc"]


class RowsRequest(_Model):
    startRow: int = Field(0, ge=0, le=100_000_000)
    endRow: int | None = Field(None, ge=0, le=100_000_000)
    sortModel: Annotated[list[Sort], Field(max_length=20)] = []
    filterModel: FilterModel = {}


class ColumnState(_Model):
    colId: Text
    sort: Literal["asc", "desc"] | None = None
    sortIndex: int | None = None


class ExportState(_Model):
    filterModel: FilterModel | None = None
    columnState: Annotated[list[ColumnState], Field(max_length=200)] | None = None


class PvpChoice(_Model):
    month: date
    area: Text | None = None

    @field_validator("month", mode="before")
    @classmethod
    def _day(cls, value: Any) -> date:
        day = _iso_day(value)
        if day is None:
            raise ValueError("a month is needed")
        return day


class CellClick(_Model):
    colId: Text | None = None
    rowId: Annotated[str, Field(max_length=400)] | None = None


class FollowUpForm(_Model):
    # Longer than the service allows, so an over-long note is answered in words, not refused.
    case: Text
    kind: Text | None = None
    person: Annotated[str, Field(max_length=2000)] | None = None
    note: Annotated[str, Field(max_length=5000)] | None = None
    remind_on: date | None = None

    @field_validator("remind_on", mode="before")
    @classmethod
    def _day(cls, value: Any) -> date | None:
        return _iso_day(value)


class ViewForm(_Model):
    name: Annotated[str, Field(max_length=1000)] | None = None
    default: bool | None = None


def _parse(model: type[_Model], value: Any, what: str) -> _Model:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        # Where and what kind of error only: the value itself never reaches the log.
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])[:60] or what}: {e['type']}"
            for e in exc.errors(include_input=False, include_url=False)[:3]
        )
        raise BadInput(f"{what}: {where}") from None


def filters(store: Any) -> Filters:
    """A page's filter store (None = no filters)."""
    s = _parse(Store, {} if store is None else store, "filters")
    areas = s.area or []
    return Filters(
        as_of=s.as_of,
        areas=[areas] if isinstance(areas, str) else list(areas),
        team=s.team or None,
        team_type=s.team_type or None,
        officer_id=s.officer_id or None,
        reviewer=s.reviewer or None,
        follow_up=s.follow_up,
        check=s.check,
    )


def rows_request(request: Any) -> dict:
    """AG Grid's getRowsRequest, with only the keys the server uses."""
    return _parse(RowsRequest, request, "getRowsRequest").model_dump(exclude_none=True)


def export_state(filter_model: Any, column_state: Any) -> tuple[dict, list[dict]]:
    s = _parse(
        ExportState, {"filterModel": filter_model, "columnState": column_state}, "export state"
    )
    model = {k: v.model_dump(exclude_none=True) for k, v in (s.filterModel or {}).items()}
    return model, [c.model_dump() for c in s.columnState or []]


def pvp_choice(month: Any, area: Any) -> tuple[date, str | None]:
    s = _parse(PvpChoice, {"month": month, "area": area}, "PVP month and area")
    return s.month, s.area


def cell_click(value: Any) -> tuple[str | None, str | None]:
    """AG Grid's cellClicked: (column, row id)."""
    s = _parse(CellClick, value or {}, "cellClicked")
    return s.colId, s.rowId


def view_form(**values: Any) -> ViewForm:
    return _parse(ViewForm, values, "saved view")


def follow_up_form(**values: Any) -> FollowUpForm:
    return _parse(FollowUpForm, values, "follow-up")


# --- answering ---------------------------------------------------------------------------------


def _which() -> str:
    body = flask.request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    return str(output)[:120] if output else flask.request.path[:120]


def _bad_input(exc: BadInput):
    log.warning("refused callback input (%s): %s", _which(), str(exc)[:300])
    return flask.jsonify(error="bad input"), 400


def _failed(exc: Exception):
    """Anything else that escapes a callback: a short line (type and where), not the message,
    which may quote the request. Other routes keep Flask's usual handling."""
    from werkzeug.exceptions import HTTPException, InternalServerError

    if isinstance(exc, HTTPException):
        return exc
    if flask.request.path != "/_dash-update-component":
        flask.current_app.log_exception(sys.exc_info())
        return InternalServerError()
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
    log.error("callback failed (%s): %s at %s", _which(), type(exc).__name__, where)
    return flask.jsonify(error="server error"), 500


LOCATIONS = {"_pages_location", "url"}


class Envelope(BaseModel):
    """The body Dash's renderer posts to /_dash-update-component."""

    model_config = ConfigDict(extra="ignore", strict=True)
    output: Annotated[str, Field(max_length=5000)]
    outputs: dict | list
    inputs: list
    state: list = []
    changedPropIds: list[Annotated[str, Field(max_length=500)]] = []


def _check_envelope():
    if flask.request.method != "POST" or flask.request.path != "/_dash-update-component":
        return None
    body = flask.request.get_json(silent=True)
    try:
        envelope = Envelope.model_validate(body)
    except ValidationError:
        log.warning("refused callback request: not a Dash callback body")
        return flask.jsonify(error="bad input"), 400
    # An output no server callback makes (a client-side one's, or none at all) failed inside
    # Dash with a KeyError: a 500 for a request no page sends.
    if "callback" not in dash.get_app().callback_map.get(envelope.output, {}):
        log.warning("refused callback request: no server callback makes its output")
        return flask.jsonify(error="bad input"), 400
    # The address bar (Dash Pages' dcc.Location) is text; Dash's own page routing fails on
    # anything else, before any of our callbacks could check it.
    for item in [*envelope.inputs, *envelope.state]:
        if (
            isinstance(item, dict)
            and item.get("id") in LOCATIONS
            and item.get("value") is not None
            and not isinstance(item.get("value"), str)
        ):
            log.warning("refused callback input (%s): %s is not text", _which(), item.get("id"))
            return flask.jsonify(error="bad input"), 400
    # No one types a NUL; PostgreSQL refuses to store one (a 500 where SQLite kept it).
    if _nul_or_too_deep([envelope.inputs, envelope.state]):
        log.warning("refused callback input (%s): a NUL character, or nested too deep", _which())
        return flask.jsonify(error="bad input"), 400
    return None


def _nul_or_too_deep(value: Any, depth: int = 0) -> bool:
    """A NUL anywhere in ``value``; a structure nested deeper than any page sends counts as
    one too (400 levels ran out of Python's recursion)."""
    if depth > 32:
        return True
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_nul_or_too_deep(k) or _nul_or_too_deep(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_nul_or_too_deep(v, depth + 1) for v in value)
    return False


def install(server: flask.Flask) -> None:
    """Register after sign-in (app.py), so a stranger still gets 401 first."""
    server.before_request(_check_envelope)
    server.register_error_handler(BadInput, _bad_input)
    server.register_error_handler(Exception, _failed)
