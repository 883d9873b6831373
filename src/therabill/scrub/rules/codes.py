"""Rule 1: every code is known and may be billed on its date of service.

Source: the code set (therabill/codes/data/codes.csv, each row with its source); deleted and
replaced codes per shared reference billing-rules.md §4.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import CodeStatus
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule


@rule(
    "code.unknown",
    Severity.ERROR,
    source="therabill code set (codes.csv); misprints per billing-rules.md §4",
    when="uncoded",
)
def unknown_code(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code that is not in the code set: error naming the nearest real codes."""
    for i, line in enumerate(claim.lines):
        if line.code in ctx.code_set.codes:
            continue
        near = ctx.code_set.suggest(line.code, discipline=claim.provider.discipline)
        yield finding(
            "code.unknown",
            f"{line.code} is not a known procedure code"
            + (
                f"; nearest: {', '.join(near)}."
                if near
                else "; no such code, and none close to it."
            ),
            at=i,
            field=f"lines[{i}].code",
            fix=f"Did you mean {' or '.join(near)}?"
            if near
            else "Check the code on the note, or import it with your licensed descriptor file.",
            code=line.code,
        )


@rule(
    "code.inactive",
    Severity.ERROR,
    source="therabill code set: effective/end dates and replacements (billing-rules.md §4)",
    when="uncoded",
)
def inactive_code(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code deleted before, or not yet valid on, the date of service: error naming the codes
    billable on that date, following replacements that were deleted in turn."""
    for i, line in enumerate(claim.lines):
        code = ctx.code_set.codes.get(line.code)
        if code is None:
            continue
        status = code.status_on(line.date)
        if status is CodeStatus.DELETED:
            billable = ctx.code_set.billable_instead(code.code, line.date)
            yield finding(
                "code.inactive",
                ctx.code_set.deleted_text(code.code, line.date),
                at=i,
                field=f"lines[{i}].code",
                fix=f"Bill {ctx.code_set.family_text(billable)} instead."
                if billable
                else "Choose a current code.",
                code=code.code,
                source=f"{code.source} (code set)",
            )
        elif status is CodeStatus.NOT_YET:
            yield finding(
                "code.inactive",
                f"{code.code} takes effect on {code.effective}; it cannot be billed for {line.date}.",
                at=i,
                field=f"lines[{i}].code",
                fix="Use the code that was valid on the date of service.",
                code=code.code,
                source=f"{code.source} (code set)",
            )
