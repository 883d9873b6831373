"""Ledger entries sealed into the audit chain.

A trigger puts the id of every new ledger entry into ``ledger_unsealed`` (migration 0020), so
entries written by any path (the ORM, the 835 poster's bulk insert) are found; a bulk
insert's entries go in as runs of consecutive ids (``last_id``, migration 0050: a row per run,
not per entry). When a transaction appends its audit entries it also seals what is waiting: a
``seal ledger`` entry whose detail holds the ids and a SHA-256 digest of the entries' fields.
The digest sits inside the keyed chain, so a changed amount, a deleted entry or an entry added
behind therabill's back (with the append-only triggers dropped) is reported by ``therabill
audit verify``.

On PostgreSQL a transaction sees only its own uncommitted ids in the queue (and none of other
transactions in flight), and sealing runs under the audit lock, so each entry is sealed once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, delete, inspect, select
from sqlalchemy.orm import Session

from therabill.store.models import LedgerEntry, LedgerUnsealed

SEAL_ACTION = "seal"
SEAL_ENTITY = "ledger"
VERSION = "v1"
# The fields a seal covers, fixed: a column added later does not change old seals' digests.
SEALED_COLUMNS = (
    "id",
    "kind",
    "amount_cents",
    "responsibility",
    "client_id",
    "claim_line_id",
    "claim_id",
    "payer_id",
    "effective_date",
    "posted_at",
    "actor",
    "memo",
    "receipt",
    "reverses_id",
)
DETAIL_CHARS = 200  # audit_log.detail
ROWS_PER_FETCH = 2000
QUEUE_HAS_RUNS = "therabill_seal_queue_runs"  # Connection.info: the queue has last_id
_LEDGER: Table = LedgerEntry.__table__  # type: ignore[assignment]
_QUEUE: Table = LedgerUnsealed.__table__  # type: ignore[assignment]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def canonical(row: Iterable[Any]) -> bytes:
    """One entry as the bytes its seal digests (the same on SQLite and PostgreSQL)."""
    text = json.dumps([_plain(v) for v in row], ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def canonical_entry(row: Iterable[Any]) -> bytes:
    """:func:`canonical`, byte for byte, at about half the cost: only the dates and times
    are converted, and the encoder is made once. Sealing and checking a large 835's half a
    million entries spends most of its time here."""
    values = [_plain(v) if isinstance(v, dt.date) else v for v in row]
    return _ENCODE(values).encode("utf-8") + b"\n"


def merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive spans sorted by their first id, joined where they touch or overlap: the
    seal queue's rows (an entry, or a run of entries since migration 0050) as runs:
    [(1, 1), (2, 5), (9, 9)] → [(1, 5), (9, 9)]."""
    out: list[tuple[int, int]] = []
    for first, last in spans:
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def _run_text(run: tuple[int, int]) -> str:
    return str(run[0]) if run[0] == run[1] else f"{run[0]}-{run[1]}"


@dataclass(slots=True)
class Seal:
    """One ``seal ledger`` audit entry: which ledger ids it covers and their digest."""

    runs: list[tuple[int, int]]
    count: int
    digest: str
    audit_seq: int = 0

    def detail(self) -> str:
        spans = ",".join(_run_text(r) for r in self.runs)
        return f"{VERSION} n={self.count} {spans} {self.digest}"

    def entity_id(self) -> str:
        return f"{self.runs[0][0]}-{self.runs[-1][1]}"[:40]

    @classmethod
    def parse(cls, detail: str, audit_seq: int) -> Seal | None:
        parts = detail.split(" ")
        if len(parts) != 4 or parts[0] != VERSION or not parts[1].startswith("n="):
            return None
        try:
            spans = [tuple(int(x) for x in s.split("-")) for s in parts[2].split(",")]
            found = [(s[0], s[-1]) for s in spans if len(s) in (1, 2)]
            return cls(found, int(parts[1][2:]), parts[3], audit_seq)
        except ValueError:
            return None


def _chunks(all_runs: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Runs split so that each seal's detail fits the audit column."""
    budget = DETAIL_CHARS - len(f"{VERSION} n=9999999999  ") - 64
    chunk: list[tuple[int, int]] = []
    used = 0
    for run in all_runs:
        size = len(_run_text(run)) + 1
        if chunk and used + size > budget:
            yield chunk
            chunk, used = [], 0
        chunk.append(run)
        used += size
    if chunk:
        yield chunk


def _rows(db: Session, lo: int, hi: int) -> Iterator[tuple[int, bytes]]:
    columns = [_LEDGER.c[name] for name in SEALED_COLUMNS]
    query = select(*columns).where(_LEDGER.c.id.between(lo, hi)).order_by(_LEDGER.c.id)
    # fetched a few thousand rows at a time: row by row, the driver's and SQLAlchemy's
    # per-row calls cost about as much as digesting the rows
    for rows in db.execute(query).partitions(ROWS_PER_FETCH):
        for row in rows:
            yield int(row[0]), canonical_entry(row)


def _queue_has_runs(connection: Connection) -> bool:
    """Whether the seal queue has ``last_id`` (migration 0050; migration 0020, which seals
    the entries already there, runs before it). Known once per connection; migration 0050
    forgets it on the connection that adds or drops the column."""
    if connection.info.get(QUEUE_HAS_RUNS):
        return True
    columns = {column["name"] for column in inspect(connection).get_columns(_QUEUE.name)}
    if "last_id" in columns:
        connection.info[QUEUE_HAS_RUNS] = True
        return True
    return False


def seal_pending(db: Session) -> list[Seal]:
    """Seal every ledger entry waiting in the queue and empty it (inside the caller's
    transaction, under the audit lock)."""
    connection = db.connection()
    if _queue_has_runs(connection):
        queued = db.execute(select(_QUEUE.c.entry_id, _QUEUE.c.last_id).order_by(_QUEUE.c.entry_id))
        waiting = merged((int(first), int(last or first)) for first, last in queued)
    else:  # a migration before 0050 (0020 seals the entries already there)
        ids = db.scalars(select(_QUEUE.c.entry_id).order_by(_QUEUE.c.entry_id))  # merged's order
        waiting = merged((int(i), int(i)) for i in ids)
    if not waiting:
        return []
    seals = []
    for chunk in _chunks(waiting):
        digest = hashlib.sha256()
        count = 0
        for lo, hi in chunk:
            for _, data in _rows(db, lo, hi):
                digest.update(data)
                count += 1
        seals.append(Seal(chunk, count, digest.hexdigest()))
        for lo, hi in chunk:
            db.execute(delete(_QUEUE).where(_QUEUE.c.entry_id.between(lo, hi)))
    return seals


@dataclass(slots=True)
class _Check:
    seal: Seal
    digest: Any = field(default_factory=hashlib.sha256)
    seen: int = 0


def check_ledger(
    db: Session, seals: list[Seal], *, practice_id: int | None, limit: int = 20
) -> tuple[int, list[str]]:
    """Walk ``practice_id``'s ledger in id order against its seals: (entries, problems)."""
    checks = [_Check(s) for s in seals]
    spans = sorted((lo, hi, c) for c in checks for lo, hi in c.seal.runs)
    problems: list[str] = []
    unsealed: list[int] = []
    entries, p = 0, 0
    columns = [_LEDGER.c[name] for name in SEALED_COLUMNS]
    mine = select(*columns).where(_LEDGER.c.practice_id == practice_id)
    for row in db.execute(mine.order_by(_LEDGER.c.id)).yield_per(2000):
        entries += 1
        entry_id = int(row[0])
        while p < len(spans) and spans[p][1] < entry_id:
            p += 1
        if p < len(spans) and spans[p][0] <= entry_id:
            check = spans[p][2]
            check.digest.update(canonical_entry(row))
            check.seen += 1
        else:
            unsealed.append(entry_id)
    for check in checks:
        seal = check.seal
        if check.seen != seal.count or check.digest.hexdigest() != seal.digest:
            spans_text = ",".join(_run_text(r) for r in seal.runs)
            what = "deleted" if check.seen < seal.count else "changed"
            problems.append(
                f"ledger entries {spans_text[:60]} (sealed by audit entry {seal.audit_seq}): "
                f"{what} after they were written"
            )
    if unsealed:
        shown = ", ".join(str(i) for i in unsealed[:limit])
        more = f" and {len(unsealed) - limit} more" if len(unsealed) > limit else ""
        problems.append(f"ledger entries {shown}{more}: written outside therabill (in no seal)")
    return entries, problems
