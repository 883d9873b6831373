"""Reads while a long job holds SQLite's write lock: their audit entries go to the spool
beside the database, durable before the read returns, and into the hash chain (with the time
the read happened) as soon as the lock is free. PostgreSQL has no spool."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from therabill.store import audit, audit_spool
from therabill.store.models import AuditEntry
from therabill.store.services import Store
from therabill.store.services.login_sessions import find_session, start_session
from therabill.store.web_tables import web_sessions


def _sqlite_only(store: Store) -> Path:
    place = audit_spool.path(store.engine)
    if place is None:
        assert store.engine.dialect.name == "postgresql"  # it has no spool: row locks
        pytest.skip("PostgreSQL records reads beside a running job; it has no spool")
    return place


@contextmanager
def _long_job(store: Store) -> Iterator[None]:
    """Another process's write transaction holding SQLite's write lock (a running job)."""
    database = store.engine.url.database
    assert database
    other = sqlite3.connect(database, isolation_level=None, timeout=1)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def _chain(store: Store) -> list[AuditEntry]:
    with store.read_sessions() as db:  # a reader: no wait for the job's lock
        return list(db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())


def _utc(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _read(store: Store, actor: str, entity_id: str) -> None:
    with store.reading(actor=actor) as work:
        work.audit("read", "client", entity_id)


def test_postgresql_has_no_spool(practice: Store) -> None:
    if practice.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL case")
    assert audit_spool.path(practice.engine) is None
    assert not audit_spool.pending(practice.engine)


def test_reads_during_a_job_are_spooled_then_chained_in_order_with_their_time(
    practice: Store,
) -> None:
    place = _sqlite_only(practice)
    before = len(_chain(practice))
    with _long_job(practice):
        _read(practice, "ann", "1")  # returns: no wait for the job, no error
        _read(practice, "bob", "2")
        assert audit_spool.pending(practice.engine)
        assert len(place.read_text().splitlines()) == 2
        assert len(_chain(practice)) == before  # the chain could not be written
    spooled_at = [line.split(",")[1].strip('"') for line in place.read_text().splitlines()]
    _read(practice, "cy", "3")  # the lock is free: the spool first, then this read
    entries = _chain(practice)[before:]
    assert [(e.actor, e.action, e.entity_id) for e in entries] == [
        ("ann", "read", "1"),
        ("bob", "read", "2"),
        ("cy", "read", "3"),
    ]
    assert [_utc(e.at) for e in entries[:2]] == [dt.datetime.fromisoformat(s) for s in spooled_at]
    assert not audit_spool.pending(practice.engine)
    with practice.sessions() as db:
        assert audit.verify(db).ok


def test_the_job_commit_takes_the_spool_into_the_chain(practice: Store) -> None:
    """A job that ends with a commit from this process takes the spooled reads right after."""
    _sqlite_only(practice)
    release, writing = threading.Event(), threading.Event()

    def job() -> None:
        with practice.transaction(actor="job") as work:
            work.audit("build", "claims", "*")
            writing.set()
            release.wait(10)

    thread = threading.Thread(target=job)
    thread.start()
    try:
        assert writing.wait(10)
        _read(practice, "ann", "7")
        assert audit_spool.pending(practice.engine)
    finally:
        release.set()
        thread.join()
    assert not audit_spool.pending(practice.engine)
    tail = [(e.actor, e.action) for e in _chain(practice)[-2:]]
    assert tail == [("job", "build"), ("ann", "read")]


def test_an_altered_spool_line_is_recorded_as_altered(practice: Store) -> None:
    place = _sqlite_only(practice)
    with _long_job(practice):
        _read(practice, "ann", "1")
        _read(practice, "bob", "2")
    lines = place.read_text().splitlines()
    lines[0] = lines[0].replace('"ann"', '"eve"')  # someone edits who read the chart
    place.write_text("\n".join(lines) + "\n")
    _read(practice, "cy", "3")
    entries = _chain(practice)[-3:]
    assert (entries[0].actor, entries[0].action, entries[0].entity_id) == (
        audit.SYSTEM_ACTOR,
        audit_spool.ALTERED,
        "1",
    )
    assert '"eve"' in entries[0].detail
    assert [(e.actor, e.entity_id) for e in entries[1:]] == [("bob", "2"), ("cy", "3")]


def test_reads_spooled_from_many_threads_are_all_chained_once(practice: Store) -> None:
    _sqlite_only(practice)
    before = len(_chain(practice))
    with _long_job(practice):
        threads = [
            threading.Thread(target=_read, args=(practice, f"user{n}", str(n))) for n in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    _read(practice, "last", "99")
    ids = sorted(e.entity_id for e in _chain(practice)[before:])
    assert ids == sorted([str(n) for n in range(12)] + ["99"])


def test_a_crash_before_the_spool_is_emptied_records_twice_never_loses(
    practice: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sqlite_only(practice)
    before = len(_chain(practice))
    with _long_job(practice):
        _read(practice, "ann", "1")

    def stops(self: audit_spool.Taking) -> None:
        raise SystemExit("the process stopped after the commit")

    with monkeypatch.context() as patched:
        patched.setattr(audit_spool.Taking, "done", stops)
        with pytest.raises(SystemExit):
            _read(practice, "bob", "2")
    assert audit_spool.pending(practice.engine)  # still there
    _read(practice, "cy", "3")
    assert [(e.actor, e.entity_id) for e in _chain(practice)[before:]] == [
        ("ann", "1"),
        ("bob", "2"),
        ("ann", "1"),  # recorded again, not lost
        ("cy", "3"),
    ]
    with practice.sessions() as db:
        assert audit.verify(db).ok


def test_a_login_session_is_found_while_a_job_writes(practice: Store) -> None:
    """The last-seen touch is put off, not waited for: the page answers."""
    _sqlite_only(practice)
    secret, _found = start_session(practice.engine, 1)
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with practice.engine.begin() as conn:
        conn.execute(web_sessions.update().values(last_seen_at=stale))
    with _long_job(practice), practice.reader.connect() as conn:
        found = find_session(
            practice.engine,
            conn,
            secret,
            idle=dt.timedelta(hours=1),
            absolute=dt.timedelta(hours=8),
        )
    assert found is not None and found.user_id == 1
    with practice.reader.connect() as conn:
        found = find_session(
            practice.engine,
            conn,
            secret,
            idle=dt.timedelta(hours=1),
            absolute=dt.timedelta(hours=8),
        )
    with practice.reader.connect() as conn:
        seen = conn.execute(select(web_sessions.c.last_seen_at)).scalar_one()
    assert seen is not None
    assert _utc(seen) > stale  # touched once the lock is free


def test_audit_verify_says_what_waits_in_the_spool(practice: Store) -> None:
    from therabill.store.services.admin import verify_audit

    _sqlite_only(practice)
    with _long_job(practice):
        _read(practice, "ann", "1")
        _read(practice, "bob", "2")
        checked = verify_audit(store=practice)  # a reader: it does not wait for the job
    assert checked.ok
    assert any(w.startswith("2 read entries wait in ") for w in checked.warnings)
    _read(practice, "cy", "3")
    assert not any("wait in" in w for w in verify_audit(store=practice).warnings)


def test_a_biller_at_work_through_a_long_job_is_not_logged_out_as_idle(practice: Store) -> None:
    """The last-seen time that could not be written while the job held the lock is kept in
    a file beside the database; past the idle limit by the row, the session still holds."""
    _sqlite_only(practice)
    secret, _found = start_session(practice.engine, 1)
    idle, absolute = dt.timedelta(minutes=15), dt.timedelta(hours=8)
    twenty_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    ten_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    with practice.engine.begin() as conn:
        conn.execute(web_sessions.update().values(last_seen_at=ten_ago))
    with _long_job(practice), practice.reader.connect() as conn:
        assert find_session(practice.engine, conn, secret, idle=idle, absolute=absolute)
    # the job went on for 20 minutes: the row says 20 minutes idle, the biller was not
    with practice.engine.begin() as conn:
        conn.execute(web_sessions.update().values(last_seen_at=twenty_ago))
    with practice.reader.connect() as conn:
        assert find_session(practice.engine, conn, secret, idle=idle, absolute=absolute)
    with practice.reader.connect() as conn:
        seen = _utc(conn.execute(select(web_sessions.c.last_seen_at)).scalar_one())
    assert seen > ten_ago  # written to the row once the lock was free, the file gone
    assert not list(practice_files(practice, "-touch-"))
    # and without a kept touch, 20 minutes idle is logged out
    with practice.engine.begin() as conn:
        conn.execute(web_sessions.update().values(last_seen_at=twenty_ago))
    with practice.reader.connect() as conn:
        assert find_session(practice.engine, conn, secret, idle=idle, absolute=absolute) is None


def practice_files(store: Store, marker: str) -> list[Path]:
    place = _sqlite_only(store)
    return [p for p in place.parent.iterdir() if marker in p.name]
