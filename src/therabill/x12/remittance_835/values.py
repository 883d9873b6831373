"""Element values of an 835: amounts, quantities, dates and procedure composites.

Each converter is a cache: a remittance repeats the same amounts, dates and procedure codes
thousands of times, and a dict lookup is five times cheaper than ``Decimal(text)``. A cache
is cleared when it grows past ``CACHE_LIMIT`` entries, so memory stays flat on any file.
A bad value raises ``BadValue`` naming the element; the parser adds file and segment number.

Formats (ASC X12 data element types, as used by 005010X221A1): R (decimal number: optional
minus sign, digits, optional decimal point, no exponent, no thousands separator); DT
(CCYYMMDD); composite SVC01/SVC06 = qualifier, code, up to four modifiers, description.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from therabill.money import format_money

CACHE_LIMIT = 50_000
CACHED_TEXT = 100
"""Longer texts are converted but not cached: the caches' memory stays bounded (50,000 short
keys) whatever a file's segments hold."""

MAX_DIGITS = 18
"""X12 data element 782 Monetary Amount is type R, 1 to 18 digits (the sign and the decimal
point are not counted): ASC X12 005010 data element dictionary, as in pyx12's dataele.xml."""

MAX_STORED_CENTS = 10**14 - 1
"""The largest amount therabill reads: $999,999,999,999.99. Its cents columns are 64-bit
(BIGINT: up to 9,223,372,036,854,775,807; https://www.postgresql.org/docs/current/datatype-numeric.html),
and reports sum amounts: at most a trillion dollars each, 92,000 of them still sum within 64
bits (SQLite's sum() raises on integer overflow rather than wrap). A larger amount (the security
review sent 10^27) is refused naming its element instead of overflowing the database; the
largest real remittances (a health system's month, hundreds of millions) are far below it."""
MAX_AMOUNT = Decimal(MAX_STORED_CENTS) / 100

QUALIFIERS = frozenset({"AD", "ER", "HC", "HP", "IV", "N4", "N6", "NU", "UI", "WK"})
"""SVC01-1 product/service id qualifiers of 005010X221A1 (HC: CPT/HCPCS, NU: revenue code…)."""

WRONG_SEPARATORS = frozenset(":>^!|\\")
"""Separators seen in composites that do not match ISA16 (LinuxForHealth samples use '>' with
ISA16 ':'). A known qualifier followed by one of them is read anyway: rejecting a payer's real
payment for a cosmetic fault is worse than reading it (python-stdnum's rule)."""


class BadValue(Exception):
    """An element that is not what its type requires."""

    def __init__(self, element: str, message: str) -> None:
        super().__init__(message)
        self.element = element
        self.message = message


def _shown(text: str) -> str:
    return f"{text[:24]!r}" + ("…" if len(text) > 24 else "")


def _check_digits(digits: str, text: str, element: str) -> None:
    """``BadValue`` for an amount longer than X12 allows (before ``Decimal`` sees it)."""
    count = len(digits.replace(".", "", 1))
    if count > MAX_DIGITS:
        raise BadValue(
            element,
            f"{element} {_shown(text)} has {count} digits: an X12 amount has at most {MAX_DIGITS}",
        )


class Values:
    """Converters with caches, one set per parse (no global state)."""

    def __init__(self, component: str) -> None:
        self.component = component
        self.amounts: dict[str, Decimal] = {}
        self.dates: dict[str, dt.date] = {}
        self.procedures: dict[str, tuple[str, str, tuple[str, ...]]] = {}

    def amount(self, text: str, element: str) -> Decimal:
        """``text`` as a Decimal (cache miss path; callers try ``amounts.get`` first)."""
        digits = text[1:] if text[:1] == "-" else text  # X12 type R: -?digits[.digits]
        if not (digits.isascii() and digits.replace(".", "", 1).isdigit()):
            what = "empty" if not text else f"{text[:30]!r}, not a number"
            raise BadValue(element, f"{element} is {what}: an amount like 123.45 is required")
        if len(digits) > MAX_DIGITS:
            _check_digits(digits, text, element)
        value = Decimal(text)
        if len(digits) > 12 and abs(value) > MAX_AMOUNT:  # 13 characters may reach a trillion
            raise BadValue(
                element,
                f"{element} {_shown(text)} is too large: therabill reads amounts up to "
                f"{format_money(MAX_STORED_CENTS)}",
            )
        if len(self.amounts) >= CACHE_LIMIT:
            self.amounts.clear()
        self.amounts[text] = value
        return value

    def optional_amount(self, text: str, element: str) -> Decimal | None:
        if not text:
            return None
        value = self.amounts.get(text)
        return value if value is not None else self.amount(text, element)

    def date(self, text: str, element: str) -> dt.date:
        """CCYYMMDD as a date (cache miss path; callers try ``dates.get`` first)."""
        try:
            if len(text) != 8 or not (text.isascii() and text.isdigit()):
                raise ValueError
            value = dt.date.fromisoformat(text)  # CCYYMMDD is ISO 8601 basic format
        except ValueError:
            what = "empty" if not text else f"{text[:30]!r}, not a date"
            raise BadValue(element, f"{element} is {what}: CCYYMMDD is required") from None
        if len(self.dates) >= CACHE_LIMIT:
            self.dates.clear()
        self.dates[text] = value  # eight characters: always short
        return value

    def optional_date(self, text: str, element: str) -> dt.date | None:
        if not text:
            return None
        value = self.dates.get(text)
        return value if value is not None else self.date(text, element)

    def procedure(self, text: str, element: str) -> tuple[str, str, tuple[str, ...]]:
        """``HC:97110:GP`` as (qualifier, code, modifiers) (cache miss path)."""
        parts = text.split(self.component)
        if len(parts) == 1 and text[:2] in QUALIFIERS and text[2:3] in WRONG_SEPARATORS:
            parts = text.split(text[2])  # a payer used another separator than ISA16 declares
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise BadValue(
                element,
                f"{element} {text[:40]!r} is not a procedure composite "
                f"(qualifier{self.component}code, e.g. HC{self.component}97110)",
            )
        value = (parts[0], parts[1], tuple(m for m in parts[2:6] if m))
        if len(text) <= CACHED_TEXT:
            if len(self.procedures) >= CACHE_LIMIT:
                self.procedures.clear()
            self.procedures[text] = value
        return value

    def reason_reference(self, text: str) -> tuple[str, str]:
        """PLB03 ``WO:1234`` as (adjustment reason, reference); the reference may be absent."""
        reason, found, reference = text.partition(self.component)
        if not found and text[2:3] in WRONG_SEPARATORS:
            reason, _, reference = text.partition(text[2])
        return reason, reference
