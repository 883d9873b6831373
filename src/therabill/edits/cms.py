"""Import the official CMS quarterly files: practitioner PTP edits and the practitioner MUE table.

Published layouts (CMS "Medicare NCCI Procedure to Procedure (PTP) Edits" and "Medically
Unlikely Edits" pages; Medicaid NCCI Edit Design Manual, publication formats):

- PTP (``ccipra-v###r#-f#.txt``, four parts a quarter split by column 1 code ranges):
  tab-delimited text, a copyright preamble and a header wrapped over several lines, then
  seven columns: Column 1, Column 2, ``*`` = in existence prior to 1996, Effective Date
  (YYYYMMDD), Deletion Date (YYYYMMDD or ``*`` = none), Modifier (0 not allowed, 1 allowed,
  9 not applicable), PTP Edit Rationale. A CSV saved from the ``.xlsx`` is read too.
- MUE (``MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv``): CSV, a quoted preamble, a header
  ``HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication Indicator, MUE
  Rationale``; the indicator cell reads e.g. ``3 Date of Service Edit: Clinical``.

Lines before the first data row are the preamble; after it every non-blank row must parse,
or the import fails naming the rows (nothing is written). Files are read line by line and
written in batches to the indexed table (``therabill.edits.indexed``), so a full quarter
(over a million pairs) imports in bounded memory.

An import replaces the shipped subset for its kind. A PTP file replaces the imported PTP
rows too, except the other part files of the same CMS release (``v323r0`` in the name), so
the four parts of a quarter add up and a new quarter replaces the old one; an MUE table
replaces the imported MUE table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Generic, Literal, TypeVar

from therabill.edits.indexed import IndexBuilder
from therabill.edits.model import MueLimit, PtpEdit, PtpRow
from therabill.edits.tables import imported_dir
from therabill.errors import DataFileError

Kind = Literal["ptp", "mue"]
CODE = re.compile(r"^[0-9A-Z]{5}$")
YMD = re.compile(r"^\d{8}$")
RELEASE = re.compile(r"v(\d{3})r(\d+)", re.IGNORECASE)
MAX_REPORTED = 5
SNIFF = 65_536
Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ImportReport:
    kind: Kind
    file: str
    rows_read: int
    rows_kept: int
    written_to: str
    release: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "file": self.file,
            "release": self.release,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "written_to": self.written_to,
        }


def release_of(name: str) -> str | None:
    """The CMS release in a PTP file name (``ccipra-v323r0-f1.txt`` → ``v323r0``)."""
    found = RELEASE.search(Path(name).name)
    return f"v{found.group(1)}r{found.group(2)}" if found else None


def _encoding(head: bytes, name: str) -> str:
    if head[:2] == b"PK":
        raise DataFileError(
            name, None, "this is a zip or Excel file: unzip it and import the .txt (PTP) or "
            ".csv (MUE) file inside"
        )  # fmt: skip
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "latin-1"
    return "utf-8-sig"


@contextmanager
def open_cms_file(
    path: Path, progress: Progress | None = None
) -> Iterator[tuple[IO[str], Callable[[], None]]]:
    """The file as text (UTF-8, or Latin-1 when the start is not UTF-8) and a function that
    reports how far the reading has got to ``progress(bytes_read, bytes_total)``."""
    name = str(path)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise DataFileError(name, None, f"cannot read the file: {exc.strerror}") from None
    with raw:
        total = path.stat().st_size
        encoding = _encoding(raw.read(SNIFF), name)
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")

        def tick() -> None:
            if progress is not None:
                progress(min(raw.tell(), total), total)

        yield text, tick


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


def _records(lines: Iterable[str], name: str) -> Iterator[tuple[int, list[str]]]:
    """Rows of a tab- or comma-separated file with their first line numbers."""
    stream = iter(lines)
    head = [line for _, line in zip(range(40), stream, strict=False)]
    first = next((line for line in head if line.strip()), "")
    tabbed = any("\t" in line for line in head)
    delimiter = "\t" if tabbed and first.count(",") < 2 else ","
    clean = (line.replace("\x00", "") for line in chain(head, stream))
    reader = csv.reader(clean, delimiter=delimiter)
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
        self.count = 0

    def add(self, row: int, message: str) -> None:
        self.count += 1
        if len(self.rows) <= MAX_REPORTED:
            self.rows.append((row, message))

    def raise_if_any(self) -> None:
        if not self.rows:
            return
        row, message = self.rows[0]
        more = [str(r) for r, _ in self.rows[1:MAX_REPORTED]]
        extra = f" (also rows {', '.join(more)}" if more else ""
        if extra:
            extra += f"{' and more' if self.count > MAX_REPORTED else ''})"
        raise DataFileError(self.name, row, f"{message}{extra}; nothing was imported")


class _Dates:
    """YYYYMMDD to ISO text, each distinct value checked once (a file repeats few dates)."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def iso(self, value: str, what: str, form: str = "YYYYMMDD") -> str:
        found = self.seen.get(value)
        if found is None:
            if not YMD.match(value):
                raise ValueError(f"{what} {value!r} is not {form}")
            try:
                found = dt.date(int(value[:4]), int(value[4:6]), int(value[6:8])).isoformat()
            except ValueError:
                raise ValueError(f"{what} {value!r} is not a real date") from None
            self.seen[value] = found
        return found


def ptp_rows(lines: Iterable[str], name: str) -> Iterator[PtpRow]:
    """Each row of a CMS practitioner PTP file, in file order; a ``DataFileError`` naming
    the bad rows after the last row (the caller discards what it wrote)."""
    problems = _Problems(name)
    dates = _Dates()
    started = False
    for row, cells in _records(lines, name):
        if not started:
            started = (
                len(cells) >= 6 and CODE.match(cells[0].upper()) is not None
                and YMD.match(cells[3]) is not None
            )  # fmt: skip
            if not started:
                continue
        if len(cells) < 6 or not cells[0]:
            if any(cells):
                short = len(cells) < 6
                problems.add(row, f"expected 7 columns, found {len(cells)}" if short
                             else "column 1 is empty")  # fmt: skip
            continue
        col1, col2, deletion, indicator = (
            cells[0].upper(), cells[1].upper(), cells[4], cells[5]
        )  # fmt: skip
        try:
            if not (CODE.match(col1) and CODE.match(col2)):
                raise ValueError(f"column 1/2 {col1!r}/{col2!r} are not 5-character codes")
            effective = dates.iso(cells[3], "effective date")
            ended = (
                None if deletion in ("*", "")
                else dates.iso(deletion, "deletion date", "YYYYMMDD or *")
            )  # fmt: skip
            if indicator not in ("0", "1", "9"):
                raise ValueError(f"modifier indicator {indicator!r} is not 0, 1 or 9")
        except ValueError as exc:
            problems.add(row, str(exc))
            continue
        yield col1, col2, effective, ended, int(indicator), cells[6] if len(cells) > 6 else ""
    if not started:
        raise DataFileError(name, None, "no PTP data rows found (code, code, *, YYYYMMDD …)")
    problems.raise_if_any()


def iter_cms_ptp(lines: Iterable[str], name: str) -> Iterator[PtpEdit]:
    """Each edit of a CMS practitioner PTP file (see :func:`ptp_rows`)."""
    source = f"CMS NCCI practitioner PTP file {Path(name).name}"
    for col1, col2, effective, deletion, indicator, why in ptp_rows(lines, name):
        yield PtpEdit(
            column1=col1,
            column2=col2,
            effective=dt.date.fromisoformat(effective),
            deletion=dt.date.fromisoformat(deletion) if deletion else None,
            modifier_indicator=indicator,
            rationale=why,
            source=source,
            status="P",
        )


def read_cms_ptp(text: str, name: str) -> list[PtpEdit]:
    """Every edit of a CMS practitioner PTP file held in memory (small files, tests)."""
    return list(iter_cms_ptp(io.StringIO(text), name))


def _mue_columns(cells: list[str]) -> tuple[int, int, int, int | None] | None:
    lowered = [c.lower() for c in cells]

    def find(*words: str) -> int | None:
        return next((i for i, c in enumerate(lowered) if all(w in c for w in words)), None)

    code, value, mai = find("hcpcs"), find("mue value"), find("adjudication")
    if code is None or value is None or mai is None:
        return None
    return code, value, mai, find("rationale")


def iter_cms_mue(lines: Iterable[str], name: str) -> Iterator[MueLimit]:
    """Each limit of a CMS practitioner MUE table; bad rows as in :func:`iter_cms_ptp`."""
    problems = _Problems(name)
    columns: tuple[int, int, int, int | None] | None = None
    started = found = False
    source = f"CMS practitioner MUE table {Path(name).name}"
    for row, cells in _records(lines, name):
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
            limit = MueLimit(code, int(value), int(mai), why, source, "P")
        except ValueError as exc:
            problems.add(row, str(exc))
            continue
        found = True
        yield limit
    if not found and not problems.rows:
        raise DataFileError(name, None, "no MUE data rows found (code, units, indicator …)")
    problems.raise_if_any()


def read_cms_mue(text: str, name: str) -> list[MueLimit]:
    """Every limit of a CMS practitioner MUE table held in memory (small files, tests)."""
    return list(iter_cms_mue(io.StringIO(text), name))


def _kind_of(path: Path) -> Kind:
    with open_cms_file(path) as (text, _):
        return detect_kind(text.read(5000), str(path))


def _counted(rows: Iterable[T], tick: Callable[[], None], seen: list[int]) -> Iterator[T]:
    for row in rows:
        seen[0] += 1
        if seen[0] % 20_000 == 0:
            tick()
        yield row


def import_cms_files(
    paths: Sequence[Path],
    *,
    kind: Kind | None = None,
    keep: Container[str] | None = None,
    directory: Path | None = None,
    progress: Progress | None = None,
) -> list[ImportReport]:
    """Read CMS files line by line, keep the rows whose codes are in ``keep`` (all when
    None), and write them to the indexed table in one step: all files or none."""
    kinds = [(path, kind or _kind_of(path)) for path in paths]
    folder = directory if directory is not None else imported_dir()
    ptp_releases = {release_of(str(p)) for p, k in kinds if k == "ptp"}
    same_release = next(iter(ptp_releases)) if len(ptp_releases) == 1 else None
    builder = IndexBuilder(folder)
    reports: list[ImportReport] = []
    try:
        builder.carry_over(drop_kinds={k for _, k in kinds}, keep_release=same_release)
        for path, file_kind in kinds:
            name = path.name
            release = release_of(name) if file_kind == "ptp" else None
            builder.drop_file(name)
            file_id = builder.add_file(file_kind, name, release)
            seen = [0]
            with open_cms_file(path, progress) as (text, tick):
                if file_kind == "ptp":
                    rows = ptp_rows(text, str(path))
                    kept_ptp = (r for r in _counted(rows, tick, seen)
                                if keep is None or (r[0] in keep and r[1] in keep))  # fmt: skip
                    tally_ptp = _Tally(kept_ptp)
                    codes = builder.add_ptp(file_id, tally_ptp)
                    kept = tally_ptp.count
                else:
                    limits = iter_cms_mue(text, str(path))
                    kept_mue = (m for m in _counted(limits, tick, seen)
                                if keep is None or m.code in keep)  # fmt: skip
                    tally_mue = _Tally(kept_mue)
                    builder.add_mue(file_id, tally_mue)
                    codes, kept = (None, None), tally_mue.count
                tick()
            builder.count_file(file_id, seen[0], kept, codes)
            reports.append(ImportReport(file_kind, str(path), seen[0], kept,
                                        str(builder.target), release))  # fmt: skip
        target = builder.finish()
    except BaseException:
        builder.discard()
        raise
    for legacy in ("ptp.csv", "mue.csv"):  # rows imported by earlier versions, now superseded
        (folder / legacy).unlink(missing_ok=True)
    return [
        ImportReport(r.kind, r.file, r.rows_read, r.rows_kept, str(target), r.release)
        for r in reports
    ]


class _Tally(Generic[T]):
    """Counts the rows that pass through it."""

    def __init__(self, rows: Iterable[T]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[T]:
        for row in self.rows:
            self.count += 1
            yield row


def import_cms_file(
    path: Path,
    *,
    kind: Kind | None = None,
    keep: Container[str] | None = None,
    directory: Path | None = None,
) -> ImportReport:
    """One file: :func:`import_cms_files` with a single path."""
    (report,) = import_cms_files([path], kind=kind, keep=keep, directory=directory)
    return report
