"""the 835 poster keeps the ledger's sums, its seal queue and client revisions itself: on SQLite
the row triggers that keep them stand aside while it inserts (``WHEN NOT
therabill_bulk_writer()``, store/bulk_writes.py) and it adds each batch in one statement; on
PostgreSQL the seal queue is filled per statement, as the sums are (0039)

SQLite has no statement triggers: each ledger entry of a posting ran five row triggers (four
report sums, the seal queue) and each remittance claim, line and adjustment one revision
trigger, about a seventh of a posting's CPU (2026-12-07, 10,000 claims). The function answers
0 on every connection therabill opens unless that connection's bulk writer says otherwise
for one insert, so every other writer's rows are kept by the triggers as before. On
PostgreSQL the seal queue's row trigger becomes a statement trigger over the statement's new
rows (the same ids, one statement instead of one call per entry).

Revision ID: 0046
Revises: 0047
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0046"
down_revision = "0047"
branch_labels = None
depends_on = None

LEDGER_SUMS = ("ledger_day_sums", "service_day_sums", "client_sums", "client_balances")
SQLITE_SEAL = (
    "CREATE TRIGGER ledger_entries_to_seal AFTER INSERT ON ledger_entries {when}"
    "BEGIN INSERT INTO ledger_unsealed (entry_id) VALUES (NEW.id); END"
)
POSTGRES_SEAL = {
    True: (
        "BEGIN INSERT INTO ledger_unsealed (entry_id) SELECT id FROM new_rows; RETURN NULL; END",
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
    ),
    False: (
        "BEGIN INSERT INTO ledger_unsealed (entry_id) VALUES (NEW.id); RETURN NULL; END",
        "FOR EACH ROW",
    ),
}


def _seal_queue(*, per_statement: bool) -> None:
    body, each = POSTGRES_SEAL[per_statement]
    op.execute(
        "CREATE OR REPLACE FUNCTION therabill_ledger_unsealed() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ {body} $$"
    )
    op.execute("DROP TRIGGER ledger_entries_to_seal ON ledger_entries")
    op.execute(
        f"CREATE TRIGGER ledger_entries_to_seal AFTER INSERT ON ledger_entries {each} "
        "EXECUTE FUNCTION therabill_ledger_unsealed()"
    )


def _sqlite(*, gated: bool) -> None:
    from therabill.store import bulk_writes, report_sums, revisions

    bind = op.get_bind()
    report_sums.create_triggers(bind, LEDGER_SUMS, bulk_gate=gated)
    revisions.create_triggers(bind, bulk_gate=gated)
    op.execute("DROP TRIGGER ledger_entries_to_seal")
    op.execute(SQLITE_SEAL.format(when=f"WHEN {bulk_writes.GATE} " if gated else ""))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _seal_queue(per_statement=True)
    else:
        _sqlite(gated=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _seal_queue(per_statement=False)
    else:
        _sqlite(gated=False)
