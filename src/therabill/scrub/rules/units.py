"""Rule 3: units billed against the units the minutes support under the payer's unit rule.

Sources: CMS Pub 100-04 ch.5 §20.2 (8-minute rule, the day's total timed minutes decide the
units) and the CPT midpoint rule as quoted by Premera; which one applies is the payer
profile's ``unit_rule``. Initial/add-on families are rule 4 (time); untimed codes are capped
by MUE and the code set's daily maximum (rule 6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import Timing
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule
from therabill.scrub.rules.common import by_date_and_code, plural
from therabill.units import CMS_SOURCE, MAX_MINUTES, MIDPOINT_SOURCE, UnitRule

PER_UNIT = (Timing.PER_15, Timing.PER_HOUR)


def _source(ctx: ClaimContext) -> str:
    base = CMS_SOURCE if ctx.payer.unit_rule is UnitRule.CMS else MIDPOINT_SOURCE
    return f"{base}; {ctx.payer.cite('unit_rule')}"


@rule(
    "units.over",
    Severity.ERROR,
    source="CMS Pub 100-04 ch.5 §20.2 or the CPT midpoint rule, per payer profile",
)
def over(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """More units billed than the minutes support under the payer's unit rule."""
    for (day, code), lines in by_date_and_code(claim, ctx).items():
        supported = ctx.days[day].units(code) if day in ctx.days else None
        billed = [ln.units for _, ln, c in lines if ln.units is not None]
        if lines[0][2].timing not in PER_UNIT or supported is None or len(billed) != len(lines):
            continue
        if sum(billed) > supported:
            i = lines[0][0]
            minutes = sum(ln.minutes or 0 for _, ln, _ in lines)
            yield finding(
                "units.over",
                f"{code} on {day}: {plural(sum(billed), 'unit')} billed, but {minutes} minutes "
                f"support {supported} under the {ctx.payer.unit_rule} rule of {ctx.payer.id}.",
                at=i,
                field=f"lines[{i}].units",
                fix=f"Bill {supported} unit{'s' * (supported != 1)}, or document the time.",
                code=code,
                source=_source(ctx),
            )


@rule(
    "units.under",
    Severity.INFO,
    source="CMS Pub 100-04 ch.5 §20.2 or the CPT midpoint rule, per payer profile",
)
def under(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Fewer units billed than the minutes support: money left on the table."""
    for (day, code), lines in by_date_and_code(claim, ctx).items():
        supported = ctx.days[day].units(code) if day in ctx.days else None
        billed = [ln.units for _, ln, c in lines if ln.units is not None]
        if lines[0][2].timing not in PER_UNIT or supported is None or len(billed) != len(lines):
            continue
        if sum(billed) < supported:
            i = lines[0][0]
            yield finding(
                "units.under",
                f"{code} on {day}: the minutes support {supported} units; {sum(billed)} billed.",
                at=i,
                field=f"lines[{i}].units",
                fix=f"Bill {supported} units if the note supports the time.",
                code=code,
                source=_source(ctx),
            )


@rule(
    "units.computed",
    Severity.INFO,
    source="CMS Pub 100-04 ch.5 §20.2 or the CPT midpoint rule, per payer profile",
)
def computed(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A line without units: the scrubber computes them from the minutes and reports the figure."""
    for i, (line, code) in enumerate(zip(claim.lines, ctx.codes, strict=True)):
        if line.units is not None or code is None or line.date not in ctx.days:
            continue
        units = ctx.days[line.date].units(code.code)
        if units is None:
            continue
        how = "untimed: one unit" if code.timing is Timing.UNTIMED else f"{line.minutes} minutes"
        yield finding(
            "units.computed",
            f"{code.code} on {line.date}: units not given; {how} → {plural(units, 'unit')} "
            f"under the {ctx.payer.unit_rule} rule.",
            at=i,
            field=f"lines[{i}].units",
            code=code.code,
            source=_source(ctx),
        )


@rule(
    "units.no-minutes",
    Severity.ERROR,
    source="CMS Pub 100-04 ch.5 §20.2 (timed codes are billed by minutes)",
)
def no_minutes(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A timed code without minutes: units cannot be checked (error when units are missing too)."""
    for i, (line, code) in enumerate(zip(claim.lines, ctx.codes, strict=True)):
        if code is None or code.timing is Timing.UNTIMED or line.minutes is not None:
            continue
        if code.timing is Timing.ADDON and any(
            other.code == code.primary_code and other.date == line.date and other.minutes
            for other in claim.lines
        ):
            continue  # the family's minutes are on the primary line
        yield finding(
            "units.no-minutes",
            f"{code.code} is timed but the line has no minutes"
            + ("; its units cannot be checked." if line.units is not None else " and no units."),
            at=i,
            field=f"lines[{i}].minutes",
            fix="Give the minutes spent on the code (from the note).",
            code=code.code,
            severity=Severity.WARNING if line.units is not None else Severity.ERROR,
        )


@rule("units.day-too-long", Severity.ERROR, source="therabill: a day has at most 1,440 minutes")
def day_too_long(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The minutes of one date add up to more than a day."""
    totals: dict[dt.date, int] = {}
    first: dict[dt.date, int] = {}
    for i, line in enumerate(claim.lines):
        totals[line.date] = totals.get(line.date, 0) + (line.minutes or 0)
        first.setdefault(line.date, i)
    for day, total in sorted(totals.items()):
        problem = ctx.days[day].problem if day in ctx.days else None
        if total > MAX_MINUTES or problem:
            i = first[day]
            yield finding(
                "units.day-too-long",
                f"{day}: the lines add up to {total} minutes; a day has {MAX_MINUTES}."
                if total > MAX_MINUTES
                else f"{day}: {problem}",
                at=i,
                field=f"lines[{i}].minutes",
                fix="Check the minutes of each line of that date.",
            )
