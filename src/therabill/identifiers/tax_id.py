"""US tax id of a billing provider: an EIN (12-3456789), or an SSN for a sole practitioner.

Checked by python-stdnum (``stdnum.us.ein``: known IRS campus prefixes; ``stdnum.us.ssn``:
area/group/serial rules). The 837P sends the EIN as REF*EI, an SSN as REF*SY.
"""

from __future__ import annotations

import functools
from typing import Literal

from stdnum.exceptions import ValidationError
from stdnum.us import ein, ssn

from therabill.identifiers.exceptions import InvalidComponent, InvalidFormat, InvalidLength

SOURCE = "IRS EIN prefixes and SSA SSN rules via python-stdnum (stdnum.us.ein, stdnum.us.ssn)"
TaxIdKind = Literal["ein", "ssn"]


def compact(number: str) -> str:
    """The digits of the tax id, without spaces or dashes."""
    return "".join(str(number).split()).replace("-", "")


def kind(number: str) -> TaxIdKind:
    """Whether a tax id as written is an SSN (123-45-6789) or an EIN (12-3456789 or 9 digits)."""
    text = "".join(str(number).split())
    return "ssn" if len(text) == 11 and text[3] == "-" and text[6] == "-" else "ein"


def validate(number: str) -> str:
    """The compact tax id, or an ``InvalidIdentifier`` saying what is wrong."""
    digits = compact(number)
    if not digits.isdigit() or not digits.isascii():
        raise InvalidFormat(f"tax id {number!r} must be 9 digits (EIN 12-3456789).")
    if len(digits) != 9:
        raise InvalidLength(f"tax id {number!r} has {len(digits)} digits; it needs 9.")
    module = ssn if kind(number) == "ssn" else ein
    try:
        module.validate(digits)
    except ValidationError:
        label = "SSN" if module is ssn else "EIN"
        raise InvalidComponent(
            f"tax id {number!r} is not a valid {label} (its prefix is never issued)."
        ) from None
    return digits


@functools.lru_cache(maxsize=65536)
def problem(number: str) -> InvalidFormat | InvalidLength | InvalidComponent | None:
    """Why a tax id is not valid (None when it is); cached, a practice has few tax ids."""
    try:
        validate(number)
    except (InvalidFormat, InvalidLength, InvalidComponent) as exc:
        return exc
    return None


def is_valid(number: str) -> bool:
    try:
        return bool(validate(number))
    except (InvalidFormat, InvalidLength, InvalidComponent):
        return False


def format(number: str) -> str:
    """EIN as 12-3456789, SSN as 123-45-6789."""
    digits = compact(number)
    if kind(number) == "ssn":
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    return f"{digits[:2]}-{digits[2:]}"
