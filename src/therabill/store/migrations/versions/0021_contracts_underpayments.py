"""contracted allowed amounts per payer, code and modifier; underpayments found on posting

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 18:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contract_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("modifier", sa.String(length=2), nullable=False),
        sa.Column("allowed_cents", sa.Integer(), nullable=False),
        sa.Column("reduced_cents", sa.Integer(), nullable=True),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_contract_rates_payer_id_payers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_rates")),
        sa.UniqueConstraint(
            "payer_id", "code", "modifier", "effective", name=op.f("uq_contract_rates_payer_id")
        ),
    )
    op.create_index("ix_contract_rates_lookup", "contract_rates", ["payer_id", "code", "effective"])
    op.create_table(
        "underpayments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_claim_id", sa.Integer(), nullable=False),
        sa.Column("claim_line_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("expected_cents", sa.Integer(), nullable=False),
        sa.Column("allowed_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("difference_cents", sa.Integer(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["remittance_claim_id"],
            ["remittance_claims.id"],
            name=op.f("fk_underpayments_remittance_claim_id_remittance_claims"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_line_id"],
            ["claim_lines.id"],
            name=op.f("fk_underpayments_claim_line_id_claim_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_underpayments_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_underpayments_payer_id_payers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_underpayments")),
        sa.UniqueConstraint(
            "remittance_claim_id",
            "claim_line_id",
            name=op.f("uq_underpayments_remittance_claim_id"),
        ),
    )
    op.create_index(op.f("ix_underpayments_claim_line_id"), "underpayments", ["claim_line_id"])
    op.create_index(op.f("ix_underpayments_claim_id"), "underpayments", ["claim_id"])
    op.create_index(op.f("ix_underpayments_payer_id"), "underpayments", ["payer_id"])


def downgrade() -> None:
    op.drop_table("underpayments")
    op.drop_index("ix_contract_rates_lookup", table_name="contract_rates")
    op.drop_table("contract_rates")
