"""remittance exceptions: who resolved one and what they did

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("remittance_exceptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("remittance_exceptions", schema=None) as batch_op:
        batch_op.drop_column("resolution")
        batch_op.drop_column("resolved_by")
