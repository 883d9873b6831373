"""``therabill units`` answers issue 11's examples exactly, and says what the scrubber says."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from therabill.cli.main import app

runner = CliRunner()


def units(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["units", "--date", "2026-11-20", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "total"),
    [
        pytest.param(("97110=10", "97129=10"), 1, id="97110=10 97129=10 → 1"),
        pytest.param(("97110=20", "97129=20"), 3, id="97110=20 97129=20 → 3"),
        pytest.param(("97129=7", "97110=7"), 1, id="97129=7 97110=7 → 1"),
    ],
)
def test_97129_under_the_cms_rule_counts_in_the_days_total(
    args: tuple[str, ...], total: int
) -> None:
    status, data = units("--rule", "cms", *args)
    assert status == 0 and data["total_timed_units"] == total


def test_an_addon_alone_invents_no_primary_line() -> None:
    status, data = units("97130=20")
    assert status == 1
    assert data["lines"] == [{"code": "97130", "minutes": 20, "units": 0}]
    assert [(f["id"], f["severity"]) for f in data["findings"]] == [
        ("time.addon-without-primary", "error")
    ]


def test_a_day_over_24_hours_is_an_error_not_133_silent_units() -> None:
    status, data = units("--rule", "cms", "97110=1000", "97140=1000")
    assert status == 1
    assert data["findings"][0] == {
        "id": "units.day-too-long",
        "severity": "error",
        "message": "2026-11-20: the services add up to 2000 minutes; a day has 1440.",
        "source": "therabill: a day has at most 1,440 minutes",
        "fix": "Check the minutes of each service of that date.",
    }


def test_g0176_under_45_minutes_says_so_under_the_midpoint_rule() -> None:
    status, data = units("--rule", "midpoint", "G0176=44")
    assert status == 1
    assert data["lines"] == [{"code": "G0176", "minutes": 44, "units": 0}]
    assert data["findings"][0]["id"] == "time.minimum"
    assert "G0176 is billed per session of at least 45 minutes" in data["explanation"][1]


def test_90837_for_45_minutes_names_90834() -> None:
    status, data = units("90837=45")
    assert status == 1
    assert data["findings"][0]["message"] == (
        "90837 is for 53 minutes or more; 90834 is the code for 45 minutes (38–52 minutes)."
    )


def test_text_output_shows_the_source_in_brackets() -> None:
    result = runner.invoke(app, ["units", "--date", "2026-11-20", "97110=1000", "97140=1000"])
    assert result.exit_code == 1
    assert "[therabill: a day has at most 1,440 minutes]" in result.stdout
