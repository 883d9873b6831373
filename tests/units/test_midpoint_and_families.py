"""Midpoint rule and initial-plus-add-on families (CPT time rule; APA, ASHA, billing-rules §2–3)."""

from __future__ import annotations

import datetime as dt

import pytest

from therabill.codes import load_code_set
from therabill.errors import CodeNotActive, InvalidInput, UnknownCode
from therabill.units import UnitRule, count_units, midpoint_units

DAY = dt.date(2026, 11, 20)


def run(rule: UnitRule, services: dict[str, int]) -> dict[str, int]:
    return count_units(services, rule=rule, day=DAY, code_set=load_code_set()).units_by_code()


@pytest.mark.parametrize(
    ("minutes", "unit", "units"),
    [
        (7, 15, 0),
        (8, 15, 1),
        (22, 15, 1),
        (23, 15, 2),
        (37, 15, 2),
        (38, 15, 3),
        (52, 15, 3),
        (15, 30, 0),
        (16, 30, 1),
        (45, 30, 1),
        (46, 30, 2),
        (75, 30, 2),
        (30, 60, 0),
        (31, 60, 1),
    ],
    ids=lambda v: str(v),
)
def test_midpoint_table_premera(minutes: int, unit: int, units: int) -> None:
    """Premera quoting CPT: 8–22 → 1, 23–37 → 2, 38–52 → 3; 30-minute codes 16–45 → 1, 46–75 → 2;
    an hour is reached at 31 minutes."""
    assert midpoint_units(minutes, unit) == units


def test_midpoint_never_pools_leftovers_aapc_forum_8_8_8() -> None:
    assert run(UnitRule.MIDPOINT, {"97110": 8, "97112": 8, "97140": 8}) == {
        "97110": 1,
        "97112": 1,
        "97140": 1,
    }


def test_seven_minutes_alone_bill_nothing_and_say_so() -> None:
    result = count_units({"97140": 7}, rule="midpoint", day=DAY, code_set=load_code_set())
    assert result.units_by_code() == {"97140": 0}
    assert result.findings[0].message == (
        "7 minutes of 97140 alone bill nothing under the midpoint rule (the first unit needs 8)."
    )


def test_97150_is_per_member_untimed() -> None:
    result = count_units({"97150": 45}, rule="cms", day=DAY, code_set=load_code_set())
    assert result.units_by_code() == {"97150": 1}
    assert result.findings[0].id == "units.group-per-member"
    assert "per member, untimed" in result.findings[0].message


@pytest.mark.parametrize(
    ("code", "minutes", "expected"),
    [
        ("96164", 15, {"96164": 0, "96165": 0}),
        ("96167", 38, {"96167": 1, "96168": 1}),
        ("96170", 16, {"96170": 1, "96171": 0}),
        ("97550", 53, {"97550": 1, "97551": 2}),
        ("97545", 150, {"97545": 1, "97546": 0}),
        ("97545", 151, {"97545": 1, "97546": 1}),
        ("97129", 7, {"97129": 0, "97130": 0}),
        ("97129", 8, {"97129": 1, "97130": 0}),
    ],
    ids=[
        "96164-under-16",
        "96167-38",
        "96170-16",
        "97550-53",
        "97546-2h30",
        "97546-2h31",
        "97129-7",
        "97129-8",
    ],
)
def test_family_thresholds(code: str, minutes: int, expected: dict[str, int]) -> None:
    got = run(UnitRule.MIDPOINT, {code: minutes})
    assert {k: got.get(k, 0) for k in expected} == expected


def test_family_minimum_time_is_the_scrubbers_finding() -> None:
    """96158 under 16 minutes: the same ``time.minimum`` error the scrubber reports."""
    result = count_units({"96158": 15}, rule="midpoint", day=DAY, code_set=load_code_set())
    assert [(f.id, f.severity) for f in result.findings] == [("time.minimum", "error")]
    assert "under its 16-minute minimum" in result.findings[0].message


def test_addon_minutes_count_toward_their_family() -> None:
    assert run(UnitRule.MIDPOINT, {"96158": 30, "96159": 15}) == {"96158": 1, "96159": 1}


def test_repeated_code_adds_minutes() -> None:
    result = count_units(
        [("97110", 10), ("97110", 13)], rule="cms", day=DAY, code_set=load_code_set()
    )
    assert result.lines[0].minutes == 23 and result.lines[0].units == 2


@pytest.mark.parametrize("minutes", [-1, 1441, 10**9])
def test_minutes_outside_a_day_are_refused(minutes: int) -> None:
    with pytest.raises(InvalidInput, match="outside 0–1440"):
        count_units({"97110": minutes}, rule="cms", day=DAY, code_set=load_code_set())


def test_unknown_and_deleted_codes_are_refused_with_what_to_use() -> None:
    with pytest.raises(UnknownCode) as unknown:
        count_units({"97633": 30}, rule="cms", day=DAY, code_set=load_code_set())
    assert unknown.value.suggestions[0] == "97533"
    with pytest.raises(CodeNotActive) as deleted:
        count_units({"97001": 30}, rule="cms", day=DAY, code_set=load_code_set())
    assert deleted.value.replacements == ["97161", "97162", "97163"]


def test_code_checked_against_the_date_of_service() -> None:
    """97001 was valid until 2016-12-31 (APTA); billing it for 2016 works."""
    result = count_units(
        {"97001": 40}, rule="cms", day=dt.date(2016, 12, 31), code_set=load_code_set()
    )
    assert result.units_by_code() == {"97001": 1}
    with pytest.raises(CodeNotActive, match="takes effect on 2020-01-01"):
        count_units({"97129": 20}, rule="cms", day=dt.date(2019, 6, 1), code_set=load_code_set())


@pytest.mark.parametrize(
    ("initial", "addon"),
    [("96158", "96159"), ("97129", "97130"), ("97545", "97546"), ("97550", "97551")],
)
def test_a_family_over_a_day_is_refused(initial: str, addon: str) -> None:
    """An initial code and its add-on share one day: 800 + 800 minutes cannot both be true."""
    with pytest.raises(InvalidInput, match="at most 1440") as refused:
        count_units({initial: 800, addon: 800}, rule="cms", day=DAY, code_set=load_code_set())
    assert refused.value.field == initial
    result = count_units({initial: 720, addon: 720}, rule="cms", day=DAY, code_set=load_code_set())
    assert sum(line.minutes for line in result.lines) == 1440


@pytest.mark.parametrize("rule", list(UnitRule))
def test_different_services_over_a_day_are_the_scrubbers_finding(rule: UnitRule) -> None:
    """97110=1000 97140=1000: not 133 silent units but ``units.day-too-long``, as on a claim."""
    result = count_units(
        {"97110": 1000, "97140": 1000}, rule=rule, day=DAY, code_set=load_code_set()
    )
    assert [(f.id, f.severity) for f in result.findings][:1] == [("units.day-too-long", "error")]
    assert result.findings[0].message == (
        "2026-11-20: the services add up to 2000 minutes; a day has 1440."
    )
