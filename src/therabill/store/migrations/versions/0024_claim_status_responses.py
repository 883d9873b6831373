"""claim status responses: what payers answered in 277s (005010X212) about each claim

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 18:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_status_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=3), nullable=False),
        sa.Column("status_code", sa.String(length=30), nullable=False),
        sa.Column("entity", sa.String(length=3), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("paid_cents", sa.Integer(), nullable=True),
        sa.Column("payer_claim_number", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_status_responses_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_status_responses")),
    )
    op.create_index("ix_claim_status_responses_claim", "claim_status_responses", ["claim_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_claim_status_responses_claim", table_name="claim_status_responses")
    op.drop_table("claim_status_responses")
