"""indexes led by the practice for what posting an 835 looks up by id: a claim's lines
(``claim_lines``: practice, claim, line number), the claims that follow a claim
(``claims``: practice, prior claim), the lines a remittance claim paid (``remittance_lines``:
practice, remittance claim), a claim's earlier postings (``remittance_claims``: practice,
claim, id) and the denials of a claim or of a payment (``denials``)

Every query names the practice (``therabill.store.models.base._name_the_practice``), and
SQLite, which keeps no statistics here, takes ``practice_id = ?`` on an index led by the
practice for a narrow search: for ``claim_id IN (…500 ids…)`` it chose to read every line of
the practice through ``ix_claim_lines_control_number`` (and every claim through
``ix_claims_practice``, every claim line for the underpayment check's paid lines) rather than
the index on the ids alone (and the same for a batch's earlier postings and open
denials). A posting read the whole table once per batch of claims, and so
grew faster than its file: 100,000 claims took 12.7 times the CPU of 10,000. With the practice
and the id in one index, each batch searches just its own rows (``EXPLAIN QUERY PLAN``:
``SEARCH claim_lines USING COVERING INDEX ix_claim_lines_claim (practice_id=? AND
claim_id=?)``). The indexes on the ids alone stay: foreign keys are checked through them.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07 20:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None

INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ix_claim_lines_claim", "claim_lines", ("practice_id", "claim_id", "line_number")),
    ("ix_claims_prior", "claims", ("practice_id", "prior_claim_id")),
    ("ix_denials_practice_claim", "denials", ("practice_id", "claim_id", "id")),
    ("ix_denials_practice_payment", "denials", ("practice_id", "remittance_claim_id")),
)  # fmt: skip


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns))


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
