"""The shared reference's worked cases (sourced-cases.json), run through the scrubber's rules."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from scrub_helpers import claim, context, line, run_rule

from therabill.claims import Claim
from therabill.scrub import scrub_claim

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "sourced-cases.json").read_text("utf-8")
)


def of(*kinds: str) -> list[dict[str, Any]]:
    return [c for c in CASES if c.get("kind") in kinds or c.get("rule") in kinds]


def unit_claim(case: dict[str, Any], units: dict[str, int] | None) -> dict[str, Any]:
    payer = "MEDICARE" if case["rule"] == "cms" else "COMMERCIAL"
    lines = [
        line(s["code"], s["minutes"], None if units is None else units[s["code"]], modifiers=["GP"])
        for s in case["services"]
    ]
    return claim(*lines, payer=payer, end="13:00")


@pytest.mark.parametrize("case", of("cms", "midpoint"), ids=lambda c: c["id"])
def test_units_as_the_source_bills_them_raise_nothing(case: dict[str, Any]) -> None:
    expected = case["expected"]
    for allocation in case.get("expected_any_of", [expected]):
        for rule_id in ("units.over", "units.under"):
            assert run_rule(rule_id, unit_claim(case, allocation)) == [], (rule_id, allocation)
    result = scrub_claim(Claim.model_validate(unit_claim(case, None)), context())
    computed = {ln.code: ln.units for ln in result.lines}
    assert computed in case.get("expected_any_of", [expected])


@pytest.mark.parametrize(
    "case", [c for c in of("cms", "midpoint") if any(c["expected"].values())],
    ids=lambda c: c["id"],
)  # fmt: skip
def test_one_unit_more_than_the_source_is_an_error(case: dict[str, Any]) -> None:
    timed = [c for c in case["expected"] if context().code_set[c].timed]
    code = max(timed, key=lambda c: case["expected"][c])
    units = {**case["expected"], code: case["expected"][code] + 1}
    found = run_rule("units.over", unit_claim(case, units))
    assert [f.code for f in found] == [code]


@pytest.mark.parametrize("case", of("deleted_code"), ids=lambda c: c["id"])
def test_deleted_codes(case: dict[str, Any]) -> None:
    data = claim(line(case["input"]["code"], 30, 1, date=case["input"]["date_of_service"]))
    found = run_rule("code.inactive", data)
    assert bool(found) is not case["expected"]["valid"]
    for replacement in case["expected"].get("replacements", []):
        assert replacement[:5] in found[0].message
    if found:
        assert case["expected"]["deleted_effective"] in found[0].message


def test_97633_suggests_97533() -> None:
    (case,) = of("unknown_code")
    found = run_rule("code.unknown", claim(line(case["input"]["code"], 23, 2)))
    assert case["expected"]["suggestion"] in found[0].message


# Article pairs the 2026 Q4 CMS practitioner PTP file (shipped rows) contradicts: the file wins.
OVERRULED_BY_CMS = {
    "ptp-97140-ptevals": "97161-97163 with 97140 are indicator 9 (no edit)",
    "ptp-97530-97116": "97530/97116 ended 2019-12-31",
    "ptp-97530-97140": "97140/97530 ended 2019-12-31",
}


@pytest.mark.parametrize("case", of("ptp"), ids=lambda c: c["id"])
def test_ncci_pairs(case: dict[str, Any]) -> None:
    first, second = case["input"]["codes"]
    bare = claim(line(first, 30, 1), line(second, 30, 1), discipline="slp"
                 if first.startswith("92") else "pt", end="11:00")  # fmt: skip
    if case["id"] in OVERRULED_BY_CMS:
        assert not run_rule("ncci.ptp-modifier-needed", bare)
        assert not run_rule("ncci.ptp-never", bare)
        return
    rule_id = (
        "ncci.ptp-never" if case["expected"]["modifier_indicator"] == 0
        else "ncci.ptp-modifier-needed"
    )  # fmt: skip
    assert run_rule(rule_id, bare), "the pair is not caught"
    if case["expected"].get("bypass_with_59", case["expected"]["modifier_indicator"] == 1):
        for ln in bare["lines"]:
            ln["modifiers"] = ["59"]
        assert run_rule(rule_id, bare) == []
        assert run_rule("ncci.ptp-modifier-used", bare)


def test_one_pt_evaluation_per_date() -> None:
    (case,) = [c for c in CASES if c["id"] == "policy-one-pt-eval-per-dos"]
    codes = [ln["code"] for ln in case["input"]["lines"]]
    found = run_rule("ncci.one-pt-evaluation", claim(*(line(c, 30, 1) for c in codes)))
    assert bool(found) is not case["expected"]["valid"]


def test_mue_92507() -> None:
    (case,) = of("mue")
    limit = case["expected"]["mue"]
    over = claim(line("92507", 30, limit + 1), discipline="slp")
    assert run_rule("mue.exceeded", over)
    assert run_rule("mue.exceeded", claim(line("92507", 30, limit), discipline="slp")) == []


ADDON_RULES = {"97129": "time.initial-once"}


@pytest.mark.parametrize(
    "case", [c for c in of("addon") if "lines" in c["input"]], ids=lambda c: c["id"]
)
def test_addon_lines(case: dict[str, Any]) -> None:
    (given,) = case["input"]["lines"]
    rule_id = ADDON_RULES.get(given["code"], "time.addon-without-primary")
    found = run_rule(rule_id, claim(line(given["code"], 15 * given["units"], given["units"])))
    assert bool(found) is not case["expected"]["valid"]


@pytest.mark.parametrize("case", of("discipline", "modifier_pairing"), ids=lambda c: c["id"])
def test_modifier_cases(case: dict[str, Any]) -> None:
    given = case["input"]
    code = given.get("code", "97110")
    discipline = {"97166": "ot", "92507": "slp"}.get(code, "pt")
    data = claim(line(code, 30, 1, modifiers=given["modifiers"]), discipline=discipline,
                 payer="MEDICARE")  # fmt: skip
    found = run_rule("modifier.therapy-plan", data) + run_rule("modifier.assistant", data)
    assert bool(found) is not case["expected"]["valid"], [f.message for f in found]


@pytest.mark.parametrize("case", of("kx_threshold"), ids=lambda c: c["id"])
def test_medicare_kx_thresholds(case: dict[str, Any]) -> None:
    profile = context().payers["MEDICARE"]
    assert profile.kx_thresholds[case["input"]["year"]] == Decimal(case["expected"]["ot"])


@pytest.mark.parametrize("case", of("kx_required"), ids=lambda c: c["id"])
def test_kx_required(case: dict[str, Any]) -> None:
    given = case["input"]
    year = given["year"]
    discipline = given.get("line_discipline", given.get("discipline", "PT")).lower()
    spent = {
        ("CL-1", year, "pt_slp"): Decimal(given.get("pt_slp_ytd", given.get("ytd_allowed_before_claim", 0))),
        ("CL-1", year, "ot"): Decimal(given.get("ot_ytd", 0)),
    }  # fmt: skip
    plan = {"pt": "GP", "ot": "GO"}[discipline]
    data = claim(line("97530", 23, 2, date=f"{year}-06-03", modifiers=[plan]),
                 discipline=discipline, payer="MEDICARE")  # fmt: skip
    found = run_rule("modifier.kx", data, dataclasses.replace(context(), therapy_allowed=spent))
    assert bool(found) is case["expected"]


@pytest.mark.parametrize("case", of("npi"), ids=lambda c: c["id"])
def test_npi_cases(case: dict[str, Any]) -> None:
    data = claim(provider={"npi": case["input"], "name": "X", "discipline": "pt"})
    assert bool(run_rule("identity.npi", data)) is not case["expected"]
