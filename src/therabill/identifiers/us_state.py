"""US state abbreviations: the two letters an address's state must be, from a sourced table
(``data/us_states.csv``, USPS Publication 28 Appendix B). A shape check alone let "XX" or "ZZ"
through to the 837P's N4, where the payer's front end refuses the claim."""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

from therabill.errors import DataFileError, InvalidInput

TABLE = "therabill/identifiers/data/us_states.csv"
SOURCE = "USPS Publication 28, Appendix B (state and possession abbreviations)"


def parse_states(text: str, name: str) -> dict[str, str]:
    """The table, code → place; a broken row is a ``DataFileError`` naming file and row."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    table: dict[str, str] = {}
    for index, row in enumerate(reader, start=1):
        code = (row.get("code") or "").strip()
        if len(code) != 2 or not code.isascii() or not code.isupper() or code in table:
            raise DataFileError(name, lines[index][0], f"code {code!r}: two capitals, listed once")
        table[code] = (row.get("name") or "").strip()
    return table


@functools.cache
def states() -> dict[str, str]:
    """Every abbreviation a US address may carry, with its place."""
    text = resources.files("therabill.identifiers").joinpath("data", "us_states.csv")
    return parse_states(text.read_text("utf-8"), TABLE)


def check_state(text: str, field: str = "state") -> str:
    """``text`` as the table has it (upper case), or ``InvalidInput`` naming ``field``."""
    code = text.strip().upper()
    if code in states():
        return code
    shape = "two letters" if len(code) != 2 or not code.isalpha() else "a US state"
    raise InvalidInput(
        f"{text.strip()!r} is not {shape}: use the USPS abbreviation (IL, NY, PR …)", field=field
    )
