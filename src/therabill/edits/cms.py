"""Import the official CMS quarterly files: practitioner PTP edits and the practitioner MUE table.

Published layouts (CMS "Medicare NCCI Procedure to Procedure (PTP) Edits" and "Medically
Unlikely Edits" pages; Medicaid NCCI Edit Design Manual, publication formats):

- PTP (``ccipra-v###r#-f#.txt``, four parts a quarter): tab-delimited text, a copyright
  preamble and a header wrapped over several lines, then seven columns: Column 1, Column 2,
  ``*`` = in existence prior to 1996, Effective Date (YYYYMMDD), Deletion Date (YYYYMMDD or
  ``*`` = none), Modifier (0 not allowed, 1 allowed, 9 not applicable), PTP Edit Rationale.
  A CSV saved from the ``.xlsx`` with the same columns is read too.
- MUE (``MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv``): CSV, a quoted preamble, a header
  ``HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication Indicator, MUE
  Rationale``; the indicator cell reads e.g. ``3 Date of Service Edit: Clinical``.

Lines before the first data row are the preamble; after it every non-blank row must parse,
or the import fails naming the rows (nothing is written). Only pairs and codes in therabill's
code set are kept (the full practitioner table has over a million pairs; the others can never
meet on a claim therabill accepts), and the import reports how many were read and kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from therabill.edits.model import MueLimit, PtpEdit
from therabill.edits.tables import MUE_COLUMNS, PTP_COLUMNS, imported_dir, parse_mue, parse_ptp
from therabill.errors import DataFileError

Kind = Literal["ptp", "mue"]
CODE = re.compile(r"^[0-9A-Z]{5}$")
YMD = re.compile(r"^\d{8}$")
MAX_REPORTED = 5


@dataclass(frozen=True, slots=True)
class ImportReport:
    kind: Kind
    file: str
    rows_read: int
    rows_kept: int
    written_to: str

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "file": self.file,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "written_to": self.written_to,
        }


def decode(data: bytes, name: str) -> str:
    """Text of a CMS file (UTF-8 or Latin-1); a zip or Excel file is refused with advice."""
    if data[:2] == b"PK":
        raise DataFileError(
            name, None, "this is a zip or Excel file: unzip it and import the .txt (PTP) or "
            ".csv (MUE) file inside"
        )  # fmt: skip
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def detect_kind(text: str, name: str) -> Kind:
    """PTP or MUE, from the header words in the first lines of the file."""
    head = text[:5000].lower()
    if "column 1" in head or "column1" in head:
        return "ptp"
    if "mue" in head or "medically unlikely" in head:
        return "mue"
    raise DataFileError(
        name, None, "neither a CMS PTP file (Column 1/Column 2) nor an MUE table (MUE Values)"
    )


def _records(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if "\t" in text[:20000] and first.count(",") < 2 else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataFileError(
                name, start, f"cannot be read as {delimiter!r}-separated text: {exc}"
            ) from None
        yield start, [cell.strip() for cell in record]
        start = reader.line_num + 1


class _Problems:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[tuple[int, str]] = []

    def add(self, row: int, message: str) -> None:
        self.rows.append((row, message))

    def raise_if_any(self) -> None:
        if not self.rows:
            return
        row, message = self.rows[0]
        more = [str(r) for r, _ in self.rows[1:MAX_REPORTED]]
        extra = f" (also rows {', '.join(more)}" if more else ""
        if extra:
            extra += f"{' and more' if len(self.rows) > MAX_REPORTED else ''})"
        raise DataFileError(self.name, row, f"{message}{extra}; nothing was imported")


def _ymd(value: str) -> dt.date:
    return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def read_cms_ptp(text: str, name: str) -> list[PtpEdit]:
    """Every edit of a CMS practitioner PTP file, or a ``DataFileError`` naming bad rows."""
    problems = _Problems(name)
    edits: list[PtpEdit] = []
    started = False
    source = f"CMS NCCI practitioner PTP file {Path(name).name}"
    for row, cells in _records(text, name):
        looks_like_data = (
            len(cells) >= 6 and CODE.match(cells[0].upper()) is not None and YMD.match(cells[3])
        )
        if not started:
            started = bool(looks_like_data)
            if not started:
                continue
        if not any(cells):
            continue
        if len(cells) < 6:
            problems.add(row, f"expected 7 columns, found {len(cells)}")
            continue
        col1, col2, _, effective, deletion, indicator = (c.upper() for c in cells[:6])
        try:
            if not (CODE.match(col1) and CODE.match(col2)):
                raise ValueError(f"column 1/2 {col1!r}/{col2!r} are not 5-character codes")
            if not YMD.match(effective):
                raise ValueError(f"effective date {effective!r} is not YYYYMMDD")
            if deletion not in ("*", "") and not YMD.match(deletion):
                raise ValueError(f"deletion date {deletion!r} is not YYYYMMDD or *")
            if indicator not in ("0", "1", "9"):
                raise ValueError(f"modifier indicator {indicator!r} is not 0, 1 or 9")
            edits.append(
                PtpEdit(
                    column1=col1,
                    column2=col2,
                    effective=_ymd(effective),
                    deletion=_ymd(deletion) if YMD.match(deletion) else None,
                    modifier_indicator=int(indicator),
                    rationale=cells[6] if len(cells) > 6 else "",
                    source=source,
                    status="P",
                )
            )
        except ValueError as exc:
            problems.add(row, str(exc))
    if not started:
        raise DataFileError(name, None, "no PTP data rows found (code, code, *, YYYYMMDD …)")
    problems.raise_if_any()
    return edits


def _mue_columns(cells: list[str]) -> tuple[int, int, int, int | None] | None:
    lowered = [c.lower() for c in cells]

    def find(*words: str) -> int | None:
        return next((i for i, c in enumerate(lowered) if all(w in c for w in words)), None)

    code, value, mai = find("hcpcs"), find("mue value"), find("adjudication")
    if code is None or value is None or mai is None:
        return None
    return code, value, mai, find("rationale")


def read_cms_mue(text: str, name: str) -> list[MueLimit]:
    """Every limit of a CMS practitioner MUE table, or a ``DataFileError`` naming bad rows."""
    problems = _Problems(name)
    limits: list[MueLimit] = []
    columns: tuple[int, int, int, int | None] | None = None
    started = False
    source = f"CMS practitioner MUE table {Path(name).name}"
    for row, cells in _records(text, name):
        if columns is None and not started:
            columns = _mue_columns(cells)
            if columns is not None:
                continue
            started = len(cells) >= 3 and CODE.match(cells[0].upper()) is not None
            if not started:
                continue
        if not any(cells):
            continue
        code_at, value_at, mai_at, why_at = columns or (0, 1, 2, 3)
        started = True
        try:
            if len(cells) <= max(code_at, value_at, mai_at):
                raise ValueError(f"expected at least {max(code_at, value_at, mai_at) + 1} columns")
            code, value, mai = cells[code_at].upper(), cells[value_at], cells[mai_at][:1]
            if not CODE.match(code):
                raise ValueError(f"code {code!r} is not a 5-character code")
            if not value.isdigit():
                raise ValueError(f"MUE value {value!r} is not a whole number")
            if mai not in ("1", "2", "3"):
                raise ValueError(f"adjudication indicator {cells[mai_at]!r} does not start 1-3")
            why = cells[why_at] if why_at is not None and why_at < len(cells) else ""
            limits.append(MueLimit(code, int(value), int(mai), why, source, "P"))
        except ValueError as exc:
            problems.add(row, str(exc))
    if not limits and not problems.rows:
        raise DataFileError(name, None, "no MUE data rows found (code, units, indicator …)")
    problems.raise_if_any()
    return limits


def _write_atomic(path: Path, header: tuple[str, ...], rows: list[list[str]], note: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    buffer.write(f"# {note}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(buffer.getvalue())
    os.replace(temp, path)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def import_cms_file(
    path: Path,
    *,
    kind: Kind | None = None,
    keep: Container[str] | None = None,
    directory: Path | None = None,
    read: Callable[[Path], bytes] = Path.read_bytes,
) -> ImportReport:
    """Read a CMS file, keep the rows whose codes are in ``keep``, merge them into the store.

    PTP rows replace stored rows with the same pair and effective date (the four part files
    of a quarter add up); MUE rows replace the stored limit of their code.
    """
    name = str(path)
    try:
        data = read(path)
    except OSError as exc:
        raise DataFileError(name, None, f"cannot read the file: {exc.strerror}") from None
    text = decode(data, name)
    kind = kind or detect_kind(text, name)
    folder = directory if directory is not None else imported_dir()
    target = folder / f"{kind}.csv"
    if kind == "ptp":
        edits = read_cms_ptp(text, name)
        kept = [e for e in edits if keep is None or (e.column1 in keep and e.column2 in keep)]
        stored = parse_ptp(target.read_text("utf-8"), str(target)) if target.exists() else []
        merged = {(e.column1, e.column2, e.effective): e for e in [*stored, *kept]}
        rows = [
            [e.column1, e.column2, _iso(e.effective), _iso(e.deletion),
             str(e.modifier_indicator), e.rationale, e.source, e.status]
            for e in sorted(merged.values(), key=lambda e: (e.column1, e.column2, _iso(e.effective)))
        ]  # fmt: skip
        _write_atomic(target, PTP_COLUMNS, rows, "NCCI PTP rows imported by therabill edits import")
        return ImportReport("ptp", name, len(edits), len(kept), str(target))
    limits = read_cms_mue(text, name)
    kept_mue = [m for m in limits if keep is None or m.code in keep]
    stored_mue = parse_mue(target.read_text("utf-8"), str(target)) if target.exists() else []
    by_code = {m.code: m for m in [*stored_mue, *kept_mue]}
    mue_rows = [
        [m.code, str(m.limit), str(m.mai or ""), m.rationale, m.source, m.status]
        for m in sorted(by_code.values(), key=lambda m: m.code)
    ]
    _write_atomic(target, MUE_COLUMNS, mue_rows, "MUE rows imported by therabill edits import")
    return ImportReport("mue", name, len(limits), len(kept_mue), str(target))
