"""Coordination of benefits: other payers (2320, 2330A/B) and their line adjudication (2430).

A claim to a secondary payer says what the primary paid and adjusted, for the claim and for
each line; the amounts must balance to the charges (005010X222A1 section 1.4.1.3).
"""

from __future__ import annotations

from decimal import Decimal

from therabill.claims.document import RELATIONSHIP_CODES, Claim, OtherPayer, OtherPayerAdjustment
from therabill.errors import InvalidInput
from therabill.money import x12_amount
from therabill.x12.claim_837p.common import RESPONSIBILITY, SELF, claim_filing_code, missing
from therabill.x12.claim_837p.places import address
from therabill.x12.writer import Segments, Values, date8


def other_payer(
    seg: Segments, v: Values, claim: Claim, other: OtherPayer, field: str, total: Decimal
) -> None:
    """2320 other subscriber (SBR, CAS, AMT*D, OI), 2330A insured, 2330B payer (DTP*573)."""
    payer = other.payer
    if not payer.payer_id:
        raise missing(f"{field}.payer.payer_id", "the other payer's EDI id (2330B NM109)")
    if not payer.name:
        raise missing(f"{field}.payer.name", "the other payer's name (2330B NM103)")
    sub = other.subscriber
    relationship = SELF if sub is None else RELATIONSHIP_CODES[sub.relationship]
    seg.add(
        "SBR", RESPONSIBILITY[other.responsibility], relationship,
        "", "", "", "", "", "", claim_filing_code(payer.id),
    )  # fmt: skip
    if other.lines and other.paid is None:
        raise missing(f"{field}.paid", "line payments come with the claim's total paid")
    if other.paid is not None:
        check_balance(claim, other, field, total)
        if other.adjudication_date is None:
            raise missing(
                f"{field}.adjudication_date", "an adjudicated claim needs its date (DTP*573)"
            )
        adjustments(seg, other.adjustments, f"{field}.adjustments")
        seg.add("AMT", "D", x12_amount(other.paid, field=f"{field}.paid"))
        remaining_liability(seg, other.remaining_patient_liability, field)
    elif other.adjustments:
        raise missing(f"{field}.paid", "adjustments come with what the other payer paid")
    seg.add("OI", "", "", "Y", "P", "", "Y")
    if sub is None:
        last, first = claim.client.last_name, claim.client.first_name
    else:
        last, first = sub.last_name, sub.first_name
    seg.add(
        "NM1", "IL", "1", v.text(last, f"{field}.subscriber.last_name", max_length=60),
        v.text(first, f"{field}.subscriber.first_name", max_length=35),
        "", "", "", "MI", v.ident(other.member_id, f"{field}.member_id", max_length=80, min_length=2),
    )  # fmt: skip
    seg.add(
        "NM1", "PR", "2", v.text(payer.name, f"{field}.payer.name", max_length=60),
        "", "", "", "", "PI", v.ident(payer.payer_id, f"{field}.payer.payer_id", max_length=80, min_length=2),
    )  # fmt: skip
    # 2330B N3/N4 Other Payer Address: "Required when the payer address is available and the
    # submitter intends for the claim to be printed on paper at the next EDI location (for
    # example, a clearinghouse)" (005010X222A1), as for 2010BB: the address on file is sent.
    if payer.address is not None:
        address(seg, v, payer.address, f"{field}.payer.address")
    # 2330B DTP*573: "Required when ... Loop ID-2430 DTP – Line Check or Remittance Date is
    # not used."
    if other.adjudication_date is not None and not other.lines:
        seg.add("DTP", "573", "D8", date8(other.adjudication_date))


def check_balance(claim: Claim, other: OtherPayer, field: str, total: Decimal) -> None:
    """COB balancing (005010X222A1 section 1.4.1.3): for each line the other payer
    adjudicated, its payment plus its adjustments equal the line's charge; for the claim, the
    payment plus claim- and line-level adjustments equal the claim's charge."""
    paid = other.paid if other.paid is not None else Decimal(0)
    adjusted = sum((a.amount for a in other.adjustments), Decimal(0))
    seen: set[int] = set()
    for index, line in enumerate(other.lines):
        where = f"{field}.lines[{index}]"
        if line.line > len(claim.lines) or line.line in seen:
            problem = "appears twice" if line.line in seen else "is not a line of the claim"
            raise InvalidInput(f"line {line.line} {problem}", field=f"{where}.line")
        seen.add(line.line)
        line_adjusted = sum((a.amount for a in line.adjustments), Decimal(0))
        charge = claim.lines[line.line - 1].charge
        if line.paid + line_adjusted != charge:
            raise InvalidInput(
                f"paid {line.paid} plus adjustments {line_adjusted} must equal line"
                f" {line.line}'s charge {charge}",
                field=f"{where}.adjustments",
            )
        adjusted += line_adjusted
    if paid + adjusted != total:
        raise InvalidInput(
            f"paid {paid} plus adjustments {adjusted} must equal the claim's charge {total}",
            field=f"{field}.adjustments",
        )


def adjustments(seg: Segments, items: list[OtherPayerAdjustment], field: str) -> None:
    """CAS segments: one per group code, at most six reasons each."""
    groups: dict[str, list[str]] = {}
    for index, adj in enumerate(items):
        amount = x12_amount(adj.amount, field=f"{field}[{index}].amount")
        groups.setdefault(adj.group, []).extend((adj.reason, amount, ""))
    for group, elements in groups.items():
        for start in range(0, len(elements), 18):
            seg.add("CAS", group, *elements[start : start + 18])


def line_adjudications(
    seg: Segments, v: Values, claim: Claim, index: int, procedure: str, units: int
) -> None:
    """2430 for line ``index``: each other payer's SVD, CAS and DTP*573 for it."""
    for p_index, other in enumerate(claim.other_payers):
        for l_index, done in enumerate(other.lines):
            if done.line != index + 1:
                continue
            field = f"other_payers[{p_index}].lines[{l_index}]"
            payer_id = v.ident(
                other.payer.payer_id or "", f"other_payers[{p_index}].payer.payer_id"
            )
            paid_units = done.units if done.units is not None else units
            seg.add(
                "SVD",
                payer_id,
                x12_amount(done.paid, field=f"{field}.paid"),
                procedure,
                "",
                str(paid_units),
            )
            adjustments(seg, done.adjustments, f"{field}.adjustments")
            assert other.adjudication_date is not None  # checked with the claim's balance
            seg.add("DTP", "573", "D8", date8(other.adjudication_date))
            remaining_liability(seg, done.remaining_patient_liability, field)


def remaining_liability(seg: Segments, amount: Decimal | None, field: str) -> None:
    """AMT*EAF, the patient's remaining liability after the other payer (2320 after AMT*D,
    2430 after DTP*573): "Required when the other payer has adjudicated the claim and
    provider received a 835 ... from the other payer" (005010X222A1; pyx12 X222A1 map)."""
    if amount is not None:
        seg.add("AMT", "EAF", x12_amount(amount, field=f"{field}.remaining_patient_liability"))


# SBR05 (X12 element 1336), 005010X222A1 2000B: "Required when the payer identified in Loop
# ID-2010BB is Medicare and Medicare is not the primary payer."
MEDICARE_FILING = "MB"


def insurance_type(claim: Claim, filing: str, sbr01: str) -> str:
    """2000B SBR05 for the claim's payer: the Medicare secondary payer type when the payer is
    Medicare (claim filing code MB) and not primary; empty otherwise."""
    if filing != MEDICARE_FILING or sbr01 == "P":
        return ""
    if claim.medicare_secondary_type is None:
        raise InvalidInput(
            "Medicare as a secondary payer needs the Medicare secondary payer type (837P SBR05)",
            field="medicare_secondary_type",
            hint="set it on the client's Medicare policy: why Medicare pays second "
            "(12 working aged, 13 ESRD, 14 no-fault, 15 workers' compensation, 16 federal "
            "agency, 41 black lung, 42 VA, 43 disabled, 47 other liability)",
        )
    return claim.medicare_secondary_type
