"""The scrubber's payer records (``insights.payer_records``) read lean: each line's allowed
amount worked out by the database and the adjustments read for the denied lines only. They
must equal the records built from every posted line as the payer insights read them
(``insights.paid_lines`` then ``record_of``), denials and sequestration included."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from clock import TODAY
from therabill.store import factories
from therabill.store.models import ClaimLine, ClaimRecord, Payer
from therabill.store.services import Store, remittances, submission
from therabill.store.services.demo import create_demo
from therabill.store.services.insights import (
    RECORD_DAYS,
    PaidLine,
    _Code,
    paid_lines,
    paid_sentences,
    payer_records,
    record_of,
)


def test_the_lean_records_equal_the_records_of_every_posted_line(store: Store) -> None:
    create_demo(store=store, clients_count=12, months=4, today=TODAY)
    with store.sessions() as db:
        records = payer_records(db, today=TODAY, stamp=(-1, -1))
        lines = paid_lines(db, start=TODAY - dt.timedelta(days=RECORD_DAYS), end=TODAY)
    per: dict[str, list[PaidLine]] = defaultdict(list)
    for line in lines:
        per[line.payer].append(line)
    expected = {payer: record_of(payer, found) for payer, found in per.items()}
    assert records == expected
    codes = [code for record in records.values() for code in record.codes.values()]
    # the demo's year has denials with their reasons, and paid lines
    assert any(code.denied and code.reasons for code in codes)
    assert any(code.paid for code in codes)
    assert any(line.reasons and not line.denied for line in lines)  # reasons on paid lines


def test_the_code_advices_sentences_read_the_same_records(store: Store) -> None:
    """The code advisor's sentences on what one payer paid for some codes (all posted lines
    to today, not only the last year's) are summed by the database as the scrubber's records
    are, and equal those of the payer's lines one by one."""
    create_demo(store=store, clients_count=12, months=4, today=TODAY)
    said = 0
    with store.sessions() as db:
        codes = sorted(set(db.scalars(select(ClaimLine.code))))[:-1]  # all but one code
        for payer_id in db.scalars(select(Payer.id)):
            lines = paid_lines(db, payer_id=payer_id, end=TODAY, codes=codes)
            expected: dict[str, str] = {}
            if lines:
                record = record_of(lines[0].payer, lines)
                for code, entry in record.codes.items():
                    if sentences := entry.sentences(record.payer):
                        expected[code] = "; ".join(sentences)
            found = paid_sentences(db, payer_id=payer_id, codes=codes, today=TODAY)
            assert found == expected
            said += len(found)
    assert said  # the demo's payers paid enough lines for advice


def _paid_advice(store: Store, day: dt.date) -> list[str]:
    """The payer-record advice (``insights.paid``) on the claim a build makes of one 97110
    session on ``day``: the build reads the records (kept in this process between builds)."""
    claim_id = factories.build_one_claim(
        store, client="C-1", provider=factories.PT_NPI, day=day, services={"97110": 30}
    )
    with store.sessions() as db:
        claim = db.get(ClaimRecord, claim_id)
        assert claim is not None
        return [f["message"] for f in json.loads(claim.findings_json) if f["id"] == "insights.paid"]


def _post(store: Store, claim_ids: list[int], percent: int, trace: str, **more: int) -> None:
    with store.transaction(actor="biller") as work:
        text = factories.remittance_for(
            work, claim_ids, allowed_percent=percent, paid_on=TODAY, trace=trace, **more
        )
        result = remittances.post_remittance(work=work, data=text.encode(), file_name=trace)
        assert result.outcome == "posted" and result.unreconciled == []


def test_a_build_sees_the_835s_and_reversals_posted_since_the_build_before(
    store: Store, tmp_path: Path
) -> None:
    factories.set_up_practice(
        store,
        factories.PracticeSpec(
            clients=(factories.client(payer="Acme Health Plan", member_id="AC123456"),)
        ),
    )
    start = TODAY - dt.timedelta(days=30)
    first = [_paid_advice(store, start + dt.timedelta(days=n)) for n in range(5)]
    assert first == [[]] * 5  # nothing posted yet: no advice
    with store.transaction(actor="biller") as work:
        submitted = submission.submit_claims(work=work, outbox=tmp_path)
    claims = sorted(submitted.claims)
    assert len(claims) == 5
    # 97110 at $45.00 a unit, 2 units: allowed 80% ($36.00 a unit) and paid all of it
    _post(store, claims, 80, "EFT1")
    (said,) = _paid_advice(store, start + dt.timedelta(days=10))
    assert "paid 97110 at $36.00/unit (median, n = 5" in said
    # the payer takes those payments back and pays 90%: the next build says so
    _post(store, claims, 90, "EFT2", reverses=80)
    (said,) = _paid_advice(store, start + dt.timedelta(days=11))
    assert "paid 97110 at $40.50/unit (median, n = 5" in said


@pytest.mark.parametrize(
    "values",
    [
        [(100, 1)],
        [(100, 1), (300, 2)],
        [(200, 2), (100, 1), (300, 1), (301, 3)],
        [(4500, 1), (9000, 2), (4000, 1), (4000, 3), (1, 3), (7, 1)],
        [(0, 1), (0, 1), (250, 1), (333, 3)],
    ],
)
def test_the_median_per_unit_of_counted_groups_is_the_median_of_the_lines(
    values: list[tuple[int, int]],
) -> None:
    """The database counts the paid lines per paid amount and units; the median per unit
    worked out from those counts equals ``statistics.median`` over the lines one by one."""
    entry = _Code()
    day = TODAY
    lines = [Decimal(paid) / units for paid, units in values]
    for paid, units in sorted(set(values)):
        entry.add_paid(Decimal(paid) / units, values.count((paid, units)), day, day)
    assert entry.median() == statistics.median(lines)
