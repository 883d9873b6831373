"""Claim-level checks: frequency and original claim, number of lines, charges.

Sources: 837P CLM05-3 frequency code (1 original, 7 replacement, 8 void) with the payer's
claim number in REF*F8 for 7 and 8; the 837P 2400 loop holds at most 50 service lines.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.identifiers import place_of_service
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule

MAX_LINES = 50


@rule(
    "claim.original-claim",
    Severity.ERROR,
    source="837P CLM05-3 frequency 7/8 need the original claim's number (REF*F8)",
    when="replaces",
)
def original_claim(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A corrected or void claim without original_claim_id (or an original claim with one)."""
    if claim.frequency != "original" and not claim.original_claim_id:
        yield finding(
            "claim.original-claim",
            f"a {claim.frequency} claim must name the claim it replaces.",
            field="original_claim_id",
            fix="Give the payer's claim number of the original claim (from the remittance).",
        )
    elif claim.frequency == "original" and claim.original_claim_id:
        yield finding(
            "claim.original-claim",
            "an original claim names an original_claim_id: was it meant to be corrected?",
            field="frequency",
            fix="Set frequency to corrected or void, or remove original_claim_id.",
            severity=Severity.WARNING,
        )


@rule(
    "claim.too-many-lines",
    Severity.ERROR,
    source="837P loop 2400 repeats at most 50 times",
    when="many-lines",
)
def too_many_lines(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """More than 50 service lines on one claim."""
    if len(claim.lines) > MAX_LINES:
        yield finding(
            "claim.too-many-lines",
            f"{len(claim.lines)} service lines; an electronic claim holds at most {MAX_LINES}.",
            field="lines",
            fix="Split the services over several claims.",
        )


@rule(
    "claim.zero-charge",
    Severity.WARNING,
    source="837P SV102 line charge; payers deny or ignore zero-charge lines",
    when="zero-charge",
)
def zero_charge(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A line with a charge of zero."""
    for i, line in enumerate(claim.lines):
        if line.charge == 0 and claim.frequency != "void":
            yield finding(
                "claim.zero-charge",
                f"{line.code} has a zero charge.",
                at=i,
                field=f"lines[{i}].charge",
                fix="Enter the practice's fee for the service.",
                code=line.code,
            )


@rule("claim.place-of-service", Severity.WARNING, source=place_of_service.SOURCE)
def place(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A place of service that is not in the CMS code set (a warning: the table may be older)."""
    if claim.place_of_service not in place_of_service.places():
        yield finding(
            "claim.place-of-service",
            f"place of service {claim.place_of_service} is not a CMS place of service code.",
            field="place_of_service",
            fix="Use the code for where the service was given: 11 office, 12 home, "
            "02 or 10 telehealth.",
        )
