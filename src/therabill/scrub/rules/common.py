"""Small helpers the rule families share (grouping lines by date and code)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

from therabill.claims import Claim, ServiceLine
from therabill.codes import Code, Timing
from therabill.scrub.context import ClaimContext


def by_date_and_code(
    claim: Claim, ctx: ClaimContext
) -> Mapping[tuple[dt.date, str], list[tuple[int, ServiceLine, Code]]]:
    """Lines with a billable code, grouped by (date, code), keeping their 0-based index.

    Computed once per claim (``prepare``); rules must not change it.
    """
    return ctx.groups


def dates(claim: Claim) -> list[dt.date]:
    return sorted({line.date for line in claim.lines})


def timed_lines(claim: Claim, ctx: ClaimContext) -> Iterator[tuple[int, ServiceLine, Code]]:
    for i, (line, code) in enumerate(zip(claim.lines, ctx.codes, strict=True)):
        if code is not None and code.timing is not Timing.UNTIMED:
            yield i, line, code


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"
