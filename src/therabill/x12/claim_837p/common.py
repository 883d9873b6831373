"""What every 837P loop module shares: limits, code patterns, the claim filing code table
and the error for a missing field."""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources

from therabill.errors import DataFileError, InvalidInput

SELF = "18"  # individual relationship code: the patient is the insured
RESPONSIBILITY = {"primary": "P", "secondary": "S", "tertiary": "T"}
MAX_LINES = 50  # loop 2400 repeats at most 50 times per claim
MAX_DIAGNOSES = 12  # HI01…HI12
MAX_POINTERS = 4  # SV107-1…SV107-4
MAX_MODIFIERS = 4  # SV101-3…SV101-6

# Whole-value patterns (fullmatch); [0-9], not \d, which also matches other scripts' digits.
NPI_PATTERN = re.compile(r"[0-9]{10}")
CODE_PATTERN = re.compile(r"[A-Z0-9]{5}")
MODIFIER_PATTERN = re.compile(r"[A-Z0-9]{2}")
PLACES = frozenset(f"{n:02d}" for n in range(100))
ICD_PATTERN = re.compile(r"[A-Z][0-9A-Z]{2,6}")


def missing(field: str, why: str) -> InvalidInput:
    """The error for a field an 837P needs and the document lacks (the transaction writer
    puts the claim id in front of every claim's error)."""
    return InvalidInput(f"missing: {why}", field=field)


@functools.cache
def claim_filing_codes() -> tuple[str, dict[str, str]]:
    """(default, payer id → SBR09 code) from ``data/claim_filing.toml``."""
    name = "claim_filing.toml"
    try:
        raw = tomllib.loads(resources.files(__package__).joinpath("data", name).read_text("utf-8"))
        default = str(raw["default"])
        payers = {str(k).upper(): str(v) for k, v in raw.get("payers", {}).items()}
    except (KeyError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(name, None, f"malformed: {exc}") from None
    return default, payers


def claim_filing_code(payer_id: str) -> str:
    default, payers = claim_filing_codes()
    return payers.get(payer_id.upper(), default)


def person_name(full: str) -> tuple[str, str]:
    """(last, first) from a provider's display name: credentials after a comma are dropped.

    ``"Ana Ruiz, LMT"`` → ("Ruiz", "Ana"); a one-word name is a last name only.
    """
    name = full.split(",", 1)[0].strip() or full.strip()
    first, _, last = name.rpartition(" ")
    return last, first.strip()


def npi(value: str, field: str) -> str:
    if not NPI_PATTERN.fullmatch(value):
        raise InvalidInput(f"{value!r} is not a 10-digit NPI", field=field)
    return value


# --- header loops -----------------------------------------------------------------------------
