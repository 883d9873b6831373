"""The time rules the unit engine and the scrubber share: one function decides each.

``therabill units`` (and the session pages) and the scrubber report the same time findings,
worded the same, because both call these functions:

- ``units.day-too-long``: a date's minutes add up to more than 24 hours;
- ``time.minimum``: a code under its minimum time (96158 under 16 minutes, G0176 under 45,
  psychotherapy under 16);
- ``time.addon-without-primary``: an add-on code (97130, 96159 …) without its primary code;
- ``time.range``: a time-range code (90832/90834/90837 …) billed with minutes outside its range;
  the minutes choose the code.

Which codes share the CMS rule's pooled total is decided here too (:func:`pooled_under_cms`).
Pure functions over plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from therabill.codes import Code, CodeSet, CodeStatus, Timing
from therabill.findings import Finding, Severity

MAX_MINUTES = 1440
CMS_SOURCE = "CMS Pub 100-04 ch.5 §20.2 (8-minute rule)"
MIDPOINT_SOURCE = (
    "CPT time rule: a unit is reached when its midpoint is passed (Premera, billing for time)"
)
FAMILY_SOURCE = "CPT initial/add-on timing (APA health behavior codes; ASHA 97129/97130)"
# Pub 100-04 ch.5 §20.2 C counts "any single timed CPT code in the same day measured in 15 minute
# units" and adds up the minutes of every service "represented by 15 minute timed codes". The
# CY 2020 PFS final rule (84 FR 62568, FR Doc 2019-24086) made 97129 (first 15 minutes) and
# 97130 (each further 15 minutes) the timed successors of G0515, a 15-minute code in that total.
CMS_15_FAMILY_SOURCE = (
    "CMS Pub 100-04 ch.5 §20.2 C (every service billed in 15-minute units counts in the day's "
    "total timed minutes); CY 2020 PFS final rule, 84 FR 62568 (97129/97130, 15-minute timed "
    "codes replacing G0515)"
)
# A first unit of 30 minutes or more is no 15-minute unit: §20.2 C's table does not cover it, and
# CPT's time rule does: a 30-minute unit is reached at 16 minutes (Premera quoting CPT; 96158 is
# not reported under 16 minutes, APA; 97550 needs 16 minutes and 97551 8 more, Provider Magazine
# on the CY 2024 PFS caregiver training codes).
LONG_BLOCK_SOURCE = (
    "CPT time rule (Premera, billing for time: a 30-minute unit needs 16 minutes; APA "
    "96158/96159); CMS Pub 100-04 ch.5 §20.2 C's table counts 15-minute units only"
)
RANGE_SOURCE = (
    "CPT psychotherapy time ranges as Medicare contractor Novitas Solutions publishes them "
    "(psychotherapy documentation: 90832 16–37, 90834 38–52, 90837 53 minutes or more; "
    "90833/90836/90838 the same with an E/M visit; not reported under 16 minutes)"
)


class UnitRule(StrEnum):
    CMS = "cms"
    MIDPOINT = "midpoint"


@dataclass(frozen=True, slots=True)
class TimeCheck:
    """One shared time rule: the id, default severity and source of its findings."""

    id: str
    severity: Severity
    source: str
    summary: str


DAY_TOO_LONG = TimeCheck(
    "units.day-too-long",
    Severity.ERROR,
    "therabill: a day has at most 1,440 minutes",
    "The minutes of one date add up to more than a day.",
)
MINIMUM = TimeCheck(
    "time.minimum",
    Severity.ERROR,
    FAMILY_SOURCE + "; billing-rules.md §3 minimums; " + RANGE_SOURCE,
    "A code billed under its minimum time (96158 under 16 minutes, G0176 under 45, "
    "psychotherapy under 16).",
)
ADDON_WITHOUT_PRIMARY = TimeCheck(
    "time.addon-without-primary",
    Severity.ERROR,
    "CPT add-on codes are reported only with their primary code (APA; ASHA; codingahead)",
    "An add-on code (96159, 97130, 97546 …) without its primary code on the same date.",
)
RANGE = TimeCheck(
    "time.range",
    Severity.ERROR,
    RANGE_SOURCE,
    "A time-range code billed with minutes outside its range: the minutes choose the code "
    "(45 minutes of psychotherapy are 90834, not 90837).",
)


@dataclass(frozen=True, slots=True)
class TimeIssue:
    """What one shared check found: the scrubber adds the line, the unit engine shows it as is."""

    check: TimeCheck
    code: str | None
    message: str
    fix: str
    severity: Severity
    source: str

    def finding(self) -> Finding:
        return Finding(
            self.check.id, self.severity, self.message, self.source, fix=self.fix, code=self.code
        )


def _issue(
    check: TimeCheck,
    code: str | None,
    message: str,
    fix: str,
    *,
    severity: Severity | None = None,
    source: str | None = None,
) -> TimeIssue:
    return TimeIssue(check, code, message, fix, severity or check.severity, source or check.source)


def pooled_under_cms(code: Code, code_set: CodeSet) -> bool:
    """Whether the code's minutes join the day's total timed minutes under the CMS rule.

    Every code billed in 15-minute units does (§20.2 C): the 15-minute codes, and a family
    whose first block is itself one 15-minute unit (97129 + 97130). A family whose first unit
    is 30 minutes or more (96158, 97550, 97545, 90839), an hour code and a range code are not
    15-minute units: their time follows the CPT rule, code by code.
    """
    if code.timing is Timing.PER_15:
        return True
    primary = code
    if code.timing is Timing.ADDON and code.primary_code:
        primary = code_set.codes.get(code.primary_code, code)
    return (
        primary.timing is Timing.INITIAL
        and primary.initial_minutes == 15
        and (primary.unit_minutes or 15) == 15
    )


def day_too_long(total: int, day: dt.date) -> TimeIssue | None:
    """A date's services cannot add up to more than 24 hours."""
    if total <= MAX_MINUTES:
        return None
    return _issue(
        DAY_TOO_LONG,
        None,
        f"{day}: the services add up to {total} minutes; a day has {MAX_MINUTES}.",
        "Check the minutes of each service of that date.",
    )


def least_minutes(code: Code, code_set: CodeSet, day: dt.date) -> int | None:
    """The least time a code may be reported for (None: no minimum of its own).

    Initial codes: their ``min_minutes`` or the midpoint of their block; per-session codes with
    a stated minimum (G0176: 45); range codes: the bottom of their series (psychotherapy: 16).
    """
    if code.timing is Timing.INITIAL:
        return code.min_minutes or (code.initial_minutes or 0) // 2 + 1
    if code.timing is Timing.UNTIMED:
        return code.min_minutes
    if code.timing is Timing.RANGE:
        return range_series(code, code_set, day)[0].min_minutes
    return None


def below_minimum(
    code: Code, minutes: int, code_set: CodeSet, day: dt.date, rule: UnitRule
) -> TimeIssue | None:
    """A code (for a family: its initial code with the family's minutes) under its minimum.

    Under the CMS rule a pooled family (97129) has no minimum of its own: the day's total
    timed minutes decide (§20.2 C; 7 minutes of 97129 and 7 of 97110 bill one unit).
    """
    if rule is UnitRule.CMS and pooled_under_cms(code, code_set):
        return None
    least = least_minutes(code, code_set, day)
    if least is None or minutes >= least:
        return None
    if code.timing is Timing.RANGE:
        series = ", ".join(c.code for c in range_series(code, code_set, day))
        return _issue(
            MINIMUM,
            code.code,
            f"{code.code} on {day}: {minutes} minutes is under {least}, the least time of "
            f"any code of its series ({series}); it may not be reported.",
            "Remove the line, or document the full time if it was spent.",
            source=f"{code.source} (code set)",
        )
    family = f"; {FAMILY_SOURCE}" if code.timing is Timing.INITIAL else ""
    return _issue(
        MINIMUM,
        code.code,
        f"{code.code} on {day}: {minutes} minutes is under its {least}-minute minimum; "
        "it may not be reported.",
        "Remove the line, or document the full time if it was spent.",
        source=f"{code.source} (code set){family}",
    )


def addon_without_primary(code: Code, present: Collection[str], day: dt.date) -> TimeIssue | None:
    """An add-on code whose primary code is not among the date's codes."""
    if code.timing is not Timing.ADDON or not code.primary_code or code.primary_code in present:
        return None
    return _issue(
        ADDON_WITHOUT_PRIMARY,
        code.code,
        f"{code.code} is an add-on to {code.primary_code}, which is not billed on {day}.",
        f"Bill {code.primary_code} for the first block of time, {code.code} only for time past it.",
    )


def range_series(code: Code, code_set: CodeSet, day: dt.date) -> list[Code]:
    """The range codes whose minutes choose among them (``primary_code`` names the series'
    first code), active on ``day``, shortest first."""
    series = code.primary_code or code.code
    members = [
        c
        for c in code_set.codes.values()
        if c.timing is Timing.RANGE
        and (c.primary_code or c.code) == series
        and c.status_on(day) is CodeStatus.ACTIVE
    ]
    if code not in members:
        members.append(code)
    return sorted(members, key=lambda c: (c.min_minutes or 0, c.code))


def range_bounds(code: Code, code_set: CodeSet, day: dt.date) -> tuple[int, int | None]:
    """(first, last) minute of the code's own range; last is None for the longest code."""
    members = range_series(code, code_set, day)
    at = members.index(code)
    upper = members[at + 1].min_minutes if at + 1 < len(members) else None
    return (code.min_minutes or 0, upper - 1 if upper else None)


def range_code_for(code: Code, minutes: int, code_set: CodeSet, day: dt.date) -> Code | None:
    """The code of the series whose range holds ``minutes`` (None: under the series' least)."""
    chosen = None
    for member in range_series(code, code_set, day):
        if minutes >= (member.min_minutes or 0):
            chosen = member
    return chosen


def range_text(code: Code, code_set: CodeSet, day: dt.date) -> str:
    low, high = range_bounds(code, code_set, day)
    return f"{low}–{high} minutes" if high is not None else f"{low} minutes or more"


def outside_range(code: Code, minutes: int, code_set: CodeSet, day: dt.date) -> TimeIssue | None:
    """A range code billed for minutes another code of its series stands for.

    Fewer minutes than the code's range (45 minutes billed as 90837) is an error: the time does
    not support the code. More (60 minutes billed as 90834) is a warning: the longer code fits.
    Under the series' least time it is ``time.minimum``'s finding, not this one.
    """
    if code.timing is not Timing.RANGE:
        return None
    right = range_code_for(code, minutes, code_set, day)
    if right is None or right.code == code.code:
        return None
    low, _ = range_bounds(code, code_set, day)
    under = minutes < low
    return _issue(
        RANGE,
        code.code,
        f"{code.code} is for {range_text(code, code_set, day)}; {right.code} is the code for "
        f"{minutes} minutes ({range_text(right, code_set, day)}).",
        f"Bill {right.code} for {minutes} minutes, or document the time {code.code} needs."
        if under
        else f"Bill {right.code}: it is the code for {minutes} minutes.",
        severity=Severity.ERROR if under else Severity.WARNING,
        source=f"{code.source} (code set)",
    )
