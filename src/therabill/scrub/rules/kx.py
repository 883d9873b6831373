"""Medicare's yearly therapy threshold: KX above it, targeted medical review above $3,000.

The threshold counts the client's allowed amounts for the calendar year, not charges, PT and
speech together and OT alone (SSA §1833(g)(2), (g)(7); CMS Pub 100-04 ch.5 §10.2-10.3). What
is allowed so far comes from the claim document (``therapy_allowed_to_date``, filled by the
store from posted 835s and the fee schedule, denied, closed and draft claims left out), else
from the scrub context; the claim's own lines are priced by the payer's fee schedule
(payers.threshold).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.payers.threshold import GROUP_NAMES, Service, estimated_allowed, line_group
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule

KX_SOURCE = (
    "SSA §1833(g)(2), (g)(7)(A); CMS Pub 100-04 ch.5 §10.2-10.3: KX on therapy past the "
    "year's threshold of allowed amounts, PT and speech combined, OT separate (payer profile "
    "kx_thresholds, allowed_amounts)"
)
REVIEW_SOURCE = (
    "SSA §1833(g)(7)(B): claims past $3,000 of a year's allowed amounts (PT and speech "
    "combined, OT separate) may be chosen for targeted medical review (payer profile "
    "review_thresholds)"
)


@dataclass(frozen=True, slots=True)
class Step:
    """One line's place in the year's count: its group, year and the totals around it."""

    index: int
    group: str
    year: int
    allowed: Decimal
    before: Decimal
    after: Decimal


def to_date(claim: Claim, ctx: ClaimContext, group: str, year: int) -> Decimal:
    """The client's allowed amounts for ``year`` and ``group`` before this claim."""
    for entry in claim.therapy_allowed_to_date:
        if entry.year == year and entry.group == group:
            return entry.allowed
    return ctx.scrub.therapy_allowed.get((claim.client.id, year, group), Decimal("0.00"))


def steps(claim: Claim, ctx: ClaimContext) -> list[Step]:
    """The claim's therapy lines in order, each with the year's total before and after it
    (computed once per claim and shared by the KX rules)."""
    cached = ctx.memo.get("kx.steps")
    if cached is not None:
        return list(cached)
    services = [
        Service(ln.date, ln.code, ln.units if ln.units is not None else 1, ln.charge)
        for ln in claim.lines
    ]
    same_day = ctx.scrub.therapy_same_day
    days = sorted({(claim.client.id, ctx.payer.id, s.day) for s in services})
    earlier = [s for key in days for s in same_day.get(key, ())]
    amounts = estimated_allowed(ctx.payer, services, claim.place_of_service, earlier=earlier)
    totals: dict[tuple[str, int], Decimal] = {}
    found: list[Step] = []
    for i, (ln, allowed) in enumerate(zip(claim.lines, amounts, strict=True)):
        group = line_group(ln.modifiers, claim.provider.discipline)
        if group is None:
            continue
        key = (group, ln.date.year)
        if key not in totals:
            totals[key] = to_date(claim, ctx, group, ln.date.year)
        before = totals[key]
        totals[key] = before + allowed
        found.append(Step(i, group, ln.date.year, allowed, before, totals[key]))
    ctx.memo["kx.steps"] = found
    return list(found)


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


@rule("modifier.kx", Severity.ERROR, source=KX_SOURCE, when="kx")
def kx(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A line that takes the year's allowed amounts past the KX threshold, without KX."""
    thresholds = ctx.payer.kx_thresholds
    for step in steps(claim, ctx):
        threshold = thresholds.get(step.year)
        line = claim.lines[step.index]
        if threshold is None or step.allowed <= 0 or step.after <= threshold:
            continue
        if "KX" in line.modifiers:
            continue
        yield finding(
            "modifier.kx",
            f"{line.code}: the client's {GROUP_NAMES[step.group]} allowed amounts for "
            f"{step.year} reach {_money(step.after)} with this line ({_money(step.before)} "
            f"before it), past the {_money(threshold)} threshold: without KX Medicare denies "
            "the line.",
            at=step.index,
            field=f"lines[{step.index}].modifiers",
            fix="Add KX if the therapy is medically necessary and the record shows why.",
            code=line.code,
            source=f"{KX_SOURCE}; {ctx.payer.cite('kx_thresholds')}",
        )


@rule("modifier.kx-review", Severity.INFO, source=REVIEW_SOURCE, when="kx")
def review(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The year's allowed amounts pass the targeted medical review threshold ($3,000)."""
    thresholds = ctx.payer.review_thresholds
    told: set[tuple[str, int]] = set()
    for step in steps(claim, ctx):
        threshold = thresholds.get(step.year)
        if threshold is None or step.after <= threshold or (step.group, step.year) in told:
            continue
        told.add((step.group, step.year))
        line = claim.lines[step.index]
        yield finding(
            "modifier.kx-review",
            f"the client's {GROUP_NAMES[step.group]} allowed amounts for {step.year} reach "
            f"{_money(step.after)}, past {_money(threshold)}: Medicare may choose the claim "
            "for targeted medical review.",
            at=step.index,
            fix="Keep the plan of care, progress notes and the reason for continued therapy "
            "ready to send.",
            code=line.code,
            source=f"{REVIEW_SOURCE}; {ctx.payer.cite('review_thresholds')}",
        )
