"""statement runs and statements; how clients pay, the minimum balance, a client's hold

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_link", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("payment_instructions", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("statement_minimum_cents", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("statement_hold", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "statement_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_runs")),
        sa.UniqueConstraint("through", name=op.f("uq_statement_runs_through")),
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("balance_cents", sa.Integer(), nullable=False),
        sa.Column("current_cents", sa.Integer(), nullable=False),
        sa.Column("days_31_60_cents", sa.Integer(), nullable=False),
        sa.Column("days_61_90_cents", sa.Integer(), nullable=False),
        sa.Column("over_90_cents", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["statement_runs.id"], name=op.f("fk_statements_run_id_statement_runs")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_statements_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("number", name=op.f("uq_statements_number")),
        sa.UniqueConstraint("run_id", "client_id", name=op.f("uq_statements_run_id")),
    )
    op.create_index(op.f("ix_statements_client_id"), "statements", ["client_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_statements_client_id"), table_name="statements")
    op.drop_table("statements")
    op.drop_table("statement_runs")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("statement_hold")
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_column("statement_minimum_cents")
        batch_op.drop_column("payment_instructions")
        batch_op.drop_column("payment_link")
