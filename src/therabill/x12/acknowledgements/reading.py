"""The 999 and 277CA readers: one small state machine per transaction, fed segment by segment
(see the package docstring for what each keeps)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from therabill.x12.acknowledgements.model import (
    MAX_KEPT,
    Acknowledgements,
    ClaimAck,
    InterchangeAck,
    LineAck,
    ProviderAck,
    Status,
    TransactionAck,
    describe,
)
from therabill.x12.reader import Segment, Source, X12Error, iter_segments

CA_GUIDE = "005010X214"


class _Transaction(Protocol):
    def add(self, seg: Segment) -> None: ...
    def finish(self) -> None: ...


def _number(text: str, file: str, seg: Segment, element: str) -> int:
    if not text.isdigit() or not text.isascii():
        raise X12Error(
            f"{text[:20]!r} is not a control number",
            file=file,
            segment_number=seg.number,
            segment_id=seg.id,
            element=element,
        )
    return int(text)


class _Kept:
    """A list that keeps the first ``MAX_KEPT`` items and counts the rest; the last item may
    be given one prefix and one suffix (a context), never more, so each stays short."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.more = 0
        self._prefixed = self._suffixed = True

    def add(self, item: str) -> None:
        if len(self.items) < MAX_KEPT:
            self.items.append(item)
            self._prefixed = self._suffixed = False
        else:
            self.more += 1
            self._prefixed = self._suffixed = True

    def prefix_last(self, text: str) -> None:
        if not self._prefixed:
            self.items[-1] = text + self.items[-1]
            self._prefixed = True

    def suffix_last(self, text: str) -> None:
        if not self._suffixed:
            self.items[-1] += text
            self._suffixed = True

    def tuple(self) -> tuple[str, ...]:
        return (*self.items, f"and {self.more} more") if self.more else tuple(self.items)


class _Ack999:
    """AK1 … AK9 of one 999 transaction."""

    def __init__(self, out: Acknowledgements, file: str, component: str) -> None:
        self.out, self.file, self.component = out, file, component
        self.group = 0
        self.functional = ""
        self.version = ""
        self.listed = False
        self.transaction = ""
        self.errors = _Kept()
        self.claims: dict[str, None] = {}
        self.segment_error = ""

    def add(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "AK1":
            self.functional = seg.get(1)
            self.group = _number(seg.get(2), self.file, seg, "AK102")
            self.version = seg.get(3)
        elif sid == "AK2":
            self.transaction, self.errors, self.claims, self.listed = seg.get(2), _Kept(), {}, True
        elif sid == "IK3":
            loop = f" in loop {seg.get(3)}" if seg.get(3) else ""
            self.segment_error = f"segment {seg.get(1)} #{seg.get(2)}{loop}"
            self.errors.add(f"{self.segment_error}: {describe('segment', seg.get(4))}")
        elif sid == "IK4":
            position = seg.get(1).split(self.component)[0]
            bad = f" ({seg.get(4)[:40]!r})" if seg.get(4) else ""
            self.errors.add(
                f"{self.segment_error or 'a segment'} element {position}: "
                f"{describe('element', seg.get(3))}{bad}"
            )
        elif sid == "CTX":
            self._context(seg)
        elif sid == "IK5" and self.transaction:
            self.out.transactions.append(
                TransactionAck(
                    self.file, self.group, self.transaction, seg.get(1), self.errors.tuple(),
                    self.functional, self.version, tuple(self.claims),
                )
            )  # fmt: skip
            self.transaction = ""
        elif sid == "AK9" and not self.listed:
            self.out.transactions.append(
                TransactionAck(
                    self.file, self.group, "", seg.get(1), (), self.functional, self.version
                )
            )

    def _context(self, seg: Segment) -> None:
        """CTX after IK3/IK4: the business unit the error is in (``CLM01:TB00000002``: our
        claim) or where in the transaction the situational rule was triggered."""
        name, _, reference = seg.get(1).partition(self.component)
        if name == "SITUATIONAL TRIGGER":
            at = f"{seg.get(2)} #{seg.get(3)}" if seg.get(2) else ""
            if at:
                self.errors.suffix_last(f" (required because of {at})")
        elif name and reference:
            if name == "CLM01" and len(self.claims) < 5000:  # an 837 ST holds ≤ 5,000 CLM
                self.claims[reference] = None
            what = "claim" if name == "CLM01" else name
            self.errors.prefix_last(f"{what} {reference}: ")

    def finish(self) -> None:
        return None


class _Ack277:
    """HL … SE of one 277CA transaction: providers (2000C/2200C), claims (2200D), lines
    (2220D)."""

    def __init__(self, out: Acknowledgements, file: str, component: str) -> None:
        self.out, self.file, self.component = out, file, component
        self.level = ""
        self.provider: tuple[str, str] = ("", "")
        self.provider_statuses: list[Status] = []
        self.claim: dict[str, str] | None = None
        self.statuses: list[Status] = []
        self.lines: list[LineAck] = []
        self.line: dict[str, str] | None = None
        self.line_statuses: list[Status] = []
        self.more = 0

    def _statuses(self, seg: Segment) -> list[Status]:
        found = []
        for index in (1, 10, 11):
            parts = seg.get(index).split(self.component)
            if parts[0]:
                found.append(
                    Status(parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "")
                )  # fmt: skip
        return found

    def _keep(self, into: list[Status], new: list[Status]) -> None:
        room = MAX_KEPT - len(into)
        into.extend(new[:room])
        self.more += max(0, len(new) - max(room, 0))

    def add(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "HL":
            self.finish()
            self.level = seg.get(3)
        elif sid == "NM1" and self.level == "19" and seg.get(1) == "85":
            self.provider = (seg.get(9), seg.get(3))
        elif sid == "TRN" and seg.get(1) == "2" and self.level == "PT":
            self._close_claim()
            self.claim = {"number": seg.get(2)}
        elif sid == "STC":
            statuses = self._statuses(seg)
            if self.line is not None:
                self._keep(self.line_statuses, statuses)
            elif self.claim is not None:
                self._keep(self.statuses, statuses)
                if seg.get(12) and "message" not in self.claim:
                    self.claim["message"] = seg.get(12)
            elif self.level == "19":
                self._keep(self.provider_statuses, statuses)
        elif sid == "REF" and self.claim is not None:
            if seg.get(1) == "1K" and self.line is None:
                self.claim["payer"] = seg.get(2)
            elif seg.get(1) == "FJ" and self.line is not None:
                self.line["control"] = seg.get(2)
        elif sid == "SVC" and self.claim is not None:
            self._close_line()
            procedure = seg.get(1).split(self.component)
            self.line = {"procedure": procedure[1] if len(procedure) > 1 else seg.get(1)[:20]}
            self.line["charge"] = seg.get(2)

    def _close_line(self) -> None:
        if self.line is not None:
            if len(self.lines) < MAX_KEPT:
                self.lines.append(
                    LineAck(
                        self.line["procedure"], self.line["charge"], tuple(self.line_statuses),
                        self.line.get("control", ""),
                    )
                )  # fmt: skip
            else:
                self.more += 1
        self.line, self.line_statuses = None, []

    def _close_claim(self) -> None:
        self._close_line()
        claim, statuses = self.claim, self.statuses
        if claim is not None and claim.get("number") and statuses:
            decisive = next((s for s in statuses if s.rejected), statuses[0])
            self.out.claims.append(
                ClaimAck(
                    file=self.file,
                    claim_number=claim["number"],
                    category=decisive.category,
                    status_code=decisive.code,
                    message=claim.get("message", ""),
                    payer_claim_number=claim.get("payer", ""),
                    statuses=tuple(statuses),
                    lines=tuple(self.lines),
                    more=self.more,
                )
            )
        self.claim, self.statuses, self.lines, self.more = None, [], [], 0

    def finish(self) -> None:
        self._close_claim()
        if self.provider_statuses:
            ident, name = self.provider
            self.out.providers.append(
                ProviderAck(self.file, ident, name, tuple(self.provider_statuses))
            )
        self.provider, self.provider_statuses = ("", ""), []


def _start(seg: Segment, file: str, out: Acknowledgements, component: str) -> _Transaction:
    """The reader for the transaction this ST starts, or ``X12Error`` saying what it is."""
    kind, guide = seg.get(1), seg.get(3)

    def refuse(message: str, element: str = "ST01") -> X12Error:
        return X12Error(
            message, file=file, segment_number=seg.number, segment_id="ST", element=element
        )

    if kind == "999":
        return _Ack999(out, file, component)
    if kind == "277":
        if guide and not guide.startswith(CA_GUIDE):
            what = (
                "a claim status response (005010X212, the answer to a 276)"
                if guide.startswith("005010X212")
                else f"guide {guide[:20]}"
            )
            raise refuse(f"this 277 is {what}, not a 277CA ({CA_GUIDE})", "ST03")
        return _Ack277(out, file, component)
    if kind == "997":
        raise refuse("this is a 997, the 004010 acknowledgement; therabill reads 999 (005010)")
    raise refuse(f"a {kind[:10]} transaction is not an acknowledgement (999 or 277CA)")


def _ta1(seg: Segment, file: str) -> InterchangeAck:
    """TA101 the interchange acknowledged, TA104 A/E/R, TA105 the note code."""
    code = seg.get(4)
    if code not in ("A", "E", "R"):
        raise X12Error(
            f"TA104 {code[:10]!r} is not A, E or R",
            file=file,
            segment_number=seg.number,
            segment_id="TA1",
            element="TA104",
        )
    return InterchangeAck(file, _number(seg.get(1), file, seg, "TA101"), code, seg.get(5)[:3])


Ack = TransactionAck | InterchangeAck | ClaimAck | ProviderAck
"""One acknowledgement as ``iter_acknowledgements`` gives it: a 999 transaction's (or
group's) verdict, a TA1, a 277CA claim, or a 277CA billing provider status."""


def iter_acknowledgements(source: Source) -> Iterator[Ack]:
    """Every TA1, 999 verdict and 277CA claim and provider status in ``source``, in file order,
    each as soon as its segments are read: memory stays flat whatever the number of claims
    (a file is not held). Other transactions are refused (``X12Error``), as is a file with no
    acknowledgement at all."""
    out = Acknowledgements()  # the state machines' sink, emptied after every segment
    current: _Transaction | None = None
    name = ""
    found = False
    for name, delimiters, seg in iter_segments(source):
        if seg.id == "ST":
            current = _start(seg, name, out, delimiters.component)
        elif seg.id == "SE":
            if current is not None:
                current.finish()
            current = None
        elif seg.id == "TA1" and current is None:
            out.interchanges.append(_ta1(seg, name))
        elif current is not None:
            current.add(seg)
        if out.transactions or out.claims or out.providers or out.interchanges:
            found = True
            yield from _drain(out)
    if not found:
        raise X12Error("no TA1, 999 or 277CA acknowledgement found", file=name or None)


def _drain(out: Acknowledgements) -> Iterator[Ack]:
    """What the segment just read completed (one segment completes at most a claim and its
    provider, or one verdict), emptied from the sink."""
    kept: list[list[Any]] = [out.interchanges, out.transactions, out.claims, out.providers]
    for items in kept:
        yield from items
        items.clear()


def read_acknowledgements(source: Source) -> Acknowledgements:
    """Every TA1, 999 and 277CA transaction in ``source`` as one object (at most ``MAX_KEPT``
    TA1s); ``iter_acknowledgements`` gives them one at a time."""
    out = Acknowledgements()
    for ack in iter_acknowledgements(source):
        if isinstance(ack, InterchangeAck):
            if len(out.interchanges) < MAX_KEPT:
                out.interchanges.append(ack)
        elif isinstance(ack, TransactionAck):
            out.transactions.append(ack)
        elif isinstance(ack, ClaimAck):
            out.claims.append(ack)
        else:
            out.providers.append(ack)
    return out
