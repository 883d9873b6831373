"""Minutes to billed units: the CMS 8-minute rule and the CPT midpoint rule.

Pure functions over plain data; no I/O. Sources:

- CMS rule: Medicare Claims Processing Manual (Pub 100-04) ch. 5 §20.2. The day's *total* timed
  minutes of 15-minute codes decide the total units (8–22 → 1, 23–37 → 2, then one more per 15
  minutes); each code first gets one unit per full 15 minutes, the remaining units go to the
  codes with the most leftover minutes; ties may go either way (manual example 2).
- Midpoint rule: CPT's time rule as quoted by Premera ("billing for time"): a unit is reached
  when its midpoint is passed, each code on its own, leftovers never pooled across codes.
- Initial-plus-add-on families (96158/96159, 97129/97130, 97545/97546, 97550/97551): the
  initial code needs its minimum time (96158: 16 minutes); add-on units follow the midpoint
  rule on the minutes past the initial block (shared reference billing-rules.md §3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from therabill.codes import Code, CodeSet, Timing
from therabill.errors import InvalidInput
from therabill.findings import Finding, Severity

CMS_SOURCE = "CMS Pub 100-04 ch.5 §20.2 (8-minute rule)"
MIDPOINT_SOURCE = (
    "CPT time rule: a unit is reached when its midpoint is passed (Premera, billing for time)"
)
FAMILY_SOURCE = "CPT initial/add-on timing (APA health behavior codes; ASHA 97129/97130)"
MAX_MINUTES = 1440


class UnitRule(StrEnum):
    CMS = "cms"
    MIDPOINT = "midpoint"


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


def _merge(services: Mapping[str, int] | Iterable[tuple[str, int]]) -> dict[str, int]:
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
    lines: dict[str, UnitLine]
    explanation: list[str]
    findings: list[Finding]

    def set(self, code: str, minutes: int, units: int) -> None:
        self.lines[code] = UnitLine(code, minutes, units)

    def note(
        self, finding_id: str, severity: Severity, message: str, source: str, code: str
    ) -> None:
        self.findings.append(Finding(finding_id, severity, message, source, code=code))


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
    for a code that cannot be billed on ``day``.
    """
    rule = UnitRule(rule)
    minutes = _merge(services)
    codes = {key: code_set.require(key, day, field=key) for key in minutes}
    work = _Work(rule, {}, [], [])
    work.explanation.append(
        "Rule: CMS 8-minute rule (Pub 100-04 ch.5 §20.2): the day's total timed minutes decide "
        "the total units, then units go to the codes with the most minutes."
        if rule is UnitRule.CMS
        else "Rule: CPT midpoint rule: each code on its own; a unit is billed once its midpoint "
        "is passed (8 minutes for a 15-minute unit); minutes of different codes never add up."
    )
    families: dict[str, int] = {}
    pooled: dict[str, int] = {}
    for key, code in codes.items():
        if code.timing is Timing.UNTIMED:
            _untimed(work, code, minutes[key])
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
    if pooled:
        _cms(work, pooled)
    for primary, total in families.items():
        _family(work, code_set[primary], code_set, total)
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
    work.set(code.code, minutes, 1)
    work.explanation.append(
        f"{code.code} is untimed: 1 unit whatever its length"
        + (f"; its {minutes} minutes are not added to the timed total." if minutes else ".")
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


def _per_code(work: _Work, code: Code, minutes: int) -> None:
    unit = code.unit_minutes or 15
    units = midpoint_units(minutes, unit, code.min_minutes)
    work.set(code.code, minutes, units)
    first = code.min_minutes or unit // 2 + 1
    why = "" if work.rule is UnitRule.MIDPOINT else f" ({unit}-minute units are counted per code)"
    work.explanation.append(
        f"{code.code}: {minutes} minutes → {units} unit{'s' * (units != 1)}{why}; "
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
            f"{total} minutes is in the {_band(units)} band: {units} unit{'s' * (units != 1)} in all."
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
            f"{remaining} unit{'s' * (remaining != 1)} left: to the largest leftovers: "
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
                f"{code}'s {m} minutes bill no unit: the day's {units} "
                f"unit{'s' * (units != 1)} went to codes with more minutes."
                if units
                else f"{code}'s {m} minutes bill nothing: the day's timed total of {total} "
                "minutes is under 8.",
                CMS_SOURCE,
                code,
            )


def _family(work: _Work, primary: Code, code_set: CodeSet, minutes: int) -> None:
    addon = code_set[primary.addon_code] if primary.addon_code else None
    block = primary.initial_minutes or 0
    first = primary.min_minutes or block // 2 + 1
    if minutes < first:
        work.set(primary.code, minutes, 0)
        if addon:
            work.set(addon.code, 0, 0)
        work.explanation.append(
            f"{primary.code}: {minutes} minutes is under its {first}-minute minimum: nothing to bill."
        )
        if minutes:
            work.note(
                "units.minimum-time",
                Severity.WARNING,
                f"{minutes} minutes of {primary.code} is under its {first}-minute minimum: "
                "it may not be reported.",
                FAMILY_SOURCE,
                primary.code,
            )
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
            f"; {past} minutes past it → {add_units} unit{'s' * (add_units != 1)} of add-on "
            f"{addon.code} (each {addon.unit_minutes} minutes, the first after "
            f"{addon.min_minutes or (addon.unit_minutes or 15) // 2 + 1})"
        )
    work.explanation.append(text + ".")
