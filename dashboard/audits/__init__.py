"""Case audits (issue 13): the force's monthly qualitative audit cycle in the product.

config.py    audit.toml: categories with selectors, questions, themes, grades
sampling.py  the central monthly draw (seeded, spread over teams, with exclusions)
service.py   every read and write of an audit, with the role checks done on the server
results.py   overview, grades, themes, agreement, and the PVP pack's "Audit outcomes"

The audits live in the application database (dashboard/appdb), never in the warehouse.
"""

from __future__ import annotations

from dashboard.appdb import AppDB

_dbs: dict[str, AppDB] = {}


def app_db() -> AppDB:
    """The application database of the ``app_db_url`` setting, one engine per process."""
    from dashboard import data

    url = data.settings().app_db_url
    if url not in _dbs:
        _dbs[url] = AppDB(url)
    return _dbs[url]


def app_db_exists() -> bool:
    """False for an SQLite file not made yet (reading must not create it, e.g. from cron)."""
    from sqlalchemy.engine import make_url

    from dashboard import data

    url = make_url(data.settings().app_db_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return True
    from pathlib import Path

    return Path(url.database).exists()
