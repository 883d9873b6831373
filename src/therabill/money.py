"""Money: integer cents inside, Decimal at the file formats, never float (DESIGN.md)."""

from __future__ import annotations

from therabill.errors import InvalidInput


def parse_money(text: str, *, field: str = "amount") -> int:
    """``"12.34"`` / ``"$1,200"`` → cents; refuses more than two decimals and junk."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    negative = cleaned.startswith("-")
    digits = cleaned.lstrip("+-")
    whole, _, frac = digits.partition(".")
    if (not whole and not frac) or not (whole or "0").isdigit() or (frac and not frac.isdigit()):
        raise InvalidInput(f"{text!r} is not an amount of money", field=field)
    if len(frac) > 2:
        raise InvalidInput(f"{text!r} has more than two decimal places", field=field)
    cents = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -cents if negative else cents


def format_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
