"""Segment and envelope building: delimiters, safe values, fixed-width ISA, amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.errors import InvalidInput
from therabill.x12.writer import (
    Delimiters,
    InterchangeSettings,
    Party,
    Segments,
    Values,
    isa_segment,
    quantity,
    st_number,
)

SETTINGS = InterchangeSettings(
    sender=Party("ZZ", "SENDER", "SENDER"), receiver=Party("30", "123456789", "RECEIVER")
)
WHEN = dt.datetime(2026, 1, 2, 3, 4)


def test_isa_is_fixed_width_with_every_element_padded() -> None:
    isa = isa_segment(SETTINGS, 42, WHEN, Values(Delimiters(newline=False)))
    assert isa == (
        "ISA*00*          *00*          *ZZ*SENDER         *30*123456789      "
        "*260102*0304*^*00501*000000042*0*T*:~"
    )
    assert len(isa) == 106


@pytest.mark.parametrize("number", [0, 1_000_000_000], ids=["zero", "ten digits"])
def test_control_number_out_of_range(number: int) -> None:
    with pytest.raises(InvalidInput, match="control number"):
        isa_segment(SETTINGS, number, WHEN, Values(Delimiters()))


def test_isa_id_longer_than_15_is_refused() -> None:
    long = InterchangeSettings(sender=Party("ZZ", "S" * 16, "S"), receiver=SETTINGS.receiver)
    with pytest.raises(InvalidInput) as caught:
        isa_segment(long, 1, WHEN, Values(Delimiters()))
    assert caught.value.field == "sender_id"


def test_usage_must_be_test_or_production() -> None:
    bad = InterchangeSettings(sender=SETTINGS.sender, receiver=SETTINGS.receiver, usage="X")
    with pytest.raises(InvalidInput, match="usage"):
        isa_segment(bad, 1, WHEN, Values(Delimiters()))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"element": "**"},
        {"element": "A"},
        {"segment": "*"},
        {"component": " "},
        {"repetition": "é"},
    ],
    ids=["two chars", "letter", "same as element", "space", "not ascii"],
)
def test_bad_delimiters(kwargs: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        Delimiters(**kwargs)  # type: ignore[arg-type]


def test_other_delimiters_are_honoured() -> None:
    d = Delimiters(element="|", component=">", repetition="!", segment="\\", newline=False)
    seg = Segments(d)
    seg.add("SV1", Values(d).composite("HC", "97140", "GP"), "1.00", "", "")
    assert seg.take() == "SV1|HC>97140>GP|1.00\\"
    with pytest.raises(InvalidInput, match="delimiter"):
        Values(d).text("A|B", "name")
    assert Values(d).text("A*B", "name") == "A*B"  # '*' is plain text here


def test_trailing_empty_elements_and_components_are_dropped() -> None:
    seg = Segments(Delimiters())
    seg.add("NM1", "QC", "1", "DOE", "", "", "")
    assert seg.take() == "NM1*QC*1*DOE~\n"
    assert seg.count == 1
    assert Values(Delimiters()).composite("11", "B", "") == "11:B"


def test_quantity_and_st_number() -> None:
    assert quantity(3) == "3"
    assert quantity(Decimal("1.50")) == "1.5"
    assert st_number(7) == "0007"
    assert st_number(123456789) == "123456789"


@given(st.text(max_size=40))
def test_values_never_emit_a_delimiter_or_non_ascii(text: str) -> None:
    d = Delimiters()
    try:
        out = Values(d).text(text, "field")
    except InvalidInput as exc:
        assert exc.field == "field"
        return
    assert out.isascii()
    assert not set(out) & {"*", ":", "^", "~", "\n", "\r"}
