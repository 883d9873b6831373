"""Identifier modules: sourced NPI cases, ICD-10-CM billability, tax ids, modifiers, junk."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.errors import DataFileError
from therabill.identifiers import (
    MODULES,
    InvalidChecksum,
    InvalidComponent,
    InvalidIdentifier,
    InvalidLength,
    icd10cm,
    modifier,
    npi,
    procedure_code,
    tax_id,
)

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "scrub" / "data" / "sourced-cases.json").read_text("utf-8")
)
NPI_CASES = [c for c in CASES if c.get("kind") == "npi"]


@pytest.mark.parametrize("case", NPI_CASES, ids=[c["id"] for c in NPI_CASES])
def test_npi_sourced_cases(case: dict[str, Any]) -> None:
    assert npi.is_valid(case["input"]) is case["expected"]


def test_npi_cms_check_digit_example() -> None:
    case = next(c for c in CASES if c["id"] == "npi-cms-check-digit")
    assert npi.calc_check_digit(case["input"]) == case["expected"]


def test_npi_luhn_over_80840_prefix() -> None:
    from stdnum import luhn

    case = next(c for c in CASES if c["id"] == "npi-cms-card-issuer")
    assert luhn.is_valid(case["input"]) is case["expected"]
    assert npi.validate(case["input"][5:]) == "1234567893"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("1234567890", InvalidChecksum),
        ("123456789", InvalidLength),
        ("3234567893", InvalidIdentifier),
    ],
    ids=["wrong-check-digit", "nine-digits", "starts-with-3"],
)
def test_npi_errors_say_why(value: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        npi.validate(value)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[0] in "12"))
def test_npi_every_check_digit_validates(first_nine: str) -> None:
    number = first_nine + npi.calc_check_digit(first_nine)
    assert npi.is_valid(number)
    wrong = first_nine + str((int(number[-1]) + 1) % 10)
    assert not npi.is_valid(wrong)


@pytest.mark.parametrize(
    ("code", "billable"),
    [
        ("M54.50", True),
        ("m5450", True),
        ("M54.5", False),
        ("F84.0", True),
        ("S72.001A", True),
        ("S72.001", False),
        ("Z00", False),
        ("M99.99", False),
    ],
    ids=[
        "low-back-pain-unspecified",
        "no-dot-lower-case",
        "category-needs-child",
        "autism",
        "seventh-character",
        "missing-seventh-character",
        "chapter-heading",
        "not-a-code",
    ],
)
def test_icd10cm_billable(code: str, billable: bool) -> None:
    assert icd10cm.is_billable(code) is billable


def test_icd10cm_heading_suggests_children() -> None:
    with pytest.raises(InvalidComponent) as info:
        icd10cm.validate("M54.5")
    assert "M54.50" in str(info.value)


@pytest.mark.parametrize(
    ("value", "valid", "formatted"),
    [
        ("12-3456789", True, "12-3456789"),
        ("123456789", True, "12-3456789"),
        ("07-1234567", False, None),
        ("12-345678", False, None),
        ("078-05-1120", False, None),
        ("123-45-6789", True, "123-45-6789"),
    ],
    ids=["ein", "ein-digits-only", "ein-unissued-prefix", "short", "woolworth-ssn", "ssn"],
)
def test_tax_id(value: str, valid: bool, formatted: str | None) -> None:
    assert tax_id.is_valid(value) is valid
    if formatted:
        assert tax_id.format(value) == formatted


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("GP", True),
        ("gp", True),
        ("59", True),
        ("XU", True),
        ("KX", True),
        ("ZZ", False),
        ("G", False),
        ("GPX", False),
    ],
    ids=["gp", "lower-case", "59", "xu", "kx", "unknown", "one-char", "three-chars"],
)
def test_modifier(value: str, valid: bool) -> None:
    assert modifier.is_valid(value) is valid


def test_modifier_table_has_sources() -> None:
    table = modifier.modifiers()
    assert {"GP", "GO", "GN", "CQ", "CO", "KX", "59", "XE", "XS", "XP", "XU", "26", "TC"} <= set(
        table
    )
    assert all(m.source for m in table.values())


def test_modifier_table_errors_name_the_row() -> None:
    with pytest.raises(DataFileError) as info:
        modifier.parse_modifiers("# c\nmodifier,kind,meaning,source\nGP,x,y,z\nGP,x,y,z\n", "m.csv")
    assert "row 4" in str(info.value)


@pytest.mark.parametrize(
    ("code", "valid"),
    [("97110", True), ("G0283", True), ("0001T", True), ("9711", False), ("ABCDE", False)],
)
def test_procedure_code_shape(code: str, valid: bool) -> None:
    assert procedure_code.is_valid(code) is valid


JUNK: list[Any] = [
    None,
    "",
    " ",
    "€",
    "１２３４５６７８９３",
    "\x00",
    "-" * 50,
    12345,
    1.5,
    object(),
    ["x"],
    "9" * 10_000,
]


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("value", JUNK, ids=[repr(v)[:20] for v in JUNK])
def test_junk_never_crashes(name: str, value: Any) -> None:
    module = MODULES[name]
    assert module.is_valid(value) in (True, False)
    with contextlib.suppress(InvalidIdentifier):
        module.validate(value)


@pytest.mark.parametrize(
    ("code", "valid"),
    [("11", True), ("02", True), ("10", True), ("00", False), ("1", False), ("AB", False)],
)
def test_place_of_service(code: str, valid: bool) -> None:
    from therabill.identifiers import place_of_service

    assert place_of_service.is_valid(code) is valid
