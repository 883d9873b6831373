"""Posting fixtures (imported by the conftest files of tests/posting and tests/acks, as
tests/db_backends.py is: tests/ is on pytest's pythonpath): a practice store, on SQLite and (when
THERABILL_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from clock import TODAY
from therabill.store import factories
from therabill.store.factories import PT_NPI
from therabill.store.services import Store, clients, open_store

DAY = TODAY - dt.timedelta(days=20)  # within every timely-filing limit


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    """A data dir of its own (control number file, outbox) and the backend's URL."""
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("THERABILL_DATABASE_URL", db_url)
    monkeypatch.setenv("THERABILL_USER", "tester")
    return tmp_path / "home"


HARBOUR = factories.PracticeSpec(
    payers=(factories.ACME, factories.PayerSpec("COMMERCIAL", "Second Mutual", "SEC02")),
    clients=(
        factories.client("C-1", "Ada", payer="Acme Health Plan", member_id="M100"),
        factories.client("C-2", "Ben", payer="Acme Health Plan", member_id="M200"),
    ),
)


@pytest.fixture
def practice(home: Path, db_url: str) -> Iterator[Store]:
    """A practice that can send 837Ps: address, tax id, a payer with an EDI id, two clients
    (one with a secondary payer), a PT provider and fees."""
    store = open_store(db_url)
    factories.set_up_practice(store, HARBOUR)
    yield store
    store.dispose()


def build_claim(store: Store, client: str = "C-1", day: dt.date = DAY, **minutes: int) -> int:
    """One session (minutes as ``c97110=30``) → one built claim; returns the claim id."""
    return factories.build_one_claim(
        store,
        client=client,
        provider=PT_NPI,
        day=day,
        services={code.lstrip("c"): m for code, m in minutes.items()},
    )


# A practice whose clients have Medicare and a supplemental policy (one also a third payer),
# for the secondary-payer tests.
MEDICARE = factories.PayerSpec("MEDICARE", "Medicare Part B", "04111")
MEDIGAP = factories.PayerSpec("COMMERCIAL", "Harbour Medigap", "MGAP1")
MEDICAID = factories.PayerSpec("COMMERCIAL", "State Medicaid", "MCD01")

COB_PRACTICE = factories.PracticeSpec(
    payers=(MEDICARE, MEDIGAP, MEDICAID),
    clients=(
        factories.client("C-3", "Cleo", payer="Medicare Part B", member_id="1EG4TE5MK73"),
        factories.client("C-4", "Dora", payer="Medicare Part B", member_id="2EG4TE5MK74"),
        factories.client("C-5", "Eli", payer="Medicare Part B", member_id="3EG4TE5MK75"),
    ),
)


@pytest.fixture
def cob_practice(home: Path, db_url: str) -> Iterator[Store]:
    """Cleo, Dora and Eli on Medicare with a Medigap policy; Eli also on Medicaid (tertiary)."""
    store = open_store(db_url)
    ids = factories.set_up_practice(store, COB_PRACTICE)
    with store.transaction(actor="setup") as work:
        for client_id, member in zip(ids.clients, ("MG300", "MG400", "MG500"), strict=True):
            clients.add_policy(
                work=work,
                client_id=client_id,
                payer="Harbour Medigap",
                member_id=member,
                priority="secondary",
                start_date=dt.date(2020, 1, 1),
            )
        clients.add_policy(
            work=work,
            client_id=ids.clients[2],
            payer="State Medicaid",
            member_id="MCD500",
            priority="tertiary",
        )
    yield store
    store.dispose()
