"""the ledger's seal queue holds runs of consecutive entry ids: ``ledger_unsealed.last_id``,
the last entry of the run that starts at ``entry_id`` (NULL: that entry alone); PostgreSQL's
statement trigger and SQLite's bulk writer queue a statement's new entries as their runs
(usually one row per statement), the row triggers one entry per row as before

On PostgreSQL each ledger entry queued was a row of ``ledger_unsealed``, and each row a check
of its foreign key to ``practice`` and an index entry, inserted and then deleted by the seal
in the same transaction: inserting 5,000 entries took 25 to 35 ms in the queue's trigger, 17
to 30 ms of it that check (``EXPLAIN ANALYZE``, 2026-12-08, after 10,000 claims posted). A run
is checked once. Every guarantee stays: each queue row's practice is still checked, and the
seal (``store.ledger_seal.seal_pending``) reads the same entries by the same runs of ids as
before. The queue is empty between transactions, so nothing is converted.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-08 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from therabill.store.ledger_seal import QUEUE_HAS_RUNS

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None

BY_ROW = "INSERT INTO ledger_unsealed (entry_id) SELECT id FROM new_rows"
IN_RUNS = (
    "INSERT INTO ledger_unsealed (entry_id, last_id) SELECT min(id), max(id) FROM "
    "(SELECT id, id - row_number() OVER (ORDER BY id) AS run FROM new_rows) AS ids GROUP BY run"
)


def _postgres_queue(insert: str) -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION therabill_ledger_unsealed() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {insert}; RETURN NULL; END $$"
    )


def upgrade() -> None:
    op.get_bind().info.pop(QUEUE_HAS_RUNS, None)
    op.add_column("ledger_unsealed", sa.Column("last_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        _postgres_queue(IN_RUNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_queue(BY_ROW)
    # not a batch (a copy of the table renamed into place): SQLite refuses the rename while
    # the ledger's queue triggers name the table; DROP COLUMN (SQLite 3.35) needs no copy
    op.execute("ALTER TABLE ledger_unsealed DROP COLUMN last_id")
    op.get_bind().info.pop(QUEUE_HAS_RUNS, None)
