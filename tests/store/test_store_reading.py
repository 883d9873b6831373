"""Read-only units of work: no lock taken, nothing written but their audit entries."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from therabill.store import audit
from therabill.store.models import AuditEntry, Payer
from therabill.store.services import Store
from therabill.store.services.context import ReadOnlyViolation


def _entries(store: Store) -> list[tuple[str, str, str, str]]:
    with store.sessions() as db:
        return [
            (e.actor, e.action, e.entity, e.entity_id)
            for e in db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        ]


def test_a_read_is_audited_after_it_and_the_chain_holds(practice: Store) -> None:
    before = len(_entries(practice))
    with practice.reading(actor="ann") as work:
        names = list(work.db.execute(select(Payer.name).order_by(Payer.id)).scalars())
        work.audit("list", "payer", "*", f"{len(names)} rows")
    assert names == ["Medicare Part B", "Blue Harbour Health"]
    assert _entries(practice)[before:] == [("ann", "list", "payer", "*")]
    with practice.sessions() as db:
        assert audit.verify(db).ok


def test_audit_later_leaves_the_entries_to_the_caller(practice: Store) -> None:
    before = len(_entries(practice))
    with practice.reading(actor="ann", audit_later=True) as work:
        work.audit("read", "client", 1)
    assert len(_entries(practice)) == before
    practice.record_reads(work.events)
    assert _entries(practice)[before:] == [("ann", "read", "client", "1")]


def test_a_change_inside_a_read_is_refused_and_not_written(practice: Store) -> None:
    before = len(_entries(practice))
    with pytest.raises(ReadOnlyViolation), practice.reading(actor="ann") as work:
        payer = work.db.execute(select(Payer).limit(1)).scalar_one()
        payer.name = "Renamed"
        work.audit("read", "payer", payer.id)
    with practice.sessions() as db:
        assert db.execute(select(func.count()).where(Payer.name == "Renamed")).scalar_one() == 0
    assert len(_entries(practice)) == before  # no entry for a read that failed


def test_a_read_does_not_wait_for_a_writer(practice: Store) -> None:
    """While another unit of work holds the write lock, a read still runs (SQLite: a plain
    BEGIN, not BEGIN IMMEDIATE; PostgreSQL readers never wait for writers)."""
    writing, release = threading.Event(), threading.Event()

    def writer() -> None:
        with practice.transaction(actor="bob") as work:
            work.db.execute(select(Payer).limit(1)).scalar_one().name = "Being renamed"
            work.db.flush()
            writing.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        finished = threading.Event()

        def reader() -> None:
            with practice.reading(actor="ann", audit_later=True) as work:
                names = set(work.db.execute(select(Payer.name)).scalars())
            assert "Being renamed" not in names  # the writer's change is not committed yet
            finished.set()

        other = threading.Thread(target=reader)
        other.start()
        assert finished.wait(5), "the read waited for the writer's lock"
        other.join()
    finally:
        release.set()
        thread.join()


def test_a_transaction_inside_another_on_sqlite_is_refused_at_once(practice: Store) -> None:
    """The outer transaction holds SQLite's one write lock from its start, so an inner one
    could only wait out the busy timeout (30 s) and fail: it is refused at once, naming the
    mistake, and the outer one is rolled back whole. On PostgreSQL two transactions go on
    side by side; another thread is never refused."""
    from therabill.store.services.context import NestedTransaction

    sqlite = practice.engine.dialect.name == "sqlite"
    before = _entries(practice)
    if sqlite:
        with (
            pytest.raises(NestedTransaction, match="inside another"),
            practice.transaction(actor="ann") as outer,
        ):
            outer.audit("touch", "payer", 1)
            with practice.transaction(actor="ann"):
                pass
        assert _entries(practice) == before  # nothing half-written
    else:
        with practice.transaction(actor="ann") as outer:
            outer.audit("touch", "payer", 1)
            with practice.transaction(actor="ann") as inner:
                inner.audit("touch", "payer", 2)
    done: list[bool] = []

    def other_thread() -> None:
        with practice.transaction(actor="bo") as work:
            work.audit("touch", "payer", 3)
        done.append(True)

    worker = threading.Thread(target=other_thread)
    worker.start()  # after the outer one ended: takes the lock in turn, in its own context
    worker.join(timeout=60)
    assert done == [True]
