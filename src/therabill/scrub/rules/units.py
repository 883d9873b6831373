"""Rule 3: units billed against the units the minutes support under the payer's unit rule.

Sources: CMS Pub 100-04 ch.5 §20.2 (8-minute rule, the day's total timed minutes decide the
units) and the CPT midpoint rule as quoted by Premera; which one applies is the payer
profile's ``unit_rule``. Under the CMS rule 97129 + 97130 (15-minute units) join the day's
total (:func:`therabill.units.checks.pooled_under_cms`), and so do the minutes of codes the
rule left without a unit that day (the claim document's ``unbilled_time``: example 5's
7 + 7 + 7 minutes are one unit on a line of 7 minutes); other initial/add-on families are
rule 4 (time); untimed codes are capped by MUE and the code set's daily maximum (rule 6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from therabill.claims import Claim
from therabill.codes import CodeStatus, Timing
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule
from therabill.scrub.rules.common import by_date_and_code, plural
from therabill.units import CMS_SOURCE, MIDPOINT_SOURCE, UnitRule, checks, cms_total_units
from therabill.units.checks import DAY_TOO_LONG

PER_UNIT = (Timing.PER_15, Timing.PER_HOUR)
FAMILY = (Timing.INITIAL, Timing.ADDON)


def _source(ctx: ClaimContext) -> str:
    base = CMS_SOURCE if ctx.payer.unit_rule is UnitRule.CMS else MIDPOINT_SOURCE
    return f"{base}; {ctx.payer.cite('unit_rule')}"


@dataclass(frozen=True, slots=True)
class _Verdict:
    over: bool
    at: int
    code: str
    message: str
    fix: str


def _cms_cap(minutes: int) -> int:
    """Most units one code's minutes can carry under the 8-minute rule: a unit per full 15
    minutes, plus one if minutes are left over (the manual's example 5: 7 minutes may carry
    the day's one unit)."""
    return minutes // 15 + (1 if minutes % 15 else 0)


def _verdicts(claim: Claim, ctx: ClaimContext) -> list[_Verdict]:
    """Units billed against units supported, worked out once per claim for both rules.

    Midpoint rule (and hour codes): code by code. CMS rule: the day's 15-minute codes share
    one total (§20.2), so the total is compared, and each code only against what its own
    minutes could ever carry; how the units are spread over codes may differ from therabill's
    allocation (ties may go either way, manual example 2).
    """
    memo: list[_Verdict] | None = ctx.memo.get("units.verdicts")
    if memo is not None:
        return memo
    cms = ctx.payer.unit_rule is UnitRule.CMS
    out: list[_Verdict] = []
    pooled: dict[dt.date, list[tuple[int, str, int, int]]] = {}
    incomplete: set[dt.date] = set()
    families: dict[tuple[dt.date, str], list[int]] = {}  # (day, initial) → [at, billed, minutes]
    groups = by_date_and_code(claim, ctx)
    for (day, code), lines in groups.items():
        entry = lines[0][2]
        timing = entry.timing
        if cms and timing in FAMILY and checks.pooled_under_cms(entry, ctx.code_set):
            # 97129 + 97130: 15-minute units in the day's total (§20.2 C), billed as one family
            initial = code if timing is Timing.INITIAL else entry.primary_code or code
            if (day, initial) not in groups:
                continue  # time.addon-without-primary says what is wrong
            if any(ln.units is None for _, ln, _ in lines) or (
                timing is Timing.INITIAL and any(ln.minutes is None for _, ln, _ in lines)
            ):
                incomplete.add(day)
                continue
            item = families.setdefault((day, initial), [lines[0][0], 0, 0])
            item[0] = min(item[0], lines[0][0])
            item[1] += sum(ln.units or 0 for _, ln, _ in lines)
            item[2] += sum(ln.minutes or 0 for _, ln, _ in lines)
            continue
        if timing not in PER_UNIT:
            continue
        if any(ln.units is None or ln.minutes is None for _, ln, _ in lines):
            if cms and timing is Timing.PER_15:
                incomplete.add(day)
            continue
        at = lines[0][0]
        billed = sum(ln.units or 0 for _, ln, _ in lines)
        minutes = sum(ln.minutes or 0 for _, ln, _ in lines)
        if cms and timing is Timing.PER_15:
            pooled.setdefault(day, []).append((at, code, billed, minutes))
            continue
        supported = ctx.days[day].units(code) if day in ctx.days else None
        if supported is None or billed == supported:
            continue
        out.append(
            _Verdict(
                billed > supported, at, code,
                f"{code} on {day}: {plural(billed, 'unit')} billed; {minutes} minutes support "
                f"{supported} under the {ctx.payer.unit_rule} rule of {ctx.payer.id}.",
                f"Bill {plural(supported, 'unit')}"
                + (", or document the time." if billed > supported else " if the note "
                   "supports the time."),
            )
        )  # fmt: skip
    for (day, initial), (at, billed, minutes) in families.items():
        pooled.setdefault(day, []).append((at, initial, billed, minutes))
    unbilled = _unbilled_minutes(claim, ctx) if cms else {}
    for day, items in pooled.items():
        capped = [
            _Verdict(
                True, at, code,
                f"{code} on {day}: {plural(billed, 'unit')} billed, but its {minutes} minutes "
                f"can carry at most {_cms_cap(minutes)} under the 8-minute rule.",
                f"Bill at most {plural(_cms_cap(minutes), 'unit')} of {code}.",
            )
            for at, code, billed, minutes in items
            if billed > _cms_cap(minutes)
        ]  # fmt: skip
        out += capped
        if capped or day in incomplete:
            continue
        minutes = sum(m for _, _, _, m in items) + unbilled.get(day, 0)
        billed = sum(b for _, _, b, _ in items)
        supported = cms_total_units(minutes)
        if billed == supported:
            continue
        share = dict(ctx.days[day].by_code) if day in ctx.days else {}
        for d, initial in families:
            addon = ctx.code_set[initial].addon_code
            if d == day and addon:
                share[initial] = share.get(initial, 0) + share.get(addon, 0)
        at, code = next(
            ((a, c) for a, c, b, _ in items if (b > share.get(c, 0)) == (billed > supported)),
            items[0][:2],
        )
        spread = ", ".join(f"{c} {share.get(c, 0)}" for _, c, _, _ in items)
        out.append(
            _Verdict(
                billed > supported, at, code,
                f"{day}: {plural(billed, 'timed unit')} billed for {minutes} timed minutes; the "
                f"8-minute rule gives {supported} in all (e.g. {spread}).",
                f"Bill {plural(supported, 'timed unit')} in all that day"
                + (", or document the time." if billed > supported else " if the note "
                   "supports the time."),
            )
        )  # fmt: skip
    ctx.memo["units.verdicts"] = out
    return out


def _unbilled_minutes(claim: Claim, ctx: ClaimContext) -> dict[dt.date, int]:
    """Per day, the timed minutes the claim documents on codes that bill no unit
    (``unbilled_time``) and that join the day's total under the CMS rule: 15-minute codes
    and the 97129 + 97130 family (§20.2; example 5: 7 + 7 + 7 minutes of three codes are
    one unit, billed on one line of 7 minutes)."""
    out: dict[dt.date, int] = {}
    for item in claim.unbilled_time:
        entry = ctx.code_set.get(item.code)
        if entry is None or entry.status_on(item.date) is not CodeStatus.ACTIVE:
            continue
        timing = entry.timing
        if timing is Timing.PER_15 or (
            timing in FAMILY and checks.pooled_under_cms(entry, ctx.code_set)
        ):
            out[item.date] = out.get(item.date, 0) + item.minutes
    return out


@rule(
    "units.over",
    Severity.ERROR,
    source="CMS Pub 100-04 ch.5 §20.2 or the CPT midpoint rule, per payer profile",
    when="timed",
)
def over(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """More units billed than the minutes support under the payer's unit rule."""
    for v in _verdicts(claim, ctx):
        if v.over:
            yield finding(
                "units.over", v.message, at=v.at, field=f"lines[{v.at}].units", fix=v.fix,
                code=v.code, source=_source(ctx),
            )  # fmt: skip


@rule(
    "units.under",
    Severity.INFO,
    source="CMS Pub 100-04 ch.5 §20.2 or the CPT midpoint rule, per payer profile",
    when="timed",
)
def under(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Fewer units billed than the minutes support: money left on the table."""
    for v in _verdicts(claim, ctx):
        if not v.over:
            yield finding(
                "units.under", v.message, at=v.at, field=f"lines[{v.at}].units", fix=v.fix,
                code=v.code, source=_source(ctx),
            )  # fmt: skip


@rule(
    "units.computed",
    Severity.INFO,
    source="CMS Pub 100-04 ch.5 §20.2 or the CPT midpoint rule, per payer profile",
    when="units-missing",
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
    when="timed",
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


@rule(DAY_TOO_LONG.id, DAY_TOO_LONG.severity, source=DAY_TOO_LONG.source, when="long-day")
def day_too_long(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The minutes of one date add up to more than a day."""
    totals: dict[dt.date, int] = {}
    first: dict[dt.date, int] = {}
    for i, line in enumerate(claim.lines):
        totals[line.date] = totals.get(line.date, 0) + (line.minutes or 0)
        first.setdefault(line.date, i)
    for day, total in sorted(totals.items()):
        i = first[day]
        issue = checks.day_too_long(total, day)
        problem = ctx.days[day].problem if day in ctx.days else None
        if issue is not None:
            yield finding(
                DAY_TOO_LONG.id, issue.message, at=i, field=f"lines[{i}].minutes", fix=issue.fix
            )
        elif problem:
            yield finding(
                DAY_TOO_LONG.id,
                f"{day}: {problem}",
                at=i,
                field=f"lines[{i}].minutes",
                fix="Check the minutes of each line of that date.",
            )
