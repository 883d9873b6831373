"""practice telephone and the CMS-1500 printer offset

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column("print_offset_right", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("print_offset_down", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_column("print_offset_down")
        batch_op.drop_column("print_offset_right")
        batch_op.drop_column("phone")
