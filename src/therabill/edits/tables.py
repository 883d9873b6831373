"""Read therabill's edit tables: the subset shipped in the package, or imported CMS files.

The shipped subset is two CSV files (``data/ptp.csv``, ``data/mue.csv``) written by
``scripts/build_ncci_subset.py`` from the CMS files; rows imported with ``therabill edits
import`` live in an indexed table in ``data_dir()/edits/`` and replace the shipped rows of
their kind. A broken row is a ``DataFileError`` naming file and row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from therabill.edits.model import EditTables, MueLimit, PtpEdit
from therabill.errors import DataFileError

PTP_COLUMNS = (
    "column1",
    "column2",
    "effective",
    "deletion",
    "modifier_indicator",
    "rationale",
    "source",
    "status",
)
MUE_COLUMNS = ("code", "limit", "mai", "rationale", "source", "status")
STATUSES = {"P", "S", "?"}


def _rows(text: str, name: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    numbered = [
        (n, line) for n, line in enumerate(text.splitlines(), 1) if not line.startswith("#")
    ]
    if not numbered:
        raise DataFileError(name, None, "the file is empty")
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered)))
    header = [h.strip() for h in next(reader)]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataFileError(name, numbered[0][0], f"missing column(s): {', '.join(missing)}")
    try:
        records = list(reader)
    except csv.Error as exc:
        raise DataFileError(name, None, f"not a readable CSV file: {exc}") from None
    for index, values in enumerate(records, start=1):
        lineno = numbered[index][0] if index < len(numbered) else numbered[-1][0]
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise DataFileError(name, lineno, f"expected {len(header)} fields, found {len(values)}")
        yield lineno, {k: v.strip() for k, v in zip(header, values, strict=True)}


def _date(value: str, column: str, name: str, row: int) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DataFileError(name, row, f"{column} {value!r} is not a date YYYY-MM-DD") from None


def _code(value: str, column: str, name: str, row: int) -> str:
    code = value.upper()
    if len(code) != 5 or not code.isalnum():
        raise DataFileError(name, row, f"{column} {value!r} is not a 5-character code")
    return code


def _status(value: str, name: str, row: int) -> str:
    if value not in STATUSES:
        raise DataFileError(name, row, f"status {value!r} must be P, S or ?")
    return value


def parse_ptp(text: str, name: str) -> list[PtpEdit]:
    edits = []
    for row, values in _rows(text, name, PTP_COLUMNS):
        indicator = values["modifier_indicator"]
        if indicator not in {"0", "1", "9"}:
            raise DataFileError(name, row, f"modifier_indicator {indicator!r} must be 0, 1 or 9")
        if not values["source"]:
            raise DataFileError(name, row, "every edit needs a source")
        edits.append(
            PtpEdit(
                column1=_code(values["column1"], "column1", name, row),
                column2=_code(values["column2"], "column2", name, row),
                effective=_date(values["effective"], "effective", name, row),
                deletion=_date(values["deletion"], "deletion", name, row),
                modifier_indicator=int(indicator),
                rationale=values["rationale"],
                source=values["source"],
                status=_status(values["status"], name, row),
            )
        )
    return edits


def parse_mue(text: str, name: str) -> list[MueLimit]:
    limits = []
    for row, values in _rows(text, name, MUE_COLUMNS):
        if not values["limit"].isdigit():
            raise DataFileError(name, row, f"limit {values['limit']!r} must be a whole number")
        mai = values["mai"]
        if mai not in {"", "1", "2", "3"}:
            raise DataFileError(name, row, f"mai {mai!r} must be 1, 2, 3 or blank")
        if not values["source"]:
            raise DataFileError(name, row, "every limit needs a source")
        limits.append(
            MueLimit(
                code=_code(values["code"], "code", name, row),
                limit=int(values["limit"]),
                mai=int(mai) if mai else None,
                rationale=values["rationale"],
                source=values["source"],
                status=_status(values["status"], name, row),
            )
        )
    return limits


def imported_dir() -> Path:
    """Where imported CMS edit rows are kept: ``data_dir()/edits``."""
    from therabill.config import data_dir

    return data_dir() / "edits"


def _package_text(filename: str) -> str:
    return resources.files("therabill.edits").joinpath("data", filename).read_text("utf-8")


def shipped_tables() -> EditTables:
    """The subset shipped in the package (built from the CMS files by
    ``scripts/build_ncci_subset.py``; a few secondary rows for codes that copy lacks)."""
    return EditTables.build(
        parse_ptp(_package_text("ptp.csv"), "ptp.csv"),
        parse_mue(_package_text("mue.csv"), "mue.csv"),
    )


def index_file(directory: Path | None = None) -> Path:
    """The indexed table of imported CMS rows (``edits.sqlite3`` in ``directory``)."""
    from therabill.edits.indexed import INDEX_NAME

    return (directory if directory is not None else imported_dir()) / INDEX_NAME


def load_edit_tables(directory: Path | None = None) -> EditTables:
    """The edit rows a scrub consults: for each kind (PTP, MUE), the imported CMS file if
    one was imported, else the shipped subset. An import replaces the shipped rows of its
    kind outright: an article pair that the official file ended must not keep firing."""
    from therabill.edits.indexed import EditIndex, IndexedLimits, IndexedPairs
    from therabill.edits.model import EveryCode

    shipped = shipped_tables()
    folder = directory if directory is not None else imported_dir()
    index_path = index_file(folder)
    if index_path.exists():
        index = EditIndex(index_path)
        if index.has("ptp"):
            shipped.ptp, shipped.codes_with_ptp = IndexedPairs(index), EveryCode()
        if index.has("mue"):
            shipped.mue = IndexedLimits(index)
        return shipped
    # rows imported by therabill before the indexed table (CSV files), until the next import
    ptp_file, mue_file = folder / "ptp.csv", folder / "mue.csv"
    if ptp_file.exists():
        legacy = EditTables.build(parse_ptp(ptp_file.read_text("utf-8"), str(ptp_file)), ())
        shipped.ptp, shipped.codes_with_ptp = legacy.ptp, legacy.codes_with_ptp
    if mue_file.exists():
        shipped.mue = {m.code: m for m in parse_mue(mue_file.read_text("utf-8"), str(mue_file))}
    return shipped
