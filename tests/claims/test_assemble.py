"""The claim assembly (therabill.claims.assemble) on the sources' worked examples: the CMS
8-minute rule's examples pooled over a day's sessions (Pub 100-04 ch.5 §20.2), the
initial/add-on families (billing-rules.md §3), plan modifiers (§20.1), pointers and fees."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_cases import sourced_cases
from therabill.claims.assemble import (
    Assembly,
    ServiceEntry,
    SessionEntry,
    assemble_claim,
)
from therabill.codes import load_code_set
from therabill.errors import InvalidInput, TherabillError, UnknownCode
from therabill.payers import shipped_profiles
from therabill.units import UnitRule

DAY = dt.date(2026, 11, 20)
PROFILES = shipped_profiles()
DIAGNOSES = ("M5450", "F4310", "R262", "M6281", "Z9181", "M25511", "R296", "R2689")
FEES = {"97110": 4000, "97112": 4500, "97140": 3800, "97116": 4100, "97035": 2000}


def session(sid: int | None, *services: str, dx: tuple[str, ...] = ("M5450",)) -> SessionEntry:
    """``session(1, "97110=23", "97112:59=24")``: codes, modifiers after colons, minutes."""
    entries = []
    for text in services:
        head, minutes = text.split("=")
        code, *mods = head.split(":")
        entries.append(ServiceEntry(code, int(minutes), tuple(mods)))
    return SessionEntry(sid, tuple(entries), dx)


def assemble(
    *sessions: SessionEntry,
    payer: str | None = "MEDICARE",
    discipline: str = "pt",
    fees: dict[str, int] | None = None,
    rule: UnitRule | None = None,
) -> Assembly:
    profile = PROFILES[payer] if payer else None
    return assemble_claim(
        sessions=sessions,
        discipline=discipline,
        profile=profile,
        rule=rule or (profile.unit_rule if profile else UnitRule.CMS),
        fees=FEES if fees is None else fees,
        code_set=load_code_set(),
        day=DAY,
    )


def units(assembly: Assembly) -> dict[str, int]:
    return {line.code: line.units for line in assembly.lines}


def _cms_cases() -> list[Any]:
    cases = []
    for case in sourced_cases():
        if case.get("rule") != "cms" or "services" not in case:
            continue
        if "expected" not in case or not str(case.get("status", "")).startswith("verified"):
            continue
        cases.append(pytest.param(case, id=case["id"]))
    return cases


@pytest.mark.parametrize("case", _cms_cases())
def test_cms_worked_examples_pooled_over_one_session_per_code(case: dict[str, Any]) -> None:
    """Each code in a session of its own: the day's total still decides the units (§20.2),
    and each line keeps the session that listed its code."""
    sessions = [
        session(n, f"{s['code']}={s['minutes']}") for n, s in enumerate(case["services"], 1)
    ]
    built = assemble(*sessions)
    got = {line.code: line.units for line in built.units.lines}
    allowed = case.get("expected_any_of") or [case["expected"]]
    assert got in allowed
    assert units(built) == {c: u for c, u in got.items() if u > 0}  # billable lines only
    owner = {s.services[0].code: s.id for s in sessions}
    assert all(line.session_id == owner[line.code] for line in built.lines)
    assert [line.line_number for line in built.lines] == list(range(1, len(built.lines) + 1))


def test_example_5_three_sessions_of_7_minutes_bill_one_unit_as_a_day() -> None:
    """7 + 7 + 7 minutes in three sessions: 21 minutes that day, one unit (§20.2); alone,
    each would bill nothing."""
    built = assemble(session(1, "97112=7"), session(2, "97110=7"), session(3, "97140=7"))
    assert sum(units(built).values()) == 1
    assert assemble(session(1, "97112=7")).lines == ()


def test_untimed_minutes_stay_out_of_the_timed_total() -> None:
    built = assemble(session(1, "97161=45", "97110=8"))
    assert units(built) == {"97161": 1, "97110": 1}


FAMILIES = [
    pytest.param(case["input"]["minutes"], case["expected"], id=case["id"])
    for case in sourced_cases()
    if case.get("kind") == "addon" and "minutes" in case.get("input", {})
]


@pytest.mark.parametrize(("minutes", "expected"), FAMILIES)
def test_addon_families_from_the_sources(minutes: int, expected: dict[str, int]) -> None:
    initial = min(expected)  # 96158 before 96159, 97129 before 97130
    built = assemble(session(7, f"{initial}={minutes}"), payer="COMMERCIAL", discipline="slp")
    assert units(built) == {c: u for c, u in expected.items() if u}
    assert {line.session_id for line in built.lines} <= {7}


@pytest.mark.parametrize(
    ("entered", "expected"),
    [
        pytest.param("96158=40", {"96158": 1, "96159": 1}, id="96158=40"),
        pytest.param("97129=30", {"97129": 1, "97130": 1}, id="97129=30"),
        pytest.param("97545=180", {"97545": 1, "97546": 1}, id="97545=180"),
        pytest.param("97550=40", {"97550": 1, "97551": 1}, id="97550=40"),
    ],
)
def test_a_code_the_engine_adds_keeps_its_familys_session_and_modifiers(
    entered: str, expected: dict[str, int]
) -> None:
    code, minutes = entered.split("=")
    built = assemble(session(1, "97110=20"), session(2, f"{code}:95={minutes}"), payer="COMMERCIAL")
    family = [line for line in built.lines if line.code in expected]
    assert {line.code: line.units for line in family} == expected
    assert [(line.session_id, line.modifiers) for line in family] == [(2, ("95",))] * 2


def test_an_addon_alone_bills_nothing_and_says_why() -> None:
    """96159 without 96158: no invented 96158 line; the scrubber's add-on finding instead."""
    built = assemble(session(1, "97110=20"), session(2, "96159=40"), payer="COMMERCIAL")
    assert units(built) == {"97110": 1}
    assert [f.id for f in built.findings if f.code == "96159"] == ["time.addon-without-primary"]


def test_a_family_pooled_over_two_sessions_keeps_the_first_session() -> None:
    built = assemble(session(1, "96158=20"), session(2, "96158=20"), payer="COMMERCIAL")
    assert [(ln.code, ln.units, ln.session_id) for ln in built.lines] == [
        ("96158", 1, 1),
        ("96159", 1, 1),
    ]


@pytest.mark.parametrize(
    ("payer", "discipline", "plan"),
    [
        pytest.param("MEDICARE", "pt", "GP", id="Medicare PT: GP"),
        pytest.param("MEDICARE", "ot", "GO", id="Medicare OT: GO"),
        pytest.param("MEDICARE", "slp", "GN", id="Medicare SLP: GN"),
        pytest.param("MEDICARE", "behavioral", None, id="Medicare behavioral: none"),
        pytest.param("MEDICARE", "massage", None, id="Medicare massage: none"),
        pytest.param("COMMERCIAL", "pt", None, id="commercial: not required"),
        pytest.param(None, "pt", None, id="no profile"),
    ],
)
def test_the_plan_modifier_goes_on_every_line_where_the_profile_requires_it(
    payer: str | None, discipline: str, plan: str | None
) -> None:
    """CMS Pub 100-04 ch.5 §20.1: GP, GO or GN on every outpatient therapy line."""
    built = assemble(session(1, "97110:59=30", "97550=40"), payer=payer, discipline=discipline)
    assert [ln.modifiers for ln in built.lines] == [
        ("59", plan) if plan else ("59",),
        (plan,) if plan else (),
        (plan,) if plan else (),
    ]


def test_an_entered_plan_modifier_is_not_added_twice() -> None:
    built = assemble(session(1, "97110:GP=30"))
    assert built.lines[0].modifiers == ("GP",)


def test_each_line_points_to_its_own_sessions_diagnoses_at_most_four() -> None:
    """CMS-1500 24E / 837P SV107: four pointers; 21 / HI: the claim's diagnoses, each once."""
    built = assemble(
        session(1, "97110=30", dx=("M5450", "M25511")),
        session(2, "97112=30", dx=("R262", "M5450", "R2689", "M6281", "Z9181", "R296")),
        session(3, "97140=30", dx=()),
    )
    assert built.diagnoses == ("M5450", "M25511", "R262", "R2689", "M6281", "Z9181", "R296")
    assert [ln.diagnosis_pointers for ln in built.lines] == [(1, 2), (3, 1, 4, 5), (1, 2, 3, 4)]


def test_pointers_name_only_the_twelve_diagnoses_a_claim_holds() -> None:
    many = tuple(f"M{n:04d}" for n in range(1, 15))
    built = assemble(session(1, "97110=30", dx=many[:10]), session(2, "97112=30", dx=many[10:]))
    assert len(built.diagnoses) == 14  # the scrubber's diagnosis.too-many says so
    assert built.lines[1].diagnosis_pointers == (11, 12)


@pytest.mark.parametrize(
    ("payer", "fees", "entered", "cents"),
    [
        pytest.param("MEDICARE", FEES, "97110=30", 8000, id="practice fee 40.00 x 2"),
        pytest.param(
            "SAMPLE-MASSAGE-PAYER", {}, "97124=38", 8400, id="profile fee 28.00 x 3 (midpoint)"
        ),
        pytest.param(
            "SAMPLE-MASSAGE-PAYER", {"97124": 3500}, "97124=38", 10500, id="practice fee wins"
        ),
    ],
)
def test_fees_come_from_the_practice_else_the_profile(
    payer: str, fees: dict[str, int], entered: str, cents: int
) -> None:
    built = assemble(session(1, entered), payer=payer, discipline="massage", fees=fees)
    assert built.total_cents == cents and built.findings == ()


def test_a_code_without_a_fee_is_an_error_on_its_line() -> None:
    built = assemble(session(1, "97110=30", "97530=15"), fees={"97110": 4000})
    (missing,) = built.findings
    assert (missing.id, missing.severity, missing.line, missing.code) == (
        "claim.no-fee",
        "error",
        2,
        "97530",
    )
    assert built.charges() == {"97110": 8000, "97530": 0}


def test_the_unit_engines_findings_are_the_assemblys() -> None:
    """CMS example 4: 97035's 8 minutes bill no unit; the engine says so."""
    built = assemble(session(1, "97110=18", "97140=13", "97116=10", "97035=8"))
    assert [f.id for f in built.findings] == ["units.cms-no-unit-left"]
    assert "97035" not in units(built)


@pytest.mark.parametrize(
    ("sessions", "error"),
    [
        pytest.param(
            (session(1, "97110=800"), session(2, "97110=800")), InvalidInput, id="1600 min"
        ),
        pytest.param((session(1, "97111=30"),), UnknownCode, id="unknown code"),
    ],
)
def test_input_that_cannot_become_a_claim_raises_a_therabill_error(
    sessions: tuple[SessionEntry, ...], error: type[Exception]
) -> None:
    with pytest.raises(error):
        assemble(*sessions)


def test_the_assembly_imports_no_database_web_or_cli_library() -> None:
    probe = (
        "import sys, therabill.claims.assemble\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & "
        "{'sqlalchemy', 'fastapi', 'typer', 'jinja2', 'alembic'}))\n"
        "print(sorted(n for n in sys.modules if n.startswith(('therabill.store', "
        "'therabill.web', 'therabill.cli'))))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert found[:2] == ["[]", "[]"]


CODES = ("97110", "97112", "97140", "97161", "92507", "96158", "96159", "97129", "97545", "97124")
entries = st.builds(
    ServiceEntry,
    st.sampled_from(CODES),
    st.integers(0, 900),
    st.lists(st.sampled_from(["GP", "GO", "59", "95"]), max_size=2, unique=True).map(tuple),
)
days_sessions = st.lists(
    st.builds(
        SessionEntry,
        st.integers(1, 10_000),
        st.lists(entries, min_size=1, max_size=3).map(tuple),
        st.lists(st.sampled_from(DIAGNOSES), max_size=6).map(tuple),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(
    sessions=days_sessions,
    payer=st.sampled_from([*PROFILES, None]),
    discipline=st.sampled_from(["pt", "ot", "slp", "massage", "behavioral"]),
)
def test_any_day_assembles_into_lines_from_its_sessions_or_a_therabill_error(
    sessions: list[SessionEntry], payer: str | None, discipline: str
) -> None:
    try:
        built = assemble(*sessions, payer=payer, discipline=discipline)
    except TherabillError:
        return
    assert sum(ln.units for ln in built.lines) == sum(ln.units for ln in built.units.lines)
    assert all(ln.units > 0 for ln in built.lines)
    assert {ln.session_id for ln in built.lines} <= {s.id for s in sessions}
    assert len(built.diagnoses) == len(set(built.diagnoses))
    for line in built.lines:
        assert 1 <= len(line.diagnosis_pointers) <= 4 or not built.diagnoses
        assert all(1 <= p <= min(12, len(built.diagnoses)) for p in line.diagnosis_pointers)
        per_unit = FEES.get(line.code)
        if per_unit is not None:
            assert line.charge_cents == per_unit * line.units
    no_fee = {f.line for f in built.findings if f.id == "claim.no-fee"}
    assert no_fee == {ln.line_number for ln in built.lines if _fee_of(ln.code, payer) is None}


def _fee_of(code: str, payer: str | None) -> object:
    profile_fees = PROFILES[payer].fees if payer else {}
    return FEES.get(code, profile_fees.get(code))


def test_a_build_counts_the_same_minutes_once_and_gets_the_same_lines() -> None:
    """A build keeps the unit engine's answers (``counted``): a claim with the minutes, rule
    and day of an earlier one reuses its frozen answer, and its lines are those assembled
    without the memo; other minutes, another day or another rule are counted anew."""
    profile = PROFILES["MEDICARE"]
    code_set = load_code_set()
    counted: dict[Any, Any] = {}

    def build(
        day: dt.date, *sessions: SessionEntry, rule: UnitRule = profile.unit_rule
    ) -> Assembly:
        return assemble_claim(sessions=sessions, discipline="pt", profile=profile, rule=rule,
                              fees=FEES, code_set=code_set, day=day, counted=counted)  # fmt: skip

    first = build(DAY, session(1, "97110=23", "97112=24"))
    again = build(DAY, session(2, "97110=23", "97112=24", dx=("R262",)))
    assert again.units is first.units
    assert len(counted) == 1
    alone = assemble(session(2, "97110=23", "97112=24", dx=("R262",)))
    assert again == alone
    build(DAY + dt.timedelta(days=7), session(3, "97110=23", "97112=24"))
    build(DAY, session(4, "97110=23", "97112=25"))
    build(DAY, session(5, "97110=23", "97112=24"), rule=UnitRule.MIDPOINT)
    assert len(counted) == 4
