"""client revisions: a stamp per client that triggers move whenever a row the live check reads
changes (sessions, claims and their lines, remittances, authorizations, eligibility, plans
of care, the client and their policies; client 0 for the practice's settings, providers,
payers and fees), and that reads never move: the live check keeps a client's day between
requests and asks this one cheap question first (``therabill.store.revisions``)

A practice's table like every other (tenancy): its key leads with the practice and, on
PostgreSQL, row-level security holds each transaction to its practice. It starts empty: a
client without a row has revision 0 until the first write after this migration.

Revision ID: 0040
Revises: 0036
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from therabill.store import revisions, tenancy

    op.create_table(
        "client_revisions",
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practice.id"], name=op.f("fk_client_revisions_practice_id_practice")
        ),
        sa.PrimaryKeyConstraint("practice_id", "client_id", name=op.f("pk_client_revisions")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE client_revisions ALTER COLUMN practice_id "
            f"SET DEFAULT {tenancy.COLUMN_DEFAULT}"
        )
        op.execute("ALTER TABLE client_revisions ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE client_revisions FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {tenancy.POLICY} ON client_revisions "
            f"USING ({tenancy.POLICY_TEST}) WITH CHECK ({tenancy.POLICY_TEST})"
        )
    revisions.create_triggers(bind)


def downgrade() -> None:
    from therabill.store import revisions

    revisions.drop_triggers(op.get_bind())
    op.drop_table("client_revisions")
