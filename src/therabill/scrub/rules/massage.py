"""Rule 7: 97124 and 97140 in one massage session.

Source: AMA Information Services letters (billing-rules.md §7): billing 97124 and 97140 in one
session needs notes showing the minutes of each technique; most massage therapists should
pick one code for the session.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule


@rule(
    "massage.97124-with-97140",
    Severity.WARNING,
    source="AMA Information Services letters (billing-rules.md §7)",
    when="pairs",
)
def massage_and_manual(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """97124 and 97140 on one date by a massage therapist: the note must split the minutes."""
    if claim.provider.discipline != "massage":
        return
    days: dict[object, dict[str, int]] = {}
    for i, line in enumerate(claim.lines):
        if line.code in ("97124", "97140"):
            days.setdefault(line.date, {}).setdefault(line.code, i)
    for day, found in days.items():
        if len(found) == 2:
            i = found["97140"]
            yield finding(
                "massage.97124-with-97140",
                f"97124 and 97140 on {day} in one massage session: payers expect notes showing "
                "separate minutes for each technique.",
                at=i,
                field=f"lines[{i}].code",
                fix="Bill one code for the session (the technique used most), or make sure the "
                "note gives the minutes of massage and of manual therapy separately.",
                code="97140",
            )
