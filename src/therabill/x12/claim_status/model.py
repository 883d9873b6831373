"""What a claim status response (277, 005010X212) says, as frozen objects, in plain words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from therabill.x12.claim_status.codes import (
    category_action,
    plain_status,
)

MAX_KEPT = 100
"""Statuses and lines kept per claim (more are counted, not kept), so a hostile file cannot
make one object as large as itself."""

# STC01-1 categories whose claim was never taken in: it must be corrected and sent again.
REJECTED = frozenset({"A3", "A4", "A6", "A7", "A8", "E3", "E4"})


@dataclass(frozen=True, slots=True)
class Status:
    """One STC composite (STC01, STC10 or STC11): category (code list 507), status (508) and
    the entity it concerns (element 98, e.g. QC patient, 85 billing provider)."""

    category: str
    code: str
    entity: str = ""

    @property
    def text(self) -> str:
        return f"{self.category}:{self.code} {plain_status(self.category, self.code, self.entity)}"


@dataclass(frozen=True, slots=True)
class LineStatus:
    """The status of one service line (loop 2220D/E: SVC, STC, REF*FJ, DTP*472)."""

    procedure: str
    charge: Decimal | None
    paid: Decimal | None
    statuses: tuple[Status, ...]
    control_number: str = ""  # REF*FJ: the line item control number we sent (837P REF*6R)
    service_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """A payer's status of one claim (loop 2200D or 2200E).

    ``trace_number`` is TRN02, the number our 276 sent (the claim number); ``claim_number``
    REF*EJ, the patient control number we sent in the 837P (CLM01), else the trace number.
    ``statuses`` holds every composite of every claim STC in file order; ``category`` and
    ``status_code`` are the first one's, which decides.
    """

    file: str
    trace_number: str
    claim_number: str
    statuses: tuple[Status, ...]
    effective: dt.date | None = None  # STC02: the day the status took effect
    charge: Decimal | None = None  # STC04
    paid: Decimal | None = None  # STC05
    adjudicated: dt.date | None = None  # STC06
    check_date: dt.date | None = None  # STC08
    check_number: str = ""  # STC09
    message: str = ""  # STC12
    payer_claim_number: str = ""  # REF*1K
    service_from: dt.date | None = None  # DTP*472
    service_to: dt.date | None = None
    patient: str = ""  # NM1*QC (dependant) or NM1*IL (subscriber) as "LAST, FIRST"
    member_id: str = ""
    lines: tuple[LineStatus, ...] = ()
    more: int = 0  # statuses or lines beyond MAX_KEPT, counted only

    @property
    def category(self) -> str:
        return self.statuses[0].category if self.statuses else ""

    @property
    def status_code(self) -> str:
        return self.statuses[0].code if self.statuses else ""

    @property
    def action(self) -> str:
        """What the biller does: correct, wait, answer, done or retry ('' if unknown)."""
        return category_action(self.category)

    @property
    def rejected(self) -> bool:
        return any(s.category in REJECTED for s in self.statuses)

    @property
    def reason(self) -> str:
        """Every status in plain words, the lines' after the claim's."""
        parts = [s.text for s in self.statuses]
        for number, line in enumerate(self.lines, 1):
            said = "; ".join(s.text for s in line.statuses)
            parts.append(f"line {number} ({line.procedure or line.control_number}): {said}")
        if self.message:
            parts.append(self.message)
        if self.more:
            parts.append(f"and {self.more} more")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class LevelStatus:
    """A status about the whole request (information receiver, loop 2200B) or a provider
    (2200C) rather than one claim: e.g. ``E0:24:85``, the provider is not approved."""

    file: str
    level: str  # "information receiver" or "provider"
    name: str
    id: str
    trace_number: str
    statuses: tuple[Status, ...]

    @property
    def reason(self) -> str:
        said = "; ".join(s.text for s in self.statuses)
        return f"277 for {self.level} {self.name or '?'} ({self.id or 'no id'}): {said}"


@dataclass(slots=True)
class ClaimStatusResponse:
    """Everything a 277 file said: the payer (2100A), claim statuses and level statuses."""

    payer_name: str = ""
    payer_id: str = ""
    claims: list[ClaimStatus] = field(default_factory=list)
    levels: list[LevelStatus] = field(default_factory=list)
