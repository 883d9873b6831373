"""The hash-chained audit log: append and verify.

Each entry's hash is SHA-256 over the previous entry's hash and this entry's own fields, and
``seq`` counts 1, 2, 3 … without gaps. Editing an entry breaks its hash; deleting one breaks
the count and the next entry's link; deleting the newest entries is caught by comparing the
head hash ``audit verify`` prints with one noted earlier (``--expect-head``).

Writers append under a lock (SQLite: every transaction is ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-scoped advisory lock), so the chain never forks. Entries name the entity and its
id, never a client's name, birth date, member id or note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from therabill.store.models import AuditEntry, utcnow

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 7_401_001  # pg_advisory_xact_lock key for appending to the chain


@dataclass(frozen=True, slots=True)
class AuditEvent:
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: str = ""


def _stamp(at: dt.datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, seq: int, at: dt.datetime, event: AuditEvent) -> str:
    body = json.dumps(
        [
            prev_hash,
            seq,
            _stamp(at),
            event.actor,
            event.action,
            event.entity,
            event.entity_id,
            event.detail,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(db: Session, events: Sequence[AuditEvent]) -> None:
    """Add ``events`` to the end of the chain, inside the caller's transaction."""
    if not events:
        return
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last = db.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    at = utcnow()
    rows = []
    for event in events:
        seq += 1
        digest = entry_hash(prev, seq, at, event)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": event.actor,
                "action": event.action,
                "entity": event.entity,
                "entity_id": event.entity_id,
                "detail": event.detail,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    db.execute(insert(AuditEntry), rows)  # one executemany, not one ORM object per entry


@dataclass(slots=True)
class Verification:
    entries: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_hash": self.head_hash,
            "problems": self.problems,
        }


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


def check_chain(rows: Iterable[ChainRow], *, expect_head: str | None = None) -> Verification:
    """Walk entries in ``seq`` order from the first; report every break."""
    result = Verification()
    prev, expected_seq = GENESIS, 1
    for entry in rows:
        result.entries += 1
        if entry.seq != expected_seq:
            gap = f"{expected_seq}–{entry.seq - 1}" if entry.seq - 1 > expected_seq else ""
            result.problems.append(f"entry {gap or expected_seq} missing (deleted?)")
        if entry.prev_hash != prev:
            result.problems.append(f"entry {entry.seq}: does not follow the entry before it")
        event = AuditEvent(entry.actor, entry.action, entry.entity, entry.entity_id, entry.detail)
        if entry_hash(entry.prev_hash, entry.seq, entry.at, event) != entry.hash:
            result.problems.append(f"entry {entry.seq}: changed after it was written")
        prev, expected_seq = entry.hash, entry.seq + 1
    result.head_hash = prev
    if expect_head is not None and expect_head != prev:
        result.problems.append(
            "the newest entry is not the expected head (entries removed from the end?)"
        )
    return result


def verify(db: Session, *, expect_head: str | None = None) -> Verification:
    """Check the stored chain (reads only)."""
    rows = db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    result = check_chain(rows, expect_head=expect_head)
    db.expunge_all()
    return result
