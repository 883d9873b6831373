"""money in cents as 64-bit integers: PostgreSQL's INTEGER stops at $21,474,836.47, which one
835's payment total (BPR02) for a billing office's month can pass. SQLite's INTEGER already
holds 64 bits (https://www.sqlite.org/datatype3.html, "Storage Classes"): nothing to change
there.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 02:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

MONEY = {
    "fees": ("unit_charge_cents",),
    "practice": ("statement_minimum_cents",),
    "contract_rates": ("allowed_cents", "reduced_cents"),
    "invoices": ("total_cents",),
    "payment_plans": ("total_cents", "instalment_cents"),
    "remittances": ("payment_cents",),
    "statements": (
        "balance_cents",
        "current_cents",
        "days_31_60_cents",
        "days_61_90_cents",
        "over_90_cents",
    ),
    "claims": ("total_charge_cents",),
    "reminder_messages": ("balance_cents",),
    "remittance_exceptions": ("charge_cents", "paid_cents"),
    "claim_status_responses": ("paid_cents",),
    "remittance_claims": ("charge_cents", "paid_cents", "patient_cents"),
    "remittance_provider_adjustments": ("amount_cents",),
    "claim_lines": ("charge_cents",),
    "client_payments": ("amount_cents",),
    "denials": ("amount_cents",),
    "invoice_lines": ("amount_cents",),
    "ledger_entries": ("amount_cents",),
    "remittance_adjustments": ("amount_cents",),
    "remittance_lines": ("charge_cents", "paid_cents", "adjusted_cents", "patient_cents"),
    "underpayments": ("expected_cents", "allowed_cents", "paid_cents", "difference_cents"),
}


def _retype(to: type[sa.types.TypeEngine[int]]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in MONEY.items():
        changes = ", ".join(
            f"ALTER COLUMN {column} TYPE {to().compile(dialect=op.get_bind().dialect)}"
            for column in columns
        )
        op.execute(f"ALTER TABLE {table} {changes}")  # one rewrite of each table


def upgrade() -> None:
    _retype(sa.BigInteger)


def downgrade() -> None:
    _retype(sa.Integer)
