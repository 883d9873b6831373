"""What a 999 or 277CA says, as frozen objects, with their reasons in plain words.

The 999's codes and their descriptions are in ``codes.csv`` beside this module (sources in its
header); the 277CA's claim status codes in ``therabill.x12.claim_status``'s table.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from importlib import resources

from therabill.x12.claim_status.codes import (
    describe_category,
    describe_entity,
    describe_status,
    plain_status,
)

ACCEPTED_CATEGORIES = frozenset({"A2"})
"""277CA STC01-1 A2: accepted into the payer's adjudication system (code list 507)."""
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8", "E3", "E4"})
"""Returned before adjudication: correct and resend (code list 507)."""
REJECTED_ACKS = frozenset({"R", "M", "W", "X"})
"""IK501/AK901 codes that reject the transaction (005010X231A1)."""
CLAIMS_GROUP = "HC"
"""AK101 of a 999 about 837 claims (functional identifier code, X12 element 479)."""

MAX_KEPT = 100
"""Statuses, errors and lines kept per claim or transaction; more are counted, not kept, so a
hostile file cannot make one object as large as itself."""


@functools.cache
def _codes() -> dict[tuple[str, str], str]:
    text = resources.files(__package__).joinpath("codes.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if ln[:1] != "#")))
    return {(r["table"], r["code"]): r["description"] for r in rows}


_SHARED = {"category": describe_category, "status": describe_status, "entity": describe_entity}
"""Claim status categories, status codes and entities come from the one table the 277 claim
status reader uses too (``therabill.x12.claim_status``, data/status_codes.csv)."""


def describe(table: str, code: str) -> str:
    shared = _SHARED.get(table)
    if shared is not None:
        return shared(code)
    return _codes().get((table, code), f"code {code}")


@dataclass(frozen=True, slots=True)
class TransactionAck:
    """A 999's verdict on one transaction it acknowledges (or, with ``transaction`` empty, on
    the whole group, from AK9 when no AK2 lists the transactions).

    ``functional_id`` is AK101: HC for our 837 claims; a 999 for another kind of group (BE
    enrollment, HS eligibility…) is about nothing therabill sent as claims. ``claim_numbers``
    are the CLM01 values the 999's CTX segments name (the claims whose data had errors).
    """

    file: str
    group_number: int
    transaction: str
    code: str
    errors: tuple[str, ...] = ()
    functional_id: str = CLAIMS_GROUP
    version: str = ""
    claim_numbers: tuple[str, ...] = ()

    @property
    def rejected(self) -> bool:
        return self.code in REJECTED_ACKS

    @property
    def about_claims(self) -> bool:
        return self.functional_id == CLAIMS_GROUP

    @property
    def reason(self) -> str:
        text = f"999 {self.code}: {describe('ack', self.code)}"
        if not self.about_claims:
            what = describe("functional", self.functional_id)
            text += (
                f" (group {self.group_number} of {what}, AK1*{self.functional_id}: not claims "
                "therabill sent)"
            )
        return text + (f" ({'; '.join(self.errors)})" if self.errors else "")


@dataclass(frozen=True, slots=True)
class InterchangeAck:
    """A TA1: the clearinghouse's verdict on a whole interchange we sent (ISA13), before any
    group in it was read. TA104 R means nothing in the file reached the payer."""

    file: str
    interchange_number: int
    code: str
    note: str = ""

    @property
    def rejected(self) -> bool:
        return self.code == "R"

    @property
    def reason(self) -> str:
        text = f"TA1 {self.code}: interchange {self.interchange_number:09d} "
        text += describe("interchange", self.code)
        if self.note and self.note != "000":
            text += f" ({self.note}: {describe('note', self.note)})"
        return text


@dataclass(frozen=True, slots=True)
class Status:
    """One STC composite (STC01, STC10 or STC11): category (507), status (508), entity (98)."""

    category: str
    code: str
    entity: str = ""

    @property
    def rejected(self) -> bool:
        return self.category in REJECTED_CATEGORIES

    @property
    def text(self) -> str:
        return f"{self.category}:{self.code}: {plain_status(self.category, self.code, self.entity)}"


@dataclass(frozen=True, slots=True)
class LineAck:
    """A 277CA's status of one service line (loop 2220D: SVC, then its STC)."""

    procedure: str
    charge: str
    statuses: tuple[Status, ...]
    control_number: str = ""  # REF*FJ: the line item control number we sent


@dataclass(frozen=True, slots=True)
class ClaimAck:
    """A 277CA's status for one claim (loop 2200D: TRN*2 is our CLM01).

    ``statuses`` holds every composite of every claim-level STC in file order; ``category``
    and ``status_code`` are the one that decides: the first rejection, else the first.
    """

    file: str
    claim_number: str
    category: str
    status_code: str
    message: str
    payer_claim_number: str = ""
    statuses: tuple[Status, ...] = ()
    lines: tuple[LineAck, ...] = ()
    more: int = 0  # statuses or lines beyond MAX_KEPT, counted only

    @property
    def accepted(self) -> bool:
        return not self.rejected and any(s.category in ACCEPTED_CATEGORIES for s in self._all)

    @property
    def rejected(self) -> bool:
        return any(s.rejected for s in self._all)

    @property
    def _all(self) -> tuple[Status, ...]:
        return self.statuses or (Status(self.category, self.status_code),)

    @property
    def reason(self) -> str:
        statuses = self._all
        decisive = next(
            (s for s in statuses if (s.category, s.code) == (self.category, self.status_code)),
            statuses[0],
        )
        parts = [f"277CA {decisive.text}"]
        parts += [f"also {s.text}" for s in statuses if s is not decisive]
        for number, line in enumerate(self.lines, 1):
            said = "; ".join(s.text for s in line.statuses)
            parts.append(f"line {number} ({line.procedure or line.control_number}): {said}")
        if self.message:
            parts.append(self.message)
        if self.more:
            parts.append(f"and {self.more} more")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class ProviderAck:
    """A 277CA's status for a billing provider (loop 2200C): a rejection here rejects every
    claim of that provider in the file, though the 277CA may list none of them."""

    file: str
    id: str  # NM109: the NPI (NM108 XX) or the tax id (FI)
    name: str
    statuses: tuple[Status, ...]

    @property
    def rejected(self) -> bool:
        return any(s.rejected for s in self.statuses)

    @property
    def reason(self) -> str:
        said = "; ".join(s.text for s in self.statuses)
        return f"277CA for billing provider {self.name or '?'} ({self.id or 'no id'}): {said}"


@dataclass(slots=True)
class Acknowledgements:
    transactions: list[TransactionAck] = field(default_factory=list)
    interchanges: list[InterchangeAck] = field(default_factory=list)
    claims: list[ClaimAck] = field(default_factory=list)
    providers: list[ProviderAck] = field(default_factory=list)
