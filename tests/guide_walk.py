"""Walk an X12 implementation guide's loops and segments, as pyx12 4.0's maps write them down
(``pyx12/map/835.5010.X221.A1.xml``, ``999.5010X231.A1.xml``, ``277.5010.X214.xml``: the
loop and segment tables of the ASC X12 005010 guides, with each element's usage and codes).

``guide_segments(map)`` yields every segment the guide allows, with its loop and a sample of
it that fills every required and situational element (codes from the guide's own lists,
values by data type), so a test can put each one where the guide allows it and read the file.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

CONTROL = {"ISA", "GS", "ST", "SE", "GE", "IEA"}


@dataclass(frozen=True)
class GuideSegment:
    loop: str  # the enclosing loop's id: HEADER, 1000A, 2100, ISA_LOOP …
    first_in_loop: bool  # the segment that starts its loop (N1 of 1000A, CLP of 2100 …)
    id: str
    name: str
    samples: tuple[str, ...]  # one per code of its first element (or one)


def _map(name: str) -> ET.Element:
    return ET.fromstring(resources.files("pyx12").joinpath("map", name).read_bytes())


@functools.cache
def _types() -> dict[str, tuple[str, int]]:
    root = _map("dataele.xml")
    return {
        e.get("ele_num", ""): (e.get("data_type", "AN"), int(e.get("min_len", "1")))
        for e in root.iter("data_ele")
    }


def _value(element: ET.Element, code: str | None = None) -> str:
    codes = [c.text or "" for c in element.iter("code")]
    if code is not None:
        return code
    if codes:
        return codes[0]
    kind, least = _types().get(element.findtext("data_ele") or "", ("AN", 1))
    if kind == "DT":
        return "20260105" if least == 8 else "260105"
    if kind == "TM":
        return "1200"
    if kind == "R":
        return "1.00"
    if kind.startswith("N"):
        return "1" * max(least, 1)
    return "X" * max(least, 1)


def _elements(segment: ET.Element, first_code: str | None) -> list[str]:
    values = []
    for index, element in enumerate(e for e in segment if e.tag in ("element", "composite")):
        if (element.findtext("usage") or "N") == "N":
            values.append("")
            continue
        if element.tag == "composite":
            parts = [
                _value(c, first_code if index == 0 and n == 0 else None)
                if (c.findtext("usage") or "N") != "N"
                else ""
                for n, c in enumerate(element.findall("element"))
            ]
            values.append(":".join(parts).rstrip(":"))
        else:
            values.append(_value(element, first_code if index == 0 else None))
    while values and not values[-1]:
        values.pop()
    return values


def _samples(segment: ET.Element) -> tuple[str, ...]:
    first = next((e for e in segment if e.tag in ("element", "composite")), None)
    holder = first.find("element") if first is not None and first.tag == "composite" else first
    codes = [c.text or "" for c in holder.iter("code")] if holder is not None else []
    sid = segment.get("xid", "")
    return tuple(
        "*".join([sid, *_elements(segment, code)])
        for code in (codes or [None])  # type: ignore[list-item]
    )


def guide_segments(map_name: str) -> Iterator[GuideSegment]:
    """Every non-control segment of the guide, in guide order."""

    def walk(loop: ET.Element) -> Iterator[GuideSegment]:
        first = True
        for child in loop:
            if child.tag == "loop":
                yield from walk(child)
            elif child.tag == "segment":
                sid = child.get("xid", "")
                if sid not in CONTROL and (child.findtext("usage") or "") != "N":
                    yield GuideSegment(
                        loop.get("xid", ""), first, sid, child.findtext("name") or "",
                        _samples(child),
                    )  # fmt: skip
                first = False

    yield from walk(_map(map_name))
