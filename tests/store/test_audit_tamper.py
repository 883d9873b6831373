"""Tampering from inside the database, on SQLite and PostgreSQL: with the append-only
triggers dropped, whoever can edit the tables still cannot make ``audit verify`` pass. The
chain is keyed (the key is outside the database), its head is anchored outside it after every
commit, and the ledger is sealed into it (issue 14: "the audit chain is unkeyed SHA-256 and
the ledger is outside it")."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from posting_fixtures import HARBOUR, build_claim
from therabill.store import audit, audit_anchor, audit_key, factories
from therabill.store.audit import AuditEvent, entry_body, entry_hash
from therabill.store.services import Store, admin, open_store, remittances, submission


@pytest.fixture
def busy(store: Store, tmp_path: Path) -> Store:
    """A practice with a claim charged and paid by an 835 (the bulk-insert ledger path)."""
    factories.set_up_practice(store, HARBOUR)
    claim = build_claim(store, c97110=30, c97140=15)
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path / "outbox")
    with store.transaction(actor="biller") as work:
        data = factories.remittance_for(work, [claim], copay_cents=2000).encode()
    with store.transaction(actor="biller") as work:
        posted = remittances.post_remittance(work=work, data=data, file_name="era.835")
    assert posted.claims_posted == 1
    return store


def _untrigger(conn: Connection, table: str) -> None:
    """What an insider with the database's password does first."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for action in ("update", "delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{action}"))


def _verify(store: Store) -> audit.Verification:
    return admin.verify_audit(store=store)


def test_an_untouched_practice_verifies_with_its_ledger_sealed(busy: Store) -> None:
    result = _verify(busy)
    assert result.ok, result.problems
    assert result.warnings == []
    with busy.engine.connect() as conn:
        ledger = conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
        waiting = conn.execute(text("SELECT count(*) FROM ledger_unsealed")).scalar_one()
    assert ledger > 4  # charges, payments, adjustments, patient share
    assert result.ledger_entries == ledger and waiting == 0
    assert result.anchored > 0


@pytest.mark.parametrize("cut", [1, 3], ids=["newest-entry", "three-newest"])
def test_newest_entries_deleted_are_caught_without_being_told_the_head(
    busy: Store, cut: int
) -> None:
    with busy.engine.begin() as conn:
        _untrigger(conn, "audit_log")
        last = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
        conn.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": last - cut})
    result = _verify(busy)
    assert not result.ok
    assert any("entries removed from the end?" in p for p in result.problems)


def _rehash_from(conn: Connection, seq: int, digest: Callable[[bytes], str]) -> None:
    """Edit entry ``seq`` and re-hash it and every later entry with ``digest``."""
    rows = conn.execute(
        text("SELECT * FROM audit_log ORDER BY seq").columns(
            at=audit.AuditEntry.__table__.c.at.type  # type: ignore[attr-defined]
        )
    ).all()
    prev = next(r.hash for r in rows if r.seq == seq - 1)
    for r in rows:
        if r.seq < seq:
            continue
        actor = "someone else" if r.seq == seq else r.actor
        event = AuditEvent(actor, r.action, r.entity, r.entity_id, r.detail)
        new = digest(entry_body(prev, r.seq, r.at, event))
        conn.execute(
            text("UPDATE audit_log SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
            {"a": actor, "p": prev, "h": new, "s": r.seq},
        )
        prev = new


FORGERIES: dict[str, Callable[[bytes], str]] = {
    "unkeyed-sha256": lambda body: hashlib.sha256(body).hexdigest(),
    "guessed-key": lambda body: entry_hash(
        b"g" * 32, "", 0, dt.datetime(2026, 1, 1), AuditEvent("", "", "", "", body.decode())
    ),
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_an_edited_entry_re_hashed_onwards_is_caught(
    busy: Store, forge: Callable[[bytes], str]
) -> None:
    with busy.engine.begin() as conn:
        _untrigger(conn, "audit_log")
        _rehash_from(conn, 3, forge)
    result = _verify(busy)
    assert "entry 3: changed after it was written" in result.problems
    assert not result.ok


def test_a_re_hashed_chain_is_caught_by_the_anchor_even_with_the_key(busy: Store) -> None:
    """Even an insider who also stole the key cannot rewrite anchored history."""
    key = audit_key.audit_key()
    with busy.engine.begin() as conn:
        _untrigger(conn, "audit_log")
        _rehash_from(conn, 3, lambda body: _hmac(key, body))
    result = _verify(busy)
    assert any("differs from its head anchored outside the database" in p for p in result.problems)


def _hmac(key: bytes, body: bytes) -> str:
    import hmac

    return hmac.new(key, body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE ledger_entries SET amount_cents = amount_cents + 1 WHERE id = {first}",
        "UPDATE ledger_entries SET memo = 'paid in cash' WHERE id = {last}",
        "DELETE FROM ledger_entries WHERE id = {last}",
    ],
    ids=["amount-changed", "memo-changed", "entry-deleted"],
)
def test_a_changed_ledger_entry_is_caught_with_the_trigger_dropped(
    busy: Store, tamper: str
) -> None:
    with busy.engine.begin() as conn:
        _untrigger(conn, "ledger_entries")
        first, last = conn.execute(text("SELECT min(id), max(id) FROM ledger_entries")).one()
        conn.execute(text(tamper.format(first=first, last=last)))
    result = _verify(busy)
    assert any("after they were written" in p for p in result.problems), result.problems


def test_a_ledger_entry_added_behind_therabills_back_is_caught(busy: Store) -> None:
    with busy.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER ledger_entries_to_seal"))
        conn.execute(
            text(
                "INSERT INTO ledger_entries (kind, amount_cents, responsibility, client_id, "
                "effective_date, posted_at, actor, memo) SELECT 'refund', 99900, 'patient', "
                "client_id, effective_date, posted_at, actor, '' FROM ledger_entries LIMIT 1"
            )
        )
    result = _verify(busy)
    assert any("written outside therabill (in no seal)" in p for p in result.problems)


def test_a_second_transaction_seals_an_entry_left_in_the_queue(busy: Store) -> None:
    """An entry written without an audit append (a script) is sealed by the next one: the
    queue is the trigger's, not the caller's."""
    with busy.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entries (kind, amount_cents, responsibility, client_id, "
                "effective_date, posted_at, actor, memo) SELECT 'refund', 100, 'patient', "
                "client_id, effective_date, posted_at, 'script', '' FROM ledger_entries LIMIT 1"
            )
        )
    assert any("in no seal" in p for p in _verify(busy).problems)
    with busy.transaction(actor="biller") as work:
        work.audit("read", "practice", 1)
    assert _verify(busy).ok


def test_the_key_file_is_made_once_private_and_kept(
    store: Store, therabill_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(audit_key.KEY_ENV)
    factories.set_up_practice(store)
    path = therabill_home / audit_key.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text()
    assert len(key.strip()) == 64
    with store.transaction(actor="x") as work:
        work.audit("read", "practice", 1)
    assert path.read_text() == key
    assert _verify(store).ok


def test_writing_under_another_key_is_refused(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server started with the wrong key (another data directory, a typo) would fork the
    chain under two keys: it writes nothing and says what to do."""
    factories.set_up_practice(store)
    monkeypatch.setenv(audit_key.KEY_ENV, "another-key-" + "x" * 32)
    with (
        pytest.raises(audit.WrongAuditKey, match="audit key"),
        store.transaction(actor="x") as work,
    ):
        work.audit("read", "practice", 1)
    assert not _verify(store).ok  # under the wrong key nothing checks out


def test_a_short_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit_key.KEY_ENV, "short")
    with pytest.raises(audit_key.AuditKeyError, match="shorter than 32"):
        audit_key.audit_key()


def test_anchor_lines_of_another_database_do_not_count(store: Store, tmp_path: Path) -> None:
    factories.set_up_practice(store)
    other = open_store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert audit_anchor.database_id(other.engine.url) != audit_anchor.database_id(store.engine.url)
    assert audit_anchor.heads(other.engine.url) == {}
    other.dispose()
    assert os.path.exists(audit_anchor.anchor_path())


def test_a_restored_line_drops_the_later_heads(store: Store) -> None:
    url = store.engine.url
    for seq in (1, 2, 3):
        audit_anchor.record(url, audit_anchor.Head(seq, f"h{seq}"))
    audit_anchor.record(url, audit_anchor.Head(2, "h2"), restored=True)
    audit_anchor.record(url, audit_anchor.Head(3, "new3"))
    assert audit_anchor.heads(url) == {1: "h1", 2: "h2", 3: "new3"}
