"""payment plans (and the plan a client payment was paid under); reminder settings and the
reminder messages sent

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("instalment_cents", sa.Integer(), nullable=False),
        sa.Column("first_due", sa.Date(), nullable=False),
        sa.Column("every", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("unit IN ('week','month')", name=op.f("ck_payment_plans_unit")),
        sa.CheckConstraint(
            "total_cents > 0 AND instalment_cents > 0", name=op.f("ck_payment_plans_amounts")
        ),
        sa.CheckConstraint("every >= 1", name=op.f("ck_payment_plans_every")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_payment_plans_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_plans")),
    )
    op.create_index("ix_payment_plans_client", "payment_plans", ["client_id", "ended_on"])
    with op.batch_alter_table("client_payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_client_payments_plan_id_payment_plans"),
            "payment_plans",
            ["plan_id"],
            ["id"],
        )
    op.create_table(
        "reminder_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=True),
        sa.Column("schedule_days", sa.String(length=60), nullable=False),
        sa.Column("attach_pdf", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_settings")),
    )
    op.create_table(
        "reminder_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("attached_statement_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("attached", sa.Boolean(), nullable=False),
        sa.Column("balance_cents", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_reminder_messages_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_reminder_messages_statement_id_statements"),
        ),
        sa.ForeignKeyConstraint(
            ["attached_statement_id"],
            ["statements.id"],
            name=op.f("fk_reminder_messages_attached_statement_id_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_messages")),
        sa.UniqueConstraint("statement_id", "step", name=op.f("uq_reminder_messages_statement_id")),
    )
    op.create_index("ix_reminder_messages_client", "reminder_messages", ["client_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_reminder_messages_client", table_name="reminder_messages")
    op.drop_table("reminder_messages")
    op.drop_table("reminder_settings")
    with op.batch_alter_table("client_payments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_client_payments_plan_id_payment_plans"), type_="foreignkey"
        )
        batch_op.drop_column("plan_id")
    op.drop_index("ix_payment_plans_client", table_name="payment_plans")
    op.drop_table("payment_plans")
