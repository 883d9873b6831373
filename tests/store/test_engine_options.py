"""The engine's variants (a read-only one, one that gives up on SQLite's lock) are made once
per engine, and still do what they say."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from therabill.errors import InvalidInput
from therabill.store.engine import (
    POSTGRES_POOL_SIZE,
    SQLITE_POOL_SIZE,
    impatient,
    is_sqlite,
    make_engine,
    read_only,
)


def test_variants_are_made_once_per_engine(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'books.sqlite3'}")
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        assert impatient(engine, 0) is impatient(engine, 0)
        assert impatient(engine, 0) is not impatient(engine, 250)
        assert read_only(engine) is read_only(engine)
        assert read_only(engine) is not read_only(other)
        assert read_only(engine).pool is engine.pool  # its own options, the same pool
    finally:
        engine.dispose()
        other.dispose()


def test_an_impatient_write_gives_up_at_once_while_the_lock_is_taken(tmp_path: Path) -> None:
    file = tmp_path / "books.sqlite3"
    engine = make_engine(f"sqlite:///{file}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        holder = sqlite3.connect(file, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with (
                pytest.raises(OperationalError, match="locked"),
                impatient(engine, 0).begin() as conn,
            ):
                conn.execute(text("INSERT INTO t VALUES (1)"))
            with read_only(engine).connect() as conn:  # a read takes no lock
                assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        with impatient(engine, 0).begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        engine.dispose()


def test_concurrent_connections_are_kept_for_the_next_round(db_url: str) -> None:
    """12 threads holding a connection at once, twice: the second round opens none.
    SQLAlchemy's default pool kept 5 and closed the others as they were given back, so under
    load most requests opened a connection (on PostgreSQL a server process and its
    authentication). On PostgreSQL the pool is also the most open at once: 40 threads at once
    (the web's threadpool) share its 15."""
    engine = make_engine(db_url)
    opened: list[object] = []
    event.listen(engine, "connect", lambda conn, _record: opened.append(conn))

    def round_of(count: int, *, together: bool) -> None:
        meet = threading.Barrier(count)

        def use() -> None:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                if together:
                    meet.wait(timeout=30)  # every thread holds its connection at once
                else:
                    time.sleep(0.01)

        threads = [threading.Thread(target=use) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    try:
        round_of(12, together=True)
        assert len(opened) == 12
        round_of(12, together=True)
        assert len(opened) == 12
        if not is_sqlite(engine):
            round_of(40, together=False)
            assert len(opened) <= POSTGRES_POOL_SIZE
    finally:
        engine.dispose()


def test_the_pool_size_is_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``THERABILL_DB_POOL_SIZE`` sets how many connections a process keeps (0: the default);
    a value out of range is refused naming the variable, before any connection is opened."""
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    postgres = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected here
    assert _pool(url) == (SQLITE_POOL_SIZE, 10)
    assert _pool(postgres) == (POSTGRES_POOL_SIZE, 0)
    monkeypatch.setenv("THERABILL_DB_POOL_SIZE", "0")
    assert _pool(url) == (SQLITE_POOL_SIZE, 10)
    monkeypatch.setenv("THERABILL_DB_POOL_SIZE", "8")
    assert _pool(url) == (8, 10)
    assert _pool(postgres) == (8, 0)
    for wrong in ("-1", "501", "eight"):
        monkeypatch.setenv("THERABILL_DB_POOL_SIZE", wrong)
        with pytest.raises(InvalidInput, match="0 to 500") as raised:
            make_engine(url)
        assert raised.value.field == "THERABILL_DB_POOL_SIZE"


def _pool(url: str) -> tuple[int, int]:
    """The engine's pool size and how many more it may open beyond it."""
    engine = make_engine(url)
    pool = engine.pool
    return pool.size(), pool._max_overflow  # type: ignore[attr-defined]
