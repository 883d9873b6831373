"""The claim document model: shape checks, money as exact strings, and the published schema."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from therabill.claims import FREQUENCY_CODES, Claim
from therabill.claims.schema import schema_text

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[2]


def complete() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "claim-complete.json").read_text("utf-8"))
    return data


def test_complete_claim_reads() -> None:
    claim = Claim.model_validate(complete())
    assert claim.lines[0].charge == Decimal("120.00")
    assert claim.client.sex == "F"
    assert claim.billing_provider is not None and claim.billing_provider.tax_id == "12-3456789"
    assert FREQUENCY_CODES[claim.frequency] == "1"


def test_charge_is_a_string_in_json() -> None:
    claim = Claim.model_validate(complete())
    dumped = claim.model_dump(mode="json")
    assert dumped["lines"][0]["charge"] == "120.00"
    assert Claim.model_validate_json(claim.model_dump_json()) == claim


def test_issue_example_without_837_fields_reads() -> None:
    data = complete()
    for key in ("billing_provider", "subscriber"):
        data.pop(key, None)
    del data["client"]["sex"], data["client"]["address"], data["payer"]["payer_id"]
    del data["lines"][0]["units"]
    claim = Claim.model_validate(data)
    assert claim.billing_provider is None and claim.lines[0].units is None


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("lines", 0, "charge"), 120.5, "charge"),
        (("lines", 0, "charge"), "12.345", "charge"),
        (("lines", 0, "charge"), "-5.00", "charge"),
        (("lines", 0, "charge"), "1e3", "charge"),
        (("lines", 0, "minutes"), 2000, "minutes"),
        (("frequency",), "replacement", "frequency"),
        (("client", "sex"), "X", "sex"),
        (("client", "birth_date"), "1970-02-30", "birth_date"),
        (("provider", "discipline"), "chiro", "discipline"),
        (("place_of_service",), "1", "place_of_service"),
        (("billing_provider", "address", "zip"), "ABCDE", "zip"),
        (("billing_provider", "address", "state"), "XX", "state"),
        (("lines",), [], "lines"),
        (("payer", "nickname"), "x", "nickname"),
    ],
    ids=[
        "float-charge",
        "three-decimals",
        "negative-charge",
        "exponent-charge",
        "minutes-over-a-day",
        "unknown-frequency",
        "unknown-sex",
        "impossible-date",
        "unknown-discipline",
        "one-digit-pos",
        "bad-zip",
        "no-such-state",
        "no-lines",
        "unknown-key",
    ],
)
def test_shape_errors_name_the_field(path: tuple[Any, ...], value: Any, field: str) -> None:
    data = complete()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as info:
        Claim.model_validate(data)
    assert field in str(info.value)


def test_codes_and_modifiers_are_normalised() -> None:
    data = complete()
    data["lines"][0]["code"] = " 97124 "
    data["lines"][0]["modifiers"] = ["gp"]
    data["diagnoses"] = ["m54.50"]
    claim = Claim.model_validate(data)
    assert claim.lines[0].code == "97124"
    assert claim.lines[0].modifiers == ["GP"]
    assert claim.diagnoses == ["M54.50"]


def test_published_schema_is_current() -> None:
    published = (ROOT / "docs" / "claim.schema.json").read_text("utf-8")
    assert published == schema_text(), (
        "docs/claim.schema.json is stale: run python -m therabill.claims.schema"
    )
