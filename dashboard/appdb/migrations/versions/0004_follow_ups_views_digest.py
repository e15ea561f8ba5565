"""Acting on the daily list: follow-ups (chased / assigned), saved views, the morning digest.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_follow_up",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("investigation_id", sa.String(64), nullable=False, index=True),
        sa.Column("area", sa.String(64), nullable=False, index=True),
        sa.Column("team", sa.String(128), nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("flagged_since", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("person", sa.String(100)),
        sa.Column("note", sa.Text),
        sa.Column("remind_on", sa.Date),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("cleared_on", sa.Date),
        sa.Column("outcome", sa.String(16)),
        sa.Column("reviewed_on", sa.Date),
        sa.Column("days_to_review", sa.Integer),
    )
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, index=True),
        sa.Column("page", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("username", "page", "name", name="uq_saved_view_username"),
    )
    op.create_table(
        "digest_subscription",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("subscribed", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("last_sent_at", sa.DateTime),
        sa.Column("last_day", sa.Date),
        sa.Column("last_case_ids", sa.JSON),
    )
    op.create_table(
        "digest_send",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_at", sa.DateTime, nullable=False, index=True),
        sa.Column("username", sa.String(100)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("cases", sa.Integer),
        sa.Column("detail", sa.Text),
    )


def downgrade() -> None:
    for table in ("digest_send", "digest_subscription", "saved_view", "case_follow_up"):
        op.drop_table(table)
