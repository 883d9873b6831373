"""The NCCI edit tables as a practice sees them: import the CMS quarterly files, list rows.

The rows live in the edits package (shipped subset, or the indexed table an import writes in
the data folder); this is the one place the command line and any page come to for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from therabill.codes import load_code_set
from therabill.edits import (
    Comparison,
    ImportReport,
    MueLimit,
    PtpEdit,
    compare_with_shipped,
    import_cms_files,
    index_file,
    load_edit_tables,
    shipped_tables,
)
from therabill.edits.indexed import EditIndex, IndexedPairs

Kind = Literal["ptp", "mue"]


@dataclass(frozen=True, slots=True)
class EditImport:
    """What an import did, and how the imported rows compare with the shipped subset."""

    files: tuple[ImportReport, ...]
    comparison: Comparison

    def to_dict(self) -> dict[str, object]:
        return {
            "files": [f.to_dict() for f in self.files],
            "compared_with_shipped": self.comparison.to_dict(),
        }


def import_edit_files(
    paths: Sequence[Path],
    *,
    kind: Kind | None = None,
    keep_all: bool = False,
    today: dt.date | None = None,
    directory: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EditImport:
    """Import CMS PTP part files and/or an MUE table (all or nothing), replacing the shipped
    rows of their kind, and compare the result with the shipped subset on ``today``."""
    keep = None if keep_all else set(load_code_set().codes)
    reports = import_cms_files(paths, kind=kind, keep=keep, directory=directory, progress=progress)
    index = EditIndex(index_file(directory))
    ptp_files = [f for f in index.files.values() if f.kind == "ptp"]

    def covers(code: str) -> bool:
        return any(f.covers(code) for f in ptp_files)

    comparison = compare_with_shipped(
        shipped_tables(),
        load_edit_tables(directory),
        today or dt.date.today(),
        ptp_covers=covers if ptp_files else None,
        mue_imported=index.has("mue"),
    )
    return EditImport(tuple(reports), comparison)


def edit_rows(code: str | None = None) -> tuple[list[PtpEdit], list[MueLimit]]:
    """The PTP rows and MUE limits in force (imported or shipped), all or naming ``code``."""
    tables = load_edit_tables()
    if code is not None and isinstance(tables.ptp, IndexedPairs):
        ptp = tables.ptp.involving(code)
    else:
        ptp = [e for e in tables.all_ptp() if code in (None, e.column1, e.column2)]
    if code is not None:
        limit = tables.mue.get(code)
        return ptp, [limit] if limit else []
    return ptp, sorted(tables.mue.values(), key=lambda m: m.code)
