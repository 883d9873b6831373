"""What one procedure code is: its timing, who may bill it and when it is valid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

DISCIPLINES: dict[str, str] = {
    "massage": "massage therapist",
    "music": "music therapist",
    "ot": "occupational therapist",
    "pt": "physical therapist",
    "slp": "speech-language pathologist",
    "behavioral": "behavioral-health clinician",
    "at": "athletic trainer",
}


class Timing(StrEnum):
    """How minutes turn into units for a code (CMS Pub 100-04 ch.5 §20.2; CPT time rule)."""

    UNTIMED = "untimed"  # one unit per session whatever its length (service-based)
    PER_15 = "per_15"  # one unit per 15 minutes (8-minute rule or midpoint)
    PER_HOUR = "per_hour"  # one unit per hour (midpoint: 31 minutes make the first hour)
    PER_30 = "per_30"  # one unit per 30 minutes (midpoint: 16 minutes make the first; 98960)
    INITIAL = "initial"  # first block of a family (e.g. 96158, first 30 minutes)
    ADDON = "addon"  # each further block of a family (e.g. 96159, each further 15 minutes)
    # the minutes choose the code: one unit of the series' code whose range holds them
    # (psychotherapy 90832 16–37, 90834 38–52, 90837 53+; primary_code names the series' first)
    RANGE = "range"


class CodeStatus(StrEnum):
    ACTIVE = "active"
    NOT_YET = "not_yet"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Code:
    """One CPT or HCPCS code as therabill bills it."""

    code: str
    kind: str
    short: str
    timing: Timing
    unit_minutes: int | None
    initial_minutes: int | None
    addon_code: str | None
    primary_code: str | None
    min_minutes: int | None
    max_units_per_day: int | None
    disciplines: frozenset[str]
    not_recommended: frozenset[str]
    not_recommended_reason: str
    effective: dt.date | None
    end: dt.date | None
    replaced_by: tuple[str, ...]
    terms: tuple[str, ...]
    source: str
    grade: str
    licensed_description: str | None = None

    @property
    def description(self) -> str:
        """The user's licensed descriptor when imported, otherwise therabill's own words."""
        return self.licensed_description or self.short

    @property
    def timed(self) -> bool:
        return self.timing is not Timing.UNTIMED

    @property
    def deleted_from(self) -> dt.date | None:
        """First date of service on which the code may no longer be billed."""
        return self.end + dt.timedelta(days=1) if self.end else None

    def status_on(self, day: dt.date) -> CodeStatus:
        if self.effective and day < self.effective:
            return CodeStatus.NOT_YET
        if self.end and day > self.end:
            return CodeStatus.DELETED
        return CodeStatus.ACTIVE

    def licensed_for(self, discipline: str) -> bool:
        """Whether the discipline's licence allows billing the code (empty set: anyone)."""
        return not self.disciplines or discipline in self.disciplines

    def timing_text(self) -> str:
        match self.timing:
            case Timing.UNTIMED:
                return "untimed: one unit per session"
            case Timing.PER_15:
                return "timed: each 15 minutes"
            case Timing.PER_HOUR:
                return "timed: each hour"
            case Timing.PER_30:
                return "timed: each 30 minutes"
            case Timing.INITIAL:
                return f"first {self.initial_minutes} minutes; add-on {self.addon_code} after"
            case Timing.ADDON:
                return f"add-on to {self.primary_code}: each further {self.unit_minutes} minutes"
            case Timing.RANGE:
                return (
                    f"time range: one unit from {self.min_minutes} minutes; the minutes choose "
                    f"the code of its series ({self.primary_code or self.code} …)"
                )
