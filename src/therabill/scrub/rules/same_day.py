"""Rule 8: the same code for the same client on the same date by another discipline.

When a physical therapist and an occupational therapist each bill, say, 97530 for one client
on one day, a payer's duplicate edit may deny the second claim. Both services are payable when
they were distinct: each discipline bills under its own plan of care with its therapy modifier
(GP for PT, GO for OT, GN for SLP; CMS Pub. 100-04, ch. 5, §20.1) and a distinct-service
modifier: 59, or the more specific XU (unusual non-overlapping service) or XP (a separate
practitioner) where the payer accepts them (CMS MLN1783722, "Proper Use of Modifiers 59 &
-X{EPSU}"; NCCI Policy Manual for Medicare Services, ch. I, §E). So this is a warning on
each claim, never an error that holds the other discipline's claim back.

``claims build`` fills ``same_day_services`` from the practice's other sessions for the client
that day (billed or not); a claim document may carry it too.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import DISCIPLINES
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule

PLAN_MODIFIER = {"pt": "GP", "ot": "GO", "slp": "GN"}
DISTINCT = ("59", "XU", "XP", "XS", "XE")


@rule(
    "same-day.other-discipline",
    Severity.WARNING,
    source="CMS MLN1783722 (modifiers 59 and X{EPSU}); NCCI Policy Manual ch. I §E; "
    "Pub. 100-04 ch. 5 §20.1 (GP/GO/GN)",
    when="same-day",
)
def other_discipline(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Another discipline bills the same code for the client that day (``same_day_services``):
    a warning naming the distinct-service modifiers."""
    own = claim.provider.discipline
    for other in claim.same_day_services or ():
        if other.discipline == own:
            continue
        for i, line in enumerate(claim.lines):
            if line.code != other.code or (other.date is not None and other.date != line.date):
                continue
            if any(m in DISTINCT for m in line.modifiers):
                continue  # already marked distinct
            mine, theirs = PLAN_MODIFIER.get(own), PLAN_MODIFIER.get(other.discipline)
            plans = " and ".join(
                f"{m} ({DISCIPLINES[d]})" for d, m in ((own, mine), (other.discipline, theirs)) if m
            )
            yield finding(
                "same-day.other-discipline",
                f"{line.code} on {line.date} is also billed for this client by a "
                f"{DISCIPLINES[other.discipline]}: the payer may deny one as a duplicate.",
                at=i,
                field=f"lines[{i}].modifiers",
                fix="If the services were distinct (separate sessions and goals, documented in "
                "both notes), add 59 or XU (XP: a different practitioner, where the payer "
                "accepts it) to this line"
                + (f", each discipline with its own therapy modifier: {plans}." if plans else ".")
                + " Otherwise bill it once.",
                code=line.code,
            )
