"""provider-level adjustments (PLB): the claim each names and how it was applied

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("remittance_provider_adjustments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("applied_as", sa.String(length=24), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_remittance_provider_adjustments_claim_id_claims"),
            "claims",
            ["claim_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("remittance_provider_adjustments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_remittance_provider_adjustments_claim_id_claims"), type_="foreignkey"
        )
        batch_op.drop_column("applied_as")
        batch_op.drop_column("claim_id")
