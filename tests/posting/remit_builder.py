"""835s for posting tests, made from the 837P the store really submitted.

``billed(text)`` reads our 837P back (CLM and SV1 through the X12 tokenizer);
``paid_as_billed`` is the payer's usual answer for one of its lines; the 835 itself is written
by ``therabill.x12.remittance_835.builder`` (``AdjudicatedLine``, ``AdjudicatedClaim``,
``write_835``), which ``remit`` returns as bytes. Amounts are integer cents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from therabill.x12.reader import iter_segments
from therabill.x12.remittance_835.builder import (
    AdjudicatedClaim,
    AdjudicatedLine,
    paid_line,
    write_835,
)


@dataclass
class BilledLine:
    code: str
    modifiers: list[str]
    charge: int
    units: int
    day: dt.date
    control_number: str = ""  # REF*6R


@dataclass
class BilledClaim:
    claim_id: str
    charge: int
    lines: list[BilledLine] = field(default_factory=list)


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def billed(text: str) -> list[BilledClaim]:
    claims: list[BilledClaim] = []
    for _, delimiters, seg in iter_segments(text.encode("ascii")):
        if seg.id == "CLM":
            claims.append(BilledClaim(seg.get(1), _cents(seg.get(2))))
        elif seg.id == "SV1":
            parts = seg.get(1).split(delimiters.component)
            claims[-1].lines.append(
                BilledLine(parts[1], parts[2:], _cents(seg.get(2)), int(seg.get(4)), dt.date.min)
            )
        elif seg.id == "DTP" and seg.get(1) == "472":
            claims[-1].lines[-1].day = dt.datetime.strptime(seg.get(3), "%Y%m%d").date()
        elif seg.id == "REF" and seg.get(1) == "6R":
            claims[-1].lines[-1].control_number = seg.get(2)
    return claims


def paid_as_billed(
    line: BilledLine, allowed_pct: int = 80, cas_extra: Iterable[tuple[str, str, int]] = ()
) -> AdjudicatedLine:
    """The usual answer to a billed line: allowed = pct of charge, the rest CO-45."""
    return paid_line(
        line.code,
        line.charge,
        line.units,
        day=line.day,
        modifiers=line.modifiers,
        allowed_percent=allowed_pct,
        extra=cas_extra,
    )


def remit(claims: Sequence[AdjudicatedClaim], **options: Any) -> bytes:
    """``write_835`` as the bytes a poster reads."""
    return write_835(claims, **options).encode("ascii")
