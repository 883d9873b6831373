"""KX counted on allowed amounts (SSA §1833(g); CMS Pub 100-04 ch.5 §10.2-10.3): the 2026
threshold $2,480, PT and speech together, OT alone; the claim's lines priced by the 2026
national fee schedule with the therapy reduction; $3,000 targeted medical review."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrub_helpers import DAY, claim, context, line, run_rule

from therabill.payers import shipped_profiles
from therabill.payers.fee_schedule import day_allowed
from therabill.payers.threshold import Service, estimated_allowed
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


# Medicare's multiple procedure payment reduction spans the client's whole day, across claims
# and disciplines (NGS Medicare, "Multiple procedure payment reduction"; Novitas: "all
# services furnished to a patient on the same day, regardless of … discipline"): a claim's
# estimate counts what the day's total grows by, so KX does not come a claim early.
MEDICARE = shipped_profiles()["MEDICARE"]
SAME_DAY = dt.date(2026, 11, 2)


def _services(*lines: tuple[str, int]) -> list[Service]:
    return [Service(SAME_DAY, code, units, Decimal("500.00")) for code, units in lines]


@pytest.mark.parametrize(
    ("earlier", "own", "expected"),
    [
        ([], [("97110", 1)], ["29.06"]),
        # the day's full unit was counted on the earlier claim: this one is reduced
        ([("97110", 1)], [("97110", 1)], ["22.21"]),
        ([("97110", 1)], [("97110", 2), ("97140", 1)], ["44.42", "21.21"]),
        # 97530's larger practice expense takes the full unit: the day grows from 29.06 to
        # 35.07 + 22.21 = 57.28, so this claim adds 28.22 (not 35.07)
        ([("97110", 1)], [("97530", 1)], ["28.22"]),
        # an earlier claim on another day changes nothing
        ([], [("97110", 2)], ["51.27"]),
    ],
)
def test_a_claim_is_priced_with_the_days_earlier_claims(
    earlier: list[tuple[str, int]], own: list[tuple[str, int]], expected: list[str]
) -> None:
    found = estimated_allowed(MEDICARE, _services(*own), "11", earlier=_services(*earlier))
    assert found == [Decimal(e) for e in expected]


def test_an_earlier_claim_on_another_day_is_not_priced_with_this_one() -> None:
    other = [Service(SAME_DAY - dt.timedelta(days=1), "97110", 1, Decimal("500.00"))]
    found = estimated_allowed(MEDICARE, _services(("97110", 2)), "11", earlier=other)
    assert found == [Decimal("51.27")]


THERAPY = ["97110", "97112", "97140", "97530", "97535", "92507", "97116"]


@given(
    st.lists(st.tuples(st.sampled_from(THERAPY), st.integers(1, 4)), min_size=2, max_size=7),
    st.data(),
)
def test_a_days_claims_add_up_to_the_day_priced_at_once(
    lines: list[tuple[str, int]], data: st.DataObject
) -> None:
    """However a day's lines are split over claims, the claims' estimates in order sum to the
    day priced at once: one full unit for the day, never one per claim."""
    cuts = sorted(data.draw(st.lists(st.integers(1, len(lines) - 1), max_size=3, unique=True)))
    claims = [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)], strict=True)]
    counted: list[Service] = []
    total = Decimal(0)
    for own in claims:
        total += sum(estimated_allowed(MEDICARE, _services(*own), "11", earlier=counted))
        counted += _services(*own)
    schedule = MEDICARE.fee_schedule(SAME_DAY)
    assert schedule is not None
    assert total == sum(a or Decimal(0) for a in day_allowed(lines, schedule, facility=False))


def test_kx_waits_for_the_day_priced_across_claims() -> None:
    """$2,455 so far; this claim's 97110 alone would be $29.06 (past $2,480), but the day's
    full unit went to the client's earlier claim that day: $22.21, still under."""
    data = medicare(line("97110", 15, 1, modifiers=GP), therapy_allowed_to_date=to_date("2455.00"))
    assert flagged(data) == [1]
    day = dt.date.fromisoformat(DAY)
    ctx = dataclasses.replace(
        context(),
        therapy_same_day={("CL-1", "MEDICARE", day): [Service(day, "97110", 1, Decimal("50"))]},
    )
    assert flagged(data, ctx) == []
