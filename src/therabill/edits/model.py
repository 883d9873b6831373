"""NCCI edit rows: procedure-to-procedure pairs and medically unlikely edits (MUE).

Mechanics (APTA, ASHA, AOTA NCCI pages; CMS NCCI policy manual): for a pair billed for one
patient on one date by one provider, column 1 is paid and column 2 denied, unless the
modifier indicator is 1 and column 2 carries 59 or XE/XS/XP/XU. An MUE caps the units of a
code per line (MAI 1) or per date (MAI 2, 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

# A PTP row as an import writes it: column 1, column 2, effective and deletion dates (ISO
# text; the deletion None when the file says "*"), modifier indicator, rationale.
PtpRow = tuple[str, str, str, str | None, int, str]


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    effective: dt.date | None
    deletion: dt.date | None
    modifier_indicator: int  # 0 never together, 1 allowed with a modifier, 9 not applicable
    rationale: str
    source: str
    status: str

    def active_on(self, day: dt.date) -> bool:
        """Whether the edit applies on a date: from its effective date through its deletion date.

        The CMS files give the last day an edit applies as its deletion date: the edits of
        99201, which CPT deleted from 2021-01-01, end 20201231, and 97140/97530, which CMS
        removed from the January 2020 file, ends 20191231 (2026 Q3/Q4 practitioner PTP files).
        """
        if self.effective and day < self.effective:
            return False
        return not (self.deletion and day > self.deletion)


@dataclass(frozen=True, slots=True)
class MueLimit:
    code: str
    limit: int
    mai: int | None  # 1 per line, 2/3 per date, None unknown (checked per date)
    rationale: str
    source: str
    status: str

    @property
    def per_line(self) -> bool:
        return self.mai == 1


class EveryCode:
    """A container that holds every code: an indexed table is asked pair by pair instead."""

    def __contains__(self, code: object) -> bool:
        return True


@dataclass
class EditTables:
    """PTP rows by (column 1, column 2), MUE limits by code.

    In memory for the shipped subset; for an imported CMS file the two mappings read an
    indexed table row by row (``therabill.edits.indexed``), so a scrub reads only the rows of
    the codes it meets.
    """

    ptp: Mapping[tuple[str, str], tuple[PtpEdit, ...]] = field(default_factory=dict)
    mue: Mapping[str, MueLimit] = field(default_factory=dict)
    codes_with_ptp: Container[str] = frozenset()

    @classmethod
    def build(cls, ptp: Iterable[PtpEdit], mue: Iterable[MueLimit]) -> EditTables:
        pairs: dict[tuple[str, str], list[PtpEdit]] = {}
        for edit in ptp:
            pairs.setdefault((edit.column1, edit.column2), []).append(edit)
        codes = frozenset(c for pair in pairs for c in pair)
        return cls({k: tuple(v) for k, v in pairs.items()}, {m.code: m for m in mue}, codes)

    def pair(self, first: str, second: str, day: dt.date) -> PtpEdit | None:
        """The edit for two codes on a date, whichever is column 1 (None if none applies).

        Indicator 9 means no edit (CMS: "not applicable", an edit deleted back to its
        effective date), so such rows never answer.
        """
        for key in ((first, second), (second, first)):
            for edit in self.ptp.get(key, ()):
                if edit.modifier_indicator != 9 and edit.active_on(day):
                    return edit
        return None

    def rows_for(self, first: str, second: str) -> tuple[PtpEdit, ...]:
        """Every row of a pair in either order, as the table holds them."""
        return self.ptp.get((first, second), ()) + self.ptp.get((second, first), ())

    def all_ptp(self) -> list[PtpEdit]:
        return [edit for edits in self.ptp.values() for edit in edits]
