"""Store fixtures: every store test runs on SQLite, and on PostgreSQL when
THERABILL_TEST_POSTGRES_URL points at a server (a fresh database per test, dropped after)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from therabill.store import factories, migrate
from therabill.store.services import Store, open_store
from therabill.store.services.clients import ClientInput


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


PT_NPI, SLP_NPI = factories.PT_NPI, factories.SLP_NPI

HARBOUR = factories.PracticeSpec(
    tax_id=None,
    address=None,
    payers=(
        factories.PayerSpec("MEDICARE", payer_id="00430"),
        factories.PayerSpec("COMMERCIAL", "Blue Harbour Health"),
    ),
    providers=(
        factories.PHYSICAL_THERAPIST,
        factories.ProviderSpec(SLP_NPI, "Sam", "Ortiz", "slp"),
    ),
    fees={"97110": 4000, "97112": 4500, "97140": 3800, "92507": 9000},
    clients=(
        ClientInput(
            "Ada",
            "Example",
            dt.date(1950, 3, 4),
            "F",
            chart_number="C-1",
            payer="Medicare Part B",
            member_id="1EG4TE5MK73",
        ),
    ),
)


@pytest.fixture
def practice(store: Store) -> Store:
    """A practice with two payers, two providers, fees, and one client on Medicare."""
    factories.set_up_practice(store, HARBOUR)
    return store
