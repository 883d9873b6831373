"""Rule 13: 97150 group therapy: one untimed unit per session, not the same minutes as one-on-one.

Sources: CMS Pub 100-04 ch.5 §20.2 B (97150 is untimed, one unit per group member);
healthnetworksolutions 97150; NCCI pairs 97150 with 97110/97112/97535 (billing-rules.md §5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule
from therabill.scrub.rules.common import timed_lines
from therabill.scrub.rules.documentation import documented_minutes

GROUP = "97150"


@rule(
    "group.one-unit",
    Severity.ERROR,
    source="CMS Pub 100-04 ch.5 §20.2 B (97150 untimed, one unit per group member)",
    when="group",
)
def one_unit(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """97150 billed with more than one unit for a session (it is untimed)."""
    per_day: dict[dt.date, list[int]] = {}
    for i, line in enumerate(claim.lines):
        if line.code == GROUP:
            per_day.setdefault(line.date, []).append(i)
    for day, indexes in per_day.items():
        units = sum(claim.lines[i].units or 1 for i in indexes)
        if units > 1:
            i = indexes[0]
            yield finding(
                "group.one-unit",
                f"97150 on {day}: {units} units; group therapy is one unit per member per "
                "session, whatever its length.",
                at=i,
                field=f"lines[{i}].units",
                fix="Bill 1 unit of 97150.",
                code=GROUP,
            )


@rule(
    "group.with-individual",
    Severity.ERROR,
    source="CMS Pub 100-04 ch.5 §20.2 (one minute is billed once); NCCI pairs 97150 with one-on-one codes",
    when="group",
)
def with_individual(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """97150 with one-on-one timed codes the same date whose minutes overlap the group's."""
    groups = {i: line for i, line in enumerate(claim.lines) if line.code == GROUP}
    if not groups:
        return
    session = claim.session
    length = (
        documented_minutes(session.start, session.end)
        if session and session.start and session.end
        else None
    )
    for i, group_line in groups.items():
        individual = [ln for _, ln, _ in timed_lines(claim, ctx) if ln.date == group_line.date]
        if not individual:
            continue
        timed = sum(ln.minutes or 0 for ln in individual)
        codes = ", ".join(sorted({ln.code for ln in individual}))
        if length is not None and group_line.minutes is not None:
            if group_line.minutes + timed > length:
                yield finding(
                    "group.with-individual",
                    f"97150 ({group_line.minutes} min) and one-on-one {codes} ({timed} min) add "
                    f"up to more than the {length}-minute session: the same minutes are billed "
                    "twice.",
                    at=i,
                    field=f"lines[{i}].minutes",
                    fix="Bill each minute once: group time as 97150, one-on-one time as the "
                    "timed codes.",
                    code=GROUP,
                )
        else:
            yield finding(
                "group.with-individual",
                f"97150 with one-on-one {codes} on {group_line.date}: the note must show the "
                "group and one-on-one minutes separately (give 97150's minutes and the "
                "session times to check).",
                at=i,
                field=f"lines[{i}].minutes",
                fix="Record the group's minutes and the session's start and end.",
                code=GROUP,
                severity=Severity.WARNING,
            )
