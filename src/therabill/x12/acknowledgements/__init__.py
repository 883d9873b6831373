"""Acknowledgements of the 837P files we sent: 999 (was the file well formed?) and 277CA
(was each claim accepted into the payer's adjudication system?).

- 999 (005010X231A1): AK1 names our functional group (GS06), each AK2 one transaction (ST02)
  with its IK5 verdict (A accepted, E accepted with errors, R/M/W/X rejected) and the errors
  that caused it (IK3 segment, IK4 element); AK9 gives the group's verdict, which stands for
  every transaction when the 999 lists none.
- 277CA (005010X214): per claim, TRN*2 carries our claim number (CLM01), STC01-1 its status
  category: A2 accepted into adjudication; A3, A4, A6, A7, A8, E3, E4 rejected (returned
  before adjudication; correct and resend); others are informational. REF*1K is the payer's
  claim number. STC12 is the payer's free text.

Pure: ``read_acknowledgements(source)`` returns plain objects; the store decides what they
mean for each claim. Read with the shared X12 tokenizer (``therabill.x12.reader``).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from importlib import resources

from therabill.x12.reader import Source, X12Error, iter_segments

ACCEPTED_CATEGORIES = frozenset({"A2"})
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8", "E3", "E4"})
REJECTED_ACKS = frozenset({"R", "M", "W", "X"})


@functools.cache
def _codes() -> dict[tuple[str, str], str]:
    text = resources.files(__package__).joinpath("codes.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if ln[:1] != "#")))
    return {(r["table"], r["code"]): r["description"] for r in rows}


def describe(table: str, code: str) -> str:
    return _codes().get((table, code), f"code {code}")


@dataclass(frozen=True, slots=True)
class TransactionAck:
    """A 999's verdict on one 837P transaction (or, with ``transaction`` empty, a group)."""

    file: str
    group_number: int
    transaction: str
    code: str
    errors: tuple[str, ...] = ()

    @property
    def rejected(self) -> bool:
        return self.code in REJECTED_ACKS

    @property
    def reason(self) -> str:
        text = f"999 {self.code}: {describe('ack', self.code)}"
        return text + (f" ({'; '.join(self.errors)})" if self.errors else "")


@dataclass(frozen=True, slots=True)
class ClaimAck:
    """A 277CA's status for one claim."""

    file: str
    claim_number: str
    category: str
    status_code: str
    message: str
    payer_claim_number: str = ""

    @property
    def accepted(self) -> bool:
        return self.category in ACCEPTED_CATEGORIES

    @property
    def rejected(self) -> bool:
        return self.category in REJECTED_CATEGORIES

    @property
    def reason(self) -> str:
        text = f"277CA {self.category}:{self.status_code}: {describe('category', self.category)}"
        return text + (f": {self.message}" if self.message else "")


@dataclass(slots=True)
class Acknowledgements:
    transactions: list[TransactionAck] = field(default_factory=list)
    claims: list[ClaimAck] = field(default_factory=list)


def read_acknowledgements(source: Source) -> Acknowledgements:
    """Every 999 and 277CA transaction in ``source``; other transactions are refused."""
    out = Acknowledgements()
    kind = ""
    group = 0
    ak2: dict[str, str] = {}
    errors: list[str] = []
    listed = False
    segment_error = ""
    claim: dict[str, str] | None = None

    def close_claim() -> None:
        nonlocal claim
        if claim is not None and claim.get("number") and claim.get("category"):
            out.claims.append(
                ClaimAck(
                    file=name,
                    claim_number=claim["number"],
                    category=claim["category"],
                    status_code=claim.get("status", ""),
                    message=claim.get("message", ""),
                    payer_claim_number=claim.get("payer", ""),
                )
            )
        claim = None

    name = ""
    for name, delimiters, seg in iter_segments(source):
        sid = seg.id
        if sid == "ST":
            kind = seg.get(1)
            if kind not in ("999", "277"):
                raise X12Error(
                    f"a {kind} transaction is not an acknowledgement (999 or 277CA)",
                    file=name,
                    segment_number=seg.number,
                    segment_id="ST",
                    element="ST01",
                )
            listed = False
        elif kind == "999":
            if sid == "AK1":
                group = _number(seg.get(2), name, seg.number, "AK102")
            elif sid == "AK2":
                ak2, errors, listed = {"tx": seg.get(2)}, [], True
            elif sid == "IK3":
                segment_error = (
                    f"segment {seg.get(1)} #{seg.get(2)}: {describe('segment', seg.get(4))}"
                )
                errors.append(segment_error)
            elif sid == "IK4":
                position = seg.get(1).split(delimiters.component)[0]
                errors.append(
                    f"{segment_error.split(':')[0]} element {position}: "
                    f"{describe('element', seg.get(3))}"
                    + (f" ({seg.get(4)!r})" if seg.get(4) else "")
                )
            elif sid == "IK5" and ak2:
                out.transactions.append(
                    TransactionAck(name, group, ak2["tx"], seg.get(1), tuple(errors[:10]))
                )
                ak2 = {}
            elif sid == "AK9" and not listed:
                out.transactions.append(TransactionAck(name, group, "", seg.get(1)))
        elif kind == "277":
            if sid == "HL":
                close_claim()
                if seg.get(3) == "PT":
                    claim = {}
            elif claim is not None and sid == "TRN" and seg.get(1) == "2":
                claim["number"] = seg.get(2)
            elif claim is not None and sid == "STC" and "category" not in claim:
                parts = seg.get(1).split(delimiters.component)
                claim["category"] = parts[0]
                claim["status"] = parts[1] if len(parts) > 1 else ""
                claim["message"] = seg.get(12)
            elif claim is not None and sid == "REF" and seg.get(1) == "1K":
                claim["payer"] = seg.get(2)
            elif sid == "SE":
                close_claim()
    if not out.transactions and not out.claims:
        raise X12Error("no 999 or 277CA acknowledgement found", file=name or None)
    return out


def _number(text: str, file: str, segment: int, element: str) -> int:
    if not text.isdigit() or not text.isascii():
        raise X12Error(
            f"{text!r} is not a control number",
            file=file,
            segment_number=segment,
            element=element,
        )
    return int(text)
