"""ledger sums per statement on PostgreSQL: the report sums over ``ledger_entries`` are kept
by one statement trigger per INSERT (its new rows as a transition table, grouped), not one row
trigger per entry

An 835's entries fall on a few groups (the payment's day and codes, a client's balance); a row
trigger updated those few rows once per entry, tens of thousands of times in one transaction,
and each update left a row version the next had to step over: posting 10,000 claims spent 116
of its 121 s of ledger inserts there. The sums are the same (``report_sums.differences`` checks
them); SQLite, which has no statement triggers, keeps its row triggers
(``therabill.store.report_sums.PER_STATEMENT``).

Revision ID: 0039
Revises: 0040
Create Date: 2026-12-07 09:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0039"
down_revision = "0040"
branch_labels = None
depends_on = None

LEDGER_SUMS = ("ledger_day_sums", "service_day_sums", "client_sums", "client_balances")


def upgrade() -> None:
    from therabill.store import report_sums

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        report_sums.create_triggers(bind, LEDGER_SUMS)


def downgrade() -> None:
    from therabill.store import report_sums

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        report_sums.create_triggers(bind, LEDGER_SUMS, per_statement=False)
