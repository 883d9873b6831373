"""Fields an electronic claim (837P 005010X222A1) and the CMS-1500 need, which the claim
document lets a draft leave out: billing provider with tax id and address, the client's sex
and address, and the payer's EDI id. The 837P writer refuses a claim without them; the
scrubber says so first.

A dependant (a child on a parent's policy) is billable without the subscriber's address, birth
date or sex: in 005010X222A1 loop 2010BA the N3/N4 and DMG segments are "Required when the
patient is the subscriber. If not required by this implementation guide, do not send." The
patient's own address and sex go in loop 2010CA instead (required there).
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.identifiers import tax_id
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule
from therabill.x12.claim_837p.loops import billing_address_problem

WHY = {
    "billing_provider": "the billing provider (837P loop 2010AA; CMS-1500 box 33)",
    "billing_provider.tax_id": "the billing provider's tax id (837P REF*EI; CMS-1500 box 25)",
    "billing_provider.address": "the billing provider's address (837P N3/N4; box 33)",
    "client.sex": "the client's sex F/M/U (837P DMG03; CMS-1500 box 3)",
    "client.address": "the client's address (837P N3/N4; CMS-1500 box 5)",
    "payer.payer_id": "the payer's EDI id (837P loop 2010BB NM109)",
    "payer.name": "the payer's name (837P loop 2010BB NM103)",
}


def _missing(claim: Claim) -> Iterator[str]:
    bp = claim.billing_provider
    if bp is None:
        yield "billing_provider"
    else:
        if not bp.tax_id:
            yield "billing_provider.tax_id"
        if bp.address is None:
            yield "billing_provider.address"
    if claim.client.sex is None:
        yield "client.sex"
    if claim.client.address is None:
        yield "client.address"
    if not claim.payer.payer_id:
        yield "payer.payer_id"
    if not claim.payer.name:
        yield "payer.name"


@rule(
    "submission.missing",
    Severity.ERROR,
    source="ASC X12 837P 005010X222A1 required loops; CMS-1500 (02/12) boxes",
)
def missing(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A field the 837P (and the CMS-1500) needs is missing from the claim document."""
    for field in _missing(claim):
        yield finding(
            "submission.missing",
            f"{field} is missing: {WHY[field]} is required to send the claim.",
            field=field,
            fix=f"Add {field} to the claim.",
        )


@rule("submission.tax-id", Severity.ERROR, source=tax_id.SOURCE)
def tax_id_valid(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The billing provider's tax id is not a valid EIN (or SSN)."""
    bp = claim.billing_provider
    if bp is None or not bp.tax_id:
        return
    exc = tax_id.problem(bp.tax_id)
    if exc is not None:
        yield finding(
            "submission.tax-id",
            exc.message,
            field="billing_provider.tax_id",
            fix="Copy the EIN from the practice's IRS letter (12-3456789).",
        )


@rule(
    "submission.billing-address",
    Severity.ERROR,
    source="005010X222A1 loop 2010AA N301/N403: a street address with ZIP+4",
)
def billing_address(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The billing provider's address is a PO or lock box, or its ZIP lacks the +4."""
    bp = claim.billing_provider
    if bp is None or bp.address is None:
        return
    problem = billing_address_problem(bp.address)
    if problem is not None:
        part, message = problem
        yield finding(
            "submission.billing-address",
            message,
            field=f"billing_provider.address.{part}",
            fix="Use the practice's street address with its full ZIP+4 (USPS look-up).",
        )
