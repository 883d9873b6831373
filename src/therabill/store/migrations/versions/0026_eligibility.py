"""eligibility inquiries (270) and answers (271) stored on the policy

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eligibility_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("trace", sa.String(length=50), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("service_types", sa.String(length=300), nullable=False),
        sa.Column("date_of_service", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_eligibility_requests_policy_id_policies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_requests")),
        sa.UniqueConstraint("trace", name=op.f("uq_eligibility_requests_trace")),
    )
    op.create_index(
        op.f("ix_eligibility_requests_policy_id"), "eligibility_requests", ["policy_id"]
    )
    op.create_table(
        "eligibility_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("transaction", sa.String(length=9), nullable=False),
        sa.Column("trace", sa.String(length=50), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_eligibility_checks_policy_id_policies")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_eligibility_checks_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_checks")),
    )
    op.create_index("ix_eligibility_checks_policy", "eligibility_checks", ["policy_id", "id"])
    op.create_index(op.f("ix_eligibility_checks_client_id"), "eligibility_checks", ["client_id"])
    op.create_index(op.f("ix_eligibility_checks_sha256"), "eligibility_checks", ["sha256"])


def downgrade() -> None:
    op.drop_table("eligibility_checks")
    op.drop_table("eligibility_requests")
