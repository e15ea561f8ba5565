"""The application database: what people write (case audits, acknowledgements, sessions).

Separate from the DuckDB warehouse, which stays read-only to the app and is rebuilt only by
loads. SQLAlchemy 2.0 ORM; the schema is owned by the Alembic migrations in ``migrations/``
(``python -m dashboard db upgrade``; ``make run`` applies them). An SQLite file by default
(``app_db_url``); ``PVP_APP_DB_URL=postgresql+psycopg://...`` for a force server.

Models live in ``dashboard/appdb/models.py`` on the one ``Base``; a new table is a model plus a
migration in ``migrations/versions/`` (``NNNN_what.py``, ``down_revision`` = the previous head).
"""

from __future__ import annotations

from dashboard.appdb.engine import AppDB, downgrade, upgrade
from dashboard.appdb.models import Base

__all__ = ["AppDB", "Base", "downgrade", "upgrade"]
