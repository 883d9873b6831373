"""Open the practice database: SQLite by default, PostgreSQL through the same URL.

SQLite gets, on every connection: WAL (readers never block the writer), ``synchronous=FULL``
(a committed transaction survives a power cut; with WAL, NORMAL may lose the last commits),
foreign keys (off by default in SQLite) and a busy timeout. Every writing transaction on
SQLite starts with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of failing
halfway when a read transaction tries to become a write one; while a long job commits in
chunks, a writer waiting there says so beside the database and gets its turn between two
chunks (``write_turns``).
Source: https://www.sqlite.org/pragma.html, https://www.sqlite.org/wal.html and SQLAlchemy's
"Serializable isolation / Savepoints / Transactional DDL" recipe for pysqlite.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from therabill import settings
from therabill.config import data_dir
from therabill.errors import InvalidInput
from therabill.store import bulk_writes, tenancy, write_turns

URL_ENV = "THERABILL_DATABASE_URL"
BUSY_TIMEOUT_MS = 30_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def default_database_path() -> Path:
    return data_dir() / "therabill.sqlite3"


def database_url() -> str:
    """``THERABILL_DATABASE_URL`` if set, else the SQLite file under the data directory."""
    url = os.environ.get(URL_ENV, "").strip()
    return url or f"sqlite:///{default_database_path()}"


def _normalise(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    # the bulk writer's gate on some row triggers (store.bulk_writes, migration 0046)
    bulk_writes.register(dbapi_connection, record.info)
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


SQLITE_POOL_SIZE = 44
"""Connections an SQLite engine keeps open (opened as they are first needed): one for each of
the web's 40 worker threads (anyio's threadpool, which serves the plain ``def`` routes), the
job and start-up threads, and a few more. SQLAlchemy's default keeps 5 (and opens 10 more,
each closed again when given back): at 50 requests at once, most requests then opened a
new connection (its pragmas, its functions, an empty page cache) or waited for one: 600
live checks 50 at once opened 110 to 154 connections, and took about 30% more CPU each
(docs/performance.md, session 14). An idle connection costs a file handle and its cache."""


POSTGRES_POOL_SIZE = 15
"""Connections a PostgreSQL engine keeps open (opened as first needed), and the most it opens:
no overflow beyond it, so that a deployer can count connections against the server's
``max_connections`` (each is a server process). SQLAlchemy's default (5 kept, 10 more opened
and closed again as they are given back) had the same most, 15, but under load it opened and
closed a connection, a server process's start and its authentication, for most requests, as
SQLite's did before :data:`SQLITE_POOL_SIZE` (docs/performance.md, session 14). A request
that finds all 15 in use waits for one (up to 30 s), which at 50 requests at once on a few
cores is the queue the CPU imposes anyway. ``THERABILL_DB_POOL_SIZE`` changes it."""


def _pool_arguments(default: int, overflow: int) -> dict[str, int]:
    """``create_engine``'s pool size, from ``THERABILL_DB_POOL_SIZE`` or ``default``."""
    return {"pool_size": settings.DB_POOL_SIZE.value() or default, "max_overflow": overflow}


READ_ONLY = "therabill_read_only"
"""Execution option marking a connection that only reads (see :meth:`Store.reading`)."""

BUSY_MS = "therabill_busy_ms"
"""Execution option: how long a write transaction on SQLite waits for the write lock, when
not :data:`BUSY_TIMEOUT_MS` (see :func:`impatient`)."""


def _sqlite_begin(connection: Any) -> None:
    # A reader takes no write lock: in WAL mode its snapshot never blocks the writer, and
    # readers never queue behind each other (https://www.sqlite.org/lang_transaction.html).
    options = connection.get_execution_options()
    reading = bool(options.get(READ_ONLY))
    # a reader may still meet SQLITE_BUSY (a WAL checkpoint's recovery): it waits as usual
    wait = BUSY_TIMEOUT_MS if reading else int(options.get(BUSY_MS, BUSY_TIMEOUT_MS))
    if connection.info.get(BUSY_MS, BUSY_TIMEOUT_MS) != wait:  # pooled: set only on change
        # on the driver's connection: a setting of the connection, not a statement of the
        # unit of work (the query counts of tests/web see only the work's own)
        connection.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={wait}")
        connection.info[BUSY_MS] = wait
    if reading:
        connection.exec_driver_sql("BEGIN")
        return
    # a long job that commits in chunks lets the writers that say they wait in between them
    with write_turns.waiting("sqlite", connection.engine.url.database):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def impatient(engine: Engine, wait_ms: int) -> Engine:
    """The same engine and pool, whose write transactions give up on SQLite's write lock
    after ``wait_ms`` instead of :data:`BUSY_TIMEOUT_MS`: for writes that can be put off
    (a read's audit entries, a login session's last-seen time) while a long job writes."""
    if is_sqlite(engine):
        return _derived(engine, (BUSY_MS, wait_ms), lambda: {BUSY_MS: wait_ms})
    return engine


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read: a deferred transaction on
    SQLite, ``SET TRANSACTION READ ONLY`` on PostgreSQL."""
    if is_sqlite(engine):
        return _derived(engine, (READ_ONLY, True), lambda: {READ_ONLY: True})
    return _derived(engine, ("postgresql_readonly", True), lambda: {"postgresql_readonly": True})


def _derived(
    engine: Engine, key: tuple[str, object], options: Callable[[], dict[str, Any]]
) -> Engine:
    """The engine with these execution options, made once per engine and kept on it: a
    login's last-seen touch and a read asked for one per call."""
    kept: dict[tuple[str, object], Engine] = engine.__dict__.setdefault("_therabill_derived", {})
    found = kept.get(key)
    if found is None:
        found = kept[key] = engine.execution_options(**options())
    return found


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """An engine for ``url`` (default: :func:`database_url`) with the pragmas above."""
    text = _normalise(url or database_url())
    try:
        parsed = make_url(text)
    except Exception as exc:  # sqlalchemy raises ArgumentError with its own wording
        raise InvalidInput(f"not a database URL: {exc}", field=URL_ENV) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        pool: dict[str, int] = {}  # an in-memory database keeps its one connection per thread
        in_memory = (
            parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
        )
        if not in_memory:  # a file: a pool as pysqlite's (QueuePool), but larger
            pool = _pool_arguments(SQLITE_POOL_SIZE, overflow=10)
        engine = create_engine(
            text, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **pool
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        engine = create_engine(
            text, echo=echo, pool_pre_ping=True, **_pool_arguments(POSTGRES_POOL_SIZE, overflow=0)
        )
        tenancy.install(engine)  # every transaction names its practice (row-level security)
        return engine
    raise InvalidInput(
        f"unsupported database {backend!r}; use sqlite:///PATH or postgresql://…", field=URL_ENV
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
