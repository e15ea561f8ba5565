"""A follow-up's data day: the newest day of data when it was recorded, so a past day's list
shows only the follow-ups made by then.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_follow_up") as batch:
        batch.add_column(sa.Column("made_on", sa.Date))
    # Rows recorded before: their data day was not kept. From the start of their run of flags,
    # as they were shown until now.
    op.execute("UPDATE case_follow_up SET made_on = flagged_since")
    with op.batch_alter_table("case_follow_up") as batch:
        batch.alter_column("made_on", existing_type=sa.Date, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("case_follow_up") as batch:
        batch.drop_column("made_on")
