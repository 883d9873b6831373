"""Any sequence of edits, submissions, payments, denials, corrections, voids and closings
keeps every claim's balance equal to its charges less its payments and adjustments, leaves
no payer balance on a closed claim, and a refused step changes nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from corrections_fixtures import DAY, SPEC, deny, pay, submit
from db_backends import database_copy
from therabill.claims.corrections import ClaimEdit, LineEdit
from therabill.errors import InvalidInput
from therabill.ledger import EntryKind
from therabill.store import factories
from therabill.store.models import ClaimRecord, ClaimReopening, LedgerEntry
from therabill.store.services import Store, claim_edits, corrections, ledger, open_store
from therabill.store.services import build as build_service
from therabill.store.services.context import UnitOfWork

STEPS = [
    "submit",
    "pay",
    "deny",
    "edit",
    "correct",
    "void",
    "close",
    "close_to_client",
    "close_rebill",
    "rebuild",
]
days = itertools.count(1)
traces = itertools.count(1)


def check_ledger(store: Store, claim_ids: list[int]) -> None:
    """balance = charges − payments − adjustments, to the cent, from the raw entries."""
    with store.transaction() as work:
        for claim_id in claim_ids:
            claim = work.db.get(ClaimRecord, claim_id)
            assert claim is not None
            sums = dict(
                work.db.execute(
                    select(LedgerEntry.kind, func.sum(LedgerEntry.amount_cents))
                    .where(LedgerEntry.claim_id == claim_id)
                    .group_by(LedgerEntry.kind)
                ).all()
            )
            charges = int(sums.get(EntryKind.CHARGE.value, 0))
            paid = int(sums.get("insurance_payment", 0)) + int(sums.get("patient_payment", 0))
            adjusted = int(sums.get("contractual_adjustment", 0)) + int(sums.get("write_off", 0))
            refunds = int(sums.get("refund", 0))
            total = ledger.claim_balance(work, claim_id)
            assert total.total_cents == charges - paid - adjusted + refunds
            if claim.status in ("replaced", "voided") or claim.frequency_code == "8":
                assert charges == 0  # its charges were reversed (or a void never had any)
            elif denial_asked(work, claim_id):  # Medicare: asked to deny it as billed in error
                assert charges == 0
            elif claim.status != "closed":
                assert charges == claim.total_charge_cents
            if claim.status == "closed":
                assert total.insurance_cents == 0  # no phantom payer balance


def denial_asked(work: UnitOfWork, claim_id: int) -> bool:
    """A reopening asked the contractor to deny the whole claim (a Medicare void)."""
    texts = work.db.execute(
        select(ClaimReopening.text).where(ClaimReopening.claim_id == claim_id)
    ).scalars()
    return any("Deny every service" in text for text in texts)


def entry_count(store: Store) -> int:
    with store.transaction() as work:
        return int(work.db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one())


def step(store: Store, outbox: Path, name: str, claim_id: int) -> int:
    """Do ``name`` to the claim; the claim to go on with (a replacement, when one is made)."""
    if name == "submit":
        submit(store, outbox, claim_id)
    elif name == "pay":
        pay(store, claim_id, trace=f"P{next(traces)}")
    elif name == "deny":
        deny(store, claim_id, trace=f"D{next(traces)}")
    elif name == "rebuild":  # a voided or closed claim's sessions are billed again
        with store.transaction() as work:
            built = build_service.build_claims(work=work)
        return built.claims[0] if built.claims else claim_id
    else:
        with store.transaction() as work:
            if name == "edit":
                claim_edits.edit_claim(
                    work=work,
                    claim_id=claim_id,
                    edit=ClaimEdit((LineEdit(1, charge_cents=9000 + next(traces)),)),
                    reason="fee corrected",
                )
            elif name == "correct":
                done = corrections.correct_claim(
                    work=work,
                    claim_id=claim_id,
                    edit=ClaimEdit((LineEdit(1, units=2),)),
                    reason="two units",
                )
                return done.new_claim_id or claim_id
            elif name == "void":
                corrections.void_claim(work=work, claim_id=claim_id, reason="wrong client")
            else:
                corrections.close_claim(
                    work=work,
                    claim_id=claim_id,
                    reason="done",
                    client_owes=name == "close_to_client",
                    rebill=name == "close_rebill",
                )
    return claim_id


@pytest.fixture
def template(home: Path, db_url: str) -> str:
    """The set-up practice, copied afresh for every example so a failure replays alone."""
    store = open_store(db_url)
    factories.set_up_practice(store, SPEC)
    store.dispose()
    return db_url


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    clients=st.tuples(st.sampled_from(["C-1", "C-2"]), st.sampled_from(["C-1", "C-2"])),
    steps=st.lists(
        st.tuples(st.sampled_from([0, 1]), st.sampled_from(STEPS)), min_size=1, max_size=9
    ),
)
def test_any_sequence_keeps_the_ledger_true(
    template: str, tmp_path: Path, clients: tuple[str, str], steps: list[tuple[int, str]]
) -> None:
    with database_copy(template) as url:
        practice = open_store(url)
        try:
            run_steps(practice, tmp_path / f"out-{next(days)}", clients, steps)
        finally:
            practice.dispose()


def run_steps(
    practice: Store, outbox: Path, clients: tuple[str, str], steps: list[tuple[int, str]]
) -> None:
    """Two sessions on two days, built, then ``steps`` done to either claim (or what replaced
    it) in order, so one claim's void, rebuild or payment meets the other's; the ledger is
    checked after each step."""
    chains: list[list[int]] = []
    for n, client in enumerate(clients):
        day = DAY - dt.timedelta(days=1 + n)
        with practice.transaction() as work:
            factories.add_session(
                work,
                client=client,
                provider=factories.PT_NPI,
                day=day,
                services={"97110": 38, "97140": 15},
            )
        with practice.transaction() as work:
            built = build_service.build_claims(work=work)
            claim_id = work.db.execute(
                select(ClaimRecord.id).where(
                    ClaimRecord.id.in_(built.claims), ClaimRecord.date_of_service == day
                )
            ).scalar_one()
        chains.append([claim_id])
    for which, name in steps:
        chain = chains[which]
        before = entry_count(practice)
        try:
            current = step(practice, outbox, name, chain[-1])
        except (InvalidInput, AssertionError) as refused:
            if isinstance(refused, AssertionError) and name not in ("pay", "deny"):
                raise
            # A refused step (or an 835 the poster would not apply) leaves no entry behind.
            if isinstance(refused, InvalidInput):
                assert entry_count(practice) == before
            continue
        if current != chain[-1]:
            chain.append(current)
        with practice.transaction() as work:
            every = list(work.db.execute(select(ClaimRecord.id)).scalars())
        check_ledger(practice, every)
