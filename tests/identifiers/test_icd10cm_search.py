"""The session form's diagnosis look-up: billable ICD-10-CM codes by code or by words."""

from __future__ import annotations

import pytest

from therabill.identifiers.icd10cm import search_billable


@pytest.mark.parametrize(
    ("typed", "expected_first"),
    [
        ("M54.5", "M54.50"),  # a category is not billable: its children are offered
        ("m545", "M54.50"),  # without the dot, lower case
        ("vertebrogenic low back", "M54.51"),
    ],
    ids=["code with dot", "code compact", "words"],
)
def test_billable_codes_are_found_by_code_or_words(typed: str, expected_first: str) -> None:
    found = search_billable(typed)
    assert found[0][0] == expected_first
    assert "M54.5" not in [code for code, _ in found]


@pytest.mark.parametrize("typed", ["", "M", " ", "zzzz qqqq"])
def test_too_little_or_nothing_matching_finds_nothing(typed: str) -> None:
    assert search_billable(typed) == []


def test_the_limit_is_kept() -> None:
    assert len(search_billable("pain", limit=3)) == 3
