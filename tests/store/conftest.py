"""Store fixtures: every store test runs on SQLite, and on PostgreSQL when
THERABILL_TEST_POSTGRES_URL points at a server (a fresh database per test, dropped after)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from therabill.store import migrate
from therabill.store.services import Store, open_store


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
