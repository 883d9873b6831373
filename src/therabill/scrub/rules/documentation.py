"""Rule 12: the note supports the time billed.

Sources: CMS Pub 100-04 ch.5 §20.2 (timed codes need the total timed minutes documented;
only treatment time counts, §20.3); AMA Information Services letters ask for the techniques
used (billing-rules.md §7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule
from therabill.scrub.rules.common import timed_lines


def documented_minutes(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


@rule(
    "documentation.session-times",
    Severity.ERROR,
    source="CMS Pub 100-04 ch.5 §20.2 (document the total timed minutes); §20.3",
    when="timed",
)
def session_times(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Timed codes billed without the session's start and end time (or the end before the start)."""
    if not any(True for _ in timed_lines(claim, ctx)):
        return
    session = claim.session
    if session is None or session.start is None or session.end is None:
        missing = (
            "session"
            if session is None
            else ("session.start" if session.start is None else "session.end")
        )
        yield finding(
            "documentation.session-times",
            "timed codes are billed, but the session's start and end time are not recorded.",
            field=missing,
            fix="Record when the session started and ended (from the note).",
        )
    elif documented_minutes(session.start, session.end) <= 0:
        yield finding(
            "documentation.session-times",
            f"the session ends ({session.end:%H:%M}) before it starts ({session.start:%H:%M}).",
            field="session.end",
            fix="Correct the times (use 24-hour clock times).",
        )


@rule(
    "documentation.time-short",
    Severity.ERROR,
    source="CMS Pub 100-04 ch.5 §20.2-20.3 (billed minutes must be documented treatment time)",
    when="timed",
)
def time_short(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The session is shorter than the timed minutes billed on its date."""
    session = claim.session
    if session is None or session.start is None or session.end is None:
        return
    length = documented_minutes(session.start, session.end)
    if length <= 0:
        return
    per_day: dict[dt.date, int] = {}
    for _, line, _ in timed_lines(claim, ctx):
        per_day[line.date] = per_day.get(line.date, 0) + (line.minutes or 0)
    for day, minutes in sorted(per_day.items()):
        if minutes > length:
            yield finding(
                "documentation.time-short",
                f"{day}: {minutes} timed minutes billed, but the session "
                f"({session.start:%H:%M}-{session.end:%H:%M}) lasted {length}.",
                field="lines",
                fix="Bill only the minutes spent treating, or correct the session times.",
            )


@rule(
    "documentation.techniques",
    Severity.WARNING,
    source="AMA Information Services letters (billing-rules.md §7): notes name the techniques",
)
def techniques(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """No techniques listed for the session."""
    if claim.session is None or not [t for t in claim.session.techniques if t.strip()]:
        yield finding(
            "documentation.techniques",
            "no techniques are listed for the session: payers check that the code fits what "
            "was done.",
            field="session.techniques",
            fix="List the techniques used (e.g. effleurage, myofascial release, gait training).",
        )
