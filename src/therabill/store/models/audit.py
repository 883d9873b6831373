"""The audit log: who did what to which record, hash-chained, never any client data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, PracticeOwned, utcnow


class AuditEntry(PracticeOwned, Base):
    """``hash`` = HMAC-SHA256, under the audit key kept outside the database, over the previous
    entry's hash and this entry's fields; ``seq`` counts from 1 without gaps, so an edit breaks
    the hash and a deletion breaks the count (see therabill.store.audit)."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("practice_id", "seq", name="uq_audit_log_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(200), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerUnsealed(PracticeOwned, Base):
    """Ids of ledger entries not yet sealed into the audit chain: a database trigger adds each
    new entry's id (a bulk insert's entries as runs of ids), the transaction's audit append
    seals them and removes them (see therabill.store.ledger_seal). Empty between
    transactions."""

    __tablename__ = "ledger_unsealed"
    entry_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int | None] = mapped_column(default=None)
    """The last entry of a run of consecutive ids from ``entry_id`` (migration 0050: a bulk
    insert's entries are queued as their runs); NULL: ``entry_id`` alone."""
