"""How an imported CMS file compares with the shipped subset, on one date of service.

The shipped subset is cut from a copy of the CMS files and a few article rows; when a practice
imports the current quarter, the import says where the two disagree, so a stale shipped row
is seen (and, being replaced, no longer fires).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from therabill.edits.model import EditTables, MueLimit, PtpEdit


@dataclass(frozen=True, slots=True)
class Difference:
    item: str  # "PTP 97530/97140" or "MUE 97110"
    shipped: str
    imported: str

    def to_dict(self) -> dict[str, str]:
        return {"item": self.item, "shipped": self.shipped, "imported": self.imported}


@dataclass(frozen=True, slots=True)
class Comparison:
    day: dt.date
    compared: int
    differences: tuple[Difference, ...]
    not_covered: tuple[str, ...]  # shipped items the imported files do not hold

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "compared": self.compared,
            "agree": self.compared - len(self.differences),
            "differences": [d.to_dict() for d in self.differences],
            "not_covered": list(self.not_covered),
        }


def describe_pair(edit: PtpEdit | None) -> str:
    if edit is None:
        return "no edit"
    until = f", through {edit.deletion.isoformat()}" if edit.deletion else ""
    return f"{edit.column1}/{edit.column2} indicator {edit.modifier_indicator}{until}"


def describe_limit(limit: MueLimit | None) -> str:
    if limit is None:
        return "no MUE"
    per = "per line" if limit.per_line else "per date"
    return f"{limit.limit} {per}" + (f" (MAI {limit.mai})" if limit.mai else "")


def compare_with_shipped(
    shipped: EditTables,
    imported: EditTables,
    day: dt.date,
    *,
    ptp_covers: Callable[[str], bool] | None,
    mue_imported: bool,
) -> Comparison:
    """Each shipped pair and limit against the imported rows, as in force on ``day``.

    ``ptp_covers(code)`` says whether the imported PTP part files hold the rows whose
    column 1 is ``code`` (None: no PTP file imported); a pair neither of whose codes is
    covered is listed as not covered rather than as a difference.
    """
    differences: list[Difference] = []
    not_covered: list[str] = []
    compared = 0
    pairs = sorted({tuple(sorted(key)) for key in shipped.ptp})
    for first, second in pairs:
        item = f"PTP {first}/{second}"
        if ptp_covers is None or not (ptp_covers(first) or ptp_covers(second)):
            not_covered.append(item)
            continue
        compared += 1
        ours = describe_pair(shipped.pair(first, second, day))
        theirs = describe_pair(imported.pair(first, second, day))
        if ours != theirs:
            differences.append(Difference(item, ours, theirs))
    for code in sorted(shipped.mue):
        item = f"MUE {code}"
        if not mue_imported:
            not_covered.append(item)
            continue
        compared += 1
        ours, theirs = describe_limit(shipped.mue.get(code)), describe_limit(imported.mue.get(code))
        if ours != theirs:
            differences.append(Difference(item, ours, theirs))
    return Comparison(day, compared, tuple(differences), tuple(not_covered))
