"""The month from issue 12, scripted: two 835s with deductible, coinsurance, sequestration
(CO-253), CO-45, a whole-claim CO-16 with MA130/N286, a line CO-97/M15, a copay, a
partial-unit CO-151, and a PLB with a WO recovery and L6 interest. After each step the
ledger's balances by responsible party are checked to the cent, the denials queue holds
exactly the denied amounts, and the deposit reconciles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from remit_builder import billed, remit

from clock import TODAY
from posting_fixtures import DAY, build_claim
from therabill.claims.number import claim_number
from therabill.store.services import Store, claim_records, denials, remittances, submission
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
