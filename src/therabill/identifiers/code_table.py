"""The small sourced code tables beside the identifiers (``data/*.csv``: a ``#`` comment block
naming the source, then ``code,name`` rows), read one way."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from importlib import resources

from therabill.errors import DataFileError


def parse_codes(text: str, name: str, *, valid: Callable[[str], bool], rule: str) -> dict[str, str]:
    """The table, code → name. A code that is not ``valid`` or is listed twice is a
    ``DataFileError`` naming the file, its line and ``rule``."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    table: dict[str, str] = {}
    for index, row in enumerate(reader, start=1):
        code = (row.get("code") or "").strip()
        if not valid(code) or code in table:
            raise DataFileError(name, lines[index][0], f"code {code!r}: {rule}, listed once")
        table[code] = (row.get("name") or "").strip()
    return table


def packaged(file_name: str) -> str:
    """The text of ``data/file_name`` shipped in this package."""
    return resources.files("therabill.identifiers").joinpath("data", file_name).read_text("utf-8")
