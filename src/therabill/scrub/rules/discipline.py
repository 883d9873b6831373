"""Rule 2: the provider's discipline may bill the code (licence), and should (recommendation).

Sources: billing-rules.md §7 (PT evaluations by physical therapists, OT evaluations by
occupational therapists, 92507/92508 and 92521-92524 by speech-language pathologists; AMA
Information Services letters on 97112 and 97530 for massage therapists), via codes.csv.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import DISCIPLINES
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule


@rule(
    "discipline.licence",
    Severity.ERROR,
    source="billing-rules.md §7 (who may bill what), codes.csv disciplines",
    when="licence",
)
def licence(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code limited by licence (e.g. PT or OT evaluations) billed by another discipline."""
    discipline = claim.provider.discipline
    for i, code in enumerate(ctx.codes):
        if code is None or code.licensed_for(discipline):
            continue
        allowed = ", ".join(DISCIPLINES[d] for d in sorted(code.disciplines))
        yield finding(
            "discipline.licence",
            f"{code.code} ({code.short}) may be billed only by a {allowed}, not by a "
            f"{DISCIPLINES[discipline]}.",
            at=i,
            field=f"lines[{i}].code",
            fix="Bill a code your licence covers, or bill under the licensed provider.",
            code=code.code,
            source=f"{code.source} (codes.csv disciplines)",
        )


@rule(
    "discipline.not-recommended",
    Severity.WARNING,
    source="AMA Information Services letters (billing-rules.md §7), codes.csv not_recommended",
    when="not-recommended",
)
def not_recommended(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code 'not recommended' for the discipline (e.g. 97112 or 97530 by a massage therapist)."""
    discipline = claim.provider.discipline
    for i, code in enumerate(ctx.codes):
        if code is None or discipline not in code.not_recommended:
            continue
        yield finding(
            "discipline.not-recommended",
            f"{code.code} is not recommended for a {DISCIPLINES[discipline]}: "
            f"{code.not_recommended_reason}.",
            at=i,
            field=f"lines[{i}].code",
            fix="Check that the note supports this code, or bill the code that fits the "
            "technique (e.g. 97124 or 97140 for massage).",
            code=code.code,
        )
