"""Place of service: the two-digit CMS code for where the service was given (11 office,
12 home, 02/10 telehealth …), from a sourced table (``data/place_of_service.csv``)."""

from __future__ import annotations

import functools

from therabill.identifiers.code_table import packaged, parse_codes
from therabill.identifiers.exceptions import InvalidComponent, InvalidFormat

TABLE = "therabill/identifiers/data/place_of_service.csv"
SOURCE = "CMS Place of Service Code Set (professional claims)"


def parse_places(text: str, name: str) -> dict[str, str]:
    """The table, code → name; a broken row is a ``DataFileError`` naming file and row."""
    return parse_codes(
        text, name, valid=lambda code: len(code) == 2 and code.isdigit(), rule="two digits"
    )


@functools.cache
def places() -> dict[str, str]:
    """Every place of service code therabill knows, with its name."""
    return parse_places(packaged("place_of_service.csv"), TABLE)


def compact(code: str) -> str:
    return "".join(str(code).split())


def validate(code: str) -> str:
    compacted = compact(code)
    if len(compacted) != 2 or not compacted.isascii() or not compacted.isdigit():
        raise InvalidFormat(f"place of service {code!r} must be two digits (11 for an office).")
    if compacted not in places():
        raise InvalidComponent(f"place of service {compacted} is not in the CMS code set.")
    return compacted


def is_valid(code: str) -> bool:
    try:
        return bool(validate(code))
    except (InvalidFormat, InvalidComponent):
        return False


def format(code: str) -> str:
    return compact(code)
