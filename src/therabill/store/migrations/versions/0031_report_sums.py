"""report sums: small tables the database keeps up to date as the ledger, the claim lines and
the sessions are written (and the claims, for visits), so the Reports page reads thousands of rows instead of millions

An existing database's sums are built in full here from its rows; from then on, triggers on
the base tables keep them (therabill.store.report_sums).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def _counts(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]


def upgrade() -> None:
    from therabill.store import report_sums

    op.create_table(
        "ledger_day_sums",
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("claim_payer_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        *_counts("amount_cents", "entries"),
        sa.PrimaryKeyConstraint(
            "effective_date", "payer_id", "claim_payer_id", "provider_id", "code", "kind",
            name=op.f("pk_ledger_day_sums"),
        ),
    )  # fmt: skip
    op.create_table(
        "service_day_sums",
        sa.Column("date_of_service", sa.Date(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("responsibility", sa.String(length=10), nullable=False),
        *_counts("amount_cents", "entries"),
        sa.PrimaryKeyConstraint(
            "date_of_service", "payer_id", "provider_id", "kind", "responsibility",
            name=op.f("pk_service_day_sums"),
        ),
    )  # fmt: skip
    op.create_table(
        "client_sums",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("responsibility", sa.String(length=10), nullable=False),
        *_counts("amount_cents", "entries"),
        sa.PrimaryKeyConstraint("client_id", "kind", "responsibility", name=op.f("pk_client_sums")),
    )
    op.create_table(
        "session_day_counts",
        sa.Column("date_of_service", sa.Date(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        *_counts("sessions"),
        sa.PrimaryKeyConstraint(
            "date_of_service", "provider_id", name=op.f("pk_session_day_counts")
        ),
    )
    op.create_table(
        "line_day_sums",
        sa.Column("date_of_service", sa.Date(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        *_counts("units", "charge_cents", "lines"),
        sa.PrimaryKeyConstraint("date_of_service", "provider_id", name=op.f("pk_line_day_sums")),
    )
    op.create_table(
        "visit_days",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("discipline", sa.String(length=20), nullable=False),
        sa.Column("date_of_service", sa.Date(), nullable=False),
        *_counts("claims"),
        sa.PrimaryKeyConstraint(
            "client_id", "payer_id", "discipline", "date_of_service", name=op.f("pk_visit_days")
        ),
    )
    op.create_table(
        "visit_years",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("discipline", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *_counts("visits"),
        sa.PrimaryKeyConstraint(
            "client_id", "payer_id", "discipline", "year", name=op.f("pk_visit_years")
        ),
    )
    bind = op.get_bind()
    report_sums.rebuild(bind)
    report_sums.create_triggers(bind)


def downgrade() -> None:
    from therabill.store import report_sums

    report_sums.drop_triggers(op.get_bind())
    for table in (
        "visit_years", "visit_days", "line_day_sums", "session_day_counts", "client_sums", "service_day_sums",
        "ledger_day_sums",
    ):  # fmt: skip
        op.drop_table(table)
