"""claim referring provider: the one a biller sets on a claim, over the plan of care's

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 15:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referring_npi", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("referring_first_name", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("referring_last_name", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("referring_last_name")
        batch_op.drop_column("referring_first_name")
        batch_op.drop_column("referring_npi")
