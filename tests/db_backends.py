"""The two databases every store-backed test runs on: SQLite, and PostgreSQL when
THERABILL_TEST_POSTGRES_URL points at a server (a fresh database per test, dropped after).

Shared by tests/store, tests/posting and tests/acks: import ``db_url`` into a conftest.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database's URL; the database is dropped afterwards."""
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
        yield from postgres_database()
