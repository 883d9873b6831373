"""secondary and tertiary payers: the ledger's transfer_to_insurance kind, and a claim's place
in the client's coordination of benefits (priority, the primary and prior payer's claims,
crossed over by the payer before), and a policy's Medicare secondary payer type (SBR05)

The ledger's kind CHECK constraint gains 'transfer_to_insurance'. PostgreSQL swaps the
constraint; SQLite cannot alter a CHECK constraint, so the table is rebuilt (batch mode) and
its append-only triggers (0002) are made again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

KINDS = (
    "'charge','insurance_payment','patient_payment','contractual_adjustment','write_off',"
    "'refund','transfer_to_patient'"
)
NEW_KINDS = KINDS + ",'transfer_to_insurance'"


def _kinds(kinds: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_ledger_entries_kind", "ledger_entries", type_="check")
        op.create_check_constraint("ck_ledger_entries_kind", "ledger_entries", f"kind IN ({kinds})")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS ledger_entries_no_{action}")
    with op.batch_alter_table("ledger_entries", recreate="always") as batch_op:
        batch_op.drop_constraint("ck_ledger_entries_kind", type_="check")
        batch_op.create_check_constraint("ck_ledger_entries_kind", sa.text(f"kind IN ({kinds})"))
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER ledger_entries_no_{action.lower()} BEFORE {action} ON ledger_entries "
            "BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: "
            "post a reversing entry instead'); END"
        )


def upgrade() -> None:
    _kinds(NEW_KINDS)
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("medicare_secondary_type", sa.String(length=2), nullable=True)
        )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.String(length=10), nullable=False, server_default="primary")
        )
        batch_op.add_column(sa.Column("primary_claim_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prior_claim_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("crossed_over", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claims_primary_claim_id_claims"), "claims", ["primary_claim_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claims_prior_claim_id_claims"), "claims", ["prior_claim_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_claims_primary_claim_id"), ["primary_claim_id"])
        batch_op.create_index(batch_op.f("ix_claims_prior_claim_id"), ["prior_claim_id"])
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.alter_column("priority", server_default=None)
        batch_op.alter_column("crossed_over", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_prior_claim_id"))
        batch_op.drop_index(batch_op.f("ix_claims_primary_claim_id"))
        batch_op.drop_constraint(batch_op.f("fk_claims_prior_claim_id_claims"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_claims_primary_claim_id_claims"), type_="foreignkey"
        )
        batch_op.drop_column("crossed_over")
        batch_op.drop_column("prior_claim_id")
        batch_op.drop_column("primary_claim_id")
        batch_op.drop_column("priority")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_column("medicare_secondary_type")
    _kinds(KINDS)
