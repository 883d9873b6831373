"""Initial/add-on families under the CMS rule (Pub 100-04 ch.5 §20.2 C; CY 2020 PFS final rule).

§20.2 C adds up the minutes of every service billed in 15-minute units; 97129 (first 15
minutes) and 97130 (each further 15) are such codes, so their minutes join the day's total and
the family's units split into 97129 (the first) and 97130 (the rest). A family whose first unit
is 30 minutes or more (96158, 97550, 97545, 90839) is no 15-minute unit: the CPT time rule
decides it, outside the day's 15-minute total (Premera quoting CPT; APA; Provider Magazine on
97550/97551).
"""

from __future__ import annotations

import datetime as dt

import pytest

from therabill.codes import load_code_set
from therabill.units import UnitResult, UnitRule, count_units

DAY = dt.date(2026, 11, 20)


def cms(*services: tuple[str, int]) -> UnitResult:
    return count_units(list(services), rule=UnitRule.CMS, day=DAY, code_set=load_code_set())


@pytest.mark.parametrize(
    ("services", "total", "expected"),
    [
        pytest.param([("97110", 10), ("97129", 10)], 1, None, id="97110=10 97129=10 → 1"),
        pytest.param(
            [("97110", 20), ("97129", 20)], 3, {"97110": 2, "97129": 1, "97130": 0},
            id="97110=20 97129=20 → 3 (example 2's tie: either code)",
        ),
        pytest.param(
            [("97129", 7), ("97110", 7)], 1, {"97129": 1, "97130": 0, "97110": 0},
            id="97129=7 97110=7 → 1 (two services of 7 minutes, §20.2 C)",
        ),
        pytest.param(
            [("97129", 15), ("97130", 30), ("97110", 8)], 4,
            {"97129": 1, "97130": 2, "97110": 1}, id="97129+97130 45 min and 97110 8 → 4",
        ),
        pytest.param(
            [("97110", 33), ("97129", 7)], 3, {"97110": 2, "97129": 1, "97130": 0},
            id="example 3 with 97129 in 97140's place",
        ),
    ],
)  # fmt: skip
def test_97129_family_minutes_count_in_the_days_total(
    services: list[tuple[str, int]], total: int, expected: dict[str, int] | None
) -> None:
    result = cms(*services)
    assert result.total_timed_units == total
    if expected is not None:
        assert result.units_by_code() == expected
    assert not [f for f in result.findings if f.severity == "error"]
    assert any("§20.2 C" in step and "97129" in step for step in result.explanation)


def test_a_45_minute_97129_session_alone_is_97129_plus_two_97130_medpayiq() -> None:
    assert cms(("97129", 45)).units_by_code() == {"97129": 1, "97130": 2}


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        pytest.param(
            [("96158", 40), ("97110", 20)], {"96158": 1, "96159": 1, "97110": 1},
            id="96158=40 stays apart from 97110=20",
        ),
        pytest.param(
            [("96158", 15), ("97110", 10)], {"96158": 0, "96159": 0, "97110": 1},
            id="96158 under 16 minutes is not rescued by the 15-minute total",
        ),
        pytest.param(
            [("97550", 20), ("97110", 10)], {"97550": 1, "97551": 0, "97110": 1},
            id="97550=20 (needs 16) and 97110=10",
        ),
        pytest.param(
            [("97545", 150), ("97110", 23)], {"97545": 1, "97546": 0, "97110": 2},
            id="97545 2h30 and 97110 23",
        ),
        pytest.param(
            [("90839", 75), ("97110", 8)], {"90839": 1, "90840": 1, "97110": 1},
            id="crisis 75 minutes and 97110 8",
        ),
    ],
)  # fmt: skip
def test_families_with_a_longer_first_unit_follow_the_cpt_time_rule(
    services: list[tuple[str, int]], expected: dict[str, int]
) -> None:
    result = cms(*services)
    assert result.units_by_code() == expected
    first = services[0][0]
    assert any(
        step.startswith(f"{first}'s first unit is a") and "CPT time rule" in step
        for step in result.explanation
    )


def test_96158_under_its_minimum_is_the_scrubbers_error_under_cms_too() -> None:
    result = cms(("96158", 15), ("97110", 10))
    assert [(f.id, f.code) for f in result.findings] == [("time.minimum", "96158")]


def test_an_addon_alone_invents_no_primary() -> None:
    """``units 97130=20``: no 97129 line appears; the scrubber's add-on finding says why."""
    result = cms(("97130", 20))
    assert result.units_by_code() == {"97130": 0}
    assert [(f.id, f.severity) for f in result.findings] == [
        ("time.addon-without-primary", "error")
    ]
    assert result.findings[0].message == (
        "97130 is an add-on to 97129, which is not billed on 2026-11-20."
    )
