"""denials: the work queue of what payers did not pay and why, until a biller closes each

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "denials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("claim_line_id", sa.Integer(), nullable=True),
        sa.Column("remittance_claim_id", sa.Integer(), nullable=True),
        sa.Column("payer_id", sa.Integer(), nullable=True),
        sa.Column("group_code", sa.String(length=2), nullable=False),
        sa.Column("carc", sa.String(length=5), nullable=False),
        sa.Column("rarc", sa.String(length=100), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("action_class", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("next_action", sa.String(length=300), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("appealed_on", sa.Date(), nullable=True),
        sa.Column("appeal_letter", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=80), nullable=True),
        sa.Column("closed_how", sa.String(length=24), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("approved_by", sa.String(length=80), nullable=True),
        sa.Column("replacement_claim_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open','appealed','closed')", name=op.f("ck_denials_status")
        ),
        sa.CheckConstraint(
            "closed_how IS NULL OR closed_how IN ('corrected','written_off',"
            "'transferred_to_client','transferred_to_payer','paid','reversed')",
            name=op.f("ck_denials_closed_how"),
        ),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name=op.f("ck_denials_closed")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_denials_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["claim_line_id"], ["claim_lines.id"], name=op.f("fk_denials_claim_line_id_claim_lines")
        ),
        sa.ForeignKeyConstraint(
            ["remittance_claim_id"],
            ["remittance_claims.id"],
            name=op.f("fk_denials_remittance_claim_id_remittance_claims"),
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_denials_payer_id_payers")
        ),
        sa.ForeignKeyConstraint(
            ["replacement_claim_id"],
            ["claims.id"],
            name=op.f("fk_denials_replacement_claim_id_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_denials")),
    )
    op.create_index("ix_denials_status", "denials", ["status", "opened_on"], unique=False)
    op.create_index("ix_denials_claim", "denials", ["claim_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_denials_claim", table_name="denials")
    op.drop_index("ix_denials_status", table_name="denials")
    op.drop_table("denials")
