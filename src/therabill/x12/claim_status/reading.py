"""The 277 claim status response reader (005010X212): one pass over the segments, one claim
at a time, bounded memory (see the package docstring for what it keeps)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from therabill.x12.claim_status.model import (
    MAX_KEPT,
    ClaimStatus,
    ClaimStatusResponse,
    LevelStatus,
    LineStatus,
    Status,
)
from therabill.x12.reader import Segment, Source, X12Error, iter_segments

GUIDE = "005010X212"
CA_GUIDE = "005010X214"
AMOUNT = re.compile(r"-?(?:[0-9]{1,18}(?:\.[0-9]*)?|\.[0-9]{1,18})")
LEVELS = {"21": "information receiver", "19": "provider"}
# X212 loop 2000D (22: subscriber) and 2000E (23: dependant) hold claims; 20 is the payer.


class _Reader:
    """The state of one 277 transaction: the HL level, the claim and line being read."""

    def __init__(self, out: ClaimStatusResponse, file: str, component: str) -> None:
        self.out, self.file, self.component = out, file, component
        self.level = ""
        self.party: tuple[str, str] = ("", "")  # name and id of the level's NM1
        self.member: tuple[str, str] = ("", "")  # patient name and member id
        self.claim: dict[str, object] | None = None
        self.statuses: list[Status] = []
        self.lines: list[LineStatus] = []
        self.line: dict[str, object] | None = None
        self.line_statuses: list[Status] = []
        self.more = 0

    def fail(self, seg: Segment, element: str, message: str) -> X12Error:
        return X12Error(
            message, file=self.file, segment_number=seg.number, segment_id=seg.id, element=element
        )

    def amount(self, seg: Segment, index: int) -> Decimal | None:
        text = seg.get(index)
        if not text:
            return None
        if len(text) > 40 or not AMOUNT.fullmatch(text):
            raise self.fail(seg, f"{seg.id}{index:02d}", f"{text[:20]!r} is not an amount")
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise self.fail(
                seg, f"{seg.id}{index:02d}", f"{text[:20]!r} is not an amount"
            ) from None

    def day(self, seg: Segment, index: int, text: str | None = None) -> dt.date | None:
        value = seg.get(index) if text is None else text
        if not value:
            return None
        try:
            if len(value) != 8 or not value.isdigit():
                raise ValueError
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise self.fail(
                seg, f"{seg.id}{index:02d}", f"{value[:20]!r} is not a date (CCYYMMDD)"
            ) from None

    def composites(self, seg: Segment) -> list[Status]:
        found = []
        for index in (1, 10, 11):
            parts = seg.get(index).split(self.component)
            if parts[0]:
                code = parts[1] if len(parts) > 1 else ""
                found.append(
                    Status(parts[0][:3], code[:30], parts[2][:3] if len(parts) > 2 else "")
                )
        if not found:
            raise self.fail(seg, "STC01", "a status needs its category code (STC01-1)")
        return found

    def keep(self, into: list[Status], new: list[Status]) -> None:
        room = MAX_KEPT - len(into)
        into.extend(new[: max(room, 0)])
        self.more += max(0, len(new) - max(room, 0))

    def add(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "HL":
            self.finish()
            self.level = seg.get(3)
            self.party = ("", "")
        elif sid == "NM1":
            self.name(seg)
        elif sid == "TRN":
            self.close_claim()
            self.claim = {"trace": seg.get(2)[:50]}
        elif sid == "STC":
            self.status(seg)
        elif sid == "REF" and self.claim is not None:
            qualifier, value = seg.get(1), seg.get(2)[:50]
            if self.line is not None:
                if qualifier == "FJ":
                    self.line["control"] = value
            elif qualifier in ("1K", "EJ"):
                self.claim[qualifier] = value
        elif sid == "DTP" and seg.get(1) == "472" and self.claim is not None:
            first, last = self.period(seg)
            if self.line is not None:
                self.line["day"] = first
            else:
                self.claim["from"], self.claim["to"] = first, last
        elif sid == "SVC" and self.claim is not None:
            self.close_line()
            procedure = seg.get(1).split(self.component)
            self.line = {
                "procedure": ":".join(p for p in procedure[1:6] if p)[:48] or seg.get(1)[:48],
                "charge": self.amount(seg, 2),
                "paid": self.amount(seg, 3),
            }

    def name(self, seg: Segment) -> None:
        role, name = seg.get(1), seg.get(3)[:60]
        if self.level == "20" and role == "PR":
            self.out.payer_name, self.out.payer_id = name, seg.get(9)[:80]
        elif self.level in ("22", "23") and role in ("IL", "QC"):
            first = seg.get(4)[:35]
            member = seg.get(9)[:80] if role == "IL" else self.member[1]
            self.member = (f"{name}, {first}" if first else name, member)
        else:
            self.party = (name, seg.get(9)[:80])

    def period(self, seg: Segment) -> tuple[dt.date | None, dt.date | None]:
        """DTP*472 as D8 (one day) or RD8 (CCYYMMDD-CCYYMMDD)."""
        form, value = seg.get(2), seg.get(3)
        if form == "RD8":
            first, _, last = value.partition("-")
            return self.day(seg, 3, first), self.day(seg, 3, last)
        one = self.day(seg, 3)
        return one, one

    def status(self, seg: Segment) -> None:
        statuses = self.composites(seg)
        if self.line is not None:
            self.keep(self.line_statuses, statuses)
            return
        if self.claim is None:
            raise self.fail(seg, "STC01", "a status (STC) must follow its trace number (TRN)")
        self.keep(self.statuses, statuses)
        claim = self.claim
        if "effective" not in claim:  # the first STC of the claim carries its amounts
            claim["effective"] = self.day(seg, 2)
            claim["charge"], claim["paid"] = self.amount(seg, 4), self.amount(seg, 5)
            claim["adjudicated"], claim["check_date"] = self.day(seg, 6), self.day(seg, 8)
            claim["check"] = seg.get(9)[:50]
        if seg.get(12) and "message" not in claim:
            claim["message"] = seg.get(12)[:264]

    def close_line(self) -> None:
        line = self.line
        if line is not None:
            if len(self.lines) < MAX_KEPT:
                self.lines.append(
                    LineStatus(
                        procedure=str(line["procedure"]),
                        charge=_decimal(line.get("charge")),
                        paid=_decimal(line.get("paid")),
                        statuses=tuple(self.line_statuses),
                        control_number=str(line.get("control", "")),
                        service_date=_date(line.get("day")),
                    )
                )
            else:
                self.more += 1
        self.line, self.line_statuses = None, []

    def close_claim(self) -> None:
        self.close_line()
        claim, statuses = self.claim, self.statuses
        if claim is not None and statuses:
            trace = str(claim["trace"])
            if self.level in LEVELS:
                name, ident = self.party
                self.out.levels.append(
                    LevelStatus(self.file, LEVELS[self.level], name, ident, trace, tuple(statuses))
                )
            else:
                self.out.claims.append(self.claim_status(claim, trace, tuple(statuses)))
        self.claim, self.statuses, self.lines, self.more = None, [], [], 0

    def claim_status(
        self, claim: dict[str, object], trace: str, statuses: tuple[Status, ...]
    ) -> ClaimStatus:
        return ClaimStatus(
            file=self.file,
            trace_number=trace,
            claim_number=str(claim.get("EJ") or trace),
            statuses=statuses,
            effective=_date(claim.get("effective")),
            charge=_decimal(claim.get("charge")),
            paid=_decimal(claim.get("paid")),
            adjudicated=_date(claim.get("adjudicated")),
            check_date=_date(claim.get("check_date")),
            check_number=str(claim.get("check", "")),
            message=str(claim.get("message", "")),
            payer_claim_number=str(claim.get("1K", "")),
            service_from=_date(claim.get("from")),
            service_to=_date(claim.get("to")),
            patient=self.member[0],
            member_id=self.member[1],
            lines=tuple(self.lines),
            more=self.more,
        )

    def finish(self) -> None:
        self.close_claim()


def _decimal(value: object) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def _date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _start(seg: Segment, file: str, out: ClaimStatusResponse, component: str) -> _Reader:
    """The reader for the 277 this ST starts, or ``X12Error`` saying what the file is."""

    def refuse(message: str, element: str) -> X12Error:
        return X12Error(
            message, file=file, segment_number=seg.number, segment_id="ST", element=element
        )

    kind, guide = seg.get(1), seg.get(3)
    if kind != "277":
        raise refuse(f"a {kind[:10]} transaction is not a claim status response (277)", "ST01")
    if guide.startswith(CA_GUIDE):
        raise refuse(
            "this 277 is a claim acknowledgement (277CA, 005010X214); read it with: "
            "therabill x12 ack",
            "ST03",
        )
    if guide and not guide.startswith(GUIDE):
        raise refuse(f"this 277 follows guide {guide[:20]!r}; therabill reads {GUIDE}", "ST03")
    return _Reader(out, file, component)


def _walk(source: Source, out: ClaimStatusResponse) -> Iterator[None]:
    """Read ``source`` into ``out``, pausing after each segment (so a caller can take the
    claims read so far)."""
    current: _Reader | None = None
    name = ""
    seen = False
    for name, delimiters, seg in iter_segments(source):
        if seg.id == "ST":
            current = _start(seg, name, out, delimiters.component)
            seen = True
        elif seg.id == "SE":
            if current is not None:
                current.finish()
            current = None
        elif current is not None:
            current.add(seg)
        yield
    if not seen:
        raise X12Error("no 277 claim status response found", file=name or None)


def iter_277(source: Source) -> Iterator[ClaimStatus | LevelStatus]:
    """Each claim status and level status of the 277s (005010X212) in ``source``, one at a
    time as the file is read: memory stays flat whatever the number of claims.

    Refuses, with one ``X12Error`` naming the file, segment and element, a file that holds
    another transaction (a 277CA, an 835 …), another version, or a value it cannot read.
    """
    out = ClaimStatusResponse()
    for _ in _walk(source, out):
        if out.claims or out.levels:
            yield from out.levels
            yield from out.claims
            out.claims.clear()
            out.levels.clear()


def read_277(source: Source) -> ClaimStatusResponse:
    """The whole 277 as one object: the payer (loop 2100A), every claim status and level
    status (``iter_277`` gives them one at a time)."""
    out = ClaimStatusResponse()
    for _ in _walk(source, out):
        pass
    return out
