"""Rule 9: modifiers known, fitting the code and discipline, and what the payer requires.

Sources: modifier table (therabill/identifiers/data/modifiers.csv, each row sourced); 26/TC do
not apply to therapy codes (billing-rules.md §6; CMS PFS PC/TC indicator); GP/GO/GN per CMS
Pub 100-04 ch.5 §20.1 where the payer profile requires them; CQ with GP and CO with GO (CMS
CQ/CO page). Telehealth modifiers and KX have families of their own (rules/telehealth.py,
rules/kx.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.identifiers.modifier import NCCI_BYPASS, THERAPY_PLAN, modifiers
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule

PLAN_MODIFIERS = frozenset(THERAPY_PLAN.values())
ASSISTANT_PAIRS = {"CQ": "GP", "CO": "GO"}
PT_EVALUATIONS = frozenset({"97161", "97162", "97163", "97164"})


@rule(
    "modifier.unknown",
    Severity.ERROR,
    source="therabill modifier table (identifiers/data/modifiers.csv) and the payer profile's extra_modifiers",
    when="modifiers",
)
def unknown(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A modifier that is not in the modifier table (nor in the payer's own list)."""
    table = modifiers()
    for i, line in enumerate(claim.lines):
        for m in line.modifiers:
            if m not in table and m not in ctx.payer.extra_modifiers:
                yield finding(
                    "modifier.unknown",
                    f"modifier {m!r} on {line.code} is not a known modifier.",
                    at=i,
                    field=f"lines[{i}].modifiers",
                    fix="Check the modifier; if the payer defines it, add it to the payer "
                    "profile's extra_modifiers.",
                    code=line.code,
                )


@rule(
    "modifier.too-many",
    Severity.ERROR,
    source="837P SV101-3..6 and CMS-1500 box 24D hold at most four modifiers",
    when="modifiers",
)
def too_many(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """More than four modifiers on a line, or one repeated."""
    for i, line in enumerate(claim.lines):
        if len(line.modifiers) > 4 or len(set(line.modifiers)) != len(line.modifiers):
            yield finding(
                "modifier.too-many",
                f"{line.code}: modifiers {', '.join(line.modifiers)}: a line holds at most four, "
                "each once.",
                at=i,
                field=f"lines[{i}].modifiers",
                fix="Keep the modifiers the payer needs, in order of importance.",
                code=line.code,
            )


@rule(
    "modifier.component",
    Severity.ERROR,
    source="billing-rules.md §6: therapy procedure codes have no professional/technical split (CMS PFS PC/TC indicator)",
    when="modifiers",
)
def component(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """26 or TC on a therapy code: therapy services have no professional or technical component."""
    for i, (line, code) in enumerate(zip(claim.lines, ctx.codes, strict=True)):
        if code is None:
            continue
        for m in ("26", "TC"):
            if m in line.modifiers:
                yield finding(
                    "modifier.component",
                    f"{m} on {code.code}: therapy codes have no professional or technical "
                    "component.",
                    at=i,
                    field=f"lines[{i}].modifiers",
                    fix=f"Remove {m}.",
                    code=code.code,
                )


@rule(
    "modifier.therapy-plan",
    Severity.ERROR,
    source="CMS Pub 100-04 ch.5 §20.1 (GP/GO/GN), where the payer profile requires it",
    when="therapy-plan",
)
def therapy_plan(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """GP/GO/GN missing or not matching the discipline where the payer requires it."""
    expected = THERAPY_PLAN.get(claim.provider.discipline)
    for i, (line, code) in enumerate(zip(claim.lines, ctx.codes, strict=True)):
        if code is None:
            continue
        present = PLAN_MODIFIERS & set(line.modifiers)
        wrong = present - {expected} if expected else set()
        if wrong:
            yield finding(
                "modifier.therapy-plan",
                f"{code.code} carries {', '.join(sorted(wrong))}, but a "
                f"{claim.provider.discipline.upper()} plan of care is {expected}.",
                at=i,
                field=f"lines[{i}].modifiers",
                fix=f"Use {expected}.",
                code=code.code,
            )
        elif ctx.payer.therapy_modifier_required and expected and not present:
            yield finding(
                "modifier.therapy-plan",
                f"{code.code} needs {expected} for {ctx.payer.name} (service under a "
                f"{claim.provider.discipline.upper()} plan of care).",
                at=i,
                field=f"lines[{i}].modifiers",
                fix=f"Add {expected}.",
                code=code.code,
                source=ctx.payer.cite("therapy_modifier_required"),
            )


@rule(
    "modifier.payer-required",
    Severity.ERROR,
    source="payer profile required_modifiers",
    when="required-modifiers",
)
def payer_required(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A modifier the payer profile requires on a code is missing."""
    for i, line in enumerate(claim.lines):
        for m in ctx.payer.required_modifiers.get(line.code, ()):
            if m not in line.modifiers:
                yield finding(
                    "modifier.payer-required",
                    f"{ctx.payer.name} requires modifier {m} on {line.code}.",
                    at=i,
                    field=f"lines[{i}].modifiers",
                    fix=f"Add {m}.",
                    code=line.code,
                    source=ctx.payer.cite("required_modifiers"),
                )


@rule(
    "modifier.assistant",
    Severity.ERROR,
    source="CMS CQ/CO modifiers page (CQ with GP, CO with GO); codingahead 97001 (CQ does not apply to 97161-97164)",
    when="modifiers",
)
def assistant(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """CQ without GP or CO without GO; CQ on a PT evaluation (assistants do not evaluate)."""
    for i, line in enumerate(claim.lines):
        for m, plan in ASSISTANT_PAIRS.items():
            if m in line.modifiers and plan not in line.modifiers:
                yield finding(
                    "modifier.assistant", f"{m} on {line.code} must go with {plan}.",
                    at=i, field=f"lines[{i}].modifiers", fix=f"Add {plan}.", code=line.code,
                )  # fmt: skip
        if "CQ" in line.modifiers and line.code in PT_EVALUATIONS:
            yield finding(
                "modifier.assistant",
                f"CQ on {line.code}: PT evaluations are done by the physical therapist, "
                "not an assistant.",
                at=i, field=f"lines[{i}].modifiers", fix="Remove CQ.", code=line.code,
            )  # fmt: skip


@rule(
    "modifier.59-with-x",
    Severity.WARNING,
    source="billing-rules.md §6: 59 only when no X modifier fits, never together (CMS MLN1783722)",
    when="modifiers",
)
def fifty_nine_with_x(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """59 together with XE/XS/XP/XU on one line."""
    for i, line in enumerate(claim.lines):
        if "59" in line.modifiers and set(line.modifiers) & (NCCI_BYPASS - {"59"}):
            yield finding(
                "modifier.59-with-x",
                f"{line.code} carries 59 and an X modifier: use the X modifier alone.",
                at=i,
                field=f"lines[{i}].modifiers",
                fix="Remove 59.",
                code=line.code,
            )
