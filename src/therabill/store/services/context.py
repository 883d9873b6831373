"""One transaction per user action, with its audit entries written at the end of it.

Actions that change data run in :meth:`Store.transaction` (the write lock, their audit
entries in the same transaction). Actions that only read run in :meth:`Store.reading`: a read
transaction that takes no lock, whose audit entries are committed right after it, before the
caller carries on (the web app commits many readers' entries in one transaction).
"""

from __future__ import annotations

import contextvars
import getpass
import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from therabill.errors import InvalidInput, TherabillError
from therabill.store import audit, audit_anchor, audit_spool, migrate, tenancy
from therabill.store.engine import (
    BUSY_TIMEOUT_MS,
    impatient,
    make_engine,
    read_only,
    session_factory,
)
from therabill.store.models import Practice

ACTOR_ENV = "THERABILL_USER"


def _scope(practice: int | None) -> AbstractContextManager[None]:
    """The given practice's scope, or the current one left as it is."""
    return nullcontext() if practice is None else tenancy.practice_scope(practice)


# The SQLite databases this thread (or task) holds a write transaction on. A transaction takes
# SQLite's one write lock when it starts (it names its practice), so a second one opened inside
# it, on another connection, could only wait for the first: 30 s, then "database is locked".
_WRITING: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "therabill_writing", default=frozenset()
)


class NestedTransaction(RuntimeError):
    """A write transaction opened inside another on the same SQLite database: a programming
    error, raised at once instead of after the busy timeout."""


@contextmanager
def _sole_writer(engine: Engine) -> Iterator[None]:
    """Refuse a write transaction inside another on the same SQLite database (see
    ``_WRITING``); PostgreSQL's row locks let separate transactions go on side by side."""
    if engine.dialect.name != "sqlite":
        yield
        return
    database = str(engine.url)
    held = _WRITING.get()
    if database in held:
        raise NestedTransaction(
            "a write transaction was opened inside another on the same SQLite database: it "
            "would wait for the outer one's write lock until the busy timeout. Do the work in "
            "the outer transaction (work.db.begin_nested() for a part that may fail)."
        )
    token = _WRITING.set(held | {database})
    try:
        yield
    finally:
        _WRITING.reset(token)


def current_actor() -> str:
    """Who is acting: ``THERABILL_USER`` or the login name."""
    name = os.environ.get(ACTOR_ENV, "").strip()
    if name:
        return name[:80]
    try:
        return getpass.getuser()[:80]
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass(slots=True)
class UnitOfWork:
    """The open transaction of one user action: the ORM session, who acts, what to audit."""

    db: Session
    actor: str
    events: list[audit.AuditEvent] = field(default_factory=list)
    head: audit_anchor.Head | None = None  # the chain's head after :meth:`write_audit`
    # The practice this work is for (see therabill.store.tenancy); None before the first
    # practice exists (``init`` makes it).
    practice_id: int | None = None

    def audit(self, action: str, entity: str, entity_id: object, detail: str = "") -> None:
        """Record ``action`` on ``entity`` ``entity_id``. Never pass client data in ``detail``."""
        self.events.append(
            audit.AuditEvent(
                self.actor,
                action,
                entity,
                str(entity_id)[:40],
                detail[:200],
                practice_id=self.practice_id,
            )
        )

    def practice(self) -> Practice | None:
        """The practice this work is for: its name, NPI, address and settings."""
        return None if self.practice_id is None else self.db.get(Practice, self.practice_id)

    def require_practice(self) -> Practice:
        """:meth:`practice`, which must exist (``init`` made it)."""
        found = self.practice()
        if found is None:
            raise NotInitialised()
        return found

    def chain_practice(self) -> int | None:
        """The practice whose audit chain this work appends to (resolved again when the
        work itself made the first practice)."""
        if self.practice_id is None:
            self.practice_id = tenancy.current_practice(self.db.connection())
        return self.practice_id

    def write_audit(self) -> None:
        """Append the events recorded so far to the chain now, and seal the ledger entries
        written so far, inside this transaction (committed with it, or not at all): a long
        action (posting a large 835) keeps no growing list of events or unsealed entries."""
        head = audit.append(self.db, self.events, practice_id=self.chain_practice())
        self.events.clear()
        if head is not None:
            self.head = head

    def checkpoint(self) -> None:
        """Flush the changes made so far and :meth:`write_audit`: called every batch of a
        long action (an 835, a 277CA, a 277 of many claims) so its memory stays flat."""
        self.db.flush()
        self.write_audit()


class DatabaseBusy(TherabillError):
    """SQLite's busy timeout ran out: another process held the write lock all that time."""

    def __init__(self) -> None:
        super().__init__(
            f"the database stayed busy for {BUSY_TIMEOUT_MS // 1000} s (another therabill "
            "command, such as a long claims build, is writing).",
            hint="Try again when it has finished.",
        )


class NotInitialised(TherabillError):
    def __init__(self) -> None:
        super().__init__(
            "the practice database is not set up yet.",
            hint="Run: therabill init (or therabill demo)",
        )


class ReadOnlyViolation(RuntimeError):
    """Code inside :meth:`Store.reading` added, changed or deleted a row: a programming error
    (use :meth:`Store.transaction`); the change is rolled back, never written."""


@dataclass(slots=True)
class Store:
    engine: Engine
    sessions: sessionmaker[Session]
    reader: Engine  # the same pool, for transactions that only read (engine.read_only)
    read_sessions: sessionmaker[Session]

    @contextmanager
    def transaction(
        self, *, actor: str | None = None, practice: int | None = None
    ) -> Iterator[UnitOfWork]:
        """Commit everything done in the block and its audit entries, or nothing. The work
        is for ``practice``, else the current :func:`~therabill.store.tenancy.practice_scope`,
        else the installation's only practice."""
        try:
            with _sole_writer(self.engine), _scope(practice), self.sessions() as db, db.begin():
                work = UnitOfWork(db=db, actor=actor or current_actor())
                work.practice_id = tenancy.current_practice(db.connection())
                yield work
                db.flush()
                head = audit.append(db, work.events, practice_id=work.chain_practice()) or work.head
        except OperationalError as exc:
            if "locked" in str(exc.orig):
                raise DatabaseBusy() from exc
            raise
        self._anchor(head)
        if audit_spool.pending(self.engine) and not _WRITING.get():
            # reads spooled while this (a long job) held the lock: into the chain now; if
            # another writer has the lock already, whoever records reads next takes them
            with suppress(DatabaseBusy):
                self._commit_reads((), wait_ms=0)

    @contextmanager
    def reading(
        self, *, actor: str | None = None, audit_later: bool = False, practice: int | None = None
    ) -> Iterator[UnitOfWork]:
        """A unit of work that only reads: a read transaction that waits for no lock and
        makes no reader or writer wait. Its audit entries are committed after the block,
        before this returns; with ``audit_later`` they are left on ``work.events`` for the
        caller to hand to :meth:`record_reads` (the web app gathers many requests' entries
        into one transaction)."""
        with _scope(practice), self.read_sessions() as db:  # closing it ends the transaction
            work = UnitOfWork(db=db, actor=actor or current_actor())
            work.practice_id = tenancy.current_practice(db.connection())
            yield work
            if db.new or db.dirty or db.deleted:
                raise ReadOnlyViolation("a read-only unit of work tried to change data")
        if not audit_later:
            self.record_reads(work.events)

    def record_reads(self, events: Sequence[audit.AuditEvent]) -> None:
        """Commit the audit entries of reads in one write transaction (all or none), each
        practice's to its own chain, after any the spool holds. On a SQLite file, when the
        write lock stays taken (a long job), they go to the spool instead: durable either
        way before this returns (see :mod:`therabill.store.audit_spool`)."""
        spooling = audit_spool.path(self.engine) is not None
        waiting = spooling and audit_spool.pending(self.engine)
        if not events and not waiting:
            return
        try:
            # a spool with lines in it: the long writer is likely still at work, so only a
            # free lock is taken, and a page pays the wait once per job, not once per view
            wait = (0 if waiting else audit_spool.WAIT_MS) if spooling else None
            self._commit_reads(events, wait_ms=wait)
        except DatabaseBusy:
            if not spooling or not events:
                raise
            audit_spool.spool(self.engine, events)

    def _commit_reads(self, events: Sequence[audit.AuditEvent], *, wait_ms: int | None) -> None:
        heads = []
        # a Core connection, not an ORM session: the entries are Core statements, and a
        # session's transaction cost as much again as the rest of this write (every read
        # of client data comes here)
        engine = self.engine if wait_ms is None else impatient(self.engine, wait_ms)
        try:
            with (
                audit_spool.taken(self.engine) as spool,
                _sole_writer(self.engine),
                engine.connect() as connection,
            ):
                with connection.begin():
                    by_practice: dict[int | None, list[audit.AuditEvent]] = {}
                    for event in [*spool.events(), *events]:
                        by_practice.setdefault(event.practice_id, []).append(event)
                    for practice_id, group in by_practice.items():
                        chain = tenancy.set_practice(connection, practice_id)
                        if chain is None:
                            chain = tenancy.current_practice(connection)
                        # reads write no ledger entry: nothing to seal
                        heads.append(audit.append(connection, group, seal=False, practice_id=chain))
                spool.done()  # committed: the spool's lines are in the chain
        except OperationalError as exc:
            if "locked" in str(exc.orig):
                raise DatabaseBusy() from exc
            raise
        for head in heads:
            self._anchor(head)

    def _anchor(self, head: audit_anchor.Head | None) -> None:
        """After a commit: the new head goes to the anchor file outside the database."""
        if head is not None:
            audit_anchor.record(self.engine.url, head)

    def require_initialised(self) -> None:
        """Refuse a database that ``init`` has not made; an SQLite file that does not exist
        is refused before connecting, which would leave an empty file behind."""
        url = self.engine.url
        if (
            url.get_backend_name() == "sqlite"
            and url.database not in (None, "", ":memory:")
            and not Path(str(url.database)).exists()
        ):
            raise NotInitialised()
        # Read-only connections: on SQLite a command that only looks (``jobs show`` while a
        # job's transaction holds the write lock) must not queue for that lock here.
        if not inspect(self.reader).has_table("practice"):
            raise NotInitialised()
        if migrate.current_revision(self.reader) != migrate.head_revision():
            raise TherabillError(
                "the database schema is older than this therabill.",
                hint="Run: therabill init (it upgrades in place)",
            )
        with self.read_sessions() as db:
            practices = db.execute(select(Practice.id).limit(2)).all()
            if not practices:
                raise NotInitialised()
            if tenancy.bypasses_row_security(db.connection()):
                if len(practices) > 1:
                    raise TherabillError(
                        "this PostgreSQL role bypasses row-level security (a superuser or "
                        "BYPASSRLS), and the installation holds several practices: nothing "
                        "in the database would keep them apart.",
                        hint="Connect as a plain role (see docs/tenants.md).",
                    )
                tenancy.log.warning(tenancy.ROLE_WARNING)

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None) -> Store:
    engine = make_engine(url)
    reader = read_only(engine)
    return Store(
        engine=engine,
        sessions=session_factory(engine),
        reader=reader,
        read_sessions=session_factory(reader),
    )


def require_text(value: str | None, field_name: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput("is required", field=field_name)
    return value.strip()
