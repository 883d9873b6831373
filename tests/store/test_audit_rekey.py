"""Migration 0020 (keyed audit) re-keys a practice's audit chain in place: nothing lost, every entry
HMAC-hashed under the key, the ledger already written sealed; a chain that did not verify
before is not laundered."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from therabill.store import migrate
from therabill.store.audit import GENESIS, AuditEvent, entry_body
from therabill.store.services import admin, open_store

KEYED = next(
    r
    for r in ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()
    if (r.doc or "").startswith("keyed audit chain")
)
BEFORE = str(KEYED.down_revision)  # the revision an unkeyed practice is at
AT = dt.datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=dt.UTC)
EVENTS = [
    AuditEvent("setup", "create", "client", "1"),
    AuditEvent("biller", "post", "ledger_entry", "1", "patient_payment 2500"),
    AuditEvent("therapist", "read", "client", "1"),
]


def _old_practice(db_url: str, *, break_at: int | None = None) -> None:
    """A database at the revision before with an unkeyed SHA-256 chain (as therabill wrote it before) and a
    ledger entry."""
    store = open_store(db_url)
    migrate.upgrade(store.engine, BEFORE)
    prev, rows = GENESIS, []
    for seq, event in enumerate(EVENTS, 1):
        digest = hashlib.sha256(entry_body(prev, seq, AT, event)).hexdigest()
        actor = "forged" if seq == break_at else event.actor
        rows.append(
            {"seq": seq, "at": AT, "actor": actor, "action": event.action,
             "entity": event.entity, "entity_id": event.entity_id, "detail": event.detail,
             "prev_hash": prev, "hash": digest}
        )  # fmt: skip
        prev = digest
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO practice (id, name, created_at) VALUES (1, 'Office', :now)"),
            {"now": AT},
        )
        conn.execute(
            text(
                "INSERT INTO clients (id, first_name, last_name, birth_date, sex, created_at) "
                "VALUES (1, 'Ada', 'Example', :born, 'F', :now)"
            ),
            {"born": dt.date(1990, 1, 2), "now": AT},
        )
        conn.execute(
            text(
                "INSERT INTO ledger_entries (kind, amount_cents, responsibility, client_id, "
                "effective_date, posted_at, actor, memo) VALUES ('patient_payment', 2500, "
                "'patient', 1, :day, :now, 'biller', '')"
            ),
            {"day": AT.date(), "now": AT},
        )
        conn.execute(
            text(
                "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, detail, "
                "prev_hash, hash) VALUES (:seq, :at, :actor, :action, :entity, :entity_id, "
                ":detail, :prev_hash, :hash)"
            ),
            rows,
        )
    store.dispose()


def test_an_unkeyed_chain_is_re_keyed_without_loss(db_url: str) -> None:
    _old_practice(db_url)
    store = open_store(db_url)
    migrate.upgrade(store.engine)
    result = admin.verify_audit(store=store)
    assert result.ok, result.problems
    assert result.warnings == []  # the upgrade anchored the new head
    assert result.ledger_entries == 1
    with store.engine.connect() as conn:
        kept = conn.execute(
            text("SELECT seq, actor, action, entity, entity_id, detail FROM audit_log ORDER BY seq")
        ).all()
    assert [tuple(r[1:]) for r in kept[:3]] == [
        (e.actor, e.action, e.entity, e.entity_id, e.detail) for e in EVENTS
    ]
    assert [(r.action, r.entity) for r in kept[3:]] == [("rekey", "audit_log"), ("seal", "ledger")]
    # and the ledger entry written before the upgrade is now covered by the chain
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER ledger_entries_no_update"))
        conn.execute(text("UPDATE ledger_entries SET amount_cents = 25"))
    assert not admin.verify_audit(store=store).ok
    store.dispose()


def test_a_chain_broken_before_the_upgrade_is_not_laundered(db_url: str) -> None:
    _old_practice(db_url, break_at=2)
    store = open_store(db_url)
    with pytest.raises(RuntimeError, match="entry 2 changed after it was written"):
        migrate.upgrade(store.engine)
    assert migrate.current_revision(store.engine) == BEFORE  # all of it or nothing
    store.dispose()
