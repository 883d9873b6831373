"""The engine's variants (a read-only one, one that gives up on SQLite's lock) are made once
per engine, and still do what they say."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from therabill.store.engine import impatient, make_engine, read_only


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
