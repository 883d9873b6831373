"""client payments and refunds with method, reference and receipt

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=60), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('payment','copay','refund')", name=op.f("ck_client_payments_kind")
        ),
        sa.CheckConstraint(
            "method IN ('cash','check','card','other')", name=op.f("ck_client_payments_method")
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_client_payments_amount")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_payments_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_client_payments_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_payments")),
        sa.UniqueConstraint("receipt", name=op.f("uq_client_payments_receipt")),
    )
    op.create_index("ix_client_payments_client", "client_payments", ["client_id", "received_on"])


def downgrade() -> None:
    op.drop_index("ix_client_payments_client", table_name="client_payments")
    op.drop_table("client_payments")
