"""Procedure modifiers: two characters after the code (GP, 59, KX …), from a sourced table.

The table is ``data/modifiers.csv`` (meanings in our own words, a source per row), read once.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from therabill.errors import DataFileError
from therabill.identifiers.exceptions import InvalidComponent, InvalidFormat

TABLE = "therabill/identifiers/data/modifiers.csv"
THERAPY_PLAN = {"pt": "GP", "ot": "GO", "slp": "GN"}  # CMS Pub 100-04 ch.5 §20.1
NCCI_BYPASS = frozenset({"59", "XE", "XS", "XP", "XU"})  # CMS MLN1783722


@dataclass(frozen=True, slots=True)
class Modifier:
    modifier: str
    kind: str
    meaning: str
    source: str


def parse_modifiers(text: str, name: str) -> dict[str, Modifier]:
    """The modifier table; a broken row is a ``DataFileError`` naming file and row."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    table: dict[str, Modifier] = {}
    for index, row in enumerate(reader, start=1):
        lineno = lines[index][0]
        values = {k: (v or "").strip() for k, v in row.items() if k}
        code = values.get("modifier", "").upper()
        if len(code) != 2 or not code.isalnum():
            raise DataFileError(name, lineno, f"modifier {code!r} must be two letters or digits")
        if not values.get("source"):
            raise DataFileError(name, lineno, f"modifier {code} needs a source")
        if code in table:
            raise DataFileError(name, lineno, f"modifier {code} is listed twice")
        table[code] = Modifier(
            code, values.get("kind", "other"), values.get("meaning", ""), values["source"]
        )
    return table


@functools.cache
def modifiers() -> dict[str, Modifier]:
    """Every modifier therabill knows, by code."""
    text = resources.files("therabill.identifiers").joinpath("data", "modifiers.csv")
    return parse_modifiers(text.read_text("utf-8"), TABLE)


def compact(modifier: str) -> str:
    return "".join(str(modifier).split()).upper()


def validate(modifier: str) -> str:
    """The modifier in upper case if therabill knows it; else why not."""
    code = compact(modifier)
    if len(code) != 2 or not code.isascii() or not code.isalnum():
        raise InvalidFormat(f"modifier {modifier!r} must be two letters or digits.")
    if code not in modifiers():
        raise InvalidComponent(
            f"modifier {code} is not a known modifier.",
            hint="Check the payer's modifier list; therabill's table is in identifiers/data.",
        )
    return code


def is_valid(modifier: str) -> bool:
    try:
        return bool(validate(modifier))
    except (InvalidFormat, InvalidComponent):
        return False


def format(modifier: str) -> str:
    return compact(modifier)
