"""Paper claims: the CMS-1500 PDF of stored claims (the CLI's ``claims print`` and the claim
page's print button call this one service), the alignment page, and the printer offset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.paper import cms1500, cms1500_pdf
from therabill.store.models import ClaimRecord, Client, Payer, Policy, Practice
from therabill.store.services import claim_edits, lookup, payers
from therabill.store.services.context import UnitOfWork
from therabill.store.services.practice import practice_row

PRIORITY = {"primary": 0, "secondary": 1, "tertiary": 2}
POINTS_PER_HUNDREDTH = 0.72  # 1/100 inch in PDF points
MAX_OFFSET = 100  # one inch: a larger shift means the wrong paper, not a printer margin


@dataclass(frozen=True, slots=True)
class PrintedClaims:
    """A CMS-1500 PDF and what is in it."""

    pdf: bytes
    claim_ids: list[int]
    pages: int
    data_only: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "claims": self.claim_ids,
            "pages": self.pages,
            "data_only": self.data_only,
            "bytes": len(self.pdf),
        }


def other_insurance(work: UnitOfWork, claim: ClaimRecord) -> cms1500.OtherInsurance | None:
    """Items 9/9a/9d: the client's next policy by priority (primary, secondary, tertiary)
    other than the claim's own, in force on the date of service."""
    rows = work.db.execute(
        select(Policy, Payer)
        .join(Payer, Payer.id == Policy.payer_id)
        .where(Policy.client_id == claim.client_id, Policy.id != claim.policy_id)
    ).all()
    covering = sorted(
        ((p, payer) for p, payer in rows if p.covers(claim.date_of_service)),
        key=lambda pair: (PRIORITY.get(pair[0].priority, 9), pair[0].id),
    )
    if not covering:
        return None
    policy, payer = covering[0]
    client = work.db.get(Client, claim.client_id)
    assert client is not None
    if policy.relationship_to_subscriber == "self":
        last, first = client.last_name, client.first_name
    else:
        last = policy.subscriber_last_name or ""
        first = policy.subscriber_first_name or ""
    return cms1500.OtherInsurance(last, first, policy.member_id, payer.name)


def paper_facts(work: UnitOfWork, claim: ClaimRecord, practice: Practice) -> cms1500.PaperFacts:
    policy = work.db.get(Policy, claim.policy_id)
    client = work.db.get(Client, claim.client_id)
    assert policy is not None and client is not None
    payer = work.db.get(Payer, claim.payer_id)
    return cms1500.PaperFacts(
        printed_on=dt.date.today(),
        group_number=policy.group_number,
        other_insurance=other_insurance(work, claim),
        patient_phone=client.phone,
        billing_phone=practice.phone,
        payer_address=payers.mailing_lines(payer) if payer is not None else (),
    )


def print_claims(
    *, work: UnitOfWork, claim_ids: Sequence[int], data_only: bool = False
) -> PrintedClaims:
    """The CMS-1500 pages of ``claim_ids`` in one PDF, in the order given: the form drawn
    with the data, or (``data_only``) the data alone moved by the practice's printer offset,
    for the pre-printed red form. Printing changes no claim; each claim read is audited."""
    if not claim_ids:
        raise InvalidInput("name at least one claim", field="claim")
    practice = practice_row(work)
    found: list[cms1500.Page] = []
    for claim_id in dict.fromkeys(claim_ids):
        claim = lookup.claim(work, claim_id)
        document = claim_edits.stored_document(claim)
        found.extend(cms1500.pages(document, paper_facts(work, claim, practice)))
        work.audit("print", "claim", claim.id, "CMS-1500")
    title = "CMS-1500 " + " ".join(str(i) for i in dict.fromkeys(claim_ids))
    pdf = cms1500_pdf.render(
        found, title=title, form=not data_only, offset=printer_offset(practice)
    )
    return PrintedClaims(pdf, list(dict.fromkeys(claim_ids)), len(found), data_only)


def alignment_page(*, work: UnitOfWork) -> PrintedClaims:
    """X in every box, data only, with the practice's offset: print it on a red form and
    move the offset until the Xs sit inside their boxes."""
    practice = practice_row(work)
    pdf = cms1500_pdf.render(
        [cms1500.alignment_page()],
        title="CMS-1500 alignment",
        form=False,
        offset=printer_offset(practice),
    )
    return PrintedClaims(pdf, [], 1, True)


def printer_offset(practice: Practice) -> cms1500_pdf.Offset:
    return cms1500_pdf.Offset(
        right=practice.print_offset_right * POINTS_PER_HUNDREDTH,
        down=practice.print_offset_down * POINTS_PER_HUNDREDTH,
    )


def parse_inches(text: str, field: str) -> int:
    """``"0.05"`` or ``"-0.1"`` inches → hundredths of an inch, within one inch."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not a number of inches, e.g. 0.05", field=field) from None
    hundredths = value * 100
    if hundredths != hundredths.to_integral_value():
        raise InvalidInput("give the offset to 1/100 inch, e.g. 0.05", field=field)
    if abs(hundredths) > MAX_OFFSET:
        raise InvalidInput("an offset is at most one inch either way", field=field)
    return int(hundredths)


def set_printer_offset(*, work: UnitOfWork, right: str, down: str) -> Practice:
    """Store the red form's printer offset (inches; right and down are positive)."""
    practice = practice_row(work)
    practice.print_offset_right = parse_inches(right, "right")
    practice.print_offset_down = parse_inches(down, "down")
    work.audit("update", "practice", practice.id, "printer offset")
    return practice


def offset_dict(practice: Practice) -> dict[str, Any]:
    return {
        "right_inches": f"{practice.print_offset_right / 100:.2f}",
        "down_inches": f"{practice.print_offset_down / 100:.2f}",
    }
