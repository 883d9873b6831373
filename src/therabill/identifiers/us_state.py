"""US state abbreviations: the two letters an address's state must be, from a sourced table
(``data/us_states.csv``, USPS Publication 28 Appendix B). A shape check alone let "XX" or "ZZ"
through to the 837P's N4, where the payer's front end refuses the claim."""

from __future__ import annotations

import functools

from therabill.errors import InvalidInput
from therabill.identifiers.code_table import packaged, parse_codes

TABLE = "therabill/identifiers/data/us_states.csv"
SOURCE = "USPS Publication 28, Appendix B (state and possession abbreviations)"


def parse_states(text: str, name: str) -> dict[str, str]:
    """The table, code → place; a broken row is a ``DataFileError`` naming file and row."""
    return parse_codes(
        text,
        name,
        valid=lambda code: len(code) == 2 and code.isascii() and code.isalpha() and code.isupper(),
        rule="two capitals",
    )


@functools.cache
def states() -> dict[str, str]:
    """Every abbreviation a US address may carry, with its place."""
    return parse_states(packaged("us_states.csv"), TABLE)


def check_state(text: str, field: str = "state") -> str:
    """``text`` as the table has it (upper case), or ``InvalidInput`` naming ``field``."""
    code = text.strip().upper()
    if code in states():
        return code
    shape = "two letters" if len(code) != 2 or not code.isalpha() else "a US state"
    raise InvalidInput(
        f"{text.strip()!r} is not {shape}: use the USPS abbreviation (IL, NY, PR …)", field=field
    )
