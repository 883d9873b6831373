"""KX counted on allowed amounts (SSA §1833(g); CMS Pub 100-04 ch.5 §10.2-10.3): the 2026
threshold $2,480, PT and speech together, OT alone; the claim's lines priced by the 2026
national fee schedule with the therapy reduction; $3,000 targeted medical review."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from scrub_helpers import claim, context, line, run_rule

from therabill.scrub import ScrubContext

GP, GO, GN = ["GP"], ["GO"], ["GN"]


def to_date(pt_slp: str | None = None, ot: str | None = None, year: int = 2026) -> list[Any]:
    """The claim document's ``therapy_allowed_to_date``."""
    entries = []
    if pt_slp is not None:
        entries.append({"year": year, "group": "pt_slp", "allowed": pt_slp})
    if ot is not None:
        entries.append({"year": year, "group": "ot", "allowed": ot})
    return entries


def medicare(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return claim(*lines, payer="MEDICARE", **extra)


def flagged(data: dict[str, Any], ctx: ScrubContext | None = None) -> list[int | None]:
    return [f.line for f in run_rule("modifier.kx", data, ctx)]


def test_the_threshold_counts_allowed_amounts_not_charges() -> None:
    # $2,430 allowed so far + 97110 (allowed $29.06) = $2,459.06: under $2,480, although
    # $2,430 + the $120 charge would be over
    data = medicare(line("97110", 15, 1, modifiers=GP, charge="120.00"),
                    therapy_allowed_to_date=to_date("2430.00"))  # fmt: skip
    assert flagged(data) == []


def test_the_line_that_crosses_needs_kx_not_the_one_before() -> None:
    # 97110 first (its PE 0.41 is the day's highest: paid in full, $29.06), then 97140 at
    # the therapy-reduced $21.21: 2,440 → 2,469.06 → 2,490.27
    data = medicare(line("97110", 15, 1, modifiers=GP), line("97140", 15, 1, modifiers=GP),
                    therapy_allowed_to_date=to_date("2440.00"))  # fmt: skip
    assert flagged(data) == [2]
    (found,) = run_rule("modifier.kx", data)
    assert "$2,490.27" in found.message and "$2,469.06" in found.message
    assert "$2,480.00" in found.message and "1833(g)" in found.source


def test_kx_on_the_crossing_line_satisfies_the_rule() -> None:
    data = medicare(line("97110", 15, 1, modifiers=GP),
                    line("97140", 15, 1, modifiers=["GP", "KX"]),
                    therapy_allowed_to_date=to_date("2440.00"))  # fmt: skip
    assert flagged(data) == []


@pytest.mark.parametrize(
    ("discipline", "code", "modifiers", "fires"),
    [
        ("pt", "97110", GP, True),  # PT+SLP at $2,470 + $29.06
        ("slp", "92507", GN, True),  # speech counts with PT
        ("ot", "97530", GO, False),  # OT has its own threshold: $100 + $35.07
    ],
    ids=["pt-over", "slp-over-with-pt", "ot-separate-under"],
)
def test_pt_and_speech_share_a_threshold_ot_has_its_own(
    discipline: str, code: str, modifiers: list[str], fires: bool
) -> None:
    data = medicare(line(code, 15, 1, modifiers=modifiers), discipline=discipline,
                    therapy_allowed_to_date=to_date("2470.00", "100.00"))  # fmt: skip
    assert bool(flagged(data)) is fires


def test_an_ot_client_over_the_ot_threshold_needs_kx_whatever_pt_spent() -> None:
    data = medicare(line("97530", 15, 1, modifiers=GO), discipline="ot",
                    therapy_allowed_to_date=to_date("0.00", "2460.00"))  # fmt: skip
    assert flagged(data) == [1]


def test_the_plan_modifier_decides_the_group() -> None:
    # an OT line (GO) on a claim whose provider is listed as PT counts toward OT
    data = medicare(line("97530", 15, 1, modifiers=GO),
                    therapy_allowed_to_date=to_date("2470.00", "0.00"))  # fmt: skip
    assert flagged(data) == []


def test_the_document_wins_over_the_store_context() -> None:
    ctx = dataclasses.replace(
        context(), therapy_allowed={("CL-1", 2026, "pt_slp"): Decimal("2470.00")}
    )
    assert flagged(medicare(line("97110", 15, 1, modifiers=GP)), ctx) == [1]
    data = medicare(line("97110", 15, 1, modifiers=GP), therapy_allowed_to_date=to_date("0.00"))
    assert flagged(data, ctx) == []


def test_a_bundled_line_past_the_threshold_needs_no_kx() -> None:
    # 97010 is bundled (status B): Medicare allows nothing for it, KX or not
    data = medicare(line("97010", None, 1, modifiers=GP),
                    therapy_allowed_to_date=to_date("2600.00"))  # fmt: skip
    assert flagged(data) == []


def test_a_year_without_a_fee_schedule_counts_the_charge() -> None:
    # 2025: no schedule shipped, so the $50.00 charge is the most Medicare could allow
    data = medicare(line("97110", 15, 1, date="2025-12-01", modifiers=GP),
                    therapy_allowed_to_date=to_date("2380.00", year=2025))  # fmt: skip
    assert flagged(data) == [1]  # 2,380 + 50 = 2,430 > 2,410 (2025)


def test_other_payers_have_no_kx_threshold() -> None:
    data = claim(line("97110", 15, 1), therapy_allowed_to_date=to_date("9000.00"))
    assert flagged(data) == []


@pytest.mark.parametrize(
    ("before", "fires"), [("2980.00", True), ("2960.00", False)], ids=["past-3000", "under"]
)
def test_the_targeted_medical_review_threshold(before: str, fires: bool) -> None:
    data = medicare(line("97110", 15, 1, modifiers=["GP", "KX"]),
                    therapy_allowed_to_date=to_date(before))  # fmt: skip
    found = run_rule("modifier.kx-review", data)
    assert bool(found) is fires
    if fires:
        assert "$3,000.00" in found[0].message and found[0].severity == "info"
