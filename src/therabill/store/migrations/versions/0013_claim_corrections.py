"""claim corrections: the REF*F8 number a replacement or void carries, every change to a
claim (claim_changes) and the reopening requests prepared for Medicare Part B

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reference_claim_number", sa.String(length=50), nullable=True)
        )
    op.create_table(
        "claim_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_changes_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_changes")),
    )
    op.create_index(op.f("ix_claim_changes_claim_id"), "claim_changes", ["claim_id"])
    op.create_table(
        "claim_reopenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("payer_claim_number", sa.String(length=50), nullable=False),
        sa.Column("changes_json", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("request_by", sa.Date(), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_reopenings_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_reopenings")),
    )
    op.create_index(op.f("ix_claim_reopenings_claim_id"), "claim_reopenings", ["claim_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_reopenings_claim_id"), table_name="claim_reopenings")
    op.drop_table("claim_reopenings")
    op.drop_index(op.f("ix_claim_changes_claim_id"), table_name="claim_changes")
    op.drop_table("claim_changes")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("reference_claim_number")
