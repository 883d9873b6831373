"""Rule 8: the same code for the same client on the same date by another discipline.

Source: seed 000 (billing-rules.md §7, same-day duplication): different disciplines billing the
same broad code for one client on one day may be read as a duplicate service.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import DISCIPLINES
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule


@rule(
    "same-day.other-discipline",
    Severity.WARNING,
    source="billing-rules.md §7 (same-day duplication, seed 000)",
    when="same-day",
)
def other_discipline(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Another discipline bills the same code for the client that day (``same_day_services``)."""
    for other in claim.same_day_services or ():
        if other.discipline == claim.provider.discipline:
            continue
        for i, line in enumerate(claim.lines):
            if line.code == other.code and (other.date is None or other.date == line.date):
                yield finding(
                    "same-day.other-discipline",
                    f"{line.code} on {line.date} is also billed for this client by a "
                    f"{DISCIPLINES[other.discipline]}: the payer may deny one as a duplicate.",
                    at=i,
                    field=f"lines[{i}].code",
                    fix="Coordinate with the other provider: distinct goals and times in both "
                    "notes, or modifier 59/XP if the payer asks for it.",
                    code=line.code,
                )
