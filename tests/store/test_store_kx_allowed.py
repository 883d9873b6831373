"""The year's allowed amounts the KX rule counts, as the store fills them: the fee schedule
until an 835 is posted, then what the payer allowed; PT and speech together, OT alone;
draft, denied and closed claims never counted (SSA §1833(g); CMS Pub 100-04 ch.5 §10.3)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from clock import TODAY
from therabill.claims import Claim
from therabill.payers.threshold import Service
from therabill.store import factories
from therabill.store.models import ClaimRecord, RemittanceLine
from therabill.store.services import Store, build, remittances, submission
from therabill.store.services.scrubbing import therapy_allowed, therapy_year

OT_NPI = "1678901236"
SLP_NPI = factories.SLP_NPI
DAY = TODAY - dt.timedelta(days=20)  # 2026-11-08
SPEC = factories.PracticeSpec(
    payers=(factories.PayerSpec("MEDICARE", payer_id="00430"),),
    providers=(
        factories.PHYSICAL_THERAPIST,
        factories.ProviderSpec(SLP_NPI, "Sam", "Ortiz", "slp", "235Z00000X"),
        factories.ProviderSpec(OT_NPI, "Kim", "Ray", "ot", "225X00000X"),
    ),
    # charges well above Medicare's allowed amounts: the count must not use them
    fees={"97110": 15000, "97140": 300000, "97530": 15000, "92507": 20000},
    clients=(factories.client(payer="Medicare Part B", member_id="1EG4TE5MK73"),),
)


@pytest.fixture
def practice(store: Store) -> factories.ExamplePractice:
    return factories.set_up_practice(store, SPEC)


def _claim(store: Store, npi: str, services: dict[str, int], day: dt.date = DAY) -> int:
    return factories.build_one_claim(store, client="C-1", provider=npi, day=day, services=services)


def _allowed(store: Store, client_id: int) -> dict[tuple[str, int, str], Decimal]:
    with store.transaction(actor="biller") as work:
        return dict(therapy_allowed(work, [client_id]))


def _status(store: Store, claim_id: int) -> str:
    with store.sessions() as db:
        claim = db.get(ClaimRecord, claim_id)
        assert claim is not None
        return claim.status


def _set_status(store: Store, claim_id: int, status: str) -> None:
    with store.transaction(actor="biller") as work:
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        claim.status = status


def test_a_ready_claim_counts_the_fee_schedule_amount_not_the_charge(
    store: Store, practice: factories.ExamplePractice
) -> None:
    claim_id = _claim(store, factories.PT_NPI, {"97110": 30})  # 2 units, $300.00 billed
    assert _status(store, claim_id) == "ready"
    (client,) = practice.clients
    # 2026 national: 29.06 for the first unit, 22.21 for the second (therapy reduction)
    assert _allowed(store, client) == {(str(client), 2026, "pt_slp"): Decimal("51.27")}


@pytest.mark.parametrize("status", ["draft", "denied", "closed"])
def test_draft_denied_and_closed_claims_count_nothing(
    store: Store, practice: factories.ExamplePractice, status: str
) -> None:
    claim_id = _claim(store, factories.PT_NPI, {"97110": 30})
    _set_status(store, claim_id, status)
    assert _allowed(store, practice.clients[0]) == {}


@pytest.mark.parametrize("status", ["submitted", "accepted", "paid", "partly_paid", "appealed"])
def test_claims_on_their_way_count(
    store: Store, practice: factories.ExamplePractice, status: str
) -> None:
    claim_id = _claim(store, factories.PT_NPI, {"97110": 30})
    _set_status(store, claim_id, status)
    (client,) = practice.clients
    assert _allowed(store, client) == {(str(client), 2026, "pt_slp"): Decimal("51.27")}


def test_pt_and_speech_count_together_ot_alone(
    store: Store, practice: factories.ExamplePractice
) -> None:
    _claim(store, factories.PT_NPI, {"97110": 15})
    _claim(store, SLP_NPI, {"92507": 30}, DAY - dt.timedelta(days=1))
    _claim(store, OT_NPI, {"97530": 15}, DAY - dt.timedelta(days=2))
    (client,) = practice.clients
    assert _allowed(store, client) == {
        (str(client), 2026, "pt_slp"): Decimal("105.21"),  # 29.06 + 76.15
        (str(client), 2026, "ot"): Decimal("35.07"),
    }


def test_a_posted_835_says_what_was_allowed(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path
) -> None:
    claim_id = _claim(store, factories.PT_NPI, {"97110": 30})
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path)
    with store.transaction(actor="biller") as work:
        # allowed 20% of the $300.00 charge, $10.00 of it the client's copay (PR-3)
        text = factories.remittance_for(
            work, [claim_id], allowed_percent=20, copay_cents=1000, paid_on=TODAY
        )
        remittances.post_remittance(work=work, data=text.encode(), file_name="pay.835")
    (client,) = practice.clients
    assert _allowed(store, client) == {(str(client), 2026, "pt_slp"): Decimal("60.00")}


def test_the_build_fills_the_document_and_kx_follows_the_posted_amounts(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path
) -> None:
    first = _claim(store, factories.PT_NPI, {"97110": 53})  # 4 units, $600 billed
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path)
    with store.transaction(actor="biller") as work:
        # an 835 that allowed the whole charge ($600): past nothing yet
        text = factories.remittance_for(work, [first], allowed_percent=100, paid_on=TODAY)
        remittances.post_remittance(work=work, data=text.encode(), file_name="pay.835")
    (client,) = practice.clients
    key = (str(client), 2026, "pt_slp")
    assert _allowed(store, client) == {key: Decimal("600.00")}
    second = _claim(store, factories.PT_NPI, {"97110": 15}, DAY + dt.timedelta(days=1))
    with store.sessions() as db:
        record = db.get(ClaimRecord, second)
        assert record is not None and record.document_json is not None
        document = Claim.model_validate_json(record.document_json)
        findings = json.loads(record.findings_json)
    (to_date,) = document.therapy_allowed_to_date
    assert (to_date.year, to_date.group, to_date.allowed) == (2026, "pt_slp", Decimal("600.00"))
    assert not [f for f in findings if f["id"] == "modifier.kx"]


def test_past_the_threshold_the_next_claim_needs_kx_and_stays_a_draft(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path
) -> None:
    first = _claim(store, factories.PT_NPI, {"97140": 15})  # 1 unit, $3,000 billed
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path)
    with store.transaction(actor="biller") as work:
        text = factories.remittance_for(work, [first], allowed_percent=96, paid_on=TODAY)
        remittances.post_remittance(work=work, data=text.encode(), file_name="pay.835")
    (client,) = practice.clients
    assert _allowed(store, client) == {(str(client), 2026, "pt_slp"): Decimal("2880.00")}
    second = _claim(store, factories.PT_NPI, {"97110": 15}, DAY + dt.timedelta(days=1))
    with store.sessions() as db:
        record = db.get(ClaimRecord, second)
        assert record is not None
        kx = [f for f in json.loads(record.findings_json) if f["id"] == "modifier.kx"]
        assert record.status == "draft" and kx
    assert "2,909.06" in kx[0]["message"] and "2,480.00" in kx[0]["message"]


def test_a_ready_claim_of_the_same_build_counts_for_the_next_one(
    store: Store, practice: factories.ExamplePractice
) -> None:
    with store.transaction(actor="therapist") as work:
        for n in range(2):
            factories.add_session(
                work, client="C-1", provider=factories.PT_NPI,
                day=DAY + dt.timedelta(days=n), services={"97110": 15},
            )  # fmt: skip
    with store.transaction(actor="biller") as work:
        built = build.build_claims(work=work)
    assert len(built.claims) == 2
    with store.sessions() as db:
        documents = [
            Claim.model_validate_json(db.get(ClaimRecord, c).document_json or "")  # type: ignore[union-attr]
            for c in built.claims
        ]
        statuses = db.execute(select(ClaimRecord.status).order_by(ClaimRecord.id)).scalars().all()
    assert statuses == ["ready", "ready"]
    # the second claim of the build sees the first (ready) claim's allowed amount
    assert [d.therapy_allowed_to_date[0].allowed for d in documents] == [
        Decimal("0.00"),
        Decimal("29.06"),
    ]


def test_a_days_claims_share_one_full_unit(
    store: Store, practice: factories.ExamplePractice
) -> None:
    """PT and OT the same day on two claims: Medicare's therapy reduction spans the client's
    day across claims and disciplines (NGS Medicare; Novitas), so the OT claim counts what
    the day grows by: 97530 takes the full unit (35.07) and 97110 drops to 22.21, so the OT
    claim adds 57.28 - 29.06 = 28.22, not a second full unit."""
    _claim(store, factories.PT_NPI, {"97110": 15})
    _claim(store, OT_NPI, {"97530": 15})
    (client,) = practice.clients
    assert _allowed(store, client) == {
        (str(client), 2026, "pt_slp"): Decimal("29.06"),
        (str(client), 2026, "ot"): Decimal("28.22"),
    }


def _post(store: Store, claim_ids: list[int], percent: int, tmp_path: Path, trace: str) -> None:
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=claim_ids)
    with store.transaction(actor="biller") as work:
        text = factories.remittance_for(
            work, claim_ids, allowed_percent=percent, paid_on=TODAY, trace=trace
        )
        remittances.post_remittance(work=work, data=text.encode(), file_name=f"{trace}.835")


def _year(
    store: Store, client_id: int, days: tuple[dt.date, dt.date] | None
) -> tuple[dict[tuple[str, int, str], Decimal], dict[tuple[str, str, dt.date], list[Service]]]:
    with store.transaction(actor="biller") as work:
        allowed, same_day = therapy_year(work, [client_id], days=days)
        return dict(allowed), {key: list(found) for key, found in same_day.items()}


def test_a_day_with_posted_and_unposted_claims_past_the_threshold(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path
) -> None:
    """Posted lines count what the 835 allowed (summed by the database); a line with no
    posted 835 is estimated with its day's other lines, posted or not: the OT claim adds
    what the day grows by (28.22), not a full unit, though the PT line of that day was paid."""
    big = _claim(store, factories.PT_NPI, {"97140": 15}, DAY - dt.timedelta(days=3))
    pt = _claim(store, factories.PT_NPI, {"97110": 15})
    _post(store, [big], 96, tmp_path, "EFT0001")  # $2,880.00 allowed
    _post(store, [pt], 20, tmp_path, "EFT0002")  # $30.00 allowed
    _claim(store, OT_NPI, {"97530": 15})  # ready, no 835 yet
    (client,) = practice.clients
    expected = {
        (str(client), 2026, "pt_slp"): Decimal("2910.00"),  # past the $2,480 threshold
        (str(client), 2026, "ot"): Decimal("28.22"),
    }
    assert _allowed(store, client) == expected
    # read for the build (its days only) or for every day: the same amounts; the same-day
    # lines of the day estimated and of the days asked for, all of them
    everything, every_day = _year(store, client, None)
    scrubbed, some_days = _year(store, client, (DAY + dt.timedelta(days=1),) * 2)
    assert everything == scrubbed == expected
    assert set(every_day) == {(str(client), "MEDICARE", DAY - dt.timedelta(days=3)),
                              (str(client), "MEDICARE", DAY)}  # fmt: skip
    assert some_days == {(str(client), "MEDICARE", DAY): every_day[(str(client), "MEDICARE", DAY)]}
    assert [s.code for s in some_days[(str(client), "MEDICARE", DAY)]] == ["97110", "97530"]
    # the next PT claim needs KX: the year's total before it includes both posted claims
    later = _claim(store, factories.PT_NPI, {"97110": 15}, DAY + dt.timedelta(days=1))
    with store.sessions() as db:
        record = db.get(ClaimRecord, later)
        assert record is not None
        kx = [f for f in json.loads(record.findings_json) if f["id"] == "modifier.kx"]
    assert record.status == "draft" and "2,910.00 before it" in kx[0]["message"]


@pytest.mark.parametrize("status", ["submitted", "denied"])
def test_a_replacement_supersedes_its_posted_original_while_it_counts(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path, status: str
) -> None:
    """A counted replacement (frequency 7) takes its original's place, 835 and all; a denied
    replacement counts nothing and leaves the original counting (CMS Pub 100-04 ch.5 §10.3)."""
    original = _claim(store, factories.PT_NPI, {"97140": 15})
    _post(store, [original], 50, tmp_path, "EFT0001")  # $1,500.00 allowed
    replacement = _claim(store, factories.PT_NPI, {"97110": 15}, DAY + dt.timedelta(days=1))
    with store.transaction(actor="biller") as work:
        claim = work.db.get(ClaimRecord, replacement)
        assert claim is not None
        claim.original_claim_id, claim.frequency_code, claim.status = original, "7", status
    (client,) = practice.clients
    counted = Decimal("29.06") if status == "submitted" else Decimal("1500.00")
    assert _allowed(store, client) == {(str(client), 2026, "pt_slp"): counted}
    assert _year(store, client, (DAY, DAY))[0] == _allowed(store, client)


def test_a_line_the_835_left_out_counts_what_the_posting_recorded(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path
) -> None:
    """An 835 that leaves a line of the claim out: the posting records that line as paid
    nothing (a remittance line of $0.00), so the claim counts what the 835 allowed, the
    posted line's $300.00, and nothing for the line left out, as before the database summed
    the posted lines. A line with no remittance line at all counts its estimate (the first
    test here)."""
    claim_id = _claim(store, factories.PT_NPI, {"97140": 15, "97110": 15})
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[claim_id])
    with store.transaction(actor="biller") as work:
        text = factories.remittance_for(
            work, [claim_id], allowed_percent=10, paid_on=TODAY, first_lines=1
        )
        remittances.post_remittance(work=work, data=text.encode(), file_name="part.835")
    (client,) = practice.clients
    with store.sessions() as db:
        posted = db.execute(
            select(RemittanceLine.paid_code, RemittanceLine.paid_cents).order_by(
                RemittanceLine.claim_line_id
            )
        ).all()
    assert [tuple(row) for row in posted] == [("97140", 30000), ("", 0)]
    expected = {(str(client), 2026, "pt_slp"): Decimal("300.00")}  # 10% of $3,000.00
    assert _allowed(store, client) == expected
    assert _year(store, client, (DAY, DAY))[0] == expected
