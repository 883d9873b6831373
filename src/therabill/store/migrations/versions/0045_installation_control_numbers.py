"""X12 control numbers unique across practices: an installation-wide floor under each
practice's counters (``x12_installation_numbers``)

A billing office sends every practice's 837Ps under one submitter id, and a receiver rejects
an interchange number it has seen from that sender before (TA1 note 025). Each practice's
counter started at 0 (migration 0032) and only the host's file mirror kept numbers apart,
which does not reach across app hosts. The new table starts at the highest number any
practice has used, so no number already sent is handed out again. Runs as the owner role,
which bypasses row-level security (docs/tenants.md), to read every practice's counters.

Revision ID: 0045
Revises: 0038
Create Date: 2026-12-07 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "x12_installation_numbers",
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_x12_installation_numbers")),
    )
    op.execute(
        "INSERT INTO x12_installation_numbers (kind, last_number) "
        "SELECT kind, max(last_number) FROM x12_control_numbers GROUP BY kind"
    )


def downgrade() -> None:
    op.drop_table("x12_installation_numbers")
