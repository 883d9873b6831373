"""Code tables an 835 refers to: CARC (why), RARC (remarks) and CAS group codes (who).

The tables are package data (``carc.csv``, ``rarc.csv``, ``groups.csv``) whose headers name
their source: the X12 external code lists. The code values are X12's; the descriptions are
therabill's own short paraphrases. ``load_carc()`` / ``load_rarc()`` / ``load_groups()`` read
and validate them once (cached); a broken file is a ``DataFileError`` naming file and row.
A code missing here is not an error anywhere: payers send new codes before any table has them,
so ``describe_*`` returns a neutral text instead.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from therabill.errors import DataFileError

_PATTERNS = {
    "carc.csv": re.compile(r"(?:[1-9]\d{0,2}|[A-Z]\d{1,2})"),
    "rarc.csv": re.compile(r"(?:M|MA|N)\d{1,4}"),
    "groups.csv": re.compile(r"CO|PR|OA|PI"),
}
_STATUSES = {"active", "deactivated"}
_POSTINGS = {"write_off", "patient", "other"}


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One row of a code table; ``extra`` is the status (CARC/RARC) or posting (groups)."""

    code: str
    extra: str
    description: str


def _load(name: str, columns: tuple[str, str, str], allowed: set[str]) -> dict[str, CodeEntry]:
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    data = [(n, line) for n, line in numbered if not line.startswith("#")]
    if not data:
        raise DataFileError(name, None, "the file is empty")
    rows = csv.reader(io.StringIO("\n".join(line for _, line in data)))
    header = next(rows)
    if tuple(header) != columns:
        raise DataFileError(name, data[0][0], f"the header must be {','.join(columns)}")
    table: dict[str, CodeEntry] = {}
    pattern = _PATTERNS[name]
    for (number, _), row in zip(data[1:], rows, strict=True):
        if len(row) != 3:
            raise DataFileError(name, number, f"expected 3 columns, found {len(row)}")
        code, extra, description = (cell.strip() for cell in row)
        if not pattern.fullmatch(code):
            raise DataFileError(name, number, f"{code!r} is not a valid code for this table")
        if code in table:
            raise DataFileError(name, number, f"code {code} appears twice")
        if extra not in allowed:
            raise DataFileError(name, number, f"{columns[1]} must be one of {sorted(allowed)}")
        if not description or len(description) > 120:
            raise DataFileError(name, number, "description must be 1 to 120 characters")
        table[code] = CodeEntry(code, extra, description)
    return table


@functools.cache
def load_carc() -> Mapping[str, CodeEntry]:
    """Claim adjustment reason codes: code -> entry (status active/deactivated)."""
    return _load("carc.csv", ("code", "status", "description"), _STATUSES)


@functools.cache
def load_rarc() -> Mapping[str, CodeEntry]:
    """Remittance advice remark codes: code -> entry (status active/deactivated)."""
    return _load("rarc.csv", ("code", "status", "description"), _STATUSES)


@functools.cache
def load_groups() -> Mapping[str, CodeEntry]:
    """CAS group codes CO/PR/OA/PI: code -> entry (posting write_off/patient/other)."""
    return _load("groups.csv", ("code", "posting", "description"), _POSTINGS)


def describe_carc(code: str) -> str:
    entry = load_carc().get(code)
    return entry.description if entry else f"reason code {code} (not in therabill's table)"


def describe_rarc(code: str) -> str:
    entry = load_rarc().get(code)
    return entry.description if entry else f"remark code {code} (not in therabill's table)"


def describe_group(code: str) -> str:
    entry = load_groups().get(code)
    return entry.description if entry else f"group {code}"
