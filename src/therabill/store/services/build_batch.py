"""What ``claims build`` reads and writes, set-based: every input of a batch read in a few
queries before the first claim is drafted, and every row of the built claims written at the
end in one bulk insert per table (issue 17: no per-claim round trips).

Reading: the clients with their policies, the payers, providers and practice
(:class:`Parties`), the clients' authorizations with the units and visits used so far
(:class:`AuthorizationBook`). Rules that depend on the claims built earlier in the same batch
keep running totals in memory: the authorizations' units and visits here, the lines already
billed and the year's allowed amounts in :class:`therabill.store.services.scrubbing.Scrubber`,
the visits this year per payer in :class:`therabill.store.services.plans_of_care.
PreloadedPlans`. Claims are drafted in the order of the clients' sessions, so each claim sees
what the claims before it took, as when they were written one by one.

Writing (:class:`ClaimRows`): claim and line ids are taken before the rows are written (the
claim number is in the claim's document), then claims, lines, status changes, authorization
uses and ledger charges go in with one ``executemany`` each, and the sessions are billed with
``UPDATE … WHERE claim_id IS NULL``: a session another writer billed meanwhile stops the
build (``ConcurrentBuild``, nothing kept).
"""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import selectinload

from therabill.claims.number import control_number_of
from therabill.errors import TherabillError
from therabill.store import ledger_insert
from therabill.store.models import (
    Authorization,
    AuthorizationUse,
    ClaimLine,
    ClaimRecord,
    ClaimStatusChange,
    Client,
    LedgerEntry,
    Payer,
    Provider,
    TherapySession,
    utcnow,
)
from therabill.store.services import ledger
from therabill.store.services.auths import AuthorizationStatus
from therabill.store.services.context import UnitOfWork
from therabill.store.services.drafts import DraftClaim, DraftLine

CHUNK = 5_000  # ids per IN list, well under SQLite's bound-parameter limit


class ConcurrentBuild(TherabillError):
    """Another build billed a session this one had chosen; nothing of this build is kept."""


class _Collector:
    """The cyclic garbage collector's settings while builds run (a process may run several at
    once: a job worker's threads); the first build to start changes them, the last to end
    puts them back."""

    lock = threading.Lock()
    builds = 0
    threshold: tuple[int, int, int] = (0, 0, 0)


YOUNG_OBJECTS = 50_000  # allocations between collections of the youngest generation


@contextmanager
def fewer_collections() -> Iterator[None]:
    """A build with the cyclic garbage collector kept off what was there before it (the
    scrubber's tables, a worker's caches: ``gc.freeze``) and run less often (every
    ``YOUNG_OBJECTS`` allocations instead of 700). A build allocates objects that live
    until it ends (its claims, rows and documents); the collector's passes over them and
    over the loaded tables took a fifth of the build's CPU. It still runs: a long build's
    cyclic garbage is still freed."""
    with _Collector.lock:
        if _Collector.builds == 0:
            _Collector.threshold = gc.get_threshold()
            young, middle, old = _Collector.threshold
            gc.freeze()
            gc.set_threshold(max(young, YOUNG_OBJECTS), middle, old)
        _Collector.builds += 1
    try:
        yield
    finally:
        with _Collector.lock:
            _Collector.builds -= 1
            if _Collector.builds == 0:
                gc.set_threshold(*_Collector.threshold)
                gc.unfreeze()


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    """Sorted distinct ``ids`` in lists of at most ``size`` (one IN list each)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


class Parties:
    """The batch's clients (with their policies), and every payer and provider of the
    practice and the practice itself (a practice has a handful of each)."""

    def __init__(self, work: UnitOfWork, client_ids: Iterable[int]) -> None:
        self.clients: dict[int, Client] = {}
        for ids in chunks(client_ids):
            for client in work.db.execute(
                select(Client).where(Client.id.in_(ids)).options(selectinload(Client.policies))
            ).scalars():
                self.clients[client.id] = client
        self.payers = {p.id: p for p in work.db.execute(select(Payer)).scalars()}
        self.providers = {p.id: p for p in work.db.execute(select(Provider)).scalars()}
        self.practice = work.practice()


class AuthorizationBook:
    """The batch's clients' authorizations, oldest first, with the units and visits used so
    far: read once, then :meth:`take` adds what each built claim uses, so the next claim of
    the build sees it (auths.statuses, in memory)."""

    def __init__(self, work: UnitOfWork, client_ids: Iterable[int]) -> None:
        self._by: dict[tuple[int, int], list[AuthorizationStatus]] = defaultdict(list)
        found: list[Authorization] = []
        for ids in chunks(client_ids):
            found.extend(
                work.db.execute(
                    select(Authorization)
                    .where(Authorization.client_id.in_(ids))
                    .options(selectinload(Authorization.codes))
                ).scalars()
            )
        used: dict[int, tuple[int, int]] = {}
        for ids in chunks(a.id for a in found):
            for auth_id, units, visits in work.db.execute(
                select(
                    AuthorizationUse.authorization_id,
                    func.sum(AuthorizationUse.units),
                    func.sum(AuthorizationUse.visits),
                )
                .where(AuthorizationUse.authorization_id.in_(ids))
                .group_by(AuthorizationUse.authorization_id)
            ):
                used[auth_id] = (int(units or 0), int(visits or 0))
        for a in sorted(found, key=lambda a: (a.start_date, a.id)):
            self._by[(a.client_id, a.payer_id)].append(
                AuthorizationStatus(a, *used.get(a.id, (0, 0)))
            )

    def statuses(self, client_id: int, payer_id: int) -> list[AuthorizationStatus]:
        """The client's authorizations with this payer as used so far, oldest first."""
        return list(self._by.get((client_id, payer_id), ()))

    def take(
        self, uses: Sequence[tuple[DraftLine, AuthorizationStatus]]
    ) -> list[tuple[DraftLine, int, int, int]]:
        """Each line's units (and the visit, once per authorization and claim) taken from the
        authorization covering it, added to the totals the next claims see: (line,
        authorization id, units, visits) for the ``authorization_uses`` rows."""
        taken: list[tuple[DraftLine, int, int, int]] = []
        visited: set[int] = set()
        for line, status in uses:
            a = status.authorization
            units = line.units if a.units_approved is not None else 0
            visits = 0 if a.id in visited else 1
            visited.add(a.id)
            line.authorization_id = a.id
            taken.append((line, a.id, units, visits))
            held = self._by[(a.client_id, a.payer_id)]
            for i, current in enumerate(held):
                if current.authorization.id == a.id:
                    held[i] = dataclasses.replace(
                        current,
                        units_used=current.units_used + units,
                        visits_used=current.visits_used + visits,
                    )
        return taken


def next_ids(work: UnitOfWork, table: Table, count: int) -> list[int]:
    """``count`` new ids for ``table``'s rows, taken before they are written. PostgreSQL: from
    the table's sequence (safe beside other writers). SQLite: after the largest id, as SQLite
    itself numbers rows; the transaction holds the database's write lock (BEGIN IMMEDIATE)."""
    if count <= 0:
        return []
    if work.db.get_bind().dialect.name == "postgresql":
        rows = work.db.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        )
        return sorted(int(row[0]) for row in rows)
    last = work.db.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(last + 1, last + 1 + count))


class ClaimIds:
    """Claim ids handed out as the build drafts (a claim's number is in its document and in
    the findings of the claims after it). PostgreSQL: from the sequence in blocks (an id of
    a group that is then skipped is a gap, as a rolled-back insert leaves). SQLite: counted
    on from the largest id, as SQLite numbers rows (the write lock is held)."""

    def __init__(self, work: UnitOfWork, most: int) -> None:
        self._work = work
        self._left = most  # the build's groups: no more claims than that
        self._free: list[int] = []
        self._sqlite_next: int | None = None
        if work.db.get_bind().dialect.name != "postgresql":
            self._sqlite_next = (
                work.db.execute(select(func.max(ClaimRecord.id))).scalar() or 0
            ) + 1

    def next(self) -> int:
        self._left -= 1
        if self._sqlite_next is not None:
            self._sqlite_next += 1
            return self._sqlite_next - 1
        if not self._free:
            block = min(max(self._left + 1, 1), 1_000)
            self._free = next_ids(self._work, _table(ClaimRecord), block)[::-1]
        return self._free.pop()


def _table(model: type[object]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


class ClaimRows:
    """The rows of the claims a build keeps, written at the end in one insert per table."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.claims: list[dict[str, Any]] = []
        self.lines: list[DraftLine] = []
        self.line_claims: list[DraftClaim] = []
        self.changes: list[dict[str, Any]] = []
        self.sessions: list[dict[str, int | None]] = []
        self.uses: list[tuple[DraftLine, int, int, int]] = []

    def add(
        self,
        claim: DraftClaim,
        session_ids: Sequence[int],
        uses: Sequence[tuple[DraftLine, int, int, int]],
        reasons: Sequence[tuple[str | None, str, str]],
    ) -> None:
        """One built claim (its id, status, document and findings set) with its lines, the
        sessions it bills, the authorization units its lines took
        (``AuthorizationBook.take``) and its status changes (from, to, why)."""
        assert claim.id is not None, "a claim is numbered before its rows are kept"
        self.claims.append(
            {
                "id": claim.id,
                "client_id": claim.client_id,
                "payer_id": claim.payer_id,
                "policy_id": claim.policy_id,
                "provider_id": claim.provider_id,
                "date_of_service": claim.date_of_service,
                "status": claim.status,
                "frequency_code": claim.frequency_code,
                "total_charge_cents": claim.total_charge_cents,
                "findings_json": claim.findings_json,
                "document_json": claim.document_json,
            }
        )
        for line in claim.lines:
            self.lines.append(line)
            self.line_claims.append(claim)
        self.uses.extend(uses)
        self.sessions.extend({"session": s, "claim": claim.id} for s in session_ids)
        self.changes.extend(
            {"claim_id": claim.id, "from_status": old, "to_status": new,
             "actor": self.work.actor, "reason": why}
            for old, new, why in reasons
        )  # fmt: skip

    def write(self) -> None:
        """Write every row: claims, lines, sessions billed, status changes, authorization
        uses, ledger charges. Raises ``ConcurrentBuild`` when a session was billed meanwhile."""
        if not self.claims:
            return
        db = self.work.db
        sessions = _table(TherapySession)
        db.execute(insert(_table(ClaimRecord)), self.claims)
        for line, line_id in zip(
            self.lines, next_ids(self.work, _table(ClaimLine), len(self.lines)), strict=True
        ):
            line.id = line_id
        db.execute(
            insert(_table(ClaimLine)),
            [
                {
                    "id": ln.id,
                    "claim_id": claim.id,
                    "line_number": ln.line_number,
                    "session_id": ln.session_id,
                    "date_of_service": ln.date_of_service,
                    "code": ln.code,
                    "modifiers": ln.modifiers,
                    "minutes": ln.minutes,
                    "units": ln.units,
                    "charge_cents": ln.charge_cents,
                    "diagnosis_pointers": ln.diagnosis_pointers,
                    "authorization_id": ln.authorization_id,
                    "control_number": control_number_of(cast(int, claim.id), ln.line_number),
                }
                for ln, claim in zip(self.lines, self.line_claims, strict=True)
            ],
        )
        taken = cast(
            CursorResult[Any],
            db.execute(
                update(sessions)
                .where(sessions.c.id == bindparam("session"), sessions.c.claim_id.is_(None))
                .values(claim_id=bindparam("claim")),
                self.sessions,
            ),
        )
        if taken.rowcount != len(self.sessions):
            raise ConcurrentBuild("another build billed some of these sessions; run it again")
        db.execute(insert(_table(ClaimStatusChange)), self.changes)
        if self.uses:
            db.execute(
                insert(_table(AuthorizationUse)),
                [{"authorization_id": auth, "claim_line_id": line.id, "units": units,
                  "visits": visits} for line, auth, units, visits in self.uses],
            )  # fmt: skip
        charges = [
            row
            for claim, lines in _by_claim(self.lines, self.line_claims)
            for row in ledger.charge_rows(claim=claim, lines=lines, actor=self.work.actor)
        ]
        if not charges:
            return
        if db.get_bind().dialect.name == "postgresql":
            # one statement per 5,000 entries: the report sums' statement triggers add the
            # batch once, not once per entry (ledger_insert)
            now = utcnow()
            ledger_insert.insert_entries(
                db.connection(),
                [
                    tuple(now if c == "posted_at" else row.get(c) for c in ledger_insert.COLUMNS)
                    for row in charges
                ],
            )
        else:
            db.execute(insert(_table(LedgerEntry)), charges)


def _by_claim(
    lines: Sequence[DraftLine], claims: Sequence[DraftClaim]
) -> Iterator[tuple[DraftClaim, list[DraftLine]]]:
    """The lines grouped by their claim, in order (``lines`` are grouped already)."""
    current: DraftClaim | None = None
    group: list[DraftLine] = []
    for line, claim in zip(lines, claims, strict=True):
        if claim is not current:
            if current is not None:
                yield current, group
            current, group = claim, []
        group.append(line)
    if current is not None:
        yield current, group
