"""line item control numbers: every claim line gets the number its 837P sends in REF*6R

The 835 returns it (005010X221A1 loop 2110 REF*6R), so a remittance's service lines find their
claim lines exactly. Lines already written get the number they would have had
(``TB00000123-2``: claim number, dash, line number); claims already sent went without REF*6R,
so their remittances still match by code, charge and date.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from therabill.claims.number import control_number_of

    op.add_column("claim_lines", sa.Column("control_number", sa.String(length=50), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, claim_id, line_number FROM claim_lines")).all()
    if rows:
        bind.execute(
            sa.text("UPDATE claim_lines SET control_number = :number WHERE id = :id"),
            [{"id": r.id, "number": control_number_of(r.claim_id, r.line_number)} for r in rows],
        )
    op.create_index("ix_claim_lines_control_number", "claim_lines", ["control_number"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_claim_lines_control_number", table_name="claim_lines")
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.drop_column("control_number")
