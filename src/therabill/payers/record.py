"""A payer's record, as its posted remittances show it: per code, what it paid per unit and
what it denied and why; and how long it takes to pay. Summed by the store (payer insights),
read by the scrubber's advice rules and the code advisor, which say it in the sentences here.

Never invented: every figure carries the number of lines (or claims) it comes from and the
months of service they span, and nothing is said from fewer than ``MIN_EVIDENCE``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

MIN_EVIDENCE = 5  # lines (or claims) a sentence needs; fewer say nothing
SENTENCES_KEPT = 4_096  # a code's sentences, by its record's figures: a build asks per claim
CENT = Decimal("0.01")


def span(first: dt.date, last: dt.date) -> str:
    """Months of service as ``2026-01..2026-11`` (one month: ``2026-03``)."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%Y-%m}"
    return f"{first:%Y-%m}..{last:%Y-%m}"


def dollars(cents: Decimal) -> Decimal:
    return (cents / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """One payer's lines of one code: ``paid`` of them paid (median per unit in cents, and
    the dates of those), ``denied`` allowed nothing (their most frequent CARCs first)."""

    code: str
    lines: int
    first: dt.date
    last: dt.date
    paid: int = 0
    paid_median_cents: Decimal | None = None
    paid_first: dt.date | None = None
    paid_last: dt.date | None = None
    denied: int = 0
    reasons: tuple[str, ...] = ()

    def paid_text(self, payer: str) -> str | None:
        """What ``payer`` paid per unit, when enough lines say; worded once per record
        (the sentence depends only on the record's figures, which are frozen)."""
        return _paid_text(self, payer)

    def _paid_text(self, payer: str) -> str | None:
        if self.paid < MIN_EVIDENCE or self.paid_median_cents is None:
            return None
        months = span(self.paid_first or self.first, self.paid_last or self.last)
        return (
            f"{payer} paid {self.code} at ${dollars(self.paid_median_cents)}/unit "
            f"(median, n = {self.paid}, {months})"
        )

    @property
    def mostly_denied(self) -> bool:
        return self.lines >= MIN_EVIDENCE and self.denied * 2 >= self.lines

    def denied_text(self, payer: str) -> str | None:
        """How often ``payer`` denied the code and why, when it mostly did (worded once)."""
        return _denied_text(self, payer)

    def _denied_text(self, payer: str) -> str | None:
        if not self.mostly_denied:
            return None
        why = ", ".join(f"CARC {r}" for r in self.reasons[:2]) or "no reason code"
        return (
            f"{payer} denied {self.code} {self.denied} of {self.lines} times "
            f"({why}, {span(self.first, self.last)})"
        )

    def sentences(self, payer: str) -> list[str]:
        return [s for s in (self.paid_text(payer), self.denied_text(payer)) if s]


_paid_text = functools.lru_cache(maxsize=SENTENCES_KEPT)(CodeRecord._paid_text)
_denied_text = functools.lru_cache(maxsize=SENTENCES_KEPT)(CodeRecord._denied_text)


@dataclass(frozen=True)
class PayerRecord:
    """One payer's record: its codes, and the days from submission to payment of its claims."""

    payer: str
    codes: Mapping[str, CodeRecord] = field(default_factory=dict)
    days_mean: float | None = None
    days_claims: int = 0
    days_first: dt.date | None = None
    days_last: dt.date | None = None

    def days_text(self) -> str | None:
        if self.days_claims < MIN_EVIDENCE or self.days_mean is None:
            return None
        months = span(self.days_first, self.days_last) if self.days_first and self.days_last else ""
        return (
            f"{self.payer} takes {self.days_mean:.0f} days on average from submission to "
            f"payment (n = {self.days_claims} claims{', ' + months if months else ''})"
        )
