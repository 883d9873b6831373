"""PT and OT billing the same code for one client on one day: a warning on each claim naming
the distinct-service modifiers (CMS MLN1783722: 59, XU, XP), never an error."""

from __future__ import annotations

import pytest
from scrub_helpers import claim, line, run_rule

from therabill.scrub import RULES

OT_97530 = [{"discipline": "ot", "code": "97530"}]


def test_the_rule_is_a_warning_not_an_error() -> None:
    assert RULES["same-day.other-discipline"].severity == "warning"


def test_pt_and_ot_both_billing_97530_warns_with_the_modifiers_to_use() -> None:
    data = claim(line("97530", 23, 2, modifiers=["GP"]), same_day_services=OT_97530)
    (found,) = run_rule("same-day.other-discipline", data)
    assert found.severity == "warning" and found.line == 1
    assert "occupational therapist" in found.message
    assert found.fix is not None
    for modifier in ("59", "XU", "XP", "GP (physical therapist)", "GO (occupational therapist)"):
        assert modifier in found.fix


CASES = [
    ("marked-distinct-59", ["GP", "59"], OT_97530, False),
    ("marked-distinct-xu", ["GP", "XU"], OT_97530, False),
    ("another-pt", ["GP"], [{"discipline": "pt", "code": "97530"}], False),
    ("ot-other-code", ["GP"], [{"discipline": "ot", "code": "97535"}], False),
    ("ot-other-day", ["GP"], [{"discipline": "ot", "code": "97530", "date": "2026-11-19"}],
     False),
    ("ot-same-day-dated", ["GP"], [{"discipline": "ot", "code": "97530", "date": "2026-11-20"}],
     True),
]  # fmt: skip


@pytest.mark.parametrize(("modifiers", "others", "fires"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_when_it_warns(modifiers: list[str], others: list[dict[str, str]], fires: bool) -> None:
    data = claim(line("97530", 23, 2, modifiers=modifiers), same_day_services=others)
    assert bool(run_rule("same-day.other-discipline", data)) is fires
