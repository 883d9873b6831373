"""Reads are audited through a group commit: many requests' entries in one transaction,
every answer sent only after its entries are committed, the chain intact."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from web_helpers import Practice, api_token, login

from therabill.store import audit, audit_spool
from therabill.store.audit import AuditEvent
from therabill.store.engine import SQLITE_POOL_SIZE, make_engine
from therabill.store.models import AuditEntry
from therabill.web.app import create_app
from therabill.web.audit_batch import AuditBatcher


def _event(n: int) -> AuditEvent:
    return AuditEvent("ann", "read", "client", str(n))


def _wait_for(condition: Callable[[], bool]) -> None:
    """Until ``condition`` holds (the threads under test get there on their own)."""
    for _ in range(20_000):
        if condition():
            return
        time.sleep(0.001)
    raise AssertionError("the threads never got there")


def _record_while_the_first_write_is_held(
    batcher: AuditBatcher, held: threading.Event, release: threading.Event, more: int
) -> list[BaseException | None]:
    """One entry recorded alone and held in its write; ``more`` entries handed in meanwhile;
    then the write released. What each ``record`` call ended with."""
    outcomes: list[BaseException | None] = [None] * (more + 1)

    def record(n: int) -> None:
        try:
            batcher.record([_event(n)])
        except Exception as exc:  # the outcome is what is tested
            outcomes[n] = exc

    first = threading.Thread(target=record, args=(0,))
    first.start()
    assert held.wait(20)
    others = [threading.Thread(target=record, args=(n,)) for n in range(1, more + 1)]
    for thread in others:
        thread.start()
    _wait_for(lambda: batcher.waiting == more)
    release.set()
    for thread in [first, *others]:
        thread.join()
    return outcomes


def test_entries_arriving_during_a_write_share_the_next_transaction() -> None:
    written: list[list[AuditEvent]] = []
    held, release = threading.Event(), threading.Event()

    def write(events: Sequence[AuditEvent]) -> None:
        held.set()
        assert release.wait(20)
        written.append(list(events))

    batcher = AuditBatcher(write)
    outcomes = _record_while_the_first_write_is_held(batcher, held, release, more=19)
    assert outcomes == [None] * 20
    batcher.record([_event(99)])
    assert [len(batch) for batch in written] == [1, 19, 1]
    assert (batcher.batches, batcher.entries) == (3, 21)


def test_every_waiter_hears_that_its_entries_were_not_written() -> None:
    held, release = threading.Event(), threading.Event()

    def refuse(_events: Sequence[AuditEvent]) -> None:
        held.set()
        assert release.wait(20)
        raise RuntimeError("disk full")

    batcher = AuditBatcher(refuse)
    outcomes = _record_while_the_first_write_is_held(batcher, held, release, more=4)
    assert all(isinstance(o, RuntimeError) and str(o) == "disk full" for o in outcomes)
    assert batcher.batches == 0


def _writes_into(written: list[list[AuditEvent]]) -> Callable[[Sequence[AuditEvent]], None]:
    def write(events: Sequence[AuditEvent]) -> None:
        written.append(list(events))

    return write


def test_a_writer_waits_for_the_reads_in_flight_to_join_its_transaction() -> None:
    """The commit delay: a request about to write while another is still inside its read
    waits for that read's entries, and both go in one transaction; it does not wait out the
    whole delay once no read is left in flight."""
    written: list[list[AuditEvent]] = []
    batcher = AuditBatcher(_writes_into(written), delay=30)
    inside, go = threading.Event(), threading.Event()

    def slower_read() -> None:
        with batcher.reading() as hand_in:
            inside.set()
            assert go.wait(20)
            hand_in([_event(1)])

    other = threading.Thread(target=slower_read)
    other.start()
    assert inside.wait(20)
    started = time.monotonic()

    def first_read() -> None:
        with batcher.reading() as hand_in:
            hand_in([_event(0)])

    first = threading.Thread(target=first_read)
    first.start()
    _wait_for(lambda: batcher.waiting == 1 and batcher.in_flight == 1)
    time.sleep(0.05)
    assert written == []  # the first waits: a read is in flight
    go.set()
    for thread in (first, other):
        thread.join()
    assert time.monotonic() - started < 20  # not the 30 s delay: the read came in
    assert [[e.entity_id for e in batch] for batch in written] == [["0", "1"]]
    assert (batcher.batches, batcher.entries, batcher.in_flight) == (1, 2, 0)


def test_a_lone_read_and_a_failed_read_add_no_wait() -> None:
    """No other read in flight: the entries are written at once. A read that fails (or
    hands nothing in) is no longer in flight, so no writer waits for it."""
    written: list[list[AuditEvent]] = []
    batcher = AuditBatcher(_writes_into(written), delay=30)
    started = time.monotonic()
    with pytest.raises(ValueError), batcher.reading():
        raise ValueError("the read failed")
    with batcher.reading() as hand_in:
        hand_in([])
    with batcher.reading() as hand_in:
        hand_in([_event(0)])
    batcher.record([_event(1)])
    assert time.monotonic() - started < 10
    assert [len(batch) for batch in written] == [1, 1]
    assert batcher.in_flight == 0


def test_the_commit_delay_is_bounded() -> None:
    """A read that stays in flight (a long page) holds a writer back for the delay only."""
    written: list[list[AuditEvent]] = []
    batcher = AuditBatcher(_writes_into(written), delay=0.2)
    inside, go = threading.Event(), threading.Event()

    def long_read() -> None:
        with batcher.reading() as hand_in:
            inside.set()
            assert go.wait(20)
            hand_in([_event(1)])

    other = threading.Thread(target=long_read)
    other.start()
    assert inside.wait(20)
    started = time.monotonic()
    batcher.record([_event(0)])
    waited = time.monotonic() - started
    go.set()
    other.join()
    assert 0.15 < waited < 10
    assert [[e.entity_id for e in batch] for batch in written] == [["0"], ["1"]]


def test_concurrent_api_reads_are_each_audited_in_fewer_transactions(practice: Practice) -> None:
    token = api_token(practice, "bill")
    app = create_app(practice.url)
    with practice.store.sessions() as db:
        before = db.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).first()
    start = before[0] if before else 0

    async def main() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="https://testserver",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            ids = [practice.ana_client, practice.ben_client] * 10
            answers = await asyncio.gather(*(client.get(f"/api/v1/clients/{i}") for i in ids))
            return [a.status_code for a in answers]

    assert asyncio.run(main()) == [200] * 20
    batcher = app.state.ctx.audit
    assert batcher.entries >= 20 and batcher.batches < 20
    with practice.store.sessions() as db:
        reads = list(
            db.execute(
                select(AuditEntry).where(AuditEntry.seq > start, AuditEntry.action == "read")
            ).scalars()
        )
        assert sorted(int(e.entity_id) for e in reads if e.entity == "client") == sorted(
            [practice.ana_client, practice.ben_client] * 10
        )
        assert audit.verify(db).ok
    app.state.ctx.store.dispose()


def test_concurrent_reads_reuse_the_pooled_sqlite_connections(practice: Practice) -> None:
    """Every worker thread of the web's threadpool keeps a pooled connection: a second round
    of as many requests at once opens none (SQLAlchemy's default pool kept 5 and opened the
    rest anew for each request, each with its pragmas and an empty page cache)."""
    if not practice.url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps SQLAlchemy's default pool (its connections are processes)")
    token = api_token(practice, "bill")
    app = create_app(practice.url)
    opened: list[object] = []
    event.listen(app.state.ctx.store.engine, "connect", lambda conn, _record: opened.append(conn))

    async def round_of(count: int) -> list[int]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="https://testserver",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            path = f"/api/v1/clients/{practice.ana_client}"
            answers = await asyncio.gather(*(client.get(path) for _ in range(count)))
            return [a.status_code for a in answers]

    try:
        assert asyncio.run(round_of(40)) == [200] * 40
        first = len(opened)
        assert 5 < first <= SQLITE_POOL_SIZE  # more at once than the default pool kept
        assert asyncio.run(round_of(40)) == [200] * 40
        assert len(opened) == first
    finally:
        app.state.ctx.store.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///file:live?mode=memory&uri=true"])
def test_an_in_memory_sqlite_database_keeps_sqlalchemys_pool(url: str) -> None:
    """The larger pool is for database files: an in-memory database keeps one connection a
    thread (SQLAlchemy's SingletonThreadPool, which takes no pool size)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def _read_while_the_audit_log_fails(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> httpx.Response:
    """A client read by the API while its audit entry cannot be written."""
    token = api_token(practice, "bill")
    app = create_app(practice.url)

    def refuse(_events: Sequence[AuditEvent]) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(app.state.ctx.audit, "_write", refuse)

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="https://testserver",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            return await client.get(f"/api/v1/clients/{practice.ana_client}")

    try:
        return asyncio.run(main())
    finally:
        app.state.ctx.store.dispose()


def test_no_answer_leaves_when_its_audit_entry_cannot_be_written(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = _read_while_the_audit_log_fails(practice, monkeypatch)
    assert answer.status_code == 500
    assert "Carla" not in answer.text and "1980-05-01" not in answer.text


def test_the_error_page_carries_the_security_headers(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = _read_while_the_audit_log_fails(practice, monkeypatch)
    assert answer.status_code == 500
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in answer.headers["content-security-policy"]


def test_pages_answer_while_a_long_job_holds_the_sqlite_write_lock(
    practice: Practice, web: TestClient
) -> None:
    """A month's claims build holds SQLite's only write lock for its whole run. A biller's
    pages still answer (their read entries go to the spool beside the database) and are in
    the chain once the job is done."""
    login(web, "bill")
    with practice.store.read_sessions() as db:
        before = db.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    job = sqlite3.connect(practice.url.removeprefix("sqlite:///"), isolation_level=None)
    job.execute("BEGIN IMMEDIATE")
    try:
        for page in ("/", "/clients", "/claims", "/sessions", "/jobs", "/clients/1"):
            answer = web.get(page)
            assert answer.status_code == 200, (page, answer.text[:300])
        assert audit_spool.pending(practice.store.engine)
    finally:
        job.execute("ROLLBACK")
        job.close()
    assert web.get("/clients/1").status_code == 200  # the lock is free: spool taken first
    assert not audit_spool.pending(practice.store.engine)
    with practice.store.read_sessions() as db:
        entries = db.execute(select(AuditEntry).where(AuditEntry.seq > before)).scalars().all()
        assert audit.verify(db).ok
    assert {(e.actor, e.entity) for e in entries} >= {("bill", "client"), ("bill", "session")}
