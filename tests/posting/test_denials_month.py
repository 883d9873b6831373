"""The month from issue 12, scripted: two 835s with deductible, coinsurance, sequestration
(CO-253), CO-45, a whole-claim CO-16 with MA130/N286, a line CO-97/M15, a copay, a
partial-unit CO-151, and a PLB with a WO recovery and L6 interest. After each step the
ledger's balances by responsible party are checked to the cent, the denials queue holds
exactly the denied amounts, and the deposit reconciles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from remit_builder import billed, remit

from clock import TODAY
from helpers_837 import pyx12_errors
from posting_fixtures import DAY, build_claim
from therabill.claims.number import claim_number
from therabill.errors import InvalidInput
from therabill.store.services import (
    Store,
    claim_records,
    cob,
    denials,
    ledger,
    remittances,
    submission,
)
from therabill.store.services.users import Role, create_user
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine

PAID_1 = TODAY - dt.timedelta(days=14)
PAID_2 = TODAY - dt.timedelta(days=7)


def post(store: Store, data: bytes) -> remittances.PostingResult:
    with store.transaction(actor="poster") as work:
        return remittances.post_remittance(work=work, data=data, file_name="remit.835")


def balance(store: Store, claim_id: int) -> tuple[int, int]:
    with store.transaction() as work:
        b = claim_records.show_claim(work=work, claim_id=claim_id)["balance"]
    return b["insurance_cents"], b["patient_cents"]


def status(store: Store, claim_id: int) -> str:
    with store.transaction() as work:
        return str(claim_records.show_claim(work=work, claim_id=claim_id)["status"])


def queue(store: Store, **filters: object) -> list[dict]:  # type: ignore[type-arg]
    with store.transaction() as work:
        return denials.list_denials(work=work, **filters)  # type: ignore[arg-type]


def test_the_scripted_month(practice: Store, tmp_path: Path) -> None:
    ids = {
        "A": build_claim(practice, day=DAY, c97110=30, c97140=25),
        "B": build_claim(practice, day=DAY + dt.timedelta(days=1), c97110=30),
        "C": build_claim(practice, day=DAY + dt.timedelta(days=2), c97110=30, c97140=25),
        "D": build_claim(practice, day=DAY + dt.timedelta(days=3), c97110=38),
        "E": build_claim(practice, day=DAY + dt.timedelta(days=4), c97110=30),
    }
    with practice.transaction(actor="biller") as work:
        outcome = submission.submit_claims(work=work, outbox=tmp_path)
    sent = {c.claim_id: c for p in outcome.paths for c in billed(p.read_text("ascii"))}
    number = {k: claim_number(v) for k, v in ids.items()}
    assert [ln.charge for ln in sent[number["A"]].lines] == [9000, 8400]
    assert [ln.charge for ln in sent[number["D"]].lines] == [13500]

    # First remittance: claim E paid (the payer overpays it: 80.00 of 90.00).
    e_line = AdjudicatedLine("97110", 9000, 8000, 2, None, [], [("CO", "45", 1000)])
    first = remit(
        [AdjudicatedClaim(number["E"], "1", [e_line], payer_claim_number="ICN-E")],
        trace="EFT-1",
        paid_on=PAID_1,
    )
    assert post(practice, first).unreconciled == []
    assert balance(practice, ids["E"]) == (0, 0)

    # Second remittance: everything else, and the recovery of 10.00 on E plus 2.50 interest.
    a = AdjudicatedClaim(
        number["A"],
        "1",
        [
            # 90.00 = paid 17.25 + CO-45 18.00 + deductible 50.00 + coinsurance 4.40
            #         + sequestration 0.35
            AdjudicatedLine(
                "97110",
                9000,
                1725,
                2,
                None,
                [],
                [("CO", "45", 1800), ("PR", "1", 5000), ("PR", "2", 440), ("CO", "253", 35)],
            ),
            # 84.00 = paid 50.00 + copay 20.00 + CO-45 14.00
            AdjudicatedLine(
                "97140", 8400, 5000, 2, None, [], [("PR", "3", 2000), ("CO", "45", 1400)]
            ),
        ],
        payer_claim_number="ICN-A",
    )
    b = AdjudicatedClaim(
        number["B"],
        "4",
        [],
        payer_claim_number="ICN-B",
        adjustments=[("CO", "16", 9000)],
        charge=9000,
        paid=0,
    )
    c = AdjudicatedClaim(
        number["C"],
        "1",
        [
            AdjudicatedLine("97110", 9000, 0, 2, None, [], [("CO", "97", 9000)], remarks=["M15"]),
            AdjudicatedLine("97140", 8400, 6000, 2, None, [], [("CO", "45", 2400)]),
        ],
        payer_claim_number="ICN-C",
    )
    d = AdjudicatedClaim(
        number["D"],
        "1",
        [
            AdjudicatedLine(
                "97110",
                13500,
                7200,
                2,
                None,
                [],
                [("CO", "45", 1800), ("CO", "151", 4500)],
                billed_as="HC:97110:GP",
                billed_units=3,
            )
        ],
        payer_claim_number="ICN-D",
    )
    text = remit(
        [a, b, c, d],
        trace="EFT-2",
        paid_on=PAID_2,
        provider_adjustments=[("WO", 1000), ("L6", -250)],
    ).decode("ascii")
    # MA130/N286 on the whole claim (MOA), PLB03-2 naming claim E by the payer's number
    text = text.replace(
        f"CLP*{number['B']}*4*90.00*0.00**12*ICN-B~",
        f"CLP*{number['B']}*4*90.00*0.00**12*ICN-B~MOA***MA130*N286~",
    )
    text = _name_plb_claims(text, {"WO": "ICN-E", "L6": "ICN-A"})
    text = _recount(text)
    result = post(practice, text.encode("ascii"))
    assert result.outcome == "posted", result.message
    assert result.unreconciled == [] and result.exceptions == []
    assert result.denials_opened == 3

    # Balances by responsible party, to the cent: (payer owes, client owes)
    assert balance(practice, ids["A"]) == (0, 5000 + 440 + 2000)
    assert balance(practice, ids["B"]) == (9000, 0)  # whole claim denied, still owed
    assert balance(practice, ids["C"]) == (9000, 0)  # CO-97 line, still owed
    assert balance(practice, ids["D"]) == (4500, 0)  # the unit CO-151 did not pay
    assert balance(practice, ids["E"]) == (1000, 0)  # the WO recovery
    # a claim with a line the payer still owes is partly paid, so it stays on the attention list
    assert status(practice, ids["C"]) == status(practice, ids["D"]) == "partly_paid"
    assert status(practice, ids["B"]) == "denied"
    rows = queue(practice)
    assert [
        (r["claim_number"], r["line"], f"{r['group']}-{r['carc']}", r["amount_cents"], r["class"])
        for r in rows
    ] == [
        (number["B"], None, "CO-16", 9000, "correct"),
        (number["C"], 1, "CO-97", 9000, "correct"),
        (number["D"], 1, "CO-151", 4500, "appeal"),
    ]
    whole = rows[0]
    assert whole["rarc"] == ["MA130", "N286"]
    assert whole["next_action"].startswith("correct and send a new claim")
    assert "Referring provider" in whole["rarc_descriptions"]["N286"]
    assert [r["age_days"] for r in rows] == [7, 7, 7]
    assert queue(practice, reason="CO-151")[0]["claim_number"] == number["D"]
    assert queue(practice, min_age_days=8) == []

    # The deposit: BPR02 against what was posted, interest as income, no difference.
    with practice.transaction() as work:
        deposit = next(
            r for r in remittances.list_deposits(work=work) if r["trace_number"] == "EFT-2"
        )
    claims_paid = 1725 + 5000 + 6000 + 7200
    assert deposit["deposit_cents"] == claims_paid - 1000 + 250
    assert deposit["posted_cents"] == claims_paid - 1000
    assert deposit["interest_cents"] == 250 and deposit["difference_cents"] == 0
    assert [
        (p["reason"], p["applied_as"], p["claim_number"]) for p in deposit["provider_adjustments"]
    ] == [
        ("WO", "recoupment", number["E"]),
        ("L6", "interest", number["A"]),
    ]

    # Working the queue: B corrected and sent again, C written off, D appealed.
    with practice.transaction() as work:
        create_user(work, username="bea", role=Role.BILLER, password="a long enough password 1")
    by_claim = {r["claim_number"]: r["id"] for r in rows}
    with practice.transaction(actor="bea") as work:
        denials.close_denial(
            work=work, denial_id=by_claim[number["B"]], how="corrected", note="NPI added"
        )
        denials.write_off_denial(
            work=work,
            denial_id=by_claim[number["C"]],
            reason="bundled; no distinct service",
            approved_by="bea",
        )
        denials.appeal_denial(work=work, denial_id=by_claim[number["D"]])
    assert balance(practice, ids["C"]) == (0, 0)
    assert balance(practice, ids["D"]) == (4500, 0)
    open_rows = queue(practice)
    assert [(r["claim_number"], r["status"]) for r in open_rows] == [(number["D"], "appealed")]
    assert len(queue(practice, include_closed=True)) == 3  # none lost


def _name_plb_claims(text: str, references: dict[str, str]) -> str:
    """Give each PLB reason (PLB03-1) the claim it names (PLB03-2)."""
    segments = text.split("~")
    for i, segment in enumerate(segments):
        if segment.strip().startswith("PLB*"):
            parts = segment.split("*")
            for j in range(3, len(parts), 2):
                reason = parts[j].split(":")[0]
                if reason in references:
                    parts[j] = f"{reason}:{references[reason]}"
            segments[i] = "*".join(parts)
    return "~".join(segments)


def _recount(text: str) -> str:
    """SE01 again after a segment was added (the segments from ST to SE)."""
    segments = text.split("~")
    start = next(i for i, s in enumerate(segments) if s.strip().startswith("ST*"))
    end = next(i for i, s in enumerate(segments) if s.strip().startswith("SE*"))
    parts = segments[end].split("*")
    parts[1] = str(end - start + 1)
    segments[end] = "*".join(parts)
    return "~".join(segments)


# --- the month's second half: a Medicare client with a supplemental (Medigap) policy -------

MEDICARE_PAID = TODAY - dt.timedelta(days=10)
MEDIGAP_PAID = TODAY - dt.timedelta(days=3)


def _segments(text: str, tag: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip().startswith(tag)]


def _show(store: Store, claim_id: int) -> dict:  # type: ignore[type-arg]
    with store.transaction() as work:
        return claim_records.show_claim(work=work, claim_id=claim_id)


def _client_balance(store: Store, client: str) -> tuple[int, int]:
    with store.transaction() as work:
        b = ledger.client_ledger(work=work, client=client).balance
    return b.insurance_cents, b.patient_cents


def test_the_scripted_month_secondary_payer(cob_practice: Store, tmp_path: Path) -> None:
    """Medicare primary → PR amounts transfer to the Medigap policy → the COB 837P (pyx12
    passes; 2320/2330/2430 with Medicare's amounts) → the Medigap 835 → the client owes only
    what the Medigap plan left, to the cent."""
    store = cob_practice
    primary = build_claim(store, client="C-3", day=DAY, c97110=30, c97140=25)
    with store.transaction(actor="biller") as work:
        sent = submission.submit_claims(work=work, outbox=tmp_path / "out1")
    (billed_primary,) = [c for p in sent.paths for c in billed(p.read_text("ascii"))]
    assert [ln.charge for ln in billed_primary.lines] == [9000, 8400]

    # Medicare: 97110 allowed 72.00, pays 80 % less 2 % sequestration, 20 % coinsurance;
    # 97140 allowed 60.00, 50.00 to the Part B deductible, then as above.
    medicare = AdjudicatedClaim(
        claim_number(primary),
        "1",
        [
            AdjudicatedLine(
                "97110", 9000, 5645, 2, DAY, ["GP"],
                [("CO", "45", 1800), ("CO", "253", 115), ("PR", "2", 1440)],
            ),
            AdjudicatedLine(
                "97140", 8400, 784, 2, DAY, ["GP"],
                [("CO", "45", 2400), ("CO", "253", 16), ("PR", "1", 5000), ("PR", "2", 200)],
            ),
        ],
        payer_claim_number="MCR-1",
        patient=("EXAMPLE", "CLEO", "1EG4TE5MK73"),
    )  # fmt: skip
    result = post(
        store,
        remit(
            [medicare], trace="MCR-EFT-1", paid_on=MEDICARE_PAID, payer="MEDICARE PART B",
            payer_id="04111",
        ),
    )  # fmt: skip
    assert result.outcome == "posted" and result.unreconciled == []
    assert result.patient_cents == 6640
    (made,) = result.next_claims
    secondary = made["claim_id"]
    assert made["moved_cents"] == 6640 and made["payer"] == "Harbour Medigap"
    assert made["crossed_over"] is False and made["status"] == "ready", made["findings"]

    # The PR amounts are the Medigap plan's to pay now, not the client's.
    assert balance(store, primary) == (0, 0)
    assert balance(store, secondary) == (6640, 0)
    assert _client_balance(store, "C-3") == (6640, 0)
    client_id = _show(store, primary)["client_id"]  # one transaction at a time
    with store.transaction() as work:
        kinds = [
            (e.claim_id, e.kind, e.amount_cents, e.responsibility)
            for e in ledger.client_entries(work, client_id)
            if e.kind == "transfer_to_insurance"
        ]
    assert sorted(kinds) == sorted(
        [
            (primary, "transfer_to_insurance", 1440, "insurance"),
            (primary, "transfer_to_insurance", 5000, "insurance"),
            (primary, "transfer_to_insurance", 200, "insurance"),
            (secondary, "transfer_to_insurance", -1440, "insurance"),
            (secondary, "transfer_to_insurance", -5200, "insurance"),
        ]
    )
    shown = _show(store, secondary)
    assert (shown["priority"], shown["primary_claim_id"], shown["prior_claim_id"]) == (
        "secondary",
        primary,
        primary,
    )
    assert shown["crossed_over"] is False and shown["payer"] == "Harbour Medigap"
    assert _show(store, primary)["next_claim_id"] == secondary

    # The COB claim: 2000B SBR*S, 2320 with Medicare as P, its paid amount and the client's
    # remaining liability, 2330A/B, and per line SVD with Medicare's payment, CAS and DTP*573.
    with store.transaction(actor="biller") as work:
        cob_sent = submission.submit_claims(work=work, outbox=tmp_path / "out2")
    (path,) = cob_sent.paths
    text = path.read_text("ascii")
    assert pyx12_errors(text) == []
    assert _segments(text, "SBR") == ["SBR*S*18*******CI", "SBR*P*18*******MB"]
    assert _segments(text, "AMT") == [
        "AMT*D*64.29",
        "AMT*EAF*66.40",
        "AMT*EAF*14.40",
        "AMT*EAF*52.00",
    ]
    assert "NM1*IL*1*EXAMPLE*CLEO****MI*1EG4TE5MK73" in text
    assert "NM1*PR*2*MEDICARE PART B*****PI*04111" in text
    assert _segments(text, "SVD") == [
        "SVD*04111*56.45*HC:97110:GP**2",
        "SVD*04111*7.84*HC:97140:GP**2",
    ]
    assert _segments(text, "CAS") == [
        "CAS*CO*45*18.00**253*1.15",
        "CAS*PR*2*14.40",
        "CAS*CO*45*24.00**253*0.16",
        "CAS*PR*1*50.00**2*2.00",
    ]
    assert _segments(text, "DTP*573") == [f"DTP*573*D8*{MEDICARE_PAID:%Y%m%d}"] * 2
    assert text.count("OI***Y*P**Y") == 1

    # The Medigap plan pays the coinsurance but not the Part B deductible (plan G).
    medigap = AdjudicatedClaim(
        claim_number(secondary),
        "2",
        [
            AdjudicatedLine("97110", 9000, 1440, 2, DAY, ["GP"], [("OA", "23", 7560)]),
            AdjudicatedLine(
                "97140", 8400, 200, 2, DAY, ["GP"], [("OA", "23", 3200), ("PR", "1", 5000)]
            ),
        ],
        payer_claim_number="MG-77",
        patient=("EXAMPLE", "CLEO", "MG300"),
    )
    second = post(
        store,
        remit(
            [medigap], trace="MG-EFT-1", paid_on=MEDIGAP_PAID, payer="HARBOUR MEDIGAP",
            payer_id="MGAP1",
        ),
    )  # fmt: skip
    assert second.outcome == "posted" and second.unreconciled == [] and second.exceptions == []
    assert second.next_claims == [] and second.denials_opened == 0
    assert balance(store, primary) == (0, 0)
    assert balance(store, secondary) == (0, 5000)
    assert status(store, secondary) == "paid"
    assert _client_balance(store, "C-3") == (0, 5000)  # only what the last payer left

    # charges − payments − adjustments = the balances by responsible party, to the cent
    client_id = _show(store, primary)["client_id"]
    with store.transaction() as work:
        entries = ledger.client_entries(work, client_id)
    charges = sum(e.amount_cents for e in entries if e.kind == "charge")
    paid = sum(e.amount_cents for e in entries if e.kind == "insurance_payment")
    adjusted = sum(e.amount_cents for e in entries if e.kind == "contractual_adjustment")
    assert charges - paid - adjusted == sum(_client_balance(store, "C-3")) == 5000
    assert (charges, paid) == (17400, 5645 + 784 + 1440 + 200)


def test_a_crossover_waits_for_the_secondary_payers_835(
    cob_practice: Store, tmp_path: Path
) -> None:
    """Medicare forwards the claim itself (CLP02 19, MA18): no COB claim is sent, the
    Medigap claim is recorded as crossed over, its 835 (quoting Medicare's claim number)
    posts against it, and ``claims secondary`` refuses to bill it again."""
    store = cob_practice
    primary = build_claim(store, client="C-4", day=DAY, c97110=30)
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path / "out1")
    medicare = AdjudicatedClaim(
        claim_number(primary),
        "19",
        [
            AdjudicatedLine(
                "97110", 9000, 5645, 2, DAY, ["GP"],
                [("CO", "45", 1800), ("CO", "253", 115), ("PR", "2", 1440)],
            )
        ],
        payer_claim_number="MCR-2",
        patient=("EXAMPLE", "DORA", "2EG4TE5MK74"),
    )  # fmt: skip
    result = post(
        store,
        remit([medicare], trace="MCR-EFT-2", paid_on=MEDICARE_PAID, payer="MEDICARE PART B",
              payer_id="04111"),
    )  # fmt: skip
    (made,) = result.next_claims
    crossed = made["claim_id"]
    assert made["crossed_over"] is True and made["status"] == "submitted"
    assert _show(store, primary)["crossed_over"] is True
    assert _show(store, crossed)["crossed_over"] is True
    assert balance(store, crossed) == (1440, 0) and balance(store, primary) == (0, 0)
    with store.transaction() as work:
        assert submission.submittable_claims(work=work) == []  # nothing for us to send
    with store.transaction() as work, pytest.raises(InvalidInput, match="crossover"):
        cob.bill_next_payer(work=work, claim_id=primary)

    # The Medigap plan's 835 names Medicare's claim (TB…primary): it posts on the COB claim.
    medigap = AdjudicatedClaim(
        claim_number(primary),
        "2",
        [AdjudicatedLine("97110", 9000, 1440, 2, DAY, ["GP"], [("OA", "23", 7560)])],
        payer_claim_number="MG-78",
        patient=("EXAMPLE", "DORA", "MG400"),
    )
    second = post(
        store,
        remit([medigap], trace="MG-EFT-2", paid_on=MEDIGAP_PAID, payer="HARBOUR MEDIGAP",
              payer_id="MGAP1"),
    )  # fmt: skip
    assert second.unreconciled == [] and second.exceptions == []
    assert balance(store, crossed) == (0, 0) and balance(store, primary) == (0, 0)
    assert status(store, crossed) == "paid"
    assert _client_balance(store, "C-4") == (0, 0)
