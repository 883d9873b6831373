"""Files beside a SQLite database file, for what the processes sharing that file must share
but cannot write into it while a job holds its lock: the audit spool, job progress and the
chunked job's hand-over folder, a put-off last-seen time.

Below both ``engine`` and ``write_turns`` (``engine`` calls ``write_turns`` around its
``BEGIN IMMEDIATE``), so that the one rule for where such a file sits is written once.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine


def beside(dialect: str, database: str | None, suffix: str) -> Path | None:
    """``<database file><suffix>`` in the database file's folder. None on PostgreSQL and for
    a database in memory or given as a ``file:`` URL: there is no file to sit beside."""
    if dialect != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    file = Path(database)
    return file.with_name(f"{file.name}{suffix}")


def beside_database(engine: Engine, suffix: str) -> Path | None:
    """:func:`beside` for an engine's database."""
    return beside(engine.dialect.name, engine.url.database, suffix)
