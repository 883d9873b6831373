"""Read and validate the code set files; cache the result.

The package ships ``data/codes.csv`` (our own short descriptions, each row with its source) and
``data/misprints.csv``. ``THERABILL_CODESET`` points at a replacement code file (a newer year);
a licensed descriptor file imported with ``therabill codes import`` overrides descriptions and
may add codes therabill lacks (each with its timing).
A broken file is a ``DataFileError`` naming the file and the row, raised at load.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from therabill.codes.codeset import CodeSet
from therabill.codes.model import DISCIPLINES, Code, Timing
from therabill.errors import DataFileError

CODE_PATTERN = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})$")
CODE_COLUMNS = [
    "code",
    "kind",
    "short",
    "timing",
    "unit_minutes",
    "initial_minutes",
    "addon_code",
    "primary_code",
    "min_minutes",
    "max_units_per_day",
    "disciplines",
    "not_recommended",
    "not_recommended_reason",
    "effective",
    "end",
    "replaced_by",
    "terms",
    "source",
    "grade",
]
GRADES = {"P", "S", "?"}


def _rows(text: str, name: str, columns: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows as dicts with their 1-based line number; ``#`` lines are comments."""
    lines = text.splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(lines) if not line.startswith("#")]
    if not numbered:
        raise DataFileError(name, None, "the file is empty")
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered)))
    header = next(reader)
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataFileError(name, numbered[0][0], f"missing column(s): {', '.join(missing)}")
    for index, values in enumerate(reader, start=1):
        lineno = numbered[index][0] if index < len(numbered) else len(lines)
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise DataFileError(name, lineno, f"expected {len(header)} fields, found {len(values)}")
        yield lineno, {k: v.strip() for k, v in zip(header, values, strict=True)}


def _int(value: str, column: str, name: str, row: int) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise DataFileError(name, row, f"{column} must be a whole number, not {value!r}")
    return int(value)


def _date(value: str, column: str, name: str, row: int) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DataFileError(
            name, row, f"{column} must be a date YYYY-MM-DD, not {value!r}"
        ) from None


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(";") if item.strip())


def _disciplines(value: str, column: str, name: str, row: int) -> frozenset[str]:
    items = frozenset(_list(value)) - {"any"}
    unknown = sorted(items - DISCIPLINES.keys())
    if unknown:
        raise DataFileError(
            name,
            row,
            f"{column}: unknown discipline(s) {', '.join(unknown)}; "
            f"use {', '.join(DISCIPLINES)} or any",
        )
    return items


def parse_code_row(row: dict[str, str], name: str, lineno: int) -> Code:
    """One validated ``Code`` from a CSV row; every problem names the file and row."""
    code = row["code"].upper()
    if not CODE_PATTERN.match(code):
        raise DataFileError(name, lineno, f"code {code!r} is not a 5-character CPT/HCPCS code")
    try:
        timing = Timing(row["timing"])
    except ValueError:
        raise DataFileError(
            name, lineno, f"timing {row['timing']!r} is not one of {', '.join(Timing)}"
        ) from None
    if not row["short"]:
        raise DataFileError(name, lineno, f"{code}: short description is empty")
    if not row["source"]:
        raise DataFileError(name, lineno, f"{code}: every code needs a source")
    if row["grade"] not in GRADES:
        raise DataFileError(name, lineno, f"{code}: grade must be P, S or ?")
    unit = _int(row["unit_minutes"], "unit_minutes", name, lineno)
    initial = _int(row["initial_minutes"], "initial_minutes", name, lineno)
    if (
        timing in (Timing.PER_15, Timing.PER_30, Timing.PER_HOUR, Timing.INITIAL, Timing.ADDON)
        and not unit
    ):
        raise DataFileError(name, lineno, f"{code}: timing {timing} needs unit_minutes")
    if timing is Timing.PER_15 and unit != 15:
        raise DataFileError(name, lineno, f"{code}: a per_15 code has unit_minutes 15")
    if timing is Timing.PER_30 and unit != 30:
        raise DataFileError(name, lineno, f"{code}: a per_30 code has unit_minutes 30")
    if timing is Timing.PER_HOUR and unit != 60:
        raise DataFileError(name, lineno, f"{code}: a per_hour code has unit_minutes 60")
    if timing is Timing.INITIAL and not (initial and row["addon_code"]):
        raise DataFileError(
            name, lineno, f"{code}: an initial code needs initial_minutes and addon_code"
        )
    if timing is Timing.ADDON and not row["primary_code"]:
        raise DataFileError(name, lineno, f"{code}: an add-on code needs primary_code")
    effective = _date(row["effective"], "effective", name, lineno)
    end = _date(row["end"], "end", name, lineno)
    if effective and end and end < effective:
        raise DataFileError(name, lineno, f"{code}: end {end} is before effective {effective}")
    return Code(
        code=code,
        kind=row["kind"] or "CPT",
        short=row["short"],
        timing=timing,
        unit_minutes=unit,
        initial_minutes=initial,
        addon_code=row["addon_code"] or None,
        primary_code=row["primary_code"] or None,
        min_minutes=_int(row["min_minutes"], "min_minutes", name, lineno),
        max_units_per_day=_int(row["max_units_per_day"], "max_units_per_day", name, lineno),
        disciplines=_disciplines(row["disciplines"], "disciplines", name, lineno),
        not_recommended=_disciplines(row["not_recommended"], "not_recommended", name, lineno),
        not_recommended_reason=row["not_recommended_reason"],
        effective=effective,
        end=end,
        replaced_by=_list(row["replaced_by"]),
        terms=_list(row["terms"]),
        source=row["source"],
        grade=row["grade"],
    )


def parse_codes(text: str, name: str) -> dict[str, Code]:
    """All codes of a code file, checked row by row and then as a whole (families, links)."""
    codes: dict[str, Code] = {}
    rows: dict[str, int] = {}
    for lineno, row in _rows(text, name, CODE_COLUMNS):
        code = parse_code_row(row, name, lineno)
        if code.code in codes:
            raise DataFileError(
                name, lineno, f"{code.code} is listed twice (first at row {rows[code.code]})"
            )
        codes[code.code] = code
        rows[code.code] = lineno
    _check_links(codes, rows, name)
    return codes


def _check_links(codes: dict[str, Code], rows: dict[str, int], name: str) -> None:
    """Families and replacements refer to listed codes, and an add-on names its primary."""
    for key, at in rows.items():
        code = codes[key]
        for other in (code.addon_code, code.primary_code, *code.replaced_by):
            if other and other not in codes:
                raise DataFileError(name, at, f"{code.code} refers to {other}, which is not listed")
        if code.timing is Timing.INITIAL and code.addon_code:
            addon = codes[code.addon_code]
            if addon.primary_code != code.code or addon.timing is not Timing.ADDON:
                raise DataFileError(
                    name,
                    at,
                    f"{code.code} names add-on {addon.code}, whose primary_code is not {code.code}",
                )
        if code.replaced_by and not code.end:
            raise DataFileError(name, at, f"{code.code} has replacements but no end date")


# Columns a descriptor file may add to code,description to bring in a code therabill lacks.
ADDED_CODE_COLUMNS = (
    "timing", "unit_minutes", "initial_minutes", "addon_code", "primary_code", "min_minutes",
    "max_units_per_day", "disciplines", "effective", "end", "terms",
)  # fmt: skip
_UNIT_OF = {Timing.PER_15: "15", Timing.PER_30: "30", Timing.PER_HOUR: "60"}


@dataclass(frozen=True)
class DescriptorFile:
    """A licensed descriptor file: descriptions by code, and the codes it adds to the set."""

    descriptions: dict[str, str]
    added: dict[str, Code]
    rows: dict[str, int]  # the file's row of each added code


def parse_descriptors(text: str, name: str) -> dict[str, str]:
    """A licensed descriptor file's descriptions: CSV with a ``code,description`` header."""
    return read_descriptor_file(text, name, known=None).descriptions


def read_descriptor_file(text: str, name: str, *, known: Collection[str] | None) -> DescriptorFile:
    """Descriptions for known codes, and new codes for the others (``known`` None: no check).

    A code therabill does not know is added when its row gives a ``timing`` (untimed, per_15,
    per_30, per_hour, initial, addon, with the columns that timing needs, as in codes.csv);
    without one the row is an error naming it, since units cannot be counted for it.
    """
    descriptors: dict[str, str] = {}
    added: dict[str, Code] = {}
    rows: dict[str, int] = {}
    for lineno, row in _rows(text, name, ("code", "description")):
        code = row["code"].upper()
        if not CODE_PATTERN.match(code):
            raise DataFileError(name, lineno, f"code {code!r} is not a 5-character CPT/HCPCS code")
        if not row["description"]:
            raise DataFileError(name, lineno, f"{code}: description is empty")
        descriptors[code] = row["description"]
        if known is None or code in known:
            continue
        timing = row.get("timing", "")
        if not timing:
            raise DataFileError(
                name,
                lineno,
                f"{code} is not in therabill's code set: give its timing "
                f"({', '.join(Timing)}) in a timing column to add it",
            )
        full = {column: row.get(column, "") for column in CODE_COLUMNS}
        if not full["unit_minutes"] and timing in _UNIT_OF:
            full["unit_minutes"] = _UNIT_OF[Timing(timing)]
        full.update(
            code=code,
            kind="HCPCS" if code[0].isalpha() else "CPT",
            short=row["description"],
            disciplines=full["disciplines"] or "any",
            source=f"your descriptor file {name}, row {lineno}",
            grade="?",
        )
        added[code] = replace(
            parse_code_row(full, name, lineno), licensed_description=row["description"]
        )
        rows[code] = lineno
    return DescriptorFile(descriptors, added, rows)


def parse_misprints(text: str, name: str) -> dict[str, str]:
    return {
        row["typo"].upper(): row["code"].upper() for _, row in _rows(text, name, ("typo", "code"))
    }


def _package_text(filename: str) -> str:
    return resources.files("therabill.codes").joinpath("data", filename).read_text("utf-8")


def build_code_set(
    codes_text: str,
    codes_name: str,
    *,
    descriptors: dict[str, str] | None = None,
    misprints: dict[str, str] | None = None,
    descriptor_text: str | None = None,
    descriptor_name: str = "descriptors.csv",
) -> CodeSet:
    """The code set from a code file, with a licensed descriptor file's descriptions and codes."""
    codes = parse_codes(codes_text, codes_name)
    descriptions = dict(descriptors or {})
    if descriptor_text is not None:
        imported = read_descriptor_file(descriptor_text, descriptor_name, known=codes.keys())
        descriptions.update(imported.descriptions)
        merged = {**codes, **imported.added}
        _check_links(merged, imported.rows, descriptor_name)
        codes = merged
    if descriptions:
        codes = {
            key: replace(code, licensed_description=descriptions[key])
            if key in descriptions
            else code
            for key, code in codes.items()
        }
    return CodeSet(codes, misprints or {})


def _code_file(codes_path: str | None) -> tuple[str, str]:
    """The text and name of the code file in force: ``codes_path`` or the package's."""
    if not codes_path:
        return _package_text("codes.csv"), "therabill/codes/data/codes.csv"
    try:
        return Path(codes_path).read_text("utf-8"), codes_path
    except OSError as exc:
        raise DataFileError(
            codes_path, None, f"cannot read the code file: {exc.strerror}"
        ) from None


def check_descriptor_file(text: str, name: str) -> DescriptorFile:
    """A descriptor file read against the code file in force, as loading it will read it: a
    bad row or a new code without its timing is an error now, before the file is kept."""
    base_text, base_name = _code_file(os.environ.get("THERABILL_CODESET") or None)
    codes = parse_codes(base_text, base_name)
    imported = read_descriptor_file(text, name, known=codes.keys())
    _check_links({**codes, **imported.added}, imported.rows, name)
    return imported


@functools.cache
def _cached(
    codes_path: str | None, descriptor_path: str | None, descriptor_mtime: float
) -> CodeSet:
    text, name = _code_file(codes_path)
    descriptor_text = Path(descriptor_path).read_text("utf-8") if descriptor_path else None
    misprints = parse_misprints(
        _package_text("misprints.csv"), "therabill/codes/data/misprints.csv"
    )
    return build_code_set(
        text,
        name,
        misprints=misprints,
        descriptor_text=descriptor_text,
        descriptor_name=descriptor_path or "descriptors.csv",
    )


def load_code_set() -> CodeSet:
    """The code set in force: package data (or ``THERABILL_CODESET``) plus imported descriptors.

    Cached: the files are read once per process (and again only if the descriptor file changes).
    """
    from therabill.config import descriptor_path

    codes_path = os.environ.get("THERABILL_CODESET") or None
    descriptors = descriptor_path()  # one stat a call: the live check asks on every request
    try:
        changed = descriptors.stat().st_mtime
    except (FileNotFoundError, NotADirectoryError):
        return _cached(codes_path, None, 0.0)
    return _cached(codes_path, str(descriptors), changed)
