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


PT_NPI = "1234567893"  # the CMS check-digit example NPI
SLP_NPI = "1245319599"


@pytest.fixture
def practice(store: Store) -> Store:
    """A practice with two payers, two providers, fees, and one client on Medicare."""
    from therabill.store.models import Fee
    from therabill.store.services import clients, payers
    from therabill.store.services import practice as practice_services

    practice_services.init_practice(store=store, name="Harbour Therapy", npi="1234567893")
    with store.transaction(actor="setup") as work:
        payers.add_payer(work=work, profile="MEDICARE", payer_id="00430")
        payers.add_payer(work=work, profile="COMMERCIAL", name="Blue Harbour Health")
        practice_services.add_provider(
            work=work,
            npi=PT_NPI,
            first_name="Pat",
            last_name="Lee",
            discipline="pt",
            taxonomy="225100000X",
        )
        practice_services.add_provider(
            work=work,
            npi=SLP_NPI,
            first_name="Sam",
            last_name="Ortiz",
            discipline="slp",
        )
        for code, cents in {"97110": 4000, "97112": 4500, "97140": 3800, "92507": 9000}.items():
            work.db.add(Fee(code=code, unit_charge_cents=cents))
        clients.add_client(
            work=work,
            data=clients.client_input(
                {
                    "chart_number": "C-1",
                    "first_name": "Ada",
                    "last_name": "Example",
                    "birth_date": "1950-03-04",
                    "sex": "F",
                    "payer": "Medicare Part B",
                    "member_id": "1EG4TE5MK73",
                }
            ),
        )
    return store
