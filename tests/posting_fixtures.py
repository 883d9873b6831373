"""Posting fixtures (imported by the conftest files of tests/posting and tests/acks, as
tests/db_backends.py is: tests/ is on pytest's pythonpath): a practice store, on SQLite and (when
THERABILL_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from clock import TODAY
from therabill.claims.number import claim_number
from therabill.store import factories
from therabill.store.factories import PT_NPI
from therabill.store.models import ClaimLine, ClaimRecord, Policy, Provider
from therabill.store.services import Store, clients, open_store
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine

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


BULK_DAY = dt.date(2026, 10, 5)
FIRST_ID = 1000


def first_of_each(store: Store) -> dict[str, int]:
    """The first client (with its policy), payer and provider of a practice set up."""
    with store.transaction(actor="setup") as work:
        client_id, policy_id, payer_id = work.db.execute(
            select(Policy.client_id, Policy.id, Policy.payer_id).order_by(Policy.id).limit(1)
        ).one()
        provider_id = work.db.execute(select(func.min(Provider.id))).scalar_one()
    return {"client": client_id, "payer": payer_id, "provider": provider_id, "policy": policy_id}


def submitted_claims(store: Store, ids: dict[str, int], count: int) -> list[AdjudicatedClaim]:
    """``count`` submitted claims of two lines each (ids from ``FIRST_ID``), written in two
    inserts, and the payer's answer to each: paid at 80% with CO-45, a copay on every third,
    a denied line (CO-16) on every tenth (``remit(answers)`` makes the 835)."""
    claims: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    answers = []
    for n in range(count):
        claim_id = FIRST_ID + n
        claims.append(
            {
                "id": claim_id,
                "client_id": ids["client"],
                "payer_id": ids["payer"],
                "policy_id": ids["policy"],
                "provider_id": ids["provider"],
                "date_of_service": BULK_DAY,
                "status": "submitted",
                "total_charge_cents": 13500,
                "frequency_code": "1",
                "findings_json": "[]",
            }
        )
        paid = []
        for number, (code, charge, units) in enumerate((("97110", 9000, 2), ("97140", 4500, 1))):
            control = f"{claim_id}L{number + 1}"
            lines.append(
                {
                    "claim_id": claim_id,
                    "line_number": number + 1,
                    "date_of_service": BULK_DAY,
                    "code": code,
                    "modifiers": "GP",
                    "minutes": 30,
                    "units": units,
                    "charge_cents": charge,
                    "diagnosis_pointers": "1",
                    "control_number": control,
                }
            )
            if number == 1 and n % 10 == 0:
                answer = [("CO", "16", charge)]
                allowed = 0
            else:
                allowed = charge * 80 // 100
                answer = [("CO", "45", charge - allowed)]
            copay = 1000 if number == 0 and n % 3 == 0 else 0
            if copay:
                answer.append(("PR", "3", copay))
            paid.append(
                AdjudicatedLine(
                    code, charge, allowed - copay, units, BULK_DAY, ("GP",), answer,
                    line_control_number=control,
                )
            )  # fmt: skip
        answers.append(AdjudicatedClaim(claim_number(claim_id), "1", paid))
    with store.transaction(actor="setup") as work:
        work.db.execute(insert(ClaimRecord), claims)
        work.db.execute(insert(ClaimLine), lines)
    return answers


@pytest.fixture
def bulk(home: Path, db_url: str) -> Iterator[tuple[Store, dict[str, int]]]:
    """The Harbour practice for the bulk posting tests, with the first id of each record
    they refer to (``first_of_each``)."""
    store = open_store(db_url)
    factories.set_up_practice(store, HARBOUR)
    yield store, first_of_each(store)
    store.dispose()
