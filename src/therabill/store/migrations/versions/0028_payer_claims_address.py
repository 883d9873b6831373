"""the payer's mailing address for paper claims: the CMS-1500's carrier block (NUCC 1500
Reference Instruction Manual 02/12, "Carrier Block": name, address lines, city, state, ZIP)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=55), nullable=True))
        batch_op.add_column(sa.Column("address2", sa.String(length=55), nullable=True))
        batch_op.add_column(sa.Column("city", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("postal_code", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payers", schema=None) as batch_op:
        batch_op.drop_column("postal_code")
        batch_op.drop_column("state")
        batch_op.drop_column("city")
        batch_op.drop_column("address2")
        batch_op.drop_column("address")
