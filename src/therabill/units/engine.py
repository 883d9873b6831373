"""Minutes to billed units: the CMS 8-minute rule and the CPT midpoint rule.

Pure functions over plain data; no I/O. Sources:

- CMS rule: Medicare Claims Processing Manual (Pub 100-04) ch. 5 §20.2. The day's *total* timed
  minutes of codes billed in 15-minute units decide the total units (8–22 → 1, 23–37 → 2, then
  one more per 15 minutes); each code first gets one unit per full 15 minutes, the remaining
  units go to the codes with the most leftover minutes; ties may go either way (example 2).
  97129 + 97130 are 15-minute timed codes: their minutes join that total, and the units the
  family receives split into 97129 (the first) and 97130 (the rest).
- Midpoint rule: CPT's time rule as quoted by Premera ("billing for time"): a unit is reached
  when its midpoint is passed, each code on its own, leftovers never pooled across codes.
- Families whose first unit is 30 minutes or more (96158/96159, 97550/97551, 97545/97546,
  90839/90840) follow the CPT time rule under either rule: the initial code needs its minimum
  (96158: 16 minutes), add-on units follow the midpoint rule past the initial block.
- Time-range codes (psychotherapy 90832/90834/90837): the minutes choose the code, one unit.

The time findings (day too long, under the minimum, add-on without its primary, outside a time
range) come from :mod:`therabill.units.checks`, which the scrubber calls too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from therabill.codes import Code, CodeSet, Timing
from therabill.errors import InvalidInput
from therabill.findings import Finding, Severity
from therabill.units import checks
from therabill.units.checks import (
    CMS_SOURCE,
    MAX_MINUTES,
    MIDPOINT_SOURCE,
    UnitRule,
)


@dataclass(frozen=True, slots=True)
class UnitLine:
    code: str
    minutes: int
    units: int


@dataclass(frozen=True, slots=True)
class UnitResult:
    rule: UnitRule
    date: dt.date
    total_timed_minutes: int
    total_timed_units: int
    lines: tuple[UnitLine, ...]
    explanation: tuple[str, ...]
    findings: tuple[Finding, ...]

    def units_by_code(self) -> dict[str, int]:
        return {line.code: line.units for line in self.lines}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": str(self.rule),
            "date": self.date.isoformat(),
            "total_timed_minutes": self.total_timed_minutes,
            "total_timed_units": self.total_timed_units,
            "lines": [
                {"code": ln.code, "minutes": ln.minutes, "units": ln.units} for ln in self.lines
            ],
            "explanation": list(self.explanation),
            "findings": [
                {k: v for k, v in f.to_dict().items() if v is not None} for f in self.findings
            ],
        }


def cms_total_units(minutes: int) -> int:
    """Units for a day's total timed minutes by the CMS table (§20.2): 8–22 → 1, 23–37 → 2, …"""
    return 0 if minutes < 8 else (minutes - 8) // 15 + 1


def midpoint_units(minutes: int, unit_minutes: int = 15, first: int | None = None) -> int:
    """Units of one code by the midpoint rule; ``first`` is the time the first unit needs.

    For 15-minute codes the first unit needs 8 minutes, for 30-minute codes 16, for an hour 31.
    """
    threshold = first if first is not None else unit_minutes // 2 + 1
    return 0 if minutes < threshold else (minutes - threshold) // unit_minutes + 1


def _band(units: int) -> str:
    low = 8 + 15 * (units - 1)
    return f"{low}–{low + 14}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _merge(services: Mapping[str, int] | Iterable[tuple[str, int]]) -> dict[str, int]:
    """Minutes by code (a repeated code adds up); each must be 0–1440.

    One service longer than a day (a code, or below an initial code with its add-on) is input
    that cannot be read: refused. Different services that add up to more than a day are the
    shared ``units.day-too-long`` finding, as on a claim.
    """
    items = services.items() if isinstance(services, Mapping) else services
    merged: dict[str, int] = {}
    for code, minutes in items:
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise InvalidInput(f"minutes must be a whole number, not {minutes!r}", field=code)
        if not 0 <= minutes <= MAX_MINUTES:
            raise InvalidInput(
                f"{minutes} minutes is outside 0–{MAX_MINUTES}",
                field=code,
                hint="Give the minutes spent on the code that day.",
            )
        key = code.strip().upper()
        merged[key] = merged.get(key, 0) + minutes
    if any(m > MAX_MINUTES for m in merged.values()):
        raise InvalidInput(f"a day has at most {MAX_MINUTES} minutes", field="minutes")
    return merged


@dataclass
class _Work:
    rule: UnitRule
    day: dt.date
    code_set: CodeSet
    lines: dict[str, UnitLine]
    explanation: list[str]
    findings: list[Finding]

    def set(self, code: str, minutes: int, units: int) -> None:
        self.lines[code] = UnitLine(code, minutes, units)

    def note(
        self, finding_id: str, severity: Severity, message: str, source: str, code: str
    ) -> None:
        self.findings.append(Finding(finding_id, severity, message, source, code=code))

    def issue(self, issue: checks.TimeIssue | None) -> bool:
        """Record a shared time finding; True when there was one."""
        if issue is None:
            return False
        self.findings.append(issue.finding())
        return True


def count_units(
    services: Mapping[str, int] | Iterable[tuple[str, int]],
    *,
    rule: UnitRule | str,
    day: dt.date,
    code_set: CodeSet,
) -> UnitResult:
    """Units for one client's services on one date of service, with the reasoning.

    ``services`` maps codes to minutes (a repeated code adds its minutes). Raises
    ``InvalidInput`` for a minute count outside 0–1440 and ``UnknownCode``/``CodeNotActive``
    for a code that cannot be billed on ``day``. What is wrong with the time (a day over 24
    hours, a code under its minimum, an add-on without its primary, minutes outside a code's
    range) is a finding, worded as the scrubber words it.
    """
    rule = UnitRule(rule)
    minutes = _merge(services)
    codes = {key: code_set.require(key, day, field=key) for key in minutes}
    work = _Work(rule, day, code_set, {}, [], [])
    work.explanation.append(
        "Rule: CMS 8-minute rule (Pub 100-04 ch.5 §20.2): the day's total timed minutes decide "
        "the total units, then units go to the codes with the most minutes."
        if rule is UnitRule.CMS
        else "Rule: CPT midpoint rule: each code on its own; a unit is billed once its midpoint "
        "is passed (8 minutes for a 15-minute unit); minutes of different codes never add up."
    )
    if work.issue(checks.day_too_long(sum(minutes.values()), day)):
        work.explanation.append(
            f"The services add up to {sum(minutes.values())} minutes, more than a day: the "
            "units below follow the minutes as given; correct the minutes before billing."
        )
    families: dict[str, int] = {}
    pooled: dict[str, int] = {}
    for key, code in codes.items():
        if code.timing is Timing.UNTIMED:
            _untimed(work, code, minutes[key])
        elif code.timing is Timing.RANGE:
            _range(work, code, minutes[key])
        elif code.timing is Timing.ADDON and code.primary_code not in codes:
            _orphan_addon(work, code, minutes[key], codes.keys())
        elif code.timing in (Timing.INITIAL, Timing.ADDON):
            primary = code.code if code.timing is Timing.INITIAL else code.primary_code or code.code
            if code.timing is Timing.ADDON:
                work.explanation.append(
                    f"{key} is the add-on of {primary}: its {minutes[key]} minutes count "
                    f"toward the {primary} family."
                )
            families[primary] = families.get(primary, 0) + minutes[key]
        elif code.timing is Timing.PER_15 and rule is UnitRule.CMS:
            pooled[key] = minutes[key]
        else:
            _per_code(work, code, minutes[key])
    for primary, total in families.items():
        if total > MAX_MINUTES:  # an initial code and its add-on share one day's minutes
            raise InvalidInput(
                f"{primary} and its add-on code add up to {total} minutes; "
                f"a day has at most {MAX_MINUTES}",
                field=primary,
                hint="Give the minutes spent on the family that day, initial and add-on together.",
            )
    shared = {
        p: total
        for p, total in families.items()
        if rule is UnitRule.CMS and checks.pooled_under_cms(code_set[p], code_set)
    }
    if shared:  # the day's total in the order the codes were given (ties go to the first)
        first = {key: i for i, key in enumerate(minutes)}
        for primary in shared:
            addon = code_set[primary].addon_code
            first[primary] = min(first.get(primary, 10**6), first.get(addon or "", 10**6))
        pooled = {
            key: shared.get(key, pooled.get(key, 0))
            for key in sorted([*pooled, *shared], key=first.__getitem__)
        }
    if pooled:
        _cms(work, pooled)
    for primary, total in families.items():
        if primary in shared:
            _split_pooled_family(work, code_set[primary], total)
        else:
            _family(work, code_set[primary], total)
    order = {key: float(i) for i, key in enumerate(minutes)}
    for primary in families:
        addon_code = code_set[primary].addon_code
        order.setdefault(
            primary, min(order.get(c, 0.0) for c in minutes if c in (primary, addon_code))
        )
        if addon_code:
            order[addon_code] = order[primary] + 0.5
    lines = sorted(work.lines.values(), key=lambda ln: order.get(ln.code, float(len(order))))
    timed = [ln for ln in lines if codes.get(ln.code, code_set[ln.code]).timed]
    return UnitResult(
        rule=rule,
        date=day,
        total_timed_minutes=sum(ln.minutes for ln in timed),
        total_timed_units=sum(ln.units for ln in timed),
        lines=tuple(lines),
        explanation=tuple(work.explanation),
        findings=tuple(work.findings),
    )


def _untimed(work: _Work, code: Code, minutes: int) -> None:
    least = code.min_minutes
    if least and minutes:
        if work.issue(checks.below_minimum(code, minutes, work.code_set, work.day, work.rule)):
            work.set(code.code, minutes, 0)
            work.explanation.append(
                f"{code.code} is billed per session of at least {least} minutes: "
                f"{minutes} minutes bill nothing."
            )
            return
        work.set(code.code, minutes, 1)
        work.explanation.append(
            f"{code.code} is billed per session of at least {least} minutes: {minutes} minutes "
            "→ 1 unit; its minutes are not added to the timed total."
        )
        return
    work.set(code.code, minutes, 1)
    work.explanation.append(
        f"{code.code} is untimed: 1 unit whatever its length"
        + (f"; its {minutes} minutes are not added to the timed total." if minutes else ".")
        + (f" It needs at least {least} minutes: give them." if least else "")
    )
    if code.code in ("97150", "92508"):
        work.note(
            "units.group-per-member",
            Severity.INFO,
            f"{code.code} is per member, untimed: bill one unit for each group member's claim, "
            "whatever the session's length.",
            CMS_SOURCE + " B",
            code.code,
        )


def _range(work: _Work, code: Code, minutes: int) -> None:
    """A time-range code: one unit when the minutes reach its range; the minutes choose the code."""
    series = checks.range_series(code, work.code_set, work.day)
    ranges = ", ".join(f"{c.code} {checks.range_text(c, work.code_set, work.day)}" for c in series)
    text = f"{code.code} is a time-range code ({ranges}): the minutes choose the code, one unit"
    if minutes and work.issue(
        checks.below_minimum(code, minutes, work.code_set, work.day, work.rule)
    ):
        work.set(code.code, minutes, 0)
        work.explanation.append(f"{text}; {minutes} minutes reach none of them: nothing to bill.")
        return
    low, _ = checks.range_bounds(code, work.code_set, work.day)
    units = 1 if minutes and minutes >= low else 0
    work.set(code.code, minutes, units)
    right = checks.range_code_for(code, minutes, work.code_set, work.day)
    if right is None:
        work.explanation.append(f"{text}; no minutes given: nothing to bill.")
    elif right.code == code.code:
        work.explanation.append(f"{text}; {minutes} minutes → 1 unit of {code.code}.")
    else:
        work.issue(checks.outside_range(code, minutes, work.code_set, work.day))
        work.explanation.append(
            f"{text}; {right.code} is the code for {minutes} minutes, not {code.code}: "
            + (
                "1 unit of " + code.code + " would under-report the time."
                if units
                else f"{minutes} minutes are short of {code.code}'s range: 0 units."
            )
        )
    if work.rule is UnitRule.CMS:
        work.explanation.append(
            f"{code.code} is no 15-minute code: the 8-minute rule does not apply to it and its "
            "minutes are not added to the day's 15-minute total; psychotherapy is one unit a session, "
            "the code chosen by its time (CPT time ranges, as Novitas Solutions publishes them)."
        )


def _orphan_addon(work: _Work, code: Code, minutes: int, present: Collection[str]) -> None:
    """An add-on without its primary: nothing to bill, and the shared finding says why."""
    work.set(code.code, minutes, 0)
    work.issue(checks.addon_without_primary(code, present, work.day))
    work.explanation.append(
        f"{code.code} is an add-on to {code.primary_code}, which is not given: an add-on is "
        f"billed only with its primary code, so its {minutes} minutes bill nothing here. "
        f"Give the first block of time as {code.primary_code}."
    )


def _per_code(work: _Work, code: Code, minutes: int) -> None:
    unit = code.unit_minutes or 15
    units = midpoint_units(minutes, unit, code.min_minutes)
    work.set(code.code, minutes, units)
    first = code.min_minutes or unit // 2 + 1
    why = "" if work.rule is UnitRule.MIDPOINT else f" ({unit}-minute units are counted per code)"
    work.explanation.append(
        f"{code.code}: {minutes} minutes → {_plural(units, 'unit')}{why}; "
        f"the first unit needs {first} minutes, each further one {unit} more."
    )
    if minutes > 0 and units == 0:
        work.note(
            "units.below-threshold",
            Severity.INFO,
            f"{minutes} minutes of {code.code} alone bill nothing under the midpoint rule "
            f"(the first unit needs {first}).",
            MIDPOINT_SOURCE,
            code.code,
        )


def _cms(work: _Work, pooled: dict[str, int]) -> None:
    total = sum(pooled.values())
    units = cms_total_units(total)
    parts = " + ".join(f"{code} {m} min" for code, m in pooled.items())
    work.explanation.append(f"Timed 15-minute codes: {parts} = {total} minutes.")
    if units == 0:
        work.explanation.append(f"{total} minutes is under 8: no timed unit may be billed.")
    else:
        work.explanation.append(
            f"{total} minutes is in the {_band(units)} band: {_plural(units, 'unit')} in all."
        )
    whole = {code: m // 15 for code, m in pooled.items()}
    left = {code: m % 15 for code, m in pooled.items()}
    if any(whole.values()):
        work.explanation.append(
            "Whole 15-minute units first: "
            + ", ".join(f"{c} {whole[c]} ({left[c]} min left)" for c in pooled)
            + "."
        )
    remaining = units - sum(whole.values())
    order = list(pooled)
    ranked = sorted(order, key=lambda c: (-left[c], order.index(c)))
    extra = set(ranked[:remaining]) if remaining > 0 else set()
    if remaining > 0:
        given = [c for c in ranked if c in extra]
        work.explanation.append(
            f"{_plural(remaining, 'unit')} left: to the largest leftovers: "
            + ", ".join(f"{c} ({left[c]} min)" for c in given)
            + "."
        )
        cutoff = left[ranked[remaining - 1]]
        tied = [c for c in order if left[c] == cutoff]
        if len(tied) > 1 and any(c not in extra for c in tied):
            winners = [c for c in tied if c in extra]
            work.explanation.append(
                f"Tie: {', '.join(tied)} each have {cutoff} minutes left; the unit went to "
                f"{', '.join(winners)} (listed first). The manual lets either be billed "
                "(§20.2 example 2), never more units in all."
            )
    for code, m in pooled.items():
        got = whole[code] + (1 if code in extra else 0)
        work.set(code, m, got)
        if m > 0 and got == 0:
            work.note(
                "units.cms-no-unit-left",
                Severity.INFO,
                f"{code}'s {m} minutes bill no unit: the day's {_plural(units, 'unit')} "
                "went to codes with more minutes left (or listed first, in a tie)."
                if units
                else f"{code}'s {m} minutes bill nothing: the day's timed total of {total} "
                "minutes is under 8.",
                CMS_SOURCE,
                code,
            )


def _split_pooled_family(work: _Work, primary: Code, minutes: int) -> None:
    """Under the CMS rule a 15-minute family's units come from the day's total; the first goes
    to the initial code, the rest to its add-on."""
    got = work.lines[primary.code].units
    block = primary.initial_minutes or 15
    work.set(primary.code, min(minutes, block), min(got, 1))
    text = (
        f"{primary.code} is billed in 15-minute units, so under the CMS rule its family's "
        f"{minutes} minutes count in the day's total timed minutes (Pub 100-04 ch.5 §20.2 C; "
        f"CY 2020 PFS final rule for 97129/97130)"
    )
    if primary.addon_code:
        work.set(primary.addon_code, max(minutes - block, 0), max(got - 1, 0))
        text += (
            f"; the family gets {_plural(got, 'unit')}: "
            f"{primary.code} {min(got, 1)} (the first unit), add-on {primary.addon_code} "
            f"{max(got - 1, 0)} (the rest)"
        )
    work.explanation.append(text + ".")


def _family(work: _Work, primary: Code, minutes: int) -> None:
    addon = work.code_set[primary.addon_code] if primary.addon_code else None
    block = primary.initial_minutes or 0
    first = checks.least_minutes(primary, work.code_set, work.day) or 0
    if work.rule is UnitRule.CMS:
        work.explanation.append(
            f"{primary.code}'s first unit is a {block}-minute block, not a 15-minute unit: the "
            "8-minute rule's table (15-minute units, Pub 100-04 ch.5 §20.2 C) does not apply to "
            "it and its minutes stay out of the timed total; its time follows the CPT time rule "
            f"(a {block}-minute unit once its midpoint is passed: {first} minutes)."
        )
    if minutes < first:
        work.set(primary.code, minutes, 0)
        if addon:
            work.set(addon.code, 0, 0)
        work.explanation.append(
            f"{primary.code}: {minutes} minutes is under its {first}-minute minimum: nothing to bill."
        )
        if minutes:
            work.issue(checks.below_minimum(primary, minutes, work.code_set, work.day, work.rule))
        return
    past = max(0, minutes - block)
    add_units = 0
    if addon and past:
        add_units = midpoint_units(past, addon.unit_minutes or 15, addon.min_minutes)
    work.set(primary.code, minutes - past, 1)
    text = f"{primary.code}: {minutes} minutes → 1 unit for the first {block} minutes"
    if addon:
        work.set(addon.code, past, add_units)
        text += (
            f"; {past} minutes past it → {_plural(add_units, 'unit')} of add-on "
            f"{addon.code} (each {addon.unit_minutes} minutes, the first after "
            f"{addon.min_minutes or (addon.unit_minutes or 15) // 2 + 1})"
        )
    work.explanation.append(text + ".")
