"""Which ICD-10-CM codes are billable on a date of service, release by release.

A claim's diagnosis must be valid in the ICD-10-CM release in force on the date of service:
each fiscal year's release takes effect on October 1, and CMS/CDC may publish a mid-year
update in force from April 1 (HIPAA code sets, 45 CFR 162.1002(c)(2) and 162.1011; CMS,
https://www.cms.gov/medicare/coding-billing/icd-10-codes; a payer denies a code not valid on
the date with CARC 146, "diagnosis was invalid for the date(s) of service reported").
M54.5 (low back pain) was billable
through 2021-09-30; from 2021-10-01 (FY2022) it is a heading with M54.50, M54.51 and M54.59.

The data are two files beside this module, rebuilt from the CMS/CDC tabular order files of every
release since FY2021 by ``icd10cm_refresh``: ``icd10cm_billable.csv`` (the newest release's
billable codes) and ``icd10cm_changes.csv`` (each code that became or stopped being billable,
with its date). Dates before the oldest release (2020-10-01) are judged by that release.

``icd10cm_sex.csv`` holds CMS's Medicare Code Editor sex edit lists (diagnoses for females
only, for males only; MCE v37): a code that is now a heading hands its edit to the codes it was
expanded into (N80.0, female only, became N80.00 … in FY2023).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass
from importlib.resources import files
from typing import Literal

CHANGES_SOURCE = "CMS/CDC ICD-10-CM tabular order files, FY2021 to FY2026 (April 2026 update)"
SEX_SOURCE = "CMS Definitions of Medicare Code Edits v37, sex conflict edit (5.A, 5.C)"
FIRST_RELEASE = dt.date(2020, 10, 1)

Change = Literal["added", "deleted"]


def _rows(name: str) -> list[list[str]]:
    text = files("therabill.identifiers").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return [line.split(",") for line in lines[1:]]  # the first line names the columns


@dataclass(frozen=True)
class Releases:
    """The newest billable codes and every change since the oldest release."""

    billable: frozenset[str]
    changes: dict[str, tuple[tuple[dt.date, Change], ...]]
    known: tuple[str, ...]  # every code billable in some release, sorted (prefix look-ups)

    def billable_on(self, code: str, day: dt.date) -> bool:
        """Whether ``code`` (compact, upper case) is billable on ``day``."""
        events = self.changes.get(code)
        if not events:
            return code in self.billable
        state = events[0][1] == "deleted"  # billable in the oldest release iff first deleted
        for when, change in events:
            if when > day:
                break
            state = change == "added"
        return state

    def change_after(self, code: str, day: dt.date) -> tuple[dt.date, Change] | None:
        """The first change to ``code`` after ``day``, if any."""
        return next((e for e in self.changes.get(code, ()) if e[0] > day), None)

    def change_until(self, code: str, day: dt.date) -> tuple[dt.date, Change] | None:
        """The last change to ``code`` on or before ``day``, if any."""
        found = None
        for event in self.changes.get(code, ()):
            if event[0] > day:
                break
            found = event
        return found

    def billable_children(self, code: str, day: dt.date, *, limit: int = 4) -> list[str]:
        """Billable codes on ``day`` that start with ``code`` (the more specific codes)."""
        start = bisect.bisect_right(self.known, code)
        found: list[str] = []
        for other in self.known[start:]:
            if not other.startswith(code) or len(found) >= limit:
                break
            if self.billable_on(other, day):
                found.append(other)
        return found


@functools.cache
def releases() -> Releases:
    """The shipped release data, read once."""
    billable = frozenset(row[0] for row in _rows("icd10cm_billable.csv"))
    changes: dict[str, list[tuple[dt.date, Change]]] = {}
    for code, change, day in _rows("icd10cm_changes.csv"):
        kind: Change = "added" if change == "added" else "deleted"
        changes.setdefault(code, []).append((dt.date.fromisoformat(day), kind))
    return Releases(
        billable,
        {code: tuple(sorted(events)) for code, events in changes.items()},
        tuple(sorted(billable | changes.keys())),
    )


def release_name(day: dt.date) -> str:
    """The release a change date starts: 'FY2022' (October 1) or 'the April 2023 update'."""
    if day.month == 4:
        return f"the April {day.year} update"
    return f"FY{day.year + 1 if day.month >= 10 else day.year}"


@functools.cache
def _sex_codes() -> dict[str, str]:
    return {code: sex for code, sex in _rows("icd10cm_sex.csv")}


def sex_only(code: str) -> str | None:
    """'F' or 'M' when the MCE accepts ``code`` (compact) for that sex only, else None.

    A code expanded into more specific codes after the list was published keeps its parent's
    edit: the longest listed prefix of at least three characters decides.
    """
    table = _sex_codes()
    for end in range(len(code), 2, -1):
        sex = table.get(code[:end])
        if sex is not None:
            return sex
    return None
