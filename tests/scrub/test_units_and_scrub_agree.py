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
