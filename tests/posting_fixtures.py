"""Posting fixtures (imported by the conftest files of tests/posting and tests/acks, as
tests/db_backends.py is: tests/ is on pytest's pythonpath): a practice store, on SQLite and (when
THERABILL_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from clock import TODAY
from therabill.store import migrate
from therabill.store.models import Fee
from therabill.store.services import Store, build, clients, open_store, payers, sessions
from therabill.store.services import practice as practice_services

PT_NPI = "1234567893"
DAY = TODAY - dt.timedelta(days=20)  # within every timely-filing limit


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    """A data dir of its own (control number file, outbox) and the backend's URL."""
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("THERABILL_DATABASE_URL", db_url)
    monkeypatch.setenv("THERABILL_USER", "tester")
    return tmp_path / "home"


@pytest.fixture
def practice(home: Path, db_url: str) -> Iterator[Store]:
    """A practice that can send 837Ps: address, tax id, a payer with an EDI id, two clients
    (one with a secondary payer), a PT provider and fees."""
    store = open_store(db_url)
    migrate.upgrade(store.engine)
    practice_services.init_practice(
        store=store,
        name="Harbour Therapy",
        npi=PT_NPI,
        tax_id="123456789",
        address=("1 Quay Street", "Portland", "ME", "04101-4321"),
    )
    with store.transaction(actor="setup") as work:
        payers.add_payer(work=work, profile="COMMERCIAL", name="Acme Health Plan", payer_id="ACME1")
        payers.add_payer(work=work, profile="COMMERCIAL", name="Second Mutual", payer_id="SEC02")
        practice_services.add_provider(
            work=work,
            npi=PT_NPI,
            first_name="Pat",
            last_name="Lee",
            discipline="pt",
            taxonomy="225100000X",
        )
        for code, cents in {"97110": 4500, "97112": 4800, "97140": 4200, "97530": 5000}.items():
            work.db.add(Fee(code=code, unit_charge_cents=cents))
        for chart, first, member in (("C-1", "Ada", "M100"), ("C-2", "Ben", "M200")):
            clients.add_client(
                work=work,
                data=clients.client_input(
                    {
                        "chart_number": chart,
                        "first_name": first,
                        "last_name": "Example",
                        "birth_date": "1980-03-04",
                        "sex": "F",
                        "address": "2 Harbour Road",
                        "city": "Portland",
                        "state": "ME",
                        "postal_code": "04101",
                        "payer": "Acme Health Plan",
                        "member_id": member,
                    }
                ),
            )
    yield store
    store.dispose()


def build_claim(store: Store, client: str = "C-1", day: dt.date = DAY, **minutes: int) -> int:
    """One session → one built claim; returns the claim id."""
    with store.transaction(actor="pat") as work:
        sessions.add_session(
            work=work,
            client=client,
            provider=PT_NPI,
            day=day,
            services=[sessions.ServiceMinutes(code.lstrip("c"), m) for code, m in minutes.items()],
            start=dt.time(9, 0),
            end=(dt.datetime(2000, 1, 1, 9) + dt.timedelta(minutes=sum(minutes.values()))).time(),
            techniques=["gait training", "soft tissue mobilisation"],
            diagnoses=["M54.50"],
            note="Balance and gait work.",
        )
    with store.transaction(actor="biller") as work:
        result = build.build_claims(work=work)
    assert len(result.claims) == 1
    return result.claims[0]
