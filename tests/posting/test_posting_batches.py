"""The poster's batches cut a file anywhere between claims, and a claim met twice in one
payment starts a batch of its own: posted in tiny batches or in one, every claim gets exactly
the rows the payer's answer says, each read of the batch (claims and their lines, earlier
postings, open denials) covering all of its claims."""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter, defaultdict

import pytest
from sqlalchemy import event, select

from posting_fixtures import BULK_DAY, submitted_claims
from therabill.claims.number import claim_id_from_control_number
from therabill.store import audit
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    ClaimStatusChange,
    Denial,
    LedgerEntry,
    RemittanceClaim,
    RemittanceLine,
)
from therabill.store.services import Store, build_batch, remittances
from therabill.x12.remittance_835.builder import AdjudicatedClaim, write_835

COUNT = 23  # claims of 2 lines: 46 remittance lines, 85 ledger entries


def _check_rows(store: Store, answers: list[AdjudicatedClaim]) -> None:
    """Each claim's remittance lines, ledger entries, denial and status are what its answer
    says; every ledger entry's receipt is its own claim's remittance claim; the chain and the
    seals verify."""
    with store.transaction(actor="tester") as work:
        db = work.db
        number_of = dict(db.execute(select(ClaimLine.id, ClaimLine.line_number)).all())
        claim_of = dict(db.execute(select(RemittanceClaim.id, RemittanceClaim.claim_id)).all())
        lines: dict[tuple[int, int], tuple[int, int, int]] = {}
        for rc, line_id, paid, adjusted, patient in db.execute(
            select(
                RemittanceLine.remittance_claim_id,
                RemittanceLine.claim_line_id,
                RemittanceLine.paid_cents,
                RemittanceLine.adjusted_cents,
                RemittanceLine.patient_cents,
            )
        ):
            key = (claim_of[rc], number_of[line_id])
            assert key not in lines, f"line {key} posted twice"
            lines[key] = (paid, adjusted, patient)
        ledger: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
        for claim_id, line_id, kind, cents, receipt in db.execute(
            select(
                LedgerEntry.claim_id,
                LedgerEntry.claim_line_id,
                LedgerEntry.kind,
                LedgerEntry.amount_cents,
                LedgerEntry.receipt,
            )
        ):
            assert claim_of[int(receipt.removeprefix("835:"))] == claim_id, receipt
            ledger[(claim_id, number_of[line_id])][kind] += cents
        denied = Counter(db.execute(select(Denial.claim_id)).scalars())
        statuses = dict(db.execute(select(ClaimRecord.id, ClaimRecord.status)).all())
        changes = Counter(db.execute(select(ClaimStatusChange.claim_id)).scalars())
        verified = audit.verify(db)
        assert verified.ok, verified.problems
    assert len(lines) == 2 * len(answers)
    for answer in answers:
        claim_id = claim_id_from_control_number(answer.claim_number)
        assert claim_id is not None
        denials = 0
        for number, line in enumerate(answer.lines, 1):
            patient = sum(c for group, _, c in line.adjustments if group == "PR")
            written = sum(
                c for group, reason, c in line.adjustments if (group, reason) == ("CO", "45")
            )
            denials += any(reason == "16" for _, reason, _ in line.adjustments)
            assert lines[(claim_id, number)] == (
                line.paid,
                line.charge - line.paid - patient,
                patient,
            )
            moved = ledger[(claim_id, number)]
            assert moved["insurance_payment"] == line.paid, (claim_id, number)
            assert moved["contractual_adjustment"] == written, (claim_id, number)
            assert moved["transfer_to_patient"] == patient, (claim_id, number)
        assert denied[claim_id] == denials
        assert statuses[claim_id] == ("partly_paid" if denials else "paid")
        assert changes[claim_id] >= 1


def _post(store: Store, data: bytes) -> remittances.PostingResult:
    with store.transaction(actor="tester") as work:
        return remittances.post_remittance(work=work, data=data, file_name="chunks.835")


def test_tiny_batches_post_what_the_answers_say(
    bulk: tuple[Store, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = bulk
    answers = submitted_claims(store, ids, COUNT)
    monkeypatch.setattr(remittances, "BATCH", 4)  # 23 claims: 6 batches, the last of 3
    data = write_835(answers, trace="EFT-CHUNKS", paid_on=BULK_DAY + dt.timedelta(days=20))
    result = _post(store, data.encode())
    assert (result.outcome, result.claims_posted, result.exceptions) == ("posted", COUNT, [])
    assert (result.unreconciled, result.denials_opened) == ([], 3)
    _check_rows(store, answers)
    assert _post(store, data.encode()).already_posted


def test_one_batch_posts_what_the_answers_say(bulk: tuple[Store, dict[str, int]]) -> None:
    store, ids = bulk
    answers = submitted_claims(store, ids, COUNT)
    data = write_835(answers, trace="EFT-WHOLE", paid_on=BULK_DAY + dt.timedelta(days=20))
    result = _post(store, data.encode())
    assert (result.outcome, result.claims_posted, result.exceptions) == ("posted", COUNT, [])
    _check_rows(store, answers)


def test_a_posting_keeps_the_collector_off_older_objects_and_puts_its_settings_back(
    bulk: tuple[Store, dict[str, int]],
) -> None:
    """While a file posts, the cyclic garbage collector skips what was there before it and
    runs less often, as in a claims build (its full passes over a large file's posting grew
    faster than the file); after it, the process's settings are as they were."""
    store, ids = bulk
    answers = submitted_claims(store, ids, COUNT)
    data = write_835(answers, trace="EFT-GC", paid_on=BULK_DAY + dt.timedelta(days=20))
    before = gc.get_threshold()
    during: list[tuple[int, int]] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "INSERT INTO remittance_claims" in statement:
            during.append((gc.get_threshold()[0], gc.get_freeze_count()))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        assert _post(store, data.encode()).claims_posted == COUNT
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert during and all(
        young >= build_batch.YOUNG_OBJECTS and frozen > 0 for young, frozen in during
    )
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
