"""The corrections tests' fixtures (imported by tests/corrections/conftest.py; tests/ is on
pytest's pythonpath) and helpers: the practice: one commercial payer (takes frequency 7/8) and Medicare
Part B (takes reopenings), both able to receive 837Ps, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from clock import TODAY
from posting_fixtures import home
from therabill.claims.number import claim_number
from therabill.store import factories
from therabill.store.models import ClaimRecord, Client, Payer, Policy, Practice
from therabill.store.services import Store, open_store, remittances, submission
from therabill.store.services.context import UnitOfWork
from therabill.x12.remittance_835.builder import (
    AdjudicatedClaim,
    AdjudicatedLine,
    Payee,
    write_835,
)

__all__ = ["home", "practice"]

DAY = TODAY - dt.timedelta(days=20)
MEDICARE = factories.PayerSpec("MEDICARE", "Medicare Part B", "MCRB1")
SPEC = factories.PracticeSpec(
    payers=(factories.ACME, MEDICARE),
    fees={"97110": 4500, "97112": 4800, "97140": 4200},  # no fee for 97530 yet
    clients=(
        factories.client("C-1", "Ada", payer="Acme Health Plan", member_id="M100"),
        factories.client(
            "C-2",
            "Mae",
            birth_date=dt.date(1950, 5, 6),
            payer="Medicare Part B",
            member_id="1EG4TE5MK73",
        ),
    ),
)


@pytest.fixture
def practice(home: Path, db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    factories.set_up_practice(store, SPEC)
    yield store
    store.dispose()


def build(store: Store, client: str = "C-1", day: dt.date = DAY, **minutes: int) -> int:
    """One session (``c97110=30``) → one built claim id."""
    return factories.build_one_claim(
        store,
        client=client,
        provider=factories.PT_NPI,
        day=day,
        services={code.lstrip("c"): m for code, m in minutes.items()},
    )


def submit(store: Store, outbox: Path, *claim_ids: int) -> None:
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=outbox, claim_ids=list(claim_ids))


def post(store: Store, text: str, name: str = "remit.835") -> remittances.PostingResult:
    with store.transaction(actor="biller") as work:
        return remittances.post_remittance(work=work, data=text.encode(), file_name=name)


def pay(store: Store, claim_id: int, trace: str = "EFT1") -> None:
    """The payer pays every line at 80 % (CO-45 for the rest): CLP07 PAYER0000000N."""
    with store.transaction() as work:
        text = factories.remittance_for(work, [claim_id], trace=trace, paid_on=TODAY)
    assert post(store, text).claims_posted == 1


def deny(
    store: Store,
    claim_id: int,
    *,
    carc: str = "16",
    remarks: tuple[str, ...] = ("N286",),
    trace: str = "EFT9",
) -> None:
    """The payer denies every line (CO-``carc`` with ``remarks``); CLP07 DENIED0000000N."""
    with store.transaction() as work:
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        payer = claim_payer(work, claim)
        office = work.db.query(Practice).one()
        lines = [
            AdjudicatedLine(
                line.code,
                line.charge_cents,
                0,
                line.units,
                line.date_of_service,
                [m for m in line.modifiers.split(",") if m],
                [("CO", carc, line.charge_cents)],
                remarks=remarks,
            )
            for line in claim.lines
        ]
        text = write_835(
            [
                AdjudicatedClaim(
                    claim_number(claim.id),
                    "4",
                    lines,
                    payer_claim_number=f"DENIED{claim.id:08d}",
                    patient=patient(work, claim),
                )
            ],
            trace=trace,
            payer=payer[0],
            payer_id=payer[1],
            payee=Payee(office.name.upper(), office.npi or factories.PT_NPI),
            paid_on=TODAY,
            produced_on=TODAY,
        )
    assert post(store, text).claims_posted == 1


def claim_payer(work: UnitOfWork, claim: ClaimRecord) -> tuple[str, str]:
    payer = work.db.get(Payer, claim.payer_id)
    assert payer is not None
    return payer.name.upper(), payer.payer_id or "PAYER"


def patient(work: UnitOfWork, claim: ClaimRecord) -> tuple[str, str, str]:
    person = work.db.get(Client, claim.client_id)
    policy = work.db.get(Policy, claim.policy_id)
    assert person is not None and policy is not None
    return person.last_name.upper(), person.first_name.upper(), policy.member_id
