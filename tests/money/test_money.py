"""Money: cents and Decimal, what a user types, the display and X12 forms (pure)."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import therabill
from therabill.errors import InvalidInput
from therabill.money import (
    MAX_CENTS,
    amount_text,
    exact_cents,
    format_dollars,
    format_money,
    parse_amount,
    parse_money,
    to_cents,
    to_decimal,
    x12_amount,
)

cents_st = st.integers(min_value=-(10**15), max_value=10**15)
typed_cents = st.integers(min_value=0, max_value=MAX_CENTS)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("45", 4500),
        ("45.00", 4500),
        ("$1,234.50", 123450),
        ("12.34", 1234),
        ("$1,200", 120000),
        ("0.5", 50),
        (".5", 50),
        ("45.", 4500),
        (" $ 62.40 ", 6240),
        ("+7", 700),
        ("1,000,000", 100000000),
        ("9,999,999.99", MAX_CENTS),
    ],
    ids=[
        "whole",
        "two-places",
        "dollar-sign-and-comma",
        "plain",
        "comma-no-cents",
        "one-decimal",
        "no-leading-zero",
        "trailing-point",
        "spaces",
        "plus-sign",
        "millions",
        "largest",
    ],
)
def test_parse_money(text: str, cents: int) -> None:
    assert parse_money(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not an amount of money"),
        ("abc", "is not an amount of money"),
        ("$", "is not an amount of money"),
        (".", "is not an amount of money"),
        ("1.2.3", "is not an amount of money"),
        ("12,50", "is not an amount of money"),
        ("1,23,456", "is not an amount of money"),
        ("1e5", "is not an amount of money"),
        ("²", "is not an amount of money"),
        ("٤٥", "is not an amount of money"),
        ("1.234", "more than two decimal places"),
        ("-3.10", "is negative"),
        ("$-3", "is negative"),
        ("10,000,000", "is more than 9,999,999.99"),
        ("9" * 5000, "is more than 9,999,999.99"),
    ],
    ids=[
        "empty",
        "letters",
        "dollar-sign-only",
        "point-only",
        "two-points",
        "decimal-comma",
        "bad-grouping",
        "exponent",
        "superscript-digit",
        "arabic-indic-digits",
        "three-decimals",
        "negative",
        "negative-after-dollar-sign",
        "ten-million",
        "five-thousand-digits",
    ],
)
def test_parse_money_refuses_with_a_message_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as err:
        parse_money(text, field="fee")
    assert err.value.field == "fee"


@given(st.text(max_size=30))
def test_parse_money_gives_cents_or_a_clear_error_for_any_text(text: str) -> None:
    try:
        cents = parse_money(text)
    except InvalidInput as exc:
        assert exc.field == "amount"
    else:
        assert type(cents) is int and 0 <= cents <= MAX_CENTS


@given(typed_cents)
def test_typed_display_text_round_trips(cents: int) -> None:
    assert parse_money(format_money(cents)) == cents
    assert parse_money(format_dollars(cents)) == cents
    assert parse_money(str(to_decimal(cents))) == cents


@given(cents_st)
def test_cents_and_decimal_round_trip_exactly(cents: int) -> None:
    amount = to_decimal(cents)
    assert type(amount) is Decimal and amount.as_tuple().exponent == -2
    assert exact_cents(amount) == cents
    assert to_cents(amount, field="x") == cents


@given(cents_st, st.integers(min_value=1, max_value=9))
def test_fractions_of_a_cent_are_not_cents(cents: int, tenth: int) -> None:
    amount = to_decimal(cents) + Decimal(tenth) / 1000
    assert exact_cents(amount) is None
    with pytest.raises(InvalidInput, match="not a whole number of cents") as err:
        to_cents(amount, field="CLP04")
    assert err.value.field == "CLP04"


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("62.4", 6240), ("62.40", 6240), ("100", 10000), ("1E+2", 10000), ("-0", 0)],
    ids=["one-place", "two-places", "whole", "exponent", "negative-zero"],
)
def test_exact_cents_of_decimals_as_read(amount: str, cents: int) -> None:
    assert exact_cents(Decimal(amount)) == cents


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity"])
def test_exact_cents_of_what_is_not_a_number(amount: str) -> None:
    assert exact_cents(Decimal(amount)) is None


@pytest.mark.parametrize(
    ("cents", "cli", "page", "decimal"),
    [
        (123450, "1,234.50", "$1,234.50", "1234.50"),
        (-500, "-5.00", "-$5.00", "-5.00"),
        (0, "0.00", "$0.00", "0.00"),
        (7, "0.07", "$0.07", "0.07"),
        (100000000, "1,000,000.00", "$1,000,000.00", "1000000.00"),
    ],
    ids=["thousands", "negative", "zero", "cents-only", "a-million"],
)
def test_display_forms(cents: int, cli: str, page: str, decimal: str) -> None:
    assert format_money(cents) == cli
    assert format_dollars(cents) == page
    assert str(to_decimal(cents)) == decimal


def test_a_page_shows_nothing_for_no_amount() -> None:
    assert format_dollars(None) == ""


@given(cents_st)
def test_decimal_text_is_what_two_place_float_formatting_showed(cents: int) -> None:
    """Messages used ``f"{cents / 100:.2f}"``; the exact form shows the same text (within
    the range where a float still holds every cent)."""
    if abs(cents) < 2**53:
        assert str(to_decimal(cents)) == f"{cents / 100:.2f}"


X12_AMOUNTS = [
    (Decimal("120"), "120.00"),
    (Decimal("120.5"), "120.50"),
    (Decimal("0.1") + Decimal("0.2"), "0.30"),
    (Decimal("0"), "0.00"),
    (Decimal("-0"), "0.00"),
    (Decimal("-0.00"), "0.00"),
    (Decimal("-12.30"), "-12.30"),
    (Decimal("1.000"), "1.00"),
]


@pytest.mark.parametrize(("amount", "text"), X12_AMOUNTS, ids=[t for _, t in X12_AMOUNTS])
def test_x12_amount_has_exactly_two_places(amount: Decimal, text: str) -> None:
    assert x12_amount(amount, field="lines[0].charge") == text


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("30.005", "has fractions of a cent"),
        ("1.005", "has fractions of a cent"),
        ("10000000000", "is not an amount X12 can carry"),
        ("1E+11", "is not an amount X12 can carry"),
        ("NaN", "is not an amount X12 can carry"),
        ("Infinity", "is not an amount X12 can carry"),
    ],
    ids=["fraction-of-a-cent", "half-a-cent", "ten-billion", "exponent", "nan", "infinity"],
)
def test_x12_amount_refuses(amount: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as err:
        x12_amount(Decimal(amount), field="lines[0].charge")
    assert err.value.field == "lines[0].charge"


@given(cents_st.filter(lambda c: abs(c) < 10**12))
def test_x12_amount_reads_back_as_the_same_cents(cents: int) -> None:
    text = x12_amount(to_decimal(cents), field="x")
    assert exact_cents(Decimal(text)) == cents
    assert text.partition(".")[2].__len__() == 2


@pytest.mark.parametrize(
    ("amount", "text"),
    [("34.6", "34.60"), ("34", "34.00"), ("34.605", "34.605"), (None, None)],
    ids=["one-place", "whole", "three-places-kept", "absent"],
)
def test_amount_text_of_an_835_amount(amount: str | None, text: str | None) -> None:
    assert amount_text(None if amount is None else Decimal(amount)) == text


@pytest.mark.parametrize(
    ("text", "amount"),
    [("30.00", "30.00"), ("30", "30"), ("0.5", "0.5"), ("999999999.99", "999999999.99")],
    ids=["two-places", "whole", "one-place", "largest"],
)
def test_parse_amount(text: str, amount: str) -> None:
    assert parse_amount(text, field="fees.97110") == Decimal(amount)


@pytest.mark.parametrize(
    "text", ["30.555", "-30", "$30", "1,000", "", "30.", "1000000000", "٣٠", "30\n"]
)
def test_parse_amount_refuses(text: str) -> None:
    with pytest.raises(InvalidInput, match=r'is not an amount such as "30\.00"') as err:
        parse_amount(text, field="fees.97110")
    assert err.value.field == "fees.97110"


def test_parse_amount_limits_the_digits_before_the_point() -> None:
    assert parse_amount("9999999.99", field="fee", whole_digits=7) == Decimal("9999999.99")
    with pytest.raises(InvalidInput):
        parse_amount("10000000", field="fee", whole_digits=7)


@given(st.integers(min_value=0, max_value=10**11 - 1))
def test_parse_amount_round_trips_decimal_text(cents: int) -> None:
    assert parse_amount(str(to_decimal(cents)), field="x") == to_decimal(cents)


@pytest.mark.parametrize("module", ["money.py", "ledger", "posting"])
def test_no_float_in_the_money_arithmetic(module: str) -> None:
    """No float literal, true division or float() where cents are computed (DESIGN.md)."""
    root = Path(therabill.__file__).parent / module
    paths = [root] if root.is_file() else sorted(root.glob("*.py"))
    assert paths
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.name}:{getattr(node, 'lineno', '?')}"
            assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), where
            assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)), where
            assert not (isinstance(node, ast.Name) and node.id == "float"), where
