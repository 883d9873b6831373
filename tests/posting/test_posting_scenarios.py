"""Posting scenarios from real round trips: sessions → claims → 837P (claims submit) → the
payer's 835 → era post, on each backend."""

from __future__ import annotations

import json
from pathlib import Path

from remit_builder import BilledClaim, billed, paid_as_billed, remit
from sqlalchemy import func, select

from posting_fixtures import build_claim
from therabill.store.models import (
    ClaimStatusChange,
    LedgerEntry,
    ProviderAdjustmentRecord,
    QuarantinedFile,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceException,
)
from therabill.store.services import Store, claim_records, remittances, submission
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine


def submit(store: Store, outbox: Path) -> list[BilledClaim]:
    with store.transaction(actor="biller") as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    return [c for path in outcome.paths for c in billed(path.read_text("ascii"))]


def post(store: Store, data: bytes, name: str = "remit.835") -> remittances.PostingResult:
    with store.transaction(actor="poster") as work:
        return remittances.post_remittance(work=work, data=data, file_name=name)


def claim(store: Store, claim_id: int) -> dict:  # type: ignore[type-arg]
    with store.transaction() as work:
        return claim_records.show_claim(work=work, claim_id=claim_id)


def count(store: Store, model: type) -> int:
    with store.transaction() as work:
        return int(work.db.execute(select(func.count()).select_from(model)).scalar_one())


def test_paid_with_coinsurance_moves_the_client_share(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30, c97140=25)
    (c,) = submit(practice, tmp_path)
    first = paid_as_billed(c.lines[0], cas_extra=[("PR", "2", 1000)])
    result = post(
        practice, remit([AdjudicatedClaim(c.claim_id, "1", [first, paid_as_billed(c.lines[1])])])
    )
    assert result.outcome == "posted" and result.unreconciled == [] and result.exceptions == []
    shown = claim(practice, cid)
    assert shown["status"] == "paid"
    assert [h["to"] for h in shown["history"]][-2:] == ["accepted", "paid"]
    assert shown["balance"] == {"insurance_cents": 0, "patient_cents": 1000, "total_cents": 1000}


def test_deductible_and_copay_go_to_the_client(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    line = c.lines[0]  # 90.00: allowed 72.00, deductible 50.00, copay 20.00, paid 2.00
    svc = AdjudicatedLine(
        line.code,
        line.charge,
        200,
        line.units,
        line.day,
        [],
        [("CO", "45", 1800), ("PR", "1", 5000), ("PR", "3", 2000)],
    )
    result = post(practice, remit([AdjudicatedClaim(c.claim_id, "1", [svc])]))
    assert result.patient_cents == 7000 and result.paid_cents == 200
    assert claim(practice, cid)["balance"]["patient_cents"] == 7000


def test_denied_claim_keeps_its_balance_and_reasons(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    line = c.lines[0]
    svc = AdjudicatedLine(
        line.code,
        line.charge,
        0,
        line.units,
        line.day,
        [],
        [("CO", "197", line.charge)],
        remarks=["N54"],
    )
    result = post(practice, remit([AdjudicatedClaim(c.claim_id, "4", [svc])]))
    assert result.status_changes == {"denied": 1}
    shown = claim(practice, cid)
    assert shown["status"] == "denied"
    assert shown["balance"]["insurance_cents"] == line.charge  # not written off: appeal it
    with practice.transaction() as work:
        reasons = work.db.execute(
            select(
                RemittanceAdjustment.group_code,
                RemittanceAdjustment.reason,
                RemittanceAdjustment.remarks,
            )
        ).all()
    assert reasons == [("CO", "197", "N54")]


def test_line_paid_under_another_code_and_fewer_units(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30, c97140=25)
    (c,) = submit(practice, tmp_path)
    a, b = c.lines
    # 97140 paid as 97530 (SVC06 carries the billed code), and 97110 paid for 1 unit of 2.
    recoded = AdjudicatedLine(
        "97530",
        b.charge,
        5000,
        b.units,
        b.day,
        [],
        [("CO", "45", b.charge - 5000)],
        billed_as=f"HC:{b.code}",
    )
    fewer = AdjudicatedLine(
        a.code,
        a.charge,
        3600,
        1,
        a.day,
        [],
        [("CO", "151", a.charge - 3600)],
        billed_as=f"HC:{a.code}",
        billed_units=a.units,
    )
    result = post(practice, remit([AdjudicatedClaim(c.claim_id, "1", [recoded, fewer])]))
    assert result.unreconciled == []
    # CO-151 (documentation does not support the units) is a denial, not a write-down: the
    # payer still owes the unit it did not pay until the biller appeals or writes it off.
    shown = claim(practice, cid)
    assert shown["balance"]["insurance_cents"] == a.charge - 3600
    assert [
        (d["line"], d["carc"], d["amount_cents"], d["class"], d["status"]) for d in shown["denials"]
    ] == [(1, "151", a.charge - 3600, "appeal", "open")]
    with practice.transaction() as work:
        paid = work.db.execute(
            select(LedgerEntry.claim_line_id, LedgerEntry.amount_cents)
            .where(LedgerEntry.kind == "insurance_payment")
            .order_by(LedgerEntry.amount_cents)
        ).all()
    lines = {ln["code"]: ln for ln in claim(practice, cid)["lines"]}
    assert [amount for _, amount in paid] == [3600, 5000]
    assert lines["97140"]["balance"]["insurance_cents"] == 0


def test_bundled_lines_share_one_payment(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30, c97140=25)
    (c,) = submit(practice, tmp_path)
    a, b = c.lines
    total = a.charge + b.charge
    bundled = AdjudicatedLine("97530", total, 10000, 1, a.day, [], [("CO", "45", total - 10000)])
    result = post(practice, remit([AdjudicatedClaim(c.claim_id, "1", [bundled])]))
    assert result.unreconciled == []
    assert claim(practice, cid)["balance"]["total_cents"] == 0


def test_bundled_line_denied_co97_stays_owed(practice: Store, tmp_path: Path) -> None:
    """CO-97 (paid as part of another service) is a correct-or-write-off decision for the
    biller, not a write-down on posting: each line keeps its unpaid share, with a denial."""
    cid = build_claim(practice, c97110=30, c97140=25)
    (c,) = submit(practice, tmp_path)
    a, b = c.lines
    total = a.charge + b.charge
    bundled = AdjudicatedLine(
        "97530", total, 10000, 1, a.day, [], [("CO", "97", total - 10000)], remarks=["M15"]
    )
    result = post(practice, remit([AdjudicatedClaim(c.claim_id, "1", [bundled])]))
    assert result.unreconciled == [] and result.denials_opened == 2
    shown = claim(practice, cid)
    assert shown["balance"]["insurance_cents"] == total - 10000
    assert sum(d["amount_cents"] for d in shown["denials"]) == total - 10000
    assert {d["class"] for d in shown["denials"]} == {"correct"}


def test_split_line_adds_up(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    (a,) = c.lines
    half = a.charge // 2
    parts = [
        AdjudicatedLine(a.code, half, 3000, 1, a.day, [], [("CO", "45", half - 3000)]),
        AdjudicatedLine(
            a.code, a.charge - half, 3000, 1, a.day, [], [("CO", "45", a.charge - half - 3000)]
        ),
    ]
    result = post(practice, remit([AdjudicatedClaim(c.claim_id, "1", parts)]))
    assert result.unreconciled == [] and claim(practice, cid)["balance"]["total_cents"] == 0


def test_reversal_and_readjudication_later_file(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    first = [paid_as_billed(c.lines[0], 80)]
    post(
        practice,
        remit([AdjudicatedClaim(c.claim_id, "1", first, payer_claim_number="ICN1")], trace="T1"),
    )
    again = [paid_as_billed(c.lines[0], 90)]
    result = post(
        practice,
        remit(
            [
                AdjudicatedClaim(c.claim_id, "22", first, payer_claim_number="ICN1"),
                AdjudicatedClaim(c.claim_id, "1", again, payer_claim_number="ICN2"),
            ],
            trace="T2",
        ),
    )
    assert result.outcome == "posted" and result.unreconciled == []
    shown = claim(practice, cid)
    assert [h["to"] for h in shown["history"]][-3:] == ["paid", "accepted", "paid"]
    with practice.transaction() as work:
        paid = work.db.execute(
            select(func.sum(LedgerEntry.amount_cents)).where(
                LedgerEntry.kind == "insurance_payment"
            )
        ).scalar_one()
        reversed_ = work.db.execute(
            select(func.count()).where(LedgerEntry.reverses_id.is_not(None))
        ).scalar_one()
    assert paid == c.lines[0].charge * 90 // 100 and reversed_ == 2  # payment and CO-45
    assert shown["balance"]["total_cents"] == 0


def test_secondary_pays_the_client_share_after_primary(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    a = c.lines[0]
    primary = paid_as_billed(a, 80, cas_extra=[("PR", "2", 1500)])
    post(practice, remit([AdjudicatedClaim(c.claim_id, "1", [primary])], trace="P1"))
    assert claim(practice, cid)["balance"]["patient_cents"] == 1500
    # the secondary pays 10.00 of the 15.00 and leaves 5.00 to the client
    prior = a.charge - 1500
    secondary = AdjudicatedLine(
        a.code, a.charge, 1000, a.units, a.day, [], [("OA", "23", prior), ("PR", "2", 500)]
    )
    result = post(
        practice,
        remit(
            [AdjudicatedClaim(c.claim_id, "2", [secondary])],
            trace="S1",
            payer="SECOND MUTUAL",
            payer_id="SEC02",
        ),
    )
    assert result.unreconciled == []
    shown = claim(practice, cid)
    assert shown["balance"] == {"insurance_cents": 0, "patient_cents": 500, "total_cents": 500}
    assert shown["status"] == "paid"


def test_provider_level_adjustment_is_recorded(practice: Store, tmp_path: Path) -> None:
    build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    data = remit(
        [AdjudicatedClaim(c.claim_id, "1", [paid_as_billed(c.lines[0])])],
        provider_adjustments=[("WO", 1750)],
    )
    result = post(practice, data)
    assert result.provider_adjustment_cents == 1750
    assert count(practice, ProviderAdjustmentRecord) == 1


def test_unmatched_claim_goes_to_the_exception_list(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    stranger = AdjudicatedClaim("TB00009999", "1", [paid_as_billed(c.lines[0])])
    foreign = AdjudicatedClaim("X-12", "1", [paid_as_billed(c.lines[0])])
    result = post(
        practice,
        remit([AdjudicatedClaim(c.claim_id, "1", [paid_as_billed(c.lines[0])]), stranger, foreign]),
    )
    assert result.claims_posted == 1
    assert [e["claim"] for e in result.exceptions] == ["TB00009999", "X-12"]
    assert "no claim TB00009999" in result.exceptions[0]["reason"]
    assert count(practice, RemittanceException) == 2
    assert claim(practice, cid)["status"] == "paid"


def test_unbalanced_file_is_quarantined_and_nothing_posted(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    before = count(practice, LedgerEntry), count(practice, ClaimStatusChange)
    data = remit([AdjudicatedClaim(c.claim_id, "1", [paid_as_billed(c.lines[0])])], bpr_off_by=1)
    result = post(practice, data)
    assert result.outcome == "quarantined" and "does not balance" in result.message
    assert (count(practice, LedgerEntry), count(practice, ClaimStatusChange)) == before
    assert count(practice, QuarantinedFile) == 1 and count(practice, RemittanceClaim) == 0
    assert claim(practice, cid)["status"] == "submitted"


def test_same_file_or_same_trace_twice_changes_nothing(practice: Store, tmp_path: Path) -> None:
    build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    data = remit([AdjudicatedClaim(c.claim_id, "1", [paid_as_billed(c.lines[0])])], trace="SAME")
    assert post(practice, data).outcome == "posted"
    entries = count(practice, LedgerEntry)
    again = post(practice, data)
    assert again.already_posted and "posted before" in again.message
    other_bytes = remit(
        [AdjudicatedClaim(c.claim_id, "1", [paid_as_billed(c.lines[0])])], trace="SAME", control=7
    )
    assert other_bytes != data
    third = post(practice, other_bytes)
    assert third.already_posted and "SAME" in third.message
    assert count(practice, LedgerEntry) == entries


def test_reversal_and_readjudication_in_the_same_file(practice: Store, tmp_path: Path) -> None:
    cid = build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path)
    first = [paid_as_billed(c.lines[0], 80)]
    again = [paid_as_billed(c.lines[0], 70)]
    result = post(
        practice,
        remit(
            [
                AdjudicatedClaim(c.claim_id, "1", first, payer_claim_number="A"),
                AdjudicatedClaim(c.claim_id, "22", first, payer_claim_number="A"),
                AdjudicatedClaim(c.claim_id, "1", again, payer_claim_number="B"),
            ]
        ),
    )
    assert result.unreconciled == [] and result.claims_posted == 3
    shown = claim(practice, cid)
    assert [h["to"] for h in shown["history"]][-4:] == ["accepted", "paid", "accepted", "paid"]
    assert shown["balance"]["total_cents"] == 0


def test_era_post_cli(practice: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from therabill.cli.main import app

    build_claim(practice, c97110=30)
    (c,) = submit(practice, tmp_path / "out")
    good = tmp_path / "good.835"
    good.write_bytes(remit([AdjudicatedClaim(c.claim_id, "1", [paid_as_billed(c.lines[0])])]))
    bad = tmp_path / "bad.835"
    bad.write_bytes(
        remit([AdjudicatedClaim(c.claim_id, "1", [paid_as_billed(c.lines[0])])], bpr_off_by=5)
    )
    runner = CliRunner()
    posted = runner.invoke(app, ["era", "post", str(good), "--json"])
    assert posted.exit_code == 0, posted.output
    assert json.loads(posted.stdout)["files"][0]["outcome"] == "posted"
    twice = runner.invoke(app, ["era", "post", str(good)])
    assert twice.exit_code == 0 and "Already posted" in twice.stdout
    refused = runner.invoke(app, ["era", "post", str(bad), "--json"])
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["files"][0]["outcome"] == "quarantined"
    listed = json.loads(runner.invoke(app, ["era", "exceptions", "--json"]).stdout)
    assert "does not balance" in listed["quarantined"][0]["reason"]
    missing = runner.invoke(app, ["era", "post", str(tmp_path / "nope.835")])
    assert missing.exit_code == 2 and "Error:" in missing.stderr


def test_unreadable_file_is_quarantined_naming_file_and_segment(practice: Store) -> None:
    data = remit([AdjudicatedClaim("TB00000001", "1", [])]).replace(
        b"CLP*TB00000001*1*0.00", b"CLP*TB00000001*1*X"
    )
    result = post(practice, data, name="broken.835")
    assert result.outcome == "quarantined"
    assert "broken.835, segment" in result.message and "CLP03" in result.message
    assert count(practice, QuarantinedFile) == 1 and count(practice, RemittanceClaim) == 0
