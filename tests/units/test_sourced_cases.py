"""The unit engine against the worked cases of the shared reference (sourced-cases.json).

Each case names its source (CMS Pub 100-04 ch.5 §20.2 examples, the CMS unit table, the CPT
midpoint rule as quoted by Premera, APA/ASHA add-on timing); test ids are the case ids.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reference_cases import sourced_cases
from therabill.codes import load_code_set
from therabill.units import UnitRule, count_units

DAY = dt.date(2026, 11, 20)
RULE_CASES = [c for c in sourced_cases() if c.get("rule") in ("cms", "midpoint")]
ADDON_MINUTE_CASES = [
    c for c in sourced_cases() if c.get("kind") == "addon" and "minutes" in c["input"]
]
UNTIMED_CASES = [c for c in sourced_cases() if c.get("kind") == "untimed"]
FAMILY_PRIMARY = {
    "health behavior intervention, individual": "96158",
    "cognitive function intervention": "97129",
}


@pytest.mark.parametrize("case", RULE_CASES, ids=[c["id"] for c in RULE_CASES])
def test_rule_case(case: dict[str, Any]) -> None:
    services = [(s["code"], s["minutes"]) for s in case["services"]]
    result = count_units(services, rule=UnitRule(case["rule"]), day=DAY, code_set=load_code_set())
    got = {code: units for code, units in result.units_by_code().items()}
    allowed = case.get("expected_any_of") or [case["expected"]]
    assert got in allowed, f"{case['id']} ({case['source']}): got {got}"
    if "expected_total_units" in case:
        assert sum(got.values()) == case["expected_total_units"]


@pytest.mark.parametrize("case", ADDON_MINUTE_CASES, ids=[c["id"] for c in ADDON_MINUTE_CASES])
@pytest.mark.parametrize("rule", list(UnitRule))
def test_addon_family_case(case: dict[str, Any], rule: UnitRule) -> None:
    primary = FAMILY_PRIMARY[case["input"]["service"]]
    result = count_units(
        {primary: case["input"]["minutes"]}, rule=rule, day=DAY, code_set=load_code_set()
    )
    got = result.units_by_code()
    assert {code: got.get(code, 0) for code in case["expected"]} == case["expected"]


@pytest.mark.parametrize("case", UNTIMED_CASES, ids=[c["id"] for c in UNTIMED_CASES])
@pytest.mark.parametrize("rule", list(UnitRule))
def test_untimed_case(case: dict[str, Any], rule: UnitRule) -> None:
    code = case["input"]["code"]
    result = count_units(
        {code: case["input"]["minutes"]}, rule=rule, day=DAY, code_set=load_code_set()
    )
    assert result.units_by_code() == case["expected"]
    assert result.total_timed_minutes == 0
