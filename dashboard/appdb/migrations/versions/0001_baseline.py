"""Baseline: the application database exists and records which code created it.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_info",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.bulk_insert(
        sa.table("app_info", sa.column("key", sa.String), sa.column("value", sa.String)),
        [{"key": "created_by", "value": "pvp-supervision"}],
    )


def downgrade() -> None:
    op.drop_table("app_info")
