"""The keyed, anchored audit chain: append and verify.

Each entry's hash is an HMAC-SHA256 (RFC 2104), under a key kept outside the database
(:mod:`therabill.store.audit_key`), over the previous entry's hash and this entry's own
fields, and ``seq`` counts 1, 2, 3 … without gaps. Editing an entry breaks its hash; deleting
one breaks the count and the next entry's link; re-hashing the rest needs the key, which the
database does not hold. Deleting the newest entries is caught by the heads written outside the
database after every commit (:mod:`therabill.store.audit_anchor`), and the ledger's entries
are sealed into the chain as they are written (:mod:`therabill.store.ledger_seal`).

Each practice has a chain of its own (``seq`` counts per practice): with row-level security a
practice's transaction sees only its own entries (therabill.store.tenancy).
Writers append under a lock (SQLite: every transaction is ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-scoped advisory lock per practice), so a chain never forks. Entries name the entity and its
id, never a client's name, birth date, member id or note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, Integer, bindparam, column, insert, select, table, text
from sqlalchemy.orm import Session

from therabill.errors import TherabillError
from therabill.store import audit_anchor, ledger_seal, tenancy
from therabill.store.audit_anchor import Head
from therabill.store.audit_key import audit_key, key_source
from therabill.store.models import AuditEntry, utcnow

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 7_401_001  # pg_advisory_xact_lock key for appending to the chain
SYSTEM_ACTOR = "therabill"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: str = ""
    practice_id: int | None = None  # whose chain it goes to (None: the transaction's)
    at: dt.datetime | None = None  # when it happened, if before it is appended (audit_spool)


def _stamp(at: dt.datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def event_fields(event: AuditEvent) -> list[str]:
    """An event's own fields, in the order the chain's hash covers them: the one place that
    order is written, so the audit spool's lines (which carry the same fields) cannot drift."""
    return [event.actor, event.action, event.entity, event.entity_id, event.detail]


def entry_body(prev_hash: str, seq: int, at: dt.datetime, event: AuditEvent) -> bytes:
    """The bytes an entry's hash covers."""
    body = json.dumps(
        [prev_hash, seq, _stamp(at), *event_fields(event)],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return body.encode("utf-8")


def entry_hash(key: bytes, prev_hash: str, seq: int, at: dt.datetime, event: AuditEvent) -> str:
    return hmac.new(key, entry_body(prev_hash, seq, at, event), hashlib.sha256).hexdigest()


class ChainRow(Protocol):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: str
    prev_hash: str
    hash: str


def _event(entry: ChainRow) -> AuditEvent:
    return AuditEvent(entry.actor, entry.action, entry.entity, entry.entity_id, entry.detail)


class WrongAuditKey(TherabillError):
    """The newest entry does not check out under the key in use: writing on would fork the
    chain under two keys, so nothing is written."""

    def __init__(self) -> None:
        super().__init__(
            f"the audit log's newest entry does not match the audit key in {key_source()}: "
            "either this is not the key the log was written with, or the entry was changed.",
            hint="Restore the practice's audit key (see README, Audit and backups), "
            "then run: therabill audit verify",
        )


_CHAIN_COLUMNS = ("seq", "at", "actor", "action", "entity", "entity_id", "detail", "prev_hash")


def _chain_reads() -> tuple[Any, Any]:
    """The newest entry of the whole log and of one practice's chain (columns named, so
    migration 0020, which appends before the practice column exists, reads it too)."""
    log = AuditEntry.__table__
    query = select(*(log.c[n] for n in _CHAIN_COLUMNS), log.c.hash)
    one_practice = query.where(log.c.practice_id == bindparam("practice", type_=Integer))
    return (
        query.order_by(log.c.seq.desc()).limit(1),
        one_practice.order_by(log.c.seq.desc()).limit(1),
    )


_LOCK = text("SELECT pg_advisory_xact_lock(:key, :practice)")
# Built once: every audited request appends (statements built again each time cost more
# than SQLite's own work for them).
_LAST, _LAST_OF_PRACTICE = _chain_reads()
_ADD = {
    owned: insert(
        table(
            "audit_log",
            *(column(c) for c in (*_CHAIN_COLUMNS, "hash", *(["practice_id"] if owned else []))),
        )
    )
    for owned in (False, True)
}


def _last_entry(connection: Connection, practice_id: int | None) -> Any:
    """The chain's newest entry (the whole log's before practices, in migration 0020)."""
    if practice_id is None:
        return connection.execute(_LAST).first()
    return connection.execute(_LAST_OF_PRACTICE, {"practice": practice_id}).first()


def append(
    db: Session | Connection,
    events: Sequence[AuditEvent],
    *,
    seal: bool = True,
    practice_id: int | None = None,
) -> Head | None:
    """Add ``events`` to the end of the chain, and a seal of the ledger entries this
    transaction wrote, inside the caller's transaction. Returns the new head (for the
    anchor, to be written after the commit), or None when nothing was added.

    ``seal=False`` is for a transaction that only records reads (it writes no ledger entry;
    an entry a script left in the queue is sealed by the next transaction that writes).
    ``practice_id``: whose chain (None only before practices, in migration 0020).
    ``db``: the transaction's ORM session, or (reads only, ``seal=False``) its connection."""
    connection = db if isinstance(db, Connection) else db.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"key": AUDIT_LOCK_KEY, "practice": practice_id or 0})
    actor = events[0].actor if events else SYSTEM_ACTOR
    seals: list[ledger_seal.Seal] = []
    if seal:
        if isinstance(db, Connection):
            raise TypeError("sealing the ledger needs the transaction's session")
        seals = ledger_seal.seal_pending(db)
    todo = list(events) + [
        AuditEvent(
            actor, ledger_seal.SEAL_ACTION, ledger_seal.SEAL_ENTITY, s.entity_id(), s.detail()
        )
        for s in seals
    ]
    if not todo:
        return None
    key = audit_key()
    last = _last_entry(connection, practice_id)
    seq, prev = 0, GENESIS
    if last is not None:
        if entry_hash(key, last.prev_hash, last.seq, last.at, _event(last)) != last.hash:
            raise WrongAuditKey()
        seq, prev = last.seq, last.hash
    owner = {} if practice_id is None else {"practice_id": practice_id}
    at = utcnow()
    rows = []
    for event in todo:
        seq += 1
        when = event.at or at
        digest = entry_hash(key, prev, seq, when, event)
        rows.append(
            {
                "seq": seq,
                "at": when,
                "actor": event.actor,
                "action": event.action,
                "entity": event.entity,
                "entity_id": event.entity_id,
                "detail": event.detail,
                "prev_hash": prev,
                "hash": digest,
                **owner,
            }
        )
        prev = digest
    # One executemany, not one ORM object per entry; a plain table of the columns written
    # (migration 0020 appends before audit_log has practice_id).
    connection.execute(_ADD[bool(owner)], rows)
    return Head(seq, prev, practice_id)


@dataclass(slots=True)
class Verification:
    entries: int = 0
    head_hash: str = GENESIS
    head_seq: int = 0
    ledger_entries: int = 0
    anchored: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "ledger_entries": self.ledger_entries,
            "anchored_heads": self.anchored,
            "problems": self.problems,
            "warnings": self.warnings,
        }


def check_chain(
    rows: Iterable[ChainRow],
    *,
    key: bytes,
    expect_head: str | None = None,
    anchors: dict[int, str] | None = None,
    seals: list[ledger_seal.Seal] | None = None,
) -> Verification:
    """Walk entries in ``seq`` order from the first; report every break. ``anchors`` are the
    heads written outside the database (seq → hash); genuine ledger seals are collected
    into ``seals``."""
    result = Verification()
    anchors = anchors or {}
    prev, expected_seq = GENESIS, 1
    for entry in rows:
        result.entries += 1
        if entry.seq != expected_seq:
            gap = f"{expected_seq}–{entry.seq - 1}" if entry.seq - 1 > expected_seq else ""
            result.problems.append(f"entry {gap or expected_seq} missing (deleted?)")
        if entry.prev_hash != prev:
            result.problems.append(f"entry {entry.seq}: does not follow the entry before it")
        genuine = entry_hash(key, entry.prev_hash, entry.seq, entry.at, _event(entry))
        if genuine != entry.hash:
            result.problems.append(f"entry {entry.seq}: changed after it was written")
        elif (
            seals is not None
            and entry.action == ledger_seal.SEAL_ACTION
            and entry.entity == ledger_seal.SEAL_ENTITY
        ):
            seal = ledger_seal.Seal.parse(entry.detail, entry.seq)
            if seal is not None:
                seals.append(seal)
        anchored = anchors.get(entry.seq)
        if anchored is not None and anchored != entry.hash:
            result.problems.append(
                f"entry {entry.seq}: differs from its head anchored outside the database"
            )
        prev, expected_seq = entry.hash, entry.seq + 1
    result.head_hash, result.head_seq = prev, expected_seq - 1
    result.anchored = len(anchors)
    if anchors and max(anchors) > result.head_seq:
        result.problems.append(
            f"entries {result.head_seq + 1}–{max(anchors)} missing: the anchor outside the "
            f"database records entry {max(anchors)}, the log ends at {result.head_seq} "
            "(entries removed from the end?)"
        )
    if expect_head is not None and expect_head != prev:
        result.problems.append(
            "the newest entry is not the expected head (entries removed from the end?)"
        )
    return result


def verify(
    db: Session, *, practice_id: int | None = None, expect_head: str | None = None
) -> Verification:
    """Check a practice's chain (default: the transaction's practice) under the audit key,
    against the anchored heads, and its ledger against its seals (reads only)."""
    if practice_id is None:
        practice_id = tenancy.current_practice(db.connection())
    url = db.get_bind().engine.url
    anchors = audit_anchor.heads(url, practice_id)
    seals: list[ledger_seal.Seal] = []
    rows = (
        db.execute(
            select(AuditEntry).where(AuditEntry.practice_id == practice_id).order_by(AuditEntry.seq)
        )
        .scalars()
        .yield_per(2000)
    )
    result = check_chain(
        rows, key=audit_key(), expect_head=expect_head, anchors=anchors, seals=seals
    )
    db.expunge_all()
    result.ledger_entries, ledger_problems = ledger_seal.check_ledger(
        db, seals, practice_id=practice_id
    )
    result.problems.extend(ledger_problems)
    if not anchors and result.entries:
        result.warnings.append(
            f"no head of this database is anchored in {audit_anchor.anchor_path()}: "
            "entries cut from the end could not be noticed (was the file moved?)"
        )
    return result
