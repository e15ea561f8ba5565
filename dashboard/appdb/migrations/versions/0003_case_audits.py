"""Case audits: the month's central draw, the audits, who did what, feedback, agreed actions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _who() -> sa.Column:
    return sa.Column("username", sa.String(100), nullable=False)


def upgrade() -> None:
    op.create_table(
        "audit_sample",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("month", sa.Date, nullable=False, unique=True),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("interest_category", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("cases_per_area", sa.Integer, nullable=False),
        sa.Column("empty_categories", sa.JSON, nullable=False),
        sa.Column("drawn_by", sa.String(100), nullable=False),
        sa.Column("drawn_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "sample_id",
            sa.Integer,
            sa.ForeignKey("audit_sample.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("month", sa.Date, nullable=False, index=True),
        sa.Column("area", sa.String(64), nullable=False, index=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("investigation_id", sa.String(64), nullable=False, index=True),
        sa.Column("team", sa.String(128), nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("grade", sa.String(32)),
        sa.Column("rationale", sa.Text),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("theme_note", sa.Text),
        sa.Column("auditor", sa.String(100)),
        sa.Column("submitted_at", sa.DateTime),
        sa.Column("final_grade", sa.String(32)),
        sa.Column("moderation_reason", sa.Text),
        sa.Column("moderator", sa.String(100)),
        sa.Column("moderated_at", sa.DateTime),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "audit_id",
            sa.Integer,
            sa.ForeignKey("audit.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("at", sa.DateTime, nullable=False),
        _who(),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text),
    )
    op.create_table(
        "audit_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "audit_id",
            sa.Integer,
            sa.ForeignKey("audit.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("recipient", sa.String(16), nullable=False),
        sa.Column("given_on", sa.Date, nullable=False),
        sa.Column("given_by", sa.String(100), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "audit_action",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("area", sa.String(64)),
        sa.Column("agreed_month", sa.Date, nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("due_on", sa.Date),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("closed_by", sa.String(100)),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_action", "audit_feedback", "audit_event", "audit", "audit_sample"):
        op.drop_table(table)
