"""NPI: the 10-digit National Provider Identifier.

Source: CMS "Requirements for NPI Check Digit" (NPIcheckdigit.pdf): the tenth digit is a Luhn
check digit computed over the 15 digits ``80840`` + the first nine (80840 is the health
industry's card-issuer prefix). CMS's example: 123456789 → check digit 3 → 1234567893. NPIs
begin with 1 or 2 (shared reference billing-rules.md §8).
"""

from __future__ import annotations

import functools

from stdnum import luhn

from therabill.identifiers.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

PREFIX = "80840"
SOURCE = "CMS Requirements for NPI Check Digit (Luhn over the 80840 prefix)"


def compact(number: str) -> str:
    """The NPI without spaces or dashes."""
    return "".join(str(number).split()).replace("-", "")


def calc_check_digit(first_nine: str) -> str:
    """The check digit for the first nine digits of an NPI."""
    return str(luhn.calc_check_digit(PREFIX + first_nine))


def validate(number: str) -> str:
    """The compact NPI, or an ``InvalidIdentifier`` saying what is wrong with it."""
    npi = compact(number)
    if not npi.isdigit() or not npi.isascii():
        raise InvalidFormat(f"NPI {npi!r} must be 10 digits.")
    if len(npi) != 10:
        raise InvalidLength(f"NPI {npi!r} has {len(npi)} digits; an NPI has 10.")
    if npi[0] not in "12":
        raise InvalidFormat(f"NPI {npi} must begin with 1 or 2.")
    if calc_check_digit(npi[:9]) != npi[9]:
        raise InvalidChecksum(
            f"NPI {npi} fails its check digit (expected {calc_check_digit(npi[:9])} last).",
            hint="Copy the NPI again from NPPES: one digit is probably mistyped.",
        )
    return npi


@functools.lru_cache(maxsize=65536)
def problem(number: str) -> InvalidFormat | InvalidLength | InvalidChecksum | None:
    """Why an NPI is not valid (None when it is); cached, a practice has few NPIs."""
    try:
        validate(number)
    except (InvalidFormat, InvalidLength, InvalidChecksum) as exc:
        return exc
    return None


def is_valid(number: str) -> bool:
    try:
        return bool(validate(number))
    except (InvalidFormat, InvalidLength, InvalidChecksum):
        return False


def format(number: str) -> str:
    return compact(number)
