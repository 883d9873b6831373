"""Posting works in chunks: a few hundred claims take a bounded number of SQL statements
(counted with a SQLAlchemy event listener), never one or more per claim. A timed test would
be flaky; this keeps the chunked shape of the poster from regressing (the speed itself is in
docs/performance.md, ``python -m bench posting``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from posting_fixtures import HARBOUR
from therabill.claims.number import claim_number
from therabill.store import audit, factories
from therabill.store.models import ClaimLine, ClaimRecord, Denial, LedgerEntry, Policy
from therabill.store.services import Store, open_store, remittances
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine, write_835

DAY = dt.date(2026, 10, 5)
FIRST_ID = 1000
# The statements a post may take whatever its size (checks, keys, audit, seal) and per chunk.
FIXED, PER_CHUNK = 40, 40


@pytest.fixture
def bulk(home: Path, db_url: str) -> Iterator[tuple[Store, dict[str, int]]]:
    store = open_store(db_url)
    built = factories.set_up_practice(store, HARBOUR)
    with store.transaction(actor="setup") as work:
        policy = work.db.execute(
            select(Policy.id).where(Policy.client_id == built.clients[0])
        ).scalar_one()
    ids = {
        "client": built.clients[0],
        "payer": built.payers[0],
        "provider": built.providers[0],
        "policy": policy,
    }
    yield store, ids
    store.dispose()


def submitted_claims(store: Store, ids: dict[str, int], count: int) -> list[AdjudicatedClaim]:
    """``count`` submitted claims of two lines each, written in two inserts, and the payer's
    answer to each: paid at 80% with CO-45, a copay on every third, a denied line (CO-16)
    on every tenth."""
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
                "date_of_service": DAY,
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
                    "date_of_service": DAY,
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
                    code, charge, allowed - copay, units, DAY, ("GP",), answer,
                    line_control_number=control,
                )
            )  # fmt: skip
        answers.append(AdjudicatedClaim(claim_number(claim_id), "1", paid))
    with store.transaction(actor="setup") as work:
        work.db.execute(insert(ClaimRecord), claims)
        work.db.execute(insert(ClaimLine), lines)
    return answers


def statements_to_post(store: Store, data: bytes) -> tuple[int, remittances.PostingResult]:
    """Post ``data`` in one transaction; the SQL statements it sent (an executemany is one)."""
    sent = 0

    def count(*_: object) -> None:
        nonlocal sent
        sent += 1

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        with store.transaction(actor="tester") as work:
            result = remittances.post_remittance(work=work, data=data, file_name="many.835")
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return sent, result


@pytest.mark.parametrize("count", [300], ids=["300 claims"])
def test_posting_many_claims_takes_a_bounded_number_of_statements(
    bulk: tuple[Store, dict[str, int]], count: int
) -> None:
    store, ids = bulk
    answers = submitted_claims(store, ids, count)
    data = write_835(answers, trace="EFT-MANY", paid_on=DAY + dt.timedelta(days=20)).encode()
    sent, result = statements_to_post(store, data)
    assert (result.outcome, result.claims_posted, result.exceptions) == ("posted", count, [])
    assert result.denials_opened == count // 10
    chunks = -(-count // remittances.BATCH)
    assert sent <= FIXED + PER_CHUNK * chunks, f"{sent} statements for {count} claims"
    with store.transaction(actor="tester") as work:
        entries = work.db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
        denials = work.db.execute(select(func.count()).select_from(Denial)).scalar_one()
        assert audit.verify(work.db).ok
    assert denials == count // 10
    # per claim: 2 payments but the denied line's, 2 contractual write-downs, copays
    assert entries == 2 * count - count // 10 + 2 * count - count // 10 + -(-count // 3)
    again, second = statements_to_post(store, data)
    assert second.already_posted and again <= FIXED
