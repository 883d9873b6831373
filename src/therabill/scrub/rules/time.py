"""Rule 4: minimum time, add-on codes (with their primary, units matching the minutes) and
time-range codes (the minutes choose the code).

Sources: CPT initial/add-on timing as the APA (96156-96171), ASHA (97129/97130) and
codingahead (97545/97546) describe it; 96158 and its siblings are not reported under 16
minutes (CPT midpoint of a 30-minute code; billing-rules.md §3). Add-on units follow the
midpoint rule on the minutes past the initial block. Psychotherapy time ranges as Medicare
contractor Novitas Solutions publishes them. The minimum, add-on and range decisions are
:mod:`therabill.units.checks`, which ``therabill units`` calls too: both say the same.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import Timing
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule
from therabill.scrub.rules.common import by_date_and_code, plural
from therabill.units import FAMILY_SOURCE, UnitRule, checks
from therabill.units.checks import ADDON_WITHOUT_PRIMARY, MINIMUM, RANGE


@rule(MINIMUM.id, MINIMUM.severity, source=MINIMUM.source, when="family")
def minimum(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code billed under its minimum time (96158 under 16 minutes, G0176 under 45)."""
    groups = by_date_and_code(claim, ctx)
    for (day, _code), lines in groups.items():
        entry = lines[0][2]
        if entry.timing is Timing.INITIAL:
            family = (entry.code, entry.addon_code or "")
            members = [item for c in family for item in groups.get((day, c), [])]
        elif entry.timing in (Timing.UNTIMED, Timing.RANGE):
            members = lines
        else:
            continue
        if any(ln.minutes is None for _, ln, c in members if c.timing is not Timing.ADDON):
            continue  # minutes not known: units.no-minutes says so
        total = sum(ln.minutes or 0 for _, ln, _ in members)
        issue = checks.below_minimum(entry, total, ctx.code_set, day, ctx.payer.unit_rule)
        if issue is not None:
            i = lines[0][0]
            yield _finding(issue, i, f"lines[{i}].minutes")


@rule(
    ADDON_WITHOUT_PRIMARY.id,
    ADDON_WITHOUT_PRIMARY.severity,
    source=ADDON_WITHOUT_PRIMARY.source,
    when="family",
)
def addon_without_primary(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """An add-on code (96159, 97130, 97546 …) without its primary code on the same date."""
    groups = by_date_and_code(claim, ctx)
    for (day, _code), lines in groups.items():
        present = {c for d, c in groups if d == day}
        issue = checks.addon_without_primary(lines[0][2], present, day)
        if issue is not None:
            i = lines[0][0]
            yield _finding(issue, i, f"lines[{i}].code")


@rule(RANGE.id, RANGE.severity, source=RANGE.source, when="family")
def outside_range(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A time-range code billed with minutes outside its range: the minutes choose the code."""
    for (day, _code), lines in by_date_and_code(claim, ctx).items():
        entry = lines[0][2]
        if entry.timing is not Timing.RANGE or any(ln.minutes is None for _, ln, _ in lines):
            continue
        total = sum(ln.minutes or 0 for _, ln, _ in lines)
        issue = checks.outside_range(entry, total, ctx.code_set, day)
        if issue is not None:
            i = lines[0][0]
            yield _finding(issue, i, f"lines[{i}].code")


def _finding(issue: checks.TimeIssue, at: int, field: str) -> Finding:
    """The shared time check's finding, placed on the claim's line."""
    return finding(
        issue.check.id,
        issue.message,
        at=at,
        field=field,
        fix=issue.fix,
        code=issue.code,
        source=issue.source,
        severity=issue.severity,
    )


@rule(
    "time.initial-once",
    Severity.ERROR,
    source="CPT initial codes are reported once a day; further time uses the add-on (ASHA 97129; happyneuronpro)",
    when="family",
)
def initial_once(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """An initial code (97129, 96158 …) billed more than once on a date; further time is the add-on."""
    for (day, code), lines in by_date_and_code(claim, ctx).items():
        entry = lines[0][2]
        billed = sum(ln.units if ln.units is not None else 1 for _, ln, _ in lines)
        if entry.timing is Timing.INITIAL and billed > 1:
            i = lines[0][0]
            yield finding(
                "time.initial-once",
                f"{code} on {day}: {billed} units billed; it covers the first "
                f"{entry.initial_minutes} minutes once a day.",
                at=i,
                field=f"lines[{i}].units",
                fix=f"Bill 1 unit of {code} and the further time as {entry.addon_code}.",
                code=code,
            )


@rule(
    "time.addon-units",
    Severity.ERROR,
    source=FAMILY_SOURCE + " (add-on units by the midpoint rule past the initial block)",
    when="family",
)
def addon_units(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Add-on units that do not match the minutes past the initial block."""
    for (day, code), lines in by_date_and_code(claim, ctx).items():
        entry = lines[0][2]
        if entry.timing is not Timing.ADDON or day not in ctx.days:
            continue
        if ctx.payer.unit_rule is UnitRule.CMS and checks.pooled_under_cms(entry, ctx.code_set):
            continue  # 97130 under the CMS rule: the day's total decides (units.over/under)
        if (day, entry.primary_code or "") not in by_date_and_code(claim, ctx):
            continue  # time.addon-without-primary says what is wrong
        if any(ln.units is None for _, ln, _ in lines):
            continue
        primary = ctx.days[day].units(entry.primary_code or "")
        supported = ctx.days[day].units(code)
        if supported is None or primary is None:
            continue
        billed = sum(ln.units or 0 for _, ln, _ in lines)
        if billed != supported:
            i = lines[0][0]
            yield finding(
                "time.addon-units",
                f"{code} on {day}: {plural(billed, 'unit')} billed; the family's minutes "
                f"support {supported} after the initial {entry.primary_code} block.",
                at=i,
                field=f"lines[{i}].units",
                fix=f"Bill {plural(supported, 'unit')} of {code}.",
                code=code,
            )
