"""Reading claim documents: one claim, a list, JSON Lines; errors name file, position, field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from therabill.claims import read_claims
from therabill.claims.reader import json_path
from therabill.errors import InvalidInput

ONE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "claim-complete.json").read_text("utf-8")
)


def test_one_claim_a_list_and_json_lines_read_alike() -> None:
    single = read_claims(json.dumps(ONE), "one.json")
    listed = read_claims(json.dumps([ONE, ONE]), "list.json")
    lines = read_claims("\n" + json.dumps(ONE) + "\n\n" + json.dumps(ONE) + "\n", "c.jsonl")
    assert single[0] == listed[0] == listed[1] == lines[0] == lines[1]


def test_byte_order_mark_is_ignored() -> None:
    assert read_claims("\ufeff" + json.dumps(ONE), "bom.json")[0].claim_id == "C-1001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the input is empty"),
        ("[]", "the list of claims is empty"),
        ('{"claim_id": "A",}', "line 1, column 18: not valid JSON"),
        ("[1]", "claim 1 of the list: a claim must be a JSON object, not int"),
        (json.dumps(ONE) + "\n" + json.dumps({**ONE, "place_of_service": "1"}),
         "line 2: place_of_service: String should match pattern"),
        (json.dumps({**ONE, "lines": [{**ONE["lines"][0], "charge": 1.5}]}),
         "the claim: lines[0].charge: money must be a string"),
        (json.dumps({k: v for k, v in ONE.items() if k != "payer"}),
         "the claim: payer: is required but missing"),
        (json.dumps({**ONE, "colour": "blue"}), "colour: is not a field of the claim document"),
    ],
    ids=["empty", "empty-list", "trailing-comma", "number-in-list", "jsonl-line-2",
         "float-charge", "missing-payer", "unknown-field"],
)  # fmt: skip
def test_errors_name_file_position_and_field(text: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as info:
        read_claims(text, "claims.json")
    assert str(info.value).startswith("claims.json")
    assert expected in str(info.value)


def test_json_path() -> None:
    assert json_path(("lines", 0, "charge")) == "lines[0].charge"
    assert json_path(()) == "(claim)"
