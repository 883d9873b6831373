"""Telehealth place of service and modifiers: what Medicare allows since 2024 (CY2024 PFS
final rule, 88 FR 78874-78876; NGS "Telehealth changes for 2024"), audio-only at home (CY2025
PFS final rule, 42 CFR 410.78(a)(3)), and a commercial payer that wants 95. Only what the
payer does not allow is flagged; 93 is never "corrected" to 95."""

from __future__ import annotations

from typing import Any

import pytest
from scrub_helpers import claim, context, line

from therabill.claims import Claim
from therabill.scrub import scrub_claim

TELEHEALTH_RULES = {
    "modifier.telehealth",
    "telehealth.modifier-conflict",
    "telehealth.modifier-not-allowed",
    "telehealth.in-person-place",
    "telehealth.audio-only-place",
}
PLAN = {"pt": "GP", "ot": "GO", "slp": "GN", "behavioral": None}
CODE = {"pt": "97110", "ot": "97530", "slp": "92507", "behavioral": "90834"}
MINUTES = {"pt": 23, "ot": 23, "slp": 30, "behavioral": 45}


def visit(payer: str, discipline: str, pos: str, *modifiers: str, date: str | None = None) -> Any:
    plan = PLAN[discipline]
    mods = ([plan] if plan and payer == "MEDICARE" else []) + list(modifiers)
    units = 2 if discipline in ("pt", "ot") else 1
    extra = {"date": date} if date else {}
    return claim(
        line(CODE[discipline], MINUTES[discipline], units, modifiers=mods, **extra),
        discipline=discipline, payer=payer, pos=pos,
    )  # fmt: skip


def telehealth_findings(data: dict[str, Any]) -> set[str]:
    result = scrub_claim(Claim.model_validate(data), context())
    return {f.id for f in result.findings if f.id in TELEHEALTH_RULES}


CASES = [
    # Medicare professional claims since 2024: POS 02/10 say telehealth, no modifier needed
    ("medicare-pt-pos10-no-modifier", ("MEDICARE", "pt", "10"), set()),
    ("medicare-pt-pos10-95", ("MEDICARE", "pt", "10", "95"), set()),
    ("medicare-pt-pos02-95", ("MEDICARE", "pt", "02", "95"), set()),
    ("medicare-behavioral-pos10", ("MEDICARE", "behavioral", "10"), set()),
    # the exception CMS kept: 95 with the in-person place of service for PT, OT, SLP
    ("medicare-pt-pos11-95", ("MEDICARE", "pt", "11", "95"), set()),
    ("medicare-ot-pos11-95", ("MEDICARE", "ot", "11", "95"), set()),
    ("medicare-slp-pos11-95", ("MEDICARE", "slp", "11", "95"), set()),
    (
        "medicare-behavioral-pos11-95",
        ("MEDICARE", "behavioral", "11", "95"),
        {"telehealth.in-person-place"},
    ),
    # audio-only (93): valid for a client at home
    ("medicare-pt-pos10-93", ("MEDICARE", "pt", "10", "93"), set()),
    ("medicare-behavioral-pos10-93", ("MEDICARE", "behavioral", "10", "93"), set()),
    ("medicare-pt-pos02-93", ("MEDICARE", "pt", "02", "93"), {"telehealth.audio-only-place"}),
    (
        "medicare-pos10-93-and-95",
        ("MEDICARE", "pt", "10", "93", "95"),
        {"telehealth.modifier-conflict"},
    ),
    ("medicare-pos02-gt", ("MEDICARE", "pt", "02", "GT"), {"telehealth.modifier-not-allowed"}),
    # in person, no telehealth modifier: nothing to say
    ("medicare-pt-pos11", ("MEDICARE", "pt", "11"), set()),
    ("medicare-behavioral-pos11", ("MEDICARE", "behavioral", "11"), set()),
    # a commercial payer that wants 95 at POS 02/10 (payer-specific)
    ("commercial-pos10-no-modifier", ("COMMERCIAL", "pt", "10"), {"modifier.telehealth"}),
    ("commercial-pos10-95", ("COMMERCIAL", "pt", "10", "95"), set()),
    ("commercial-pos10-93-audio-only", ("COMMERCIAL", "pt", "10", "93"), set()),
    ("commercial-pos02-gt", ("COMMERCIAL", "pt", "02", "GT"), {"modifier.telehealth"}),
    ("commercial-pos11-95", ("COMMERCIAL", "behavioral", "11", "95"), set()),
]


@pytest.mark.parametrize(
    ("visit_args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_telehealth_combinations(visit_args: tuple[str, ...], expected: set[str]) -> None:
    payer, discipline, pos, *modifiers = visit_args
    assert telehealth_findings(visit(payer, discipline, pos, *modifiers)) == expected


def test_an_audio_only_line_is_never_told_to_add_95() -> None:
    result = scrub_claim(Claim.model_validate(visit("COMMERCIAL", "pt", "10", "93")), context())
    assert not [f for f in result.findings if "95" in f.message and f.line == 1]


def test_the_commercial_finding_offers_93_for_a_telephone_visit() -> None:
    result = scrub_claim(Claim.model_validate(visit("COMMERCIAL", "pt", "10")), context())
    (found,) = [f for f in result.findings if f.id == "modifier.telehealth"]
    assert found.severity == "warning" and "93" in (found.fix or "")


def test_before_2024_medicare_rules_of_2024_do_not_apply() -> None:
    # 2023: the PHE rules (95 with the in-person place) still held; not flagged
    data = visit("MEDICARE", "behavioral", "11", "95", date="2023-12-28")
    assert "telehealth.in-person-place" not in telehealth_findings(data)


def test_the_in_person_finding_cites_the_rule_and_says_what_to_use() -> None:
    result = scrub_claim(
        Claim.model_validate(visit("MEDICARE", "behavioral", "11", "95")), context()
    )
    (found,) = [f for f in result.findings if f.id == "telehealth.in-person-place"]
    assert "02 or 10" in found.message and "January 1, 2024" in found.message
    assert "payer profile MEDICARE: telehealth" in found.source and "78874" in found.source
    assert found.severity == "error"
