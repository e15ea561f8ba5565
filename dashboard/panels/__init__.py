"""Panels: one module each in this folder, discovered automatically.

A panel module defines ``PANEL = Panel(...)``: which page it belongs to, its order there, a
title, a description (shown as help text), and ``render(ctx)`` returning Dash components. A
panel that lists cases sets ``table=`` to a ``Table``: the page then gets a server-side grid
with CSV and Excel export, and the panel needs no callbacks of its own.

See docs/adding-a-panel.md and dashboard/panels/_template.py.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from dash.development.base_component import Component

from dashboard.grid import Column
from dashboard.scope import Filters, Scope
from etl.settings import Settings


@dataclass(frozen=True)
class Context:
    """What every panel is given: who is asking, and what they asked for. ``as_of`` is the day
    shown (the PVP page: the month's last day); ``case_id`` the case of the case page."""

    scope: Scope
    filters: Filters
    as_of: date | None
    case_id: str | None = None
    # What the panels of one page render share (the PVP page's figures, made once: pack.py).
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Table:
    """A case list: ``rows(ctx)`` gives the whole (scoped) table, the grid pages it."""

    columns: list[Column]
    rows: Callable[[Context], pd.DataFrame]
    export_name: str
    noun: str = "case"  # what one row is, for the "N cases on DD/MM/YYYY" line
    # A row per case and something else (Today's list: a row per flag): the line counts this
    # field's values as the nouns and says how many rows, when they differ.
    distinct: str | None = None
    row_noun: str = "row"
    as_of_day: bool = True  # whether the rows are as of the page's day (a log is not)
    # Fields naming a row: the grid's row id is their values joined by "|" (a click on a cell
    # then names its row: the Today list's follow-ups).
    row_key: tuple[str, ...] = ()
    # Shown under the grid, one line each (definitions made from the settings).
    footnotes: Callable[[Settings], list[str]] | None = None


@dataclass(frozen=True)
class Panel:
    id: str
    page: str
    order: int
    # A title that states a setting (the quality tables' window) is a function of the
    # settings, as a description is.
    title: str | Callable[[Settings], str]
    # Shown under the title. A description that states a setting (a threshold, a rank group)
    # is a function of the settings, so it says what the running settings say.
    description: str | Callable[[Settings], str]
    render: Callable[[Context], Component | list[Component]] | None = None
    table: Table | None = None
    width: int = 12  # of 12 Bootstrap columns
    roles: tuple[str, ...] = field(default=("force", "area", "admin"))
    # A page built in one request (the case and PVP pages: compose.render_panels) shows the
    # panel's own headings; `title` and `description` then describe it for the registry.

    def describe(self, settings: Settings) -> str:
        return self.description(settings) if callable(self.description) else self.description

    def heading(self, settings: Settings) -> str:
        return self.title(settings) if callable(self.title) else self.title


_REGISTRY: dict[str, Panel] = {}


def discover() -> dict[str, Panel]:
    """Import every module in this package (not starting with _) and collect its PANEL."""
    if not _REGISTRY:
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{__name__}.{info.name}")
            panel = getattr(module, "PANEL", None)
            if panel is None:
                raise RuntimeError(f"panel module {info.name} defines no PANEL")
            if panel.id in _REGISTRY:
                raise RuntimeError(f"two panels share the id {panel.id}")
            _REGISTRY[panel.id] = panel
    return _REGISTRY


# Everyone who may sign in: the PVP page is for the meeting, its audit outcomes for the
# public protection unit and the moderators too.
ALL_ROLES = ("force", "area", "admin", "ppu", "auditor", "moderator")


def panels_for(page: str) -> list[Panel]:
    return sorted((p for p in discover().values() if p.page == page), key=lambda p: p.order)
