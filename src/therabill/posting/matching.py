"""Which of our claim lines each 835 service line (SVC) pays.

Payers do not always send back what was billed: they pay under another code or modifier
(SVC06 then carries what was billed), reduce units (SVC07 the billed units), bundle two lines
into one payment, or split one line into several. Source: 005010X221A1 section 1.10.2.6
(procedure code bundling and unbundling) and the SVC06/SVC07 element notes.

Matching runs in rounds, each taking only what the earlier rounds left:

0. by line item control number: an SVC whose REF*6R is one of our lines' control numbers
   (sent in the 837P's 2400 REF*6R) pays that line, whatever its code, charge or place in the
   file. The 835 returns the number "when a Line Item Control Number was received on the
   original claim", and on every part of a split line (005010X221A1 loop 2110 REF*6R and
   section 1.10.2.6); a number that is none of ours (an older claim sent without one, whose
   payer returned LX01) leaves the SVC to the rounds below;
1. one to one, best score first: the billed code (SVC06, else SVC01), the charge (SVC02 is
   what we billed for the line, whatever the payer paid it under), modifiers, units; a
   service date that differs from the line's rules the pair out;
2. bundled: an SVC whose charge is the sum of two or more lines still open pays them, each
   by its share of the charge;
3. left over on both sides, the same number: paired in file order (a recoded line);
4. split: an SVC whose code matches a line already paid adds to that line;
5. anything still left is spread over all lines by charge, and said so.

Pure: plain data in, plain data out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import combinations

MAX_BUNDLE = 4


@dataclass(frozen=True, slots=True)
class BilledLine:
    """One of our claim lines, as billed."""

    id: int
    line_number: int
    day: dt.date
    code: str
    modifiers: tuple[str, ...]
    units: int
    charge_cents: int
    control_number: str = ""


@dataclass(frozen=True, slots=True)
class PaidService:
    """What matching needs of one SVC."""

    index: int
    code: str
    modifiers: tuple[str, ...]
    billed_code: str
    billed_modifiers: tuple[str, ...]
    units: int | None
    billed_units: int | None
    charge_cents: int
    day: dt.date | None
    control_number: str = ""  # REF*6R


@dataclass(frozen=True, slots=True)
class Share:
    """Part of one SVC paid to one line: ``numerator/denominator`` of its amounts."""

    service: int
    line_id: int
    how: str
    numerator: int = 1
    denominator: int = 1


def score(service: PaidService, line: BilledLine) -> int | None:
    """How alike an SVC and a line are; None when the dates rule them apart."""
    if service.day is not None and service.day != line.day:
        return None
    points = 0
    code = service.billed_code or service.code
    if code == line.code:
        points += 8
    elif service.code == line.code:
        points += 6
    if service.charge_cents == line.charge_cents:
        points += 4
    modifiers = service.billed_modifiers if service.billed_code else service.modifiers
    if modifiers == line.modifiers:
        points += 2
    elif set(modifiers) & set(line.modifiers):
        points += 1
    units = service.billed_units or service.units or 1
    if units == line.units:
        points += 1
    return points


def match_services(services: list[PaidService], lines: list[BilledLine]) -> list[Share]:
    """Every SVC's shares over our lines (see the module docstring for the rounds)."""
    if not lines:
        return []
    shares: list[Share] = []
    open_services = {s.index: s for s in services}
    open_lines = {line.id: line for line in lines}
    matched_line_of: dict[int, int] = {}
    # 0. by line item control number (several SVCs may name one line: a split line)
    by_number = {line.control_number: line for line in lines if line.control_number}
    for s in services:
        line = by_number.get(s.control_number) if s.control_number else None
        if line is not None:
            points = score(s, line)
            how = "as billed" if points is not None and points >= 14 else "by line control number"
            shares.append(Share(s.index, line.id, how))
            matched_line_of[s.index] = line.id
            del open_services[s.index]
            open_lines.pop(line.id, None)
    # 1. one to one, best first (a code or charge match at least)
    pairs = []  # those already matched by number would be skipped below: not scored at all
    for s in open_services.values():
        for line in open_lines.values():
            points = score(s, line)
            if points is not None and points >= 4:
                pairs.append((-points, s.index, line.line_number, line.id))
    for negative_points, s_index, _, line_id in sorted(pairs):
        if s_index in open_services and line_id in open_lines:
            how = "as billed" if -negative_points >= 14 else "by code or charge"
            shares.append(Share(s_index, line_id, how))
            matched_line_of[s_index] = line_id
            del open_services[s_index], open_lines[line_id]
    # 2. bundled: one SVC for the sum of several open lines
    for s in list(open_services.values()):
        group = _bundle(s, list(open_lines.values()))
        if group:
            total = sum(line.charge_cents for line in group)
            for line in group:
                shares.append(Share(s.index, line.id, "bundled", line.charge_cents, total))
                del open_lines[line.id]
            del open_services[s.index]
    # 3. recoded: the same number left on both sides, paired in order
    if open_services and len(open_services) == len(open_lines):
        remaining = sorted(open_lines.values(), key=lambda ln: ln.line_number)
        for s, line in zip(
            sorted(open_services.values(), key=lambda x: x.index), remaining, strict=True
        ):
            if s.day is None or s.day == line.day:
                shares.append(Share(s.index, line.id, "by position"))
                matched_line_of[s.index] = line.id
                del open_services[s.index], open_lines[line.id]
    # 4. split: more SVCs for a line already paid
    by_code = {line.code: line for line in lines}
    for s in list(open_services.values()):
        same = by_code.get(s.billed_code or s.code)
        if same is not None and (s.day is None or s.day == same.day):
            shares.append(Share(s.index, same.id, "split"))
            del open_services[s.index]
    # 5. spread whatever is left over every line by charge
    total = sum(line.charge_cents for line in lines) or len(lines)
    for s in open_services.values():
        for line in lines:
            weight = line.charge_cents if total != len(lines) else 1
            shares.append(Share(s.index, line.id, "unmatched, spread", weight, total))
    return shares


def _bundle(service: PaidService, candidates: list[BilledLine]) -> list[BilledLine]:
    usable = [line for line in candidates if service.day is None or service.day == line.day][:12]
    for size in range(2, min(MAX_BUNDLE, len(usable)) + 1):
        for group in combinations(usable, size):
            if sum(line.charge_cents for line in group) == service.charge_cents:
                return list(group)
    return []
