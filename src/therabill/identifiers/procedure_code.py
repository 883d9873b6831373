"""Procedure code shape: five characters, CPT (97110, 0001T) or HCPCS Level II (G0283).

Only the shape; whether a code exists and is active on a date is the code set's business
(``therabill.codes``), because that needs dates and replacements.
"""

from __future__ import annotations

import re

from therabill.identifiers.exceptions import InvalidFormat, InvalidLength

SOURCE = (
    "AMA CPT (five digits, Category II/III end in F/T) and CMS HCPCS Level II (letter + 4 digits)"
)
PATTERN = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})$")


def compact(code: str) -> str:
    return "".join(str(code).split()).upper()


def validate(code: str) -> str:
    compacted = compact(code)
    if len(compacted) != 5:
        raise InvalidLength(f"procedure code {code!r} must have 5 characters.")
    if not PATTERN.match(compacted):
        raise InvalidFormat(f"{code!r} is not shaped like a CPT or HCPCS code (97110, G0283).")
    return compacted


def is_valid(code: str) -> bool:
    try:
        return bool(validate(code))
    except (InvalidFormat, InvalidLength):
        return False


def format(code: str) -> str:
    return compact(code)
