"""indexes led by the practice: each practice's lists and reports read one range of an index
whatever the number of practices in the database

An index over what every practice has (claim statuses, dates of service, sessions not billed
yet, open denials, open remittance exceptions, authorizations in force, clients by name, X12
control numbers) used to start with that column: with many practices, one practice's "claims
needing attention" were scattered through every practice's. Each now starts with
``practice_id``, which every query names (``therabill.store.models.base._name_the_practice``;
row-level security stays the guard). The old index is replaced where the new one covers it;
indexes over one practice's own keys (a client's sessions, a claim's lines) are unchanged.

Revision ID: 0036
Revises: 0034
Create Date: 2026-12-07 06:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0036"
down_revision = "0034"
branch_labels = None
depends_on = None

# (index, table, columns before, columns now); None before: a new index.
INDEXES: tuple[tuple[str, str, tuple[str, ...] | None, tuple[str, ...]], ...] = (
    ("ix_sessions_unbilled", "sessions", ("claim_id", "date_of_service"),
     ("practice_id", "claim_id", "date_of_service")),
    ("ix_sessions_day", "sessions", ("date_of_service", "start_time", "id"),
     ("practice_id", "date_of_service", "start_time", "id")),
    ("ix_claims_status", "claims", ("status", "id"), ("practice_id", "status", "id")),
    ("ix_claims_date", "claims", None, ("practice_id", "date_of_service", "id")),
    ("ix_clients_name", "clients", None, ("practice_id", "last_name", "first_name", "id")),
    ("ix_authorizations_in_force", "authorizations", None,
     ("practice_id", "end_date", "start_date")),
    ("ix_denials_status", "denials", ("status", "opened_on"),
     ("practice_id", "status", "opened_on")),
    ("ix_remittance_exceptions_open", "remittance_exceptions", None,
     ("practice_id", "resolved_at", "id")),
    ("ix_submitted_claims_control", "submitted_claims", ("group_number", "transaction_number"),
     ("practice_id", "group_number", "transaction_number")),
)  # fmt: skip


def upgrade() -> None:
    for name, table, before, now in INDEXES:
        if before is not None:
            op.drop_index(name, table_name=table)
        op.create_index(name, table, list(now))


def downgrade() -> None:
    for name, table, before, _now in reversed(INDEXES):
        op.drop_index(name, table_name=table)
        if before is not None:
            op.create_index(name, table, list(before))
