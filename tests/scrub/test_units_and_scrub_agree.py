"""``therabill units`` and the scrubber say the same about time (issue 11 item 3).

Both call :mod:`therabill.units.checks`; these tests hold them to it: for the same day's
minutes, the unit engine's time findings and the scrubber's (day too long, under the minimum,
add-on without its primary, outside a time range) have the same ids, severities, codes and
words, under the CMS rule (Medicare profile) and the midpoint rule (commercial profile).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrub_helpers import DAY, claim, context, line, run_rule

from therabill.errors import InvalidInput
from therabill.units import count_units

TIME_RULES = ("units.day-too-long", "time.minimum", "time.addon-without-primary", "time.range")
PAYER_RULE = {"MEDICARE": "cms", "COMMERCIAL": "midpoint"}
CODES = ["97110", "97140", "97129", "97130", "96158", "96159", "G0176", "90832", "90834",
         "90837", "90839", "90840", "97550", "97551", "97545", "97546"]  # fmt: skip

Seen = set[tuple[str, str, str | None, str]]


def engine_says(services: dict[str, int], payer: str) -> Seen:
    result = count_units(
        services,
        rule=PAYER_RULE[payer],
        day=dt.date.fromisoformat(DAY),
        code_set=context().code_set,
    )
    return {
        (f.id, str(f.severity), f.code, f.message) for f in result.findings if f.id in TIME_RULES
    }


def scrubber_says(services: dict[str, int], payer: str) -> Seen:
    document = claim(*(line(code, minutes, 1) for code, minutes in services.items()), payer=payer)
    return {
        (f.id, str(f.severity), f.code, f.message)
        for rule_id in TIME_RULES
        for f in run_rule(rule_id, document)
    }


@pytest.mark.parametrize("payer", list(PAYER_RULE))
@pytest.mark.parametrize(
    "services",
    [
        pytest.param({"97110": 1000, "97140": 1000}, id="97110=1000 97140=1000"),
        pytest.param({"97130": 20}, id="97130=20"),
        pytest.param({"G0176": 44}, id="G0176=44"),
        pytest.param({"90837": 45}, id="90837=45"),
        pytest.param({"90834": 60}, id="90834=60"),
        pytest.param({"96158": 15, "97110": 10}, id="96158=15 97110=10"),
        pytest.param({"97129": 7, "97110": 7}, id="97129=7 97110=7"),
    ],
)
def test_the_issues_examples_are_said_the_same(services: dict[str, int], payer: str) -> None:
    said = engine_says(services, payer)
    assert said == scrubber_says(services, payer)
    # only the CMS rule lets 7 minutes of 97129 ride on the day's total (§20.2 C)
    assert bool(said) is not (services == {"97129": 7, "97110": 7} and payer == "MEDICARE")


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from(CODES), st.integers(1, 900), min_size=1, max_size=4),
    st.sampled_from(list(PAYER_RULE)),
)
def test_any_day_is_said_the_same(services: dict[str, int], payer: str) -> None:
    try:
        said = engine_says(services, payer)
    except InvalidInput:  # one service (a family) longer than a day: unreadable input there,
        ids = {seen[0] for seen in scrubber_says(services, payer)}  # on a claim the day's error
        assert "units.day-too-long" in ids
        return
    assert said == scrubber_says(services, payer)


FIFTEEN_MINUTE_CODES = ["97110", "97112", "97116", "97140", "97530", "97535"]


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(FIFTEEN_MINUTE_CODES), st.integers(min_value=1, max_value=60), min_size=1
    )
)
def test_the_claim_the_8_minute_rule_makes_passes_the_scrubbers_unit_rules(
    services: dict[str, int],
) -> None:
    """Whatever a day's 15-minute codes and minutes, the claim the unit engine makes of them
    under the CMS rule (a line per code with units, the codes left without a unit in
    ``unbilled_time``) has no unit finding: CMS Pub 100-04 ch.5 §20.2 counts the day's total,
    so a unit billed on 7 minutes beside 7 + 7 unbilled (example 5) is supported."""
    counted = count_units(
        services, rule="cms", day=dt.date.fromisoformat(DAY), code_set=context().code_set
    )
    billed = [ln for ln in counted.lines if ln.units]
    if not billed:
        return  # under 8 minutes in all: no claim
    document = claim(*(line(ln.code, ln.minutes, ln.units) for ln in billed), payer="MEDICARE")
    document["unbilled_time"] = [
        {"date": DAY, "code": ln.code, "minutes": ln.minutes}
        for ln in counted.lines
        if not ln.units
    ]
    said = [
        f.message for rule_id in ("units.over", "units.under") for f in run_rule(rule_id, document)
    ]
    assert said == []
    if document["unbilled_time"]:  # without them the scrubber sees fewer minutes than billed
        del document["unbilled_time"]
        total = sum(ln.minutes for ln in billed)
        if sum(ln.units for ln in billed) > (total - 8) // 15 + 1 or total < 8:
            assert run_rule("units.over", document)
