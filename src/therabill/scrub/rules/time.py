"""Rule 4: minimum time, and add-on codes (with their primary, units matching the minutes).

Sources: CPT initial/add-on timing as the APA (96156-96171), ASHA (97129/97130) and
codingahead (97545/97546) describe it; 96158 and its siblings are not reported under 16
minutes (CPT midpoint of a 30-minute code; billing-rules.md §3). Add-on units follow the
midpoint rule on the minutes past the initial block.
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import Timing
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule
from therabill.scrub.rules.common import by_date_and_code, plural
from therabill.units import FAMILY_SOURCE


@rule(
    "time.minimum",
    Severity.ERROR,
    source=FAMILY_SOURCE + "; billing-rules.md §3 minimums",
    when="family",
)
def minimum(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code billed under its minimum time (e.g. 96158 under 16 minutes, G0176 under 45)."""
    for (day, code), lines in by_date_and_code(claim, ctx).items():
        entry = lines[0][2]
        if entry.timing is Timing.INITIAL:
            family = [entry.code, entry.addon_code or ""]
            minutes_known = all(ln.minutes is not None for _, ln, _ in lines)
            total = sum(
                ln.minutes or 0
                for (d, c), group in by_date_and_code(claim, ctx).items()
                if d == day and c in family
                for _, ln, _ in group
            )
            least = entry.min_minutes or (entry.initial_minutes or 0) // 2 + 1
        elif entry.timing is Timing.UNTIMED and entry.min_minutes:
            minutes_known = all(ln.minutes is not None for _, ln, _ in lines)
            total = sum(ln.minutes or 0 for _, ln, _ in lines)
            least = entry.min_minutes
        else:
            continue
        if minutes_known and total < least:
            i = lines[0][0]
            yield finding(
                "time.minimum",
                f"{code} on {day}: {total} minutes is under its {least}-minute minimum; "
                "it may not be reported.",
                at=i,
                field=f"lines[{i}].minutes",
                fix="Remove the line, or document the full time if it was spent.",
                code=code,
                source=f"{entry.source} (code set); {FAMILY_SOURCE}",
            )


@rule(
    "time.addon-without-primary",
    Severity.ERROR,
    source="CPT add-on codes are reported only with their primary code (APA; ASHA; codingahead)",
    when="family",
)
def addon_without_primary(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """An add-on code (96159, 97130, 97546 …) without its primary code on the same date."""
    groups = by_date_and_code(claim, ctx)
    for (day, code), lines in groups.items():
        entry = lines[0][2]
        if entry.timing is not Timing.ADDON or not entry.primary_code:
            continue
        if (day, entry.primary_code) not in groups:
            i = lines[0][0]
            yield finding(
                "time.addon-without-primary",
                f"{code} is an add-on to {entry.primary_code}, which is not billed on {day}.",
                at=i,
                field=f"lines[{i}].code",
                fix=f"Bill {entry.primary_code} for the first block of time, {code} only for "
                "time past it.",
                code=code,
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
