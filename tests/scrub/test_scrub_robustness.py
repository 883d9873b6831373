"""Junk in, clean answers out: findings or a TherabillError, never a traceback."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrub_helpers import claim, context, line

from therabill.claims import Claim
from therabill.errors import TherabillError
from therabill.scrub import RULES, prepare, scrub_text

JUNK: list[Any] = [
    None, "", " ", "€", "ü" * 300, "\x00", "🙂", -1, 0, 10**30, -(10**30), 1.5, float("nan"),
    True, [], {}, [None], {"x": 1}, "9" * 500, "2026-02-30", "25:99", "97110" * 20,
]  # fmt: skip


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found += paths(value, (*prefix, index))
    return found


BASE = claim(line("97110", 23, 2), line("97140", 15, 1, modifiers=["XU"]),
             authorization={"number": "A", "codes": ["97110"], "units_remaining": 3},
             same_day_services=[{"discipline": "ot", "code": "97110"}],
             subscriber={"first_name": "Mo", "last_name": "L", "relationship": "child"})  # fmt: skip
PATHS = paths(BASE)


def replaced(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def removed(path: tuple[Any, ...]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def scrub_or_error(text: str) -> None:
    try:
        results = scrub_text(text, context(), source="junk.json")
    except TherabillError as exc:
        message = str(exc)
        assert "junk.json" in message and "Traceback" not in message
    else:
        for result in results:
            json.dumps(result.to_dict(), default=str)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: ".".join(map(str, p)))
def test_every_field_replaced_by_junk(path: tuple[Any, ...]) -> None:
    for value in JUNK:
        scrub_or_error(json.dumps(replaced(path, value)))


@pytest.mark.parametrize("path", PATHS, ids=lambda p: ".".join(map(str, p)))
def test_every_field_missing(path: tuple[Any, ...]) -> None:
    scrub_or_error(json.dumps(removed(path)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    scrub_or_error(text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PATHS), JSON)
def test_random_values_anywhere(path: tuple[Any, ...], value: Any) -> None:
    scrub_or_error(json.dumps(replaced(path, value)))


EXTREMES = [
    claim(line("97110", 1440, 9999)),
    claim(line("97110", 0, 0)),
    claim(line("97110", 23, 2, date="0001-01-01")),
    claim(line("97110", 23, 2, date="9999-12-31")),
    claim(line("97110", 23, 2), client={"id": "🙂", "first_name": "Zoë", "last_name": "Ñ" * 100,
                                        "birth_date": "0001-01-01"}),
    claim(line("97110", 23, 2), client={"id": "c", "first_name": "a", "last_name": "b",
                                        "birth_date": "9999-12-31"}),
    claim(*[line(c, 30, 2, modifiers=["GP", "59", "KX", "XU"]) for c in
            ("97150", "97110", "97140", "97530", "97161", "97164", "92522", "92523", "97129",
             "97130", "96159", "97633", "97001", "G0176")], payer="MEDICARE"),
    claim(line("97110", 23, 2, charge="999999999.99"), diagnoses=["A00"] * 40),
    claim(line("97110", 23, 2), authorization={"number": "X", "units_remaining": 0,
                                               "start": "9999-12-31", "end": "0001-01-01"}),
    claim(line("97110", 23, 2), start="00:00", end="23:59", payer="SAMPLE-MASSAGE-PAYER"),
    claim(line("97110", None, None), session={"techniques": [" "]}, payer="unknown-payer"),
]  # fmt: skip


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_on_extreme_claims(rule_id: str) -> None:
    """The registry sweep: each rule called directly (no safety net) on odd but valid claims."""
    for data in EXTREMES:
        document = Claim.model_validate(data)
        for found in RULES[rule_id].check(document, prepare(document, context())):
            assert found.id == rule_id and found.message and found.source


def test_reader_names_file_position_and_field() -> None:
    bad = claim()
    bad["lines"][0]["charge"] = 12.5
    with pytest.raises(TherabillError) as info:
        scrub_text(json.dumps([claim(), bad]), context(), source="claims.json")
    message = str(info.value)
    assert "claims.json" in message and "claim 2" in message and "lines[0].charge" in message


def test_reader_json_lines_position() -> None:
    text = json.dumps(claim()) + "\n" + json.dumps(claim())[:-5] + "\n"
    with pytest.raises(TherabillError) as info:
        scrub_text(text, context(), source="c.jsonl")
    assert "c.jsonl, line 2" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"claim_id": ' + "9" * 5000 + "}",
        json.dumps(claim()) + "\n" + "[" * 100_000,
        json.dumps(claim()) + '\n{"lines": ' + "9" * 5000 + "}",
        "\ufeff" + json.dumps(claim()),
        "[]",
        "   ",
        json.dumps([1, 2]),
        json.dumps(claim()).encode("utf-8").decode("latin-1"),
    ],
    ids=["deep-list", "huge-int", "jsonl-deep", "jsonl-huge-int", "bom", "empty-list", "blank",
         "list-of-numbers", "mojibake"],
)  # fmt: skip
def test_hostile_json(text: str) -> None:
    scrub_or_error(text)


def test_reader_missing_field() -> None:
    data = claim()
    del data["client"]["last_name"]
    with pytest.raises(TherabillError) as info:
        scrub_text(json.dumps(data), context(), source="c.json")
    assert "client.last_name: is required" in str(info.value)


@pytest.mark.parametrize("index", range(len(EXTREMES)))
def test_engine_equals_every_rule_on_extremes(index: int) -> None:
    """The engine's feature filter never hides a finding on the odd claims either."""
    from therabill.scrub import scrub_claim

    document = Claim.model_validate(EXTREMES[index])
    every = sorted(
        (f.id, f.line or 0, f.message)
        for r in RULES.values()
        for f in r.check(document, prepare(document, context()))
    )
    engine = scrub_claim(document, context())
    assert sorted((f.id, f.line or 0, f.message) for f in engine.findings) == every
