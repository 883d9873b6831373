"""Money: parsing what a user types, display text, and their round trip (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.errors import InvalidInput
from therabill.money import format_money, parse_money


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12.34", 1234), ("$1,200", 120000), ("0.5", 50), ("-3.10", -310), ("7", 700)],
    ids=["plain", "dollar-sign-and-comma", "one-decimal", "negative", "whole"],
)
def test_parse_money(text: str, cents: int) -> None:
    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1.234", "1.2.3", "$", "."])
def test_parse_money_refuses_junk(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_money(text)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_money_text_round_trips(cents: int) -> None:
    assert parse_money(format_money(cents)) == cents
