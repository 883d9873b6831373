"""The two databases every store-backed test runs on: SQLite, and PostgreSQL when
THERABILL_TEST_POSTGRES_URL points at a server (a fresh database per test, dropped after).

Shared by tests/store, tests/posting and tests/acks: import ``db_url`` into a conftest.
:func:`database_copy` gives each hypothesis example its own copy of a database the test built.

``THERABILL_TEST_POSTGRES_ROLE=app`` runs the PostgreSQL tests as a deployment serves: the
superuser migrates each new database, then the test connects as a plain role
(:func:`plain_role`), so row-level security holds it. Without it the tests connect as the
superuser, which bypasses every policy.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "THERABILL_TEST_POSTGRES_URL"
ROLE_ENV = "THERABILL_TEST_POSTGRES_ROLE"
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set"),
        ],
    ),
]


def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database's URL, empty or a copy of ``template`` (a database's name);
    the database is dropped afterwards."""
    admin_url = os.environ[POSTGRES_ENV].replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"therabill_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'practice.sqlite3'}"
    elif os.environ.get(ROLE_ENV) == "app":
        yield from app_role_database()
    else:
        yield from postgres_database()


def app_role_database() -> Iterator[str]:
    """A new PostgreSQL database migrated by the superuser, as a plain role's URL
    (``THERABILL_TEST_POSTGRES_ROLE=app``); the database and the role dropped afterwards."""
    from therabill.store import migrate

    database = postgres_database()
    admin_url = next(database)
    role = f"therabill_app_{uuid.uuid4().hex[:10]}"
    made = False
    try:
        engine = create_engine(admin_url)
        migrate.upgrade(engine)
        engine.dispose()
        app_url = plain_role(admin_url, role)
        made = True
        yield app_url
    finally:
        next(database, None)
        if made:
            drop_role(role)


@contextmanager
def database_copy(url: str) -> Iterator[str]:
    """The URL of a fresh copy of the database at ``url``, removed afterwards: every hypothesis
    example of a test that writes starts from the same state, and a failure replays the same.

    Nothing may be connected to a PostgreSQL ``url`` (dispose its store first): PostgreSQL
    copies a template database only while no one is using it."""
    parsed = make_url(url)
    assert parsed.database
    if parsed.get_backend_name() == "sqlite":
        original = Path(parsed.database)
        copy = original.with_name(f"{original.stem}-copy-{uuid.uuid4().hex[:12]}.sqlite3")
        # SQLite's online backup copies a consistent database even if a WAL file is left over.
        with closing(sqlite3.connect(original)) as source, closing(sqlite3.connect(copy)) as dest:
            source.backup(dest)
        try:
            yield parsed.set(database=str(copy)).render_as_string(hide_password=False)
        finally:
            for path in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
                path.unlink(missing_ok=True)
    else:
        for copy_url in postgres_database(template=parsed.database):
            # the copy keeps the template's grants: connect as the role ``url`` names
            yield (
                make_url(copy_url)
                .set(username=parsed.username)
                .render_as_string(hide_password=False)
            )


def plain_role(admin_url: str, role: str) -> str:
    """Make ``role`` the app role docs/tenants.md asks for (LOGIN, NOSUPERUSER, NOBYPASSRLS,
    owning nothing; row-level security holds it) with its grants on the practice's tables
    and on the job queue's schema; returns ``admin_url`` as that role. :func:`drop_role`
    removes it."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        for schema in ("public", "procrastinate"):
            conn.execute(text(f'GRANT USAGE ON SCHEMA {schema} TO "{role}"'))
            conn.execute(
                text(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                    f'{schema} TO "{role}"'
                )
            )
            conn.execute(
                text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO "{role}"')
            )
    engine.dispose()
    return make_url(admin_url).set(username=role).render_as_string(hide_password=False)


def drop_role(role: str, *, granted_in: str | None = None) -> None:
    """Drop a role :func:`plain_role` made: its grants in ``granted_in`` (the admin URL of
    a database that outlives it) first; its other databases must be dropped already."""
    if granted_in is not None:
        engine = create_engine(granted_in, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
        engine.dispose()
    server = os.environ[POSTGRES_ENV].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    engine.dispose()
