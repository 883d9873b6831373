"""Hypothesis properties of the unit engine."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from therabill.codes import CodeStatus, Timing, load_code_set
from therabill.errors import TherabillError
from therabill.units import UnitRule, cms_total_units, count_units, midpoint_units

DAY = dt.date(2026, 11, 20)
CODES = load_code_set()
ACTIVE_15 = sorted(
    c.code
    for c in CODES.values()
    if c.timing is Timing.PER_15 and c.status_on(DAY) is CodeStatus.ACTIVE
)
ALL = sorted(CODES)
minutes = st.integers(min_value=0, max_value=1440)
rules = st.sampled_from(list(UnitRule))


@given(st.integers(0, 1439), st.sampled_from([15, 30, 60]))
def test_midpoint_units_never_decrease(m: int, unit: int) -> None:
    assert midpoint_units(m, unit) <= midpoint_units(m + 1, unit)


@given(st.integers(0, 5000))
def test_cms_total_matches_the_table(m: int) -> None:
    """§20.2 table: 8–22 → 1, 23–37 → 2, …, 113–127 → 8, and the pattern goes on."""
    expected = (
        0 if m < 8 else next(n for n in range(1, 400) if 8 + 15 * (n - 1) <= m <= 22 + 15 * (n - 1))
    )
    assert cms_total_units(m) == expected


@given(st.dictionaries(st.sampled_from(ACTIVE_15), st.integers(0, 300), min_size=1, max_size=5))
def test_cms_units_add_up_to_the_table_and_are_supported(services: dict[str, int]) -> None:
    result = count_units(services, rule=UnitRule.CMS, day=DAY, code_set=CODES)
    assert result.total_timed_units == cms_total_units(sum(services.values()))
    for line in result.lines:
        # never more than one unit beyond the code's whole 15-minute units, none without minutes
        assert line.units <= line.minutes // 15 + (1 if line.minutes else 0)


@given(
    st.dictionaries(st.sampled_from(ACTIVE_15), st.integers(0, 300), min_size=1, max_size=4),
    st.sampled_from(ACTIVE_15),
    rules,
)
def test_more_minutes_never_mean_fewer_units_in_all(
    services: dict[str, int], code: str, rule: UnitRule
) -> None:
    before = count_units(services, rule=rule, day=DAY, code_set=CODES).total_timed_units
    grown = dict(services)
    grown[code] = grown.get(code, 0) + 1
    assert count_units(grown, rule=rule, day=DAY, code_set=CODES).total_timed_units >= before


@given(st.dictionaries(st.sampled_from(ACTIVE_15), st.integers(0, 300), min_size=1, max_size=5))
def test_midpoint_units_are_per_code(services: dict[str, int]) -> None:
    result = count_units(services, rule=UnitRule.MIDPOINT, day=DAY, code_set=CODES)
    for line in result.lines:
        assert line.units == midpoint_units(line.minutes, 15)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(ALL), minutes, min_size=1, max_size=6), rules, st.dates())
def test_engine_never_crashes_on_known_codes(
    services: dict[str, int], rule: UnitRule, day: dt.date
) -> None:
    try:
        result = count_units(services, rule=rule, day=day, code_set=CODES)
    except TherabillError:
        return  # a code not valid on that date: a clear error, never a crash
    assert all(line.units >= 0 for line in result.lines)
    assert result.explanation


@given(
    st.dictionaries(st.sampled_from(ACTIVE_15), st.integers(0, 200), max_size=3),
    st.integers(0, 200),
    st.integers(0, 200),
)
def test_cms_97129_family_shares_the_days_total(
    services: dict[str, int], initial: int, addon: int
) -> None:
    """§20.2 C: 97129 + 97130 minutes are in the day's total; the family's units split into
    at most one 97129 and the rest 97130, never more than the table allows in all."""
    day = {**services, "97129": initial, "97130": addon}
    result = count_units(day, rule=UnitRule.CMS, day=DAY, code_set=CODES)
    assert result.total_timed_units == cms_total_units(sum(day.values()))
    got = result.units_by_code()
    assert got["97129"] <= 1 and (got["97130"] == 0 or got["97129"] == 1)
    family = initial + addon
    assert got["97129"] + got["97130"] <= family // 15 + (1 if family % 15 else 0)


@given(st.sampled_from(["96158", "97550", "90839"]), st.integers(0, 600), st.integers(0, 200))
def test_longer_block_families_are_the_same_under_both_rules(
    initial: str, minutes: int, other: int
) -> None:
    """A first unit of 30 minutes or more is no 15-minute unit: the CPT time rule decides it
    under the CMS rule too, whatever else was done that day."""
    by_rule = {
        rule: count_units({initial: minutes, "97110": other}, rule=rule, day=DAY, code_set=CODES)
        for rule in UnitRule
    }
    addon = CODES[initial].addon_code or ""
    assert {c: by_rule[UnitRule.CMS].units_by_code()[c] for c in (initial, addon)} == {
        c: by_rule[UnitRule.MIDPOINT].units_by_code()[c] for c in (initial, addon)
    }
