"""Money in one place: integer cents inside therabill, ``Decimal`` at the file formats, never
float (DESIGN.md).

- cents ↔ Decimal: :func:`to_decimal`, :func:`exact_cents`, :func:`to_cents`;
- what a user types ("45", "45.00", "$1,234.50") → cents: :func:`parse_money`;
- an amount in a data file or claim document ("30.00") → Decimal: :func:`parse_amount`;
- display: :func:`format_money` ("1,234.50", the CLI), :func:`format_dollars` ("$1,234.50",
  the web pages);
- X12: :func:`x12_amount` (837P, exactly two places), :func:`amount_text` (an 835 amount as
  read, for JSON).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import overload

from therabill.errors import InvalidInput

CENT = Decimal("0.01")
# Amounts a user enters: below $10 million, so that every stored amount fits the 32-bit
# integer columns of PostgreSQL (2,147,483,647 cents) with room for sums of a few.
MAX_CENTS = 999_999_999
# An amount in a file we read: digits, optionally a point and one or two decimals; no sign,
# no dollar sign, no thousands separator (payer profiles, claim documents).
AMOUNT_PATTERN = r"^\d{1,9}(\.\d{1,2})?$"
_AMOUNT = re.compile(r"(\d{1,9})(?:\.(\d{1,2}))?", re.ASCII)
# What a user types: an optional dollar sign, digits grouped by commas in threes (or not
# grouped), an optional point and decimals.
_TYPED = re.compile(r"\$?\s*(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?", re.ASCII)
# The 837P writer refuses amounts of $10 billion or more (element 782, Monetary Amount, is
# R 1/18; no claim comes near the limit, and a larger figure is a mistake upstream).
_X12_TOO_LARGE = Decimal("10000000000")


def to_decimal(cents: int) -> Decimal:
    """``12345`` → ``Decimal("123.45")``; exact, always two places (``-500`` → ``-5.00``)."""
    return Decimal(f"{cents}E-2")


@functools.lru_cache(maxsize=16384)
def exact_cents(amount: Decimal) -> int | None:
    """``Decimal("62.4")`` → ``6240``; None when it is not a whole number of cents.

    Cached: a remittance repeats the same few fees and amounts thousands of times."""
    if not amount.is_finite():
        return None
    scaled = amount.scaleb(2)
    return int(scaled) if scaled == scaled.to_integral_value() else None


def to_cents(amount: Decimal, *, field: str) -> int:
    """Exact cents of ``amount``; refuses fractions of a cent, naming ``field``."""
    value = exact_cents(amount)
    if value is None:
        raise InvalidInput(f"{amount} is not a whole number of cents", field=field)
    return value


def parse_money(text: str, *, field: str = "amount") -> int:
    """What a user typed → cents: ``"45"``, ``"45.00"``, ``"$1,234.50"``, ``".5"``.

    Refused, with a message naming ``field``: junk, a minus sign (amounts are entered as
    positive numbers; the kind of entry says which way the money moves), more than two
    decimal places, commas that do not group thousands ("12,50" would otherwise be read as
    1,250 dollars), and amounts of $10 million or more."""
    cleaned = text.strip()
    if cleaned.startswith("-") or cleaned.startswith("$-"):
        raise InvalidInput(
            f"{text!r} is negative; enter the amount without a minus sign", field=field
        )
    found = _TYPED.fullmatch(cleaned.removeprefix("+"))
    if found is None or not (found.group(1) or found.group(2)):
        raise InvalidInput(
            f"{text!r} is not an amount of money (for example 45.00 or $1,234.50)", field=field
        )
    whole, frac = found.group(1).replace(",", "").lstrip("0"), found.group(2) or ""
    if len(frac) > 2:
        raise InvalidInput(f"{text!r} has more than two decimal places", field=field)
    # (more than nine digits is too much already; int() of a very long text is slow)
    cents = int(whole or "0") * 100 + int(frac.ljust(2, "0")) if len(whole) <= 9 else MAX_CENTS + 1
    if cents > MAX_CENTS:
        raise InvalidInput(
            f"{text!r} is more than {format_money(MAX_CENTS)}, the largest amount therabill takes",
            field=field,
        )
    return cents


def parse_amount(text: str, *, field: str, whole_digits: int = 9) -> Decimal:
    """An amount written in a file (``"30.00"``, ``"30"``, ``"0.5"``) → Decimal; refuses a
    sign, a dollar sign, commas, more than two decimals or more than ``whole_digits`` digits
    before the point."""
    found = _AMOUNT.fullmatch(text)
    if found is None or len(found.group(1)) > whole_digits:
        raise InvalidInput(f'{text!r} is not an amount such as "30.00"', field=field)
    return Decimal(text)


def format_money(cents: int) -> str:
    """Cents for the command line: ``123450`` → ``"1,234.50"``, ``-500`` → ``"-5.00"``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}"


def format_dollars(cents: int | None) -> str:
    """Cents for a page: ``123450`` → ``"$1,234.50"``, ``-500`` → ``"-$5.00"``, None → ``""``."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}${whole:,}.{part:02d}"


def x12_amount(amount: Decimal, *, field: str) -> str:
    """An X12 R (decimal) amount for the 837P: exactly two places (``"30.00"``, ``"0.00"``,
    never ``"-0.00"``); refuses fractions of a cent and amounts X12 cannot carry."""
    if not amount.is_finite() or not -_X12_TOO_LARGE < amount < _X12_TOO_LARGE:
        raise InvalidInput(f"{amount} is not an amount X12 can carry", field=field)
    if amount != amount.quantize(CENT):
        raise InvalidInput(f"{amount} has fractions of a cent", field=field)
    return f"{amount:.2f}" if amount else "0.00"


@overload
def amount_text(amount: Decimal) -> str: ...
@overload
def amount_text(amount: None) -> None: ...
def amount_text(amount: Decimal | None) -> str | None:
    """An amount read from an 835, as text: ``Decimal("34.6")`` → ``"34.60"``; more decimal
    places than two are kept as sent (the reader flags them; the text must not hide them)."""
    if amount is None:
        return None
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return str(amount.quantize(CENT))
    return str(amount)
