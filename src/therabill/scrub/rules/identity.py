"""Rule 11: who and when: NPI check digits, member id, birth date, service dates.

Sources: CMS "Requirements for NPI Check Digit" (Luhn over 80840); the member id is the
subscriber's id on the insurance card (837P NM109 of loop 2010BA, CMS-1500 box 1a).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.identifiers import npi
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule

TAXONOMY = re.compile(r"^[0-9A-Z]{9}X$")
OLDEST_YEARS = 130


@rule("identity.npi", Severity.ERROR, source=npi.SOURCE)
def npi_check(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """An NPI (rendering or billing provider) that fails its format or check digit."""
    numbers = [("provider.npi", claim.provider.npi)]
    if claim.billing_provider is not None:
        numbers.append(("billing_provider.npi", claim.billing_provider.npi))
    for field, number in numbers:
        exc = npi.problem(number)
        if exc is not None:
            yield finding(
                "identity.npi",
                exc.message,
                field=field,
                fix=exc.hint or "Copy the NPI from NPPES (npiregistry.cms.hhs.gov).",
            )


@rule(
    "identity.taxonomy",
    Severity.WARNING,
    source="NUCC health care provider taxonomy code set (10 characters ending in X)",
    when="taxonomy",
)
def taxonomy(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A provider taxonomy code that is not shaped like a NUCC code (e.g. 225100000X)."""
    value = claim.provider.taxonomy
    if value and not TAXONOMY.match(value.upper()):
        yield finding(
            "identity.taxonomy",
            f"taxonomy {value!r} is not a NUCC taxonomy code (10 characters ending in X).",
            field="provider.taxonomy",
            fix="Use the taxonomy from the provider's NPPES record (e.g. 225100000X for PT).",
        )


@rule(
    "identity.member-id",
    Severity.ERROR,
    source="837P loop 2010BA NM109; CMS-1500 box 1a (insured's id number)",
)
def member_id(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """No member id for the insured (the client, or the subscriber when there is one)."""
    holder = claim.subscriber if claim.subscriber is not None else claim.client
    field = "subscriber.member_id" if claim.subscriber is not None else "client.member_id"
    if not (holder.member_id or "").strip():
        yield finding(
            "identity.member-id",
            "no member id: the payer cannot find the insured without it.",
            field=field,
            fix="Copy the member id from the insurance card.",
        )


@rule(
    "identity.birth-date",
    Severity.ERROR,
    source="therabill: a birth date before every date of service",
)
def birth_date(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A birth date after a service date, in the future, or implausibly long ago."""
    born = claim.client.birth_date
    first = min(line.date for line in claim.lines)
    if born > first or born > ctx.today:
        yield finding(
            "identity.birth-date",
            f"birth date {born} is after the service date {first}"
            + (" and in the future." if born > ctx.today else "."),
            field="client.birth_date",
            fix="Check the client's birth date.",
        )
    elif first.year - born.year > OLDEST_YEARS:
        yield finding(
            "identity.birth-date",
            f"birth date {born} makes the client over {OLDEST_YEARS} on {first}.",
            field="client.birth_date",
            fix="Check the year of birth.",
        )


@rule(
    "identity.future-service",
    Severity.ERROR,
    source="therabill: services are billed after they are given",
)
def future_service(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A date of service in the future."""
    for i, line in enumerate(claim.lines):
        if line.date > ctx.today:
            yield finding(
                "identity.future-service",
                f"{line.code}: the date of service {line.date} is in the future.",
                at=i,
                field=f"lines[{i}].date",
                fix="Bill the service after it is given; check the date.",
                code=line.code,
            )
