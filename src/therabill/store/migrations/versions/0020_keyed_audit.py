"""keyed audit chain: re-hash the log under the audit key, queue and seal ledger entries

The audit log's hashes become HMAC-SHA256 under the key kept outside the database
(therabill.store.audit_key). The chain as it stands is first checked with the old unkeyed
SHA-256: a chain that does not verify is not re-keyed (that would hide the tampering) and the
upgrade stops with the first problems found. Then every entry is re-hashed in place (the
append-only trigger is set aside for this one update and put back), a trigger queues the id of
every new ledger entry in ``ledger_unsealed``, and the ledger entries already written are
sealed into the chain by one audit entry per run of ids, so a later change to any of them is
caught. Downgrading drops the queue and its trigger; the hashes stay keyed. A later migration
that rebuilds ``ledger_entries`` (SQLite batch mode copies tables) must create the trigger
``ledger_entries_to_seal`` again, as it must the append-only ones of 0002.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 15:00:00.000000
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _legacy_hash(row: sa.Row[tuple[object, ...]]) -> str:
    from therabill.store.audit import AuditEvent, entry_body

    event = AuditEvent(row.actor, row.action, row.entity, row.entity_id, row.detail)
    return hashlib.sha256(entry_body(row.prev_hash, row.seq, row.at, event)).hexdigest()


def _rekey(bind: sa.Connection) -> None:
    from therabill.store.audit import AuditEvent, entry_hash
    from therabill.store.audit_key import audit_key

    query = sa.text(
        "SELECT id, seq, at, actor, action, entity, entity_id, detail, prev_hash, hash "
        "FROM audit_log ORDER BY seq"
    ).columns(at=sa.DateTime(timezone=True))
    rows = bind.execute(query).all()
    problems: list[str] = []
    prev, expected = GENESIS, 1
    for row in rows:
        if row.seq != expected:
            problems.append(f"entry {expected} missing")
        if row.prev_hash != prev:
            problems.append(f"entry {row.seq} does not follow the entry before it")
        if _legacy_hash(row) != row.hash:
            problems.append(f"entry {row.seq} changed after it was written")
        prev, expected = row.hash, row.seq + 1
    if problems:
        raise RuntimeError(
            "the audit log does not verify as it stands, so it is not re-keyed (that would "
            f"hide the change): {'; '.join(problems[:5])}. Keep this database as evidence and "
            "restore the newest backup whose audit log verifies."
        )
    key = audit_key()
    prev, updates = GENESIS, []
    for row in rows:
        event = AuditEvent(row.actor, row.action, row.entity, row.entity_id, row.detail)
        digest = entry_hash(key, prev, row.seq, row.at, event)
        updates.append({"id": row.id, "prev_hash": prev, "hash": digest})
        prev = digest
    if updates:
        bind.execute(
            sa.text("UPDATE audit_log SET prev_hash = :prev_hash, hash = :hash WHERE id = :id"),
            updates,
        )


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "ledger_unsealed",
        sa.Column("entry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_ledger_unsealed")),
    )
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        _rekey(bind)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        op.execute(
            "CREATE FUNCTION therabill_ledger_unsealed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN INSERT INTO ledger_unsealed (entry_id) VALUES (NEW.id); RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER ledger_entries_to_seal AFTER INSERT ON ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION therabill_ledger_unsealed()"
        )
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        _rekey(bind)
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: "
            "post a reversing entry instead'); END"
        )
        op.execute(
            "CREATE TRIGGER ledger_entries_to_seal AFTER INSERT ON ledger_entries "
            "BEGIN INSERT INTO ledger_unsealed (entry_id) VALUES (NEW.id); END"
        )
    op.execute("INSERT INTO ledger_unsealed (entry_id) SELECT id FROM ledger_entries")
    from therabill.store.audit import SYSTEM_ACTOR, AuditEvent, append

    with Session(bind=bind) as db:
        count = bind.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one()
        events = [
            AuditEvent(SYSTEM_ACTOR, "rekey", "audit_log", "*", f"HMAC-SHA256, {count} entries")
        ]
        append(db, events if count else [])
        db.flush()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ledger_entries_to_seal ON ledger_entries")
        op.execute("DROP FUNCTION therabill_ledger_unsealed()")
    else:
        op.execute("DROP TRIGGER ledger_entries_to_seal")
    op.drop_table("ledger_unsealed")
