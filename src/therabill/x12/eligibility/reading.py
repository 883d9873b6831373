"""The 271 reader: one small state machine fed segment by segment (HL levels 20 payer,
21 provider, 22 subscriber, 23 dependent; EB opens loop 2110, LS/LE wrap loop 2120).

Linear in the file and bounded in memory: members are yielded one at a time
(``iter_271``), and each keeps at most ``MAX_BENEFITS`` benefits and ``MAX_PER_BENEFIT`` of
each kind of segment under one benefit (the rest are counted in ``more``). A file that cannot
be read is refused whole with one ``X12Error`` naming the segment and element.

Reference: ASC X12N 005010X279A1 loop and segment tables, as in pyx12's map
``271.5010.X279.A1.xml`` (github.com/azoner/pyx12, commit a564361).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from therabill.x12.eligibility.model import (
    MAX_BENEFITS,
    MAX_NOTES,
    MAX_PER_BENEFIT,
    MAX_REJECTIONS,
    Benefit,
    Delivery,
    EligibilityResponse,
    Rejection,
)
from therabill.x12.reader import Segment, Source, X12Error, iter_segments

GUIDE = "005010X279"
_LEVELS = {"20": "source", "21": "receiver", "22": "subscriber", "23": "dependent"}


def _decimal(seg: Segment, index: int, file: str) -> Decimal | None:
    text = seg.get(index).strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or len(text) > 18:
        raise X12Error(
            f"{text[:20]!r} is not a number",
            file=file,
            segment_number=seg.number,
            segment_id=seg.id,
            element=f"{seg.id}{index:02d}",
        )
    return value


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        return None


class _Reader:
    """The state of one 271 transaction; ``add`` returns a finished member, if any."""

    def __init__(self, file: str, transaction: str, component: str, repetition: str | None):
        self.file, self.transaction = file, transaction
        self.component, self.repetition = component, repetition
        self.level = ""
        self.created: dt.date | None = None
        self.payer = ("", "")
        self.provider = ("", "")
        self.upper_rejections: list[Rejection] = []
        self.member: EligibilityResponse | None = None
        self.benefit: Benefit | None = None
        self.in_2120 = False
        self.members = 0
        self.numbers: dict[str, Decimal | None] = {}

    def _new_member(self, level: str) -> EligibilityResponse:
        member = EligibilityResponse(
            file=self.file,
            transaction=self.transaction,
            created=self.created,
            payer_name=self.payer[0],
            payer_id=self.payer[1],
            provider_name=self.provider[0],
            provider_id=self.provider[1],
            level=level,
        )
        member.rejections.extend(self.upper_rejections)
        return member

    def _note(self, member: EligibilityResponse, seg: Segment, text: str) -> None:
        if len(member.notes) < MAX_NOTES:
            member.notes.append(f"segment {seg.number} ({seg.id}): {text}")
        else:
            member.more += 1

    def add(self, seg: Segment) -> EligibilityResponse | None:
        sid = seg.id
        if sid == "HL":
            done = self.close()
            self.level = _LEVELS.get(seg.get(3), "")
            if self.level in ("subscriber", "dependent"):
                self.member = self._new_member(self.level)
            return done
        if sid == "BHT":
            self.created = _date(seg.get(4))
            return None
        if sid == "LS":
            self.in_2120 = True
            return None
        if sid == "LE":
            self.in_2120 = False
            return None
        member = self.member
        if member is None:
            self._upper(seg)
            return None
        if self.benefit is not None:
            self._in_benefit(member, self.benefit, seg)
        elif sid == "EB":
            self._start_benefit(member, seg)
        else:
            self._in_member(member, seg)
        return None

    def _upper(self, seg: Segment) -> None:
        """Loops 2000A/2100A (payer) and 2000B/2100B (provider)."""
        if seg.id == "NM1":
            name = " ".join(p for p in (seg.get(3), seg.get(4)) if p)
            if self.level == "source":
                self.payer = (name, seg.get(9))
            elif self.level == "receiver":
                self.provider = (name, seg.get(9))
        elif seg.id == "AAA" and len(self.upper_rejections) < MAX_REJECTIONS:
            loop = "2100B" if self.level == "receiver" else "2100A"
            self.upper_rejections.append(Rejection(loop, seg.get(3), seg.get(4), seg.number))

    def _in_member(self, member: EligibilityResponse, seg: Segment) -> None:
        """Loop 2000C/D and 2100C/D: who the member is."""
        sid = seg.id
        if sid == "NM1":
            member.last_name, member.first_name = seg.get(3), seg.get(4)
            if seg.get(9):
                member.member_id = seg.get(9)
        elif sid == "TRN" and seg.get(1) == "2" and len(member.traces) < 3:
            member.traces.append(seg.get(2))
        elif sid == "REF":
            if seg.get(1) in ("6P", "1L", "IG") and not member.group_number:
                member.group_number = seg.get(2)
            elif seg.get(1) == "18" and not member.plan_number:
                member.plan_number = seg.get(2)
        elif sid == "DMG" and seg.get(1) == "D8":
            member.birth_date = _date(seg.get(2))
        elif sid == "DTP":
            if len(member.dates) < MAX_PER_BENEFIT:
                member.dates.append((seg.get(1), seg.get(3)))
        elif sid == "AAA":
            self._reject(member, seg, "2100C" if member.level == "subscriber" else "2100D")

    def _reject(self, member: EligibilityResponse, seg: Segment, loop: str) -> None:
        if len(member.rejections) < MAX_REJECTIONS:
            member.rejections.append(Rejection(loop, seg.get(3), seg.get(4), seg.number))
        else:
            member.more += 1

    def _number(self, text: str, seg: Segment, index: int) -> Decimal | None:
        """An element as a number, remembered (amounts repeat across members)."""
        if not text:
            return None
        found = self.numbers.get(text)
        if found is None:
            found = _decimal(seg, index, self.file)
            if len(self.numbers) > 10_000:
                self.numbers.clear()
            self.numbers[text] = found
        return found

    def _start_benefit(self, member: EligibilityResponse, seg: Segment) -> None:
        if len(member.benefits) >= MAX_BENEFITS:
            member.more += 1
            self.benefit = Benefit(info=seg.get(1))  # read, not kept
            return
        e = seg.elements
        if len(e) < 14:
            e = e + [""] * (14 - len(e))
        types = e[3]
        if self.repetition and self.repetition in types:
            service_types = tuple(t for t in types.split(self.repetition)[:99] if t)
        else:
            service_types = (types,) if types else ()
        percent = self._number(e[8], seg, 8)
        suspect = percent is not None and percent > 1
        if suspect:
            self._note(member, seg, f"EB08 {percent} is not a fraction of one: amounts ignored")
            percent = None
        procedure = e[13].split(self.component) if e[13] else ()
        benefit = Benefit(
            info=e[1],
            level=e[2],
            service_types=service_types,
            insurance_type=e[4],
            plan=e[5][:60],
            period=e[6],
            amount=self._number(e[7], seg, 7),
            percent=percent,
            quantity_qualifier=e[9],
            quantity=self._number(e[10], seg, 10),
            authorization=e[11],
            network=e[12],
            procedure=procedure[1][:48] if len(procedure) > 1 else "",
            segment_number=seg.number,
            suspect=suspect,
        )
        member.benefits.append(benefit)
        self.benefit = benefit
        self.in_2120 = False

    def _in_benefit(self, member: EligibilityResponse, benefit: Benefit, seg: Segment) -> None:
        """Loop 2110C/D after its EB, and 2120C/D inside LS/LE."""
        sid = seg.id
        if sid == "EB":
            self.benefit = None
            self._start_benefit(member, seg)
            return
        if self.in_2120:
            if sid == "NM1" and not benefit.entity:
                benefit.entity = " ".join(p for p in (seg.get(3), seg.get(4)) if p)[:80]
            return
        if sid == "AAA":
            self._reject(member, seg, "2110C" if member.level == "subscriber" else "2110D")
            return
        if sid not in ("HSD", "DTP", "MSG", "REF"):
            return  # AMT, III, PRV, NM1 outside 2120: not used by the summary
        if (
            len(benefit.deliveries) + len(benefit.dates) + len(benefit.messages)
            + len(benefit.references) >= 4 * MAX_PER_BENEFIT
        ):  # fmt: skip
            member.more += 1
        elif sid == "HSD" and len(benefit.deliveries) < MAX_PER_BENEFIT:
            benefit.deliveries.append(
                Delivery(
                    seg.get(1),
                    self._number(seg.get(2).strip(), seg, 2),
                    seg.get(5),
                    self._number(seg.get(6).strip(), seg, 6),
                )
            )
        elif sid == "DTP" and len(benefit.dates) < MAX_PER_BENEFIT:
            benefit.dates.append((seg.get(1), seg.get(3)))
        elif sid == "MSG" and len(benefit.messages) < MAX_PER_BENEFIT:
            benefit.messages.append(seg.get(1)[:264])
        elif sid == "REF" and len(benefit.references) < MAX_PER_BENEFIT:
            benefit.references.append((seg.get(1), seg.get(2)[:50]))
        else:
            member.more += 1

    def close(self) -> EligibilityResponse | None:
        """The member read so far, finished (None when there is none)."""
        member, self.member, self.benefit, self.in_2120 = self.member, None, None, False
        if member is not None:
            self.members += 1
        return member

    def finish(self) -> EligibilityResponse | None:
        done = self.close()
        if done is None and self.members == 0 and self.upper_rejections:
            done = self._new_member("")  # refused above any member: the refusal alone
        return done


def _start(seg: Segment, file: str) -> None:
    kind, guide = seg.get(1), seg.get(3)
    if kind == "271" and (not guide or guide.startswith(GUIDE)):
        return
    if kind == "271":
        message = f"this 271 follows guide {guide[:20]}; therabill reads {GUIDE}A1"
    elif kind == "270":
        message = "this is a 270 (an eligibility request), not the 271 response"
    else:
        message = f"a {kind[:10]} transaction is not an eligibility response (271)"
    raise X12Error(message, file=file, segment_number=seg.number, segment_id="ST", element="ST01")


def iter_271(source: Source) -> Iterator[EligibilityResponse]:
    """Each member's answer in ``source``, one at a time (see the module docstring)."""
    reader: _Reader | None = None
    name = ""
    found = False
    for name, delimiters, seg in iter_segments(source):
        if seg.id == "ST":
            _start(seg, name)
            reader = _Reader(name, seg.get(2), delimiters.component, delimiters.repetition)
        elif seg.id == "SE":
            if reader is not None:
                done = reader.finish()
                if done is not None:
                    found = True
                    yield done
            reader = None
        elif seg.id in ("ISA", "GS", "GE", "IEA"):
            continue
        elif reader is not None:
            done = reader.add(seg)
            if done is not None:
                found = True
                yield done
    if not found:
        raise X12Error("no eligibility response (271) found", file=name or None)


def read_271(source: Source) -> list[EligibilityResponse]:
    """Every member's answer in ``source`` (``iter_271`` kept in a list)."""
    return list(iter_271(source))
