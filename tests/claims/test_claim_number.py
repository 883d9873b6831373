"""The claim number (TB + claim id) is written and read in one place (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.claims.number import (
    claim_id_from_control_number,
    claim_number,
    parse_claim_id,
    parse_claim_number,
)
from therabill.errors import InvalidInput


@pytest.mark.parametrize(
    ("claim_id", "text"),
    [(123, "TB00000123"), (0, "TB00000000"), (123456789, "TB123456789")],
    ids=["padded", "zero", "nine-digits-in-full"],
)
def test_claim_number(claim_id: int, text: str) -> None:
    assert claim_number(claim_id) == text


@pytest.mark.parametrize("claim_id", [-1, 10**12])
def test_claim_number_refuses_ids_it_cannot_carry(claim_id: int) -> None:
    with pytest.raises(InvalidInput, match="cannot be a claim number"):
        claim_number(claim_id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TB00000012", 12),
        ("tb00000000", 0),
        ("TB12", 12),
        (" TB00000123 ", 123),
        ("TB000000000000000007", 7),
        ("X-12", None),
        ("TB", None),
        ("TB-12", None),
        ("TB1234567890123", None),
        ("TB00000012X", None),
        ("TB٠٠١٢", None),
    ],
    ids=[
        "as-sent",
        "lower-case",
        "zeros-dropped",
        "spaces",
        "extra-zeros",
        "another-system",
        "prefix-only",
        "sign",
        "thirteen-digits",
        "trailing-letter",
        "arabic-indic-digits",
    ],
)
def test_reading_a_control_number(text: str, expected: int | None) -> None:
    assert claim_id_from_control_number(text) == expected


@pytest.mark.parametrize("text", ["X-12", "TB", "", "12", "TB1.5"])
def test_parse_refuses_malformed_numbers_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"is not a therabill claim number .*TB00000123") as err:
        parse_claim_number(text, field="CLP01")
    assert err.value.field == "CLP01"


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_round_trip(claim_id: int) -> None:
    text = claim_number(claim_id)
    assert parse_claim_number(text) == claim_id
    assert parse_claim_number(text.lower()) == claim_id
    assert len(text) <= 20  # 837P CLM01, patient control number


@given(st.text(max_size=20))
def test_any_text_reads_as_an_id_or_none(text: str) -> None:
    found = claim_id_from_control_number(text)
    assert found is None or claim_id_from_control_number(claim_number(found)) == found


@pytest.mark.parametrize(
    ("text", "claim_id"),
    [("12", 12), (" 12 ", 12), ("TB00000012", 12), ("tb12", 12), ("000000000012", 12)],
    ids=["id", "id-with-spaces", "claim-number", "lower-case-number", "id-with-zeros"],
)
def test_a_claim_named_by_id_or_number(text: str, claim_id: int) -> None:
    assert parse_claim_id(text) == claim_id


@pytest.mark.parametrize("text", ["", "-12", "12a", "١٢", "9" * 5000, "TB"])
def test_a_claim_named_wrongly(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a therabill claim number") as err:
        parse_claim_id(text, field="claim")
    assert err.value.field == "claim"
