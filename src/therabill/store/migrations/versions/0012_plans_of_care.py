"""therapy plans of care (certifying provider, certification dates) and progress reports

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans_of_care",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("discipline", sa.String(length=20), nullable=False),
        sa.Column("referring_npi", sa.String(length=10), nullable=False),
        sa.Column("referring_first_name", sa.String(length=100), nullable=False),
        sa.Column("referring_last_name", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_plans_of_care_client_id_clients"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plans_of_care"),
    )
    op.create_index(
        "ix_plans_of_care_client", "plans_of_care", ["client_id", "discipline", "start_date"]
    )
    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans_of_care.id"], name="fk_progress_reports_plan_id_plans_of_care"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_progress_reports"),
    )
    op.create_index("ix_progress_reports_plan_id", "progress_reports", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_progress_reports_plan_id", table_name="progress_reports")
    op.drop_table("progress_reports")
    op.drop_index("ix_plans_of_care_client", table_name="plans_of_care")
    op.drop_table("plans_of_care")
