"""Text for the standard PDF fonts: anything a user typed prints as Latin-1, never crashes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.paper.pdf import dollars, latin1


@pytest.mark.parametrize(
    ("typed", "printed"),
    [("Zoë Müller", "Zoë Müller"), ("Łukasz", "Lukasz"), ("Ω", "?"), ("a\x00b", "ab"),
     ("tab\tx", "tab x"), ("O'Brien", "O'Brien"), ("", "")],
)  # fmt: skip
def test_examples(typed: str, printed: str) -> None:
    assert latin1(typed) == printed


@given(st.text())
def test_any_text_prints_in_latin1(typed: str) -> None:
    printed = latin1(typed)
    printed.encode("latin-1")
    assert all(ch.isprintable() or ch == " " for ch in printed)


@pytest.mark.parametrize(
    ("cents", "shown"), [(0, "$0.00"), (5, "$0.05"), (123456789, "$1,234,567.89"), (-500, "-$5.00")]
)
def test_dollars(cents: int, shown: str) -> None:
    assert dollars(cents) == shown
