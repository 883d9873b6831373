"""Store fixtures: every store test runs on SQLite, and on PostgreSQL when
THERABILL_TEST_POSTGRES_URL points at a server (a fresh database per test, dropped after)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from therabill.store import migrate
from therabill.store.services import Store, open_store

POSTGRES_ENV = "THERABILL_TEST_POSTGRES_URL"
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


def _postgres_database() -> Iterator[str]:
    admin_url = os.environ[POSTGRES_ENV].replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"therabill_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
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
    else:
        yield from _postgres_database()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store (no practice row yet)."""
    opened = open_store(db_url)
    migrate.upgrade(opened.engine)
    yield opened
    opened.dispose()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    """Environment for CLI tests: a data dir of its own and the backend's URL."""
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("THERABILL_DATABASE_URL", db_url)
    monkeypatch.setenv("THERABILL_USER", "tester")
    return tmp_path / "home"
