"""The claim number therabill sends: ``TB`` and the claim's id in at least eight digits
(``TB00000123``), written in one place and read back in one place.

It travels as the patient control number (837P CLM01, 005010X222A1: "Patient Control
Number", up to 20 characters) and comes back in the 835 (CLP01), the 277CA and the 999's
references, so a payer's answer finds its claim. Payers return it as sent, but some drop the
leading zeros or change the case; reading accepts both.
"""

from __future__ import annotations

import re

from therabill.errors import InvalidInput

PREFIX = "TB"
DIGITS = 8  # zero-padded to eight; ids of nine digits or more are written in full
MAX_DIGITS = 12  # TB + 12 digits is 14 characters, inside CLM01's 20
_NUMBER = re.compile(rf"{PREFIX}0*(\d{{1,{MAX_DIGITS}}})", re.IGNORECASE | re.ASCII)


def claim_number(claim_id: int) -> str:
    """``123`` → ``"TB00000123"``."""
    if not 0 <= claim_id < 10**MAX_DIGITS:
        raise InvalidInput(
            f"{claim_id} cannot be a claim number (0 to {10**MAX_DIGITS - 1})", field="claim"
        )
    return f"{PREFIX}{claim_id:0{DIGITS}d}"


def claim_id_from_control_number(text: str) -> int | None:
    """The claim id in a number we wrote (``"TB00000123"``, ``"tb123"``), or None when the
    text is not one of ours (another system's claim in a payer's file is not an error)."""
    found = _NUMBER.fullmatch(text.strip())
    return int(found.group(1)) if found else None


def parse_claim_id(text: str, *, field: str = "claim") -> int:
    """A claim as a user names it: its id (``"12"``) or its claim number (``"TB00000012"``,
    as a payer's letter or remittance shows it)."""
    clean = text.strip()
    if clean.isascii() and clean.isdigit() and len(clean) <= MAX_DIGITS:
        return int(clean)
    return parse_claim_number(clean, field=field)


def parse_claim_number(text: str, *, field: str = "claim") -> int:
    """The claim id in ``text``; refuses anything else with a message naming ``field``."""
    claim_id = claim_id_from_control_number(text)
    if claim_id is None:
        raise InvalidInput(
            f"{text!r} is not a therabill claim number ({PREFIX} and digits, e.g. "
            f"{claim_number(123)})",
            field=field,
        )
    return claim_id


def control_number_of(claim_id: int, line_number: int) -> str:
    """The line item control number of a claim's line: ``TB00000123-2``.

    Sent in the 837P (005010X222A1 loop 2400 REF*6R, "Line Item Control Number", REF02 up
    to 50 characters) and returned by the payer in the 835 (005010X221A1 loop 2110 REF*6R:
    "Required when a Line Item Control Number was received on the original claim", also on
    every part of a split line). Unique because the claim number is; a replacement or a
    secondary claim is a new claim and so numbers its lines anew.
    """
    return f"{claim_number(claim_id)}-{line_number}"
