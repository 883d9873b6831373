"""sessions by day: an index for the day's sessions in the order of the day

Without it, the dashboard's "today's sessions" read every session of every client
(500,000 rows in the large benchmark practice) on each visit.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 14:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_sessions_day", "sessions", ["date_of_service", "start_time", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_day", table_name="sessions")
