"""Time-range codes: the minutes choose the code (psychotherapy time as Novitas Solutions, a
Medicare contractor, publishes it: 90832 16–37, 90834 38–52, 90837 53 or more; 90833/90836/
90838 the same with an E/M visit; never under 16 minutes). Crisis 90839 for 30–74 minutes,
90840 for each further 30 (75–104 one, 105–134 two), as Headway publishes CPT's table."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.codes import Timing, load_code_set
from therabill.units import UnitRule, count_units
from therabill.units.checks import range_bounds, range_code_for

DAY = dt.date(2026, 11, 20)
CODES = load_code_set()
SERIES = {"90832": ("90832", "90834", "90837"), "90833": ("90833", "90836", "90838")}
TABLE = [(15, None), (16, 0), (37, 0), (38, 1), (52, 1), (53, 2), (90, 2)]


@pytest.mark.parametrize("series", list(SERIES))
@pytest.mark.parametrize(("minutes", "index"), TABLE, ids=[f"{m}-min" for m, _ in TABLE])
def test_the_minutes_choose_the_code(series: str, minutes: int, index: int | None) -> None:
    chosen = range_code_for(CODES[series], minutes, CODES, DAY)
    assert (chosen.code if chosen else None) == (
        SERIES[series][index] if index is not None else None
    )


@pytest.mark.parametrize("rule", list(UnitRule))
def test_units_90837_45_says_90834_is_the_code(rule: UnitRule) -> None:
    result = count_units({"90837": 45}, rule=rule, day=DAY, code_set=CODES)
    assert result.units_by_code() == {"90837": 0}
    [finding] = result.findings
    assert (finding.id, finding.severity, finding.code) == ("time.range", "error", "90837")
    assert finding.message == (
        "90837 is for 53 minutes or more; 90834 is the code for 45 minutes (38–52 minutes)."
    )
    assert finding.fix == "Bill 90834 for 45 minutes, or document the time 90837 needs."


def test_a_longer_session_under_a_shorter_code_is_a_warning_and_still_one_unit() -> None:
    result = count_units({"90834": 60}, rule="midpoint", day=DAY, code_set=CODES)
    assert result.units_by_code() == {"90834": 1}
    assert [(f.id, f.severity) for f in result.findings] == [("time.range", "warning")]


@pytest.mark.parametrize("code", ["90832", "90834", "90837", "90833", "90836", "90838"])
def test_under_16_minutes_no_psychotherapy_code_is_reported(code: str) -> None:
    result = count_units({code: 15}, rule="cms", day=DAY, code_set=CODES)
    assert result.units_by_code() == {code: 0}
    assert [f.id for f in result.findings] == ["time.minimum"]


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(29, {"90839": 0, "90840": 0}), (30, {"90839": 1, "90840": 0}),
     (74, {"90839": 1, "90840": 0}), (75, {"90839": 1, "90840": 1}),
     (104, {"90839": 1, "90840": 1}), (105, {"90839": 1, "90840": 2}),
     (134, {"90839": 1, "90840": 2}), (135, {"90839": 1, "90840": 3})],
    ids=lambda v: str(v),
)  # fmt: skip
@pytest.mark.parametrize("rule", list(UnitRule))
def test_crisis_table(minutes: int, expected: dict[str, int], rule: UnitRule) -> None:
    assert count_units({"90839": minutes}, rule=rule, day=DAY, code_set=CODES).units_by_code() == (
        expected
    )


def test_range_codes_are_behavioral_and_in_force_since_2013() -> None:
    for code in ("90832", "90833", "90834", "90836", "90837", "90838", "90839", "90840"):
        entry = CODES[code]
        assert entry.disciplines == {"behavioral"} and entry.effective == dt.date(2013, 1, 1)
        assert entry.source and entry.max_units_per_day in (1, None)


def test_every_range_code_has_a_series_and_a_first_minute() -> None:
    ranged = [c for c in CODES.values() if c.timing is Timing.RANGE]
    assert ranged
    for code in ranged:
        assert code.min_minutes and code.primary_code in CODES
        assert CODES[code.primary_code].timing is Timing.RANGE


@given(st.sampled_from(sorted(SERIES)), st.integers(0, 1440))
def test_exactly_one_code_of_a_series_holds_any_minutes_from_16(series: str, minutes: int) -> None:
    holders = []
    for code in SERIES[series]:
        low, high = range_bounds(CODES[code], CODES, DAY)
        if low <= minutes and (high is None or minutes <= high):
            holders.append(code)
    assert len(holders) == (1 if minutes >= 16 else 0)
    chosen = range_code_for(CODES[series], minutes, CODES, DAY)
    assert [chosen.code] == holders if holders else chosen is None
    # the series' shortest code is supported from 16 minutes (longer time: a warning, one unit)
    units = count_units({series: minutes}, rule="midpoint", day=DAY, code_set=CODES)
    assert units.total_timed_units == (1 if holders else 0)
    longest = SERIES[series][-1]
    units = count_units({longest: minutes}, rule="cms", day=DAY, code_set=CODES)
    assert units.total_timed_units == (1 if holders == [longest] else 0)
