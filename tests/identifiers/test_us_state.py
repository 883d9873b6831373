"""US state abbreviations (USPS Publication 28, Appendix B): an address's state is one of them,
not any two letters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.errors import DataFileError, InvalidInput
from therabill.identifiers.us_state import check_state, parse_states, states

# USPS Pub 28 Appendix B: 50 states, the District of Columbia, 8 possessions and associated
# states (AS FM GU MH MP PW PR VI) and the 3 military mail "states" (AA AE AP).
POSSESSIONS = {"AS", "FM", "GU", "MH", "MP", "PW", "PR", "VI"}
MILITARY = {"AA", "AE", "AP"}


def test_the_table_has_every_state_possession_and_military_code() -> None:
    table = states()
    assert len(table) == 50 + 1 + len(POSSESSIONS) + len(MILITARY)
    assert POSSESSIONS | MILITARY | {"DC", "IL", "NY", "WY"} <= set(table)
    assert table["PR"] == "Puerto Rico" and table["DC"] == "District of Columbia"


@pytest.mark.parametrize(
    ("typed", "kept"), [("IL", "IL"), ("il", "IL"), (" ny ", "NY"), ("pr", "PR"), ("AE", "AE")]
)
def test_a_us_state_is_kept_in_capitals(typed: str, kept: str) -> None:
    assert check_state(typed) == kept


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("XX", "'XX' is not a US state"),
        ("ZZ", "'ZZ' is not a US state"),
        ("ON", "'ON' is not a US state"),  # Ontario: a province, not written without N404
        ("I1", "'I1' is not two letters"),
        ("Illinois", "'Illinois' is not two letters"),
        ("", "'' is not two letters"),
    ],
)
def test_anything_else_is_refused_naming_the_field(typed: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        check_state(typed, "pay_to.state")
    assert refused.value.field == "pay_to.state"
    assert "USPS abbreviation" in str(refused.value)


@given(st.text(max_size=4))
def test_a_check_either_keeps_a_listed_code_or_refuses(text: str) -> None:
    try:
        kept = check_state(text)
    except InvalidInput:
        assert text.strip().upper() not in states()
    else:
        assert kept in states() and kept == text.strip().upper()


@pytest.mark.parametrize(
    ("text", "row"),
    [("code,name\nIL,Illinois\nIL,Again\n", 3), ("code,name\nil,Illinois\n", 2)],
    ids=["twice", "lower case"],
)
def test_a_broken_table_names_its_row(text: str, row: int) -> None:
    with pytest.raises(DataFileError) as broken:
        parse_states(text, "us_states.csv")
    assert f"{row}" in str(broken.value)
