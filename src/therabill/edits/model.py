"""NCCI edit rows: procedure-to-procedure pairs and medically unlikely edits (MUE).

Mechanics (APTA, ASHA, AOTA NCCI pages; CMS NCCI policy manual): for a pair billed for one
patient on one date by one provider, column 1 is paid and column 2 denied, unless the
modifier indicator is 1 and column 2 carries 59 or XE/XS/XP/XU. An MUE caps the units of a
code per line (MAI 1) or per date (MAI 2, 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field


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
        """Whether the edit applies on a date (a deleted edit stops on its deletion date)."""
        if self.effective and day < self.effective:
            return False
        return not (self.deletion and day >= self.deletion)


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


@dataclass
class EditTables:
    """PTP pairs indexed by code pair, MUE limits by code."""

    ptp: dict[tuple[str, str], tuple[PtpEdit, ...]] = field(default_factory=dict)
    mue: dict[str, MueLimit] = field(default_factory=dict)
    codes_with_ptp: frozenset[str] = frozenset()

    @classmethod
    def build(cls, ptp: Iterable[PtpEdit], mue: Iterable[MueLimit]) -> EditTables:
        pairs: dict[tuple[str, str], list[PtpEdit]] = {}
        for edit in ptp:
            pairs.setdefault((edit.column1, edit.column2), []).append(edit)
        codes = frozenset(c for pair in pairs for c in pair)
        return cls({k: tuple(v) for k, v in pairs.items()}, {m.code: m for m in mue}, codes)

    def pair(self, first: str, second: str, day: dt.date) -> PtpEdit | None:
        """The edit for two codes on a date, whichever is column 1 (None if none applies)."""
        for key in ((first, second), (second, first)):
            for edit in self.ptp.get(key, ()):
                if edit.modifier_indicator != 9 and edit.active_on(day):
                    return edit
        return None

    def all_ptp(self) -> list[PtpEdit]:
        return [edit for edits in self.ptp.values() for edit in edits]
