"""What the rules need besides the claim: loaded once per run, then derived once per claim.

``ScrubContext`` holds the code set, payer profiles, edit tables and today's date; it is built
once (``ScrubContext.load``) and shared by every claim, so no data file is read per claim.
``ClaimContext`` is what a rule receives: the same tables plus what every rule would otherwise
recompute: the claim's payer profile, each line's code, and the units the minutes support.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from therabill.claims import Claim
from therabill.codes import Code, CodeSet, CodeStatus, Timing, load_code_set
from therabill.edits import EditTables, load_edit_tables
from therabill.errors import InvalidInput
from therabill.payers import PayerProfile, load_payer_profiles
from therabill.units import UnitResult, count_units

DEFAULT_PAYER = "COMMERCIAL"


@dataclass(frozen=True)
class ScrubContext:
    """Everything loaded once for a scrub run.

    ``therapy_spent`` maps (client id, year, "pt_slp" | "ot") to the therapy charges already
    billed that year (from the store), for Medicare's KX threshold; empty when unknown.
    """

    code_set: CodeSet
    payers: Mapping[str, PayerProfile]
    edits: EditTables
    today: dt.date
    therapy_spent: Mapping[tuple[str, int, str], Decimal] = field(default_factory=dict)

    @classmethod
    def load(cls, *, payers_dir: Path | None = None, today: dt.date | None = None) -> ScrubContext:
        """Read the code set, payer profiles and edit tables (each file once)."""
        return cls(
            code_set=load_code_set(),
            payers=load_payer_profiles(payers_dir),
            edits=load_edit_tables(),
            today=today or dt.date.today(),
        )

    def payer_for(self, claim: Claim) -> tuple[PayerProfile, bool]:
        """The claim's payer profile and whether it was found (else the generic profile)."""
        profile = self.payers.get(claim.payer.id)
        if profile is not None:
            return profile, True
        return self.payers[DEFAULT_PAYER], False


@dataclass(frozen=True)
class DayUnits:
    """Units the minutes support on one date of service, by code, under the payer's rule."""

    result: UnitResult | None
    problem: str | None = None  # why units could not be counted (e.g. more than 24 hours)

    def units(self, code: str) -> int | None:
        if self.result is None:
            return None
        return self.result.units_by_code().get(code)


@dataclass(frozen=True)
class ClaimContext:
    """What a rule sees: the run's tables plus the claim's payer, codes and computed units."""

    scrub: ScrubContext
    payer: PayerProfile
    payer_known: bool
    codes: tuple[Code | None, ...]  # per line: the code if it is billable on the line's date
    days: Mapping[dt.date, DayUnits]

    @property
    def code_set(self) -> CodeSet:
        return self.scrub.code_set

    @property
    def edits(self) -> EditTables:
        return self.scrub.edits

    @property
    def today(self) -> dt.date:
        return self.scrub.today


def _active(code_set: CodeSet, code: str, day: dt.date) -> Code | None:
    entry = code_set.codes.get(code)
    if entry is None or entry.status_on(day) is not CodeStatus.ACTIVE:
        return None
    return entry


def prepare(claim: Claim, scrub: ScrubContext) -> ClaimContext:
    """Derive once per claim what several rules need."""
    payer, known = scrub.payer_for(claim)
    codes = tuple(_active(scrub.code_set, line.code, line.date) for line in claim.lines)
    services: dict[dt.date, list[tuple[str, int]]] = {}
    for line, code in zip(claim.lines, codes, strict=True):
        if code is None:
            continue
        minutes = line.minutes
        if minutes is None:
            if code.timing not in (Timing.UNTIMED, Timing.ADDON):
                continue
            minutes = 0  # untimed: one unit; add-on: its family's minutes may be on the primary
        services.setdefault(line.date, []).append((code.code, minutes))
    days: dict[dt.date, DayUnits] = {}
    for day, items in services.items():
        try:
            result = count_units(items, rule=payer.unit_rule, day=day, code_set=scrub.code_set)
        except InvalidInput as exc:
            days[day] = DayUnits(None, exc.message)
        else:
            days[day] = DayUnits(result)
    return ClaimContext(scrub, payer, known, codes, days)
