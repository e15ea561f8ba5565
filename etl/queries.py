"""Every query by name, and its parameters from the settings object.

A query is one file, ``etl/sql/queries/<name>.sql`` (the definition of child-related stays at
``etl/sql/child_cases.sql``, which the load's entry assessment reads too). Each starts with a
header: what one row is (grain), its parameters, who reads it. A query names a setting as
``$<setting name>`` (``$review_window_days``) and another query as ``{name}``, which is
replaced by that query's text. ``params`` binds every setting the SQL names straight from the
settings object: there is no second list of parameters to keep in step with the settings.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

from etl.settings import Settings

SQL_DIR = Path(__file__).parent / "sql"
QUERIES_DIR = SQL_DIR / "queries"
# Never bound from the settings: ``$areas`` is always the asker's scope, given by the caller
# (dashboard/data.py query binds it itself), so a forgotten scope fails instead of widening.
NOT_FROM_SETTINGS = frozenset({"areas"})


def names() -> list[str]:
    """Every query file's name."""
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


@cache
def sql(name: str) -> str:
    """The query's text, with each ``{other}`` replaced by that query's text."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        path = SQL_DIR / f"{name}.sql"
    return with_includes(path.read_text())


def with_includes(text: str) -> str:
    """``text`` with each ``{other}`` replaced by that query's text (a query file's, or SQL a
    test keeps beside the product's, such as an oracle)."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: sql(m.group(1)), text)


@cache
def answered_by_table(name: str, include: str, table: str) -> str:
    """``name``'s text with its include ``{include}`` read from ``table``, the table a load made
    from that query (the same columns), when the reader knows the table holds what is asked.
    A query that chooses at run time between a table and its rule (``WHERE NOT
    $materialised``) still has DuckDB bind and plan the rule: case_checks.sql spent 45% of a
    run on a rule it did not run."""
    text = sql(name)
    rule = sql(include)
    if rule not in text:
        raise ValueError(f"{name}.sql does not include {{{include}}}")
    return text.replace(rule, f"SELECT * FROM {table} WHERE false")


@cache
def left_out(name: str, include: str) -> str:
    """``name``'s text with the value its include ``{include}`` gives left out (NULL), for a
    reader that does not show it: DuckDB plans and runs all of a query's text, whichever
    columns the reader keeps."""
    text = sql(name)
    rule = sql(include)
    if rule not in text:
        raise ValueError(f"{name}.sql does not include {{{include}}}")
    return text.replace(rule, "NULL")


def wanted(text: str) -> set[str]:
    """The ``$parameters`` a query uses (not those its header only mentions)."""
    return set(re.findall(r"\$([a-z_]+)", re.sub(r"--[^\n]*", "", text)))


def params(text: str, settings: Settings, **given) -> dict:
    """Values for every parameter ``text`` names: ``given`` first, else the setting of that
    name. Values it does not name are left out (DuckDB refuses extras)."""
    out = {}
    for name in wanted(text):
        if name in given:
            value = given[name]
        elif name not in NOT_FROM_SETTINGS and hasattr(settings, name):
            value = getattr(settings, name)
        else:
            raise KeyError(f"${name} is neither a setting nor given")
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def fingerprint(text: str, settings: Settings, **given) -> str:
    """What the result of ``text`` depends on besides the data: the text itself (with what it
    includes) and the value of every setting it names; ``given`` are the parameters the caller
    supplies per run, left out. A load stores it beside what it made from the query, and
    the next load recomputes everything when it differs."""
    bound = params(text, settings, **given)
    values = {k: v for k, v in sorted(bound.items()) if k not in given}
    return hashlib.sha256((text + json.dumps(values, default=str)).encode()).hexdigest()
