"""CMS Pub 100-04 ch.5 §20.2 worked examples, one test each, named after the example.

Examples 1–3 are the manual's own words (reproduced by findacode.com article 26634); example 4's
outcome comes from secondary sources; example 5 is derived from the rule's text ("two services
each of 7 minutes or less whose sum is 8 or more: one unit, to the one with more minutes").
"""

from __future__ import annotations

import datetime as dt

from therabill.codes import load_code_set
from therabill.units import UnitResult, UnitRule, count_units

DAY = dt.date(2026, 11, 20)


def cms(**minutes: int) -> UnitResult:
    services = [(code.removeprefix("c"), m) for code, m in minutes.items()]
    return count_units(services, rule=UnitRule.CMS, day=DAY, code_set=load_code_set())


def test_example_1_24_minutes_97112_and_23_minutes_97110_bill_2_plus_1() -> None:
    result = cms(c97112=24, c97110=23)
    assert result.units_by_code() == {"97112": 2, "97110": 1}
    assert result.total_timed_minutes == 47 and result.total_timed_units == 3
    assert "47 minutes is in the 38–52 band: 3 units in all." in result.explanation


def test_example_2_20_and_20_minutes_bill_3_units_never_3_of_one_code() -> None:
    result = cms(c97112=20, c97110=20)
    assert sorted(result.units_by_code().values()) == [1, 2]
    assert any(step.startswith("Tie:") for step in result.explanation)


def test_example_3_33_minutes_97110_and_7_minutes_97140_bill_2_plus_1() -> None:
    assert cms(c97110=33, c97140=7).units_by_code() == {"97110": 2, "97140": 1}


def test_example_4_four_codes_49_minutes_bill_3_and_97035_none() -> None:
    result = cms(c97110=18, c97140=13, c97116=10, c97035=8)
    assert result.units_by_code() == {"97110": 1, "97140": 1, "97116": 1, "97035": 0}
    assert [f.id for f in result.findings] == ["units.cms-no-unit-left"]
    assert result.findings[0].code == "97035"


def test_example_5_three_codes_of_7_minutes_bill_one_unit() -> None:
    result = cms(c97112=7, c97110=7, c97140=7)
    assert sum(result.units_by_code().values()) == 1


def test_one_service_under_8_minutes_alone_is_not_billed() -> None:
    result = cms(c97110=7)
    assert result.units_by_code() == {"97110": 0}
    assert "7 minutes is under 8: no timed unit may be billed." in result.explanation


def test_untimed_minutes_are_not_added_to_the_timed_total() -> None:
    result = cms(c97161=45, c97110=8)
    assert result.units_by_code() == {"97161": 1, "97110": 1}
    assert result.total_timed_minutes == 8
