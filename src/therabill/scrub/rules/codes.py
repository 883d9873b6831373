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
        near = ctx.code_set.suggest(line.code)
        yield finding(
            "code.unknown",
            f"{line.code} is not a known procedure code"
            + (f"; nearest: {', '.join(near)}." if near else "."),
            at=i,
            field=f"lines[{i}].code",
            fix=f"Did you mean {' or '.join(near)}?" if near else "Check the code on the note.",
            code=line.code,
        )


@rule(
    "code.inactive",
    Severity.ERROR,
    source="therabill code set: effective/end dates and replacements (billing-rules.md §4)",
    when="uncoded",
)
def inactive_code(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code deleted before, or not yet valid on, the date of service: error naming its replacement."""
    for i, line in enumerate(claim.lines):
        code = ctx.code_set.codes.get(line.code)
        if code is None:
            continue
        status = code.status_on(line.date)
        if status is CodeStatus.DELETED:
            instead = " or ".join(code.replaced_by)
            yield finding(
                "code.inactive",
                f"{code.code} was deleted from {code.deleted_from} and cannot be billed for "
                f"{line.date}" + (f"; it was replaced by {instead}." if instead else "."),
                at=i,
                field=f"lines[{i}].code",
                fix=f"Bill {instead} instead." if instead else "Choose a current code.",
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
