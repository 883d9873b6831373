"""Paper fixtures: a practice on each backend (SQLite, and PostgreSQL when configured) with a
Medicare client who has a secondary policy, and a CLI environment pointing at it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from therabill.store import factories, migrate
from therabill.store.services import Store, open_store
from therabill.store.services.clients import ClientInput

MEDIGAP = factories.PayerSpec("COMMERCIAL", "Maine Supplement", "MSUP1")
SPEC = factories.PracticeSpec(
    payers=(factories.PayerSpec("MEDICARE", "Medicare Part B", "00430"), MEDIGAP),
    clients=(
        ClientInput(
            "Ada",
            "Example",
            dt.date(1950, 3, 4),
            "F",
            chart_number="C-1",
            address="2 Harbour Road",
            city="Portland",
            state="ME",
            postal_code="04101",
            phone="207-555-0142",
            payer="Medicare Part B",
            member_id="1EG4TE5MK73",
        ),
    ),
)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    migrate.upgrade(opened.engine)
    yield opened
    opened.dispose()


@pytest.fixture
def practice(store: Store) -> factories.ExamplePractice:
    return factories.set_up_practice(store, SPEC)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("THERABILL_DATABASE_URL", db_url)
    monkeypatch.setenv("THERABILL_USER", "tester")
    return tmp_path
