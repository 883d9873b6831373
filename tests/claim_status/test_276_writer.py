"""The 276 claim status request writer (005010X212): the guide's own example rebuilt from its
data, our claims' requests, and values it cannot carry refused naming the field."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from helpers_837 import CREATED, profile
from therabill.errors import InvalidInput
from therabill.x12.claim_status import StatusQuery, write_276

PEERS = Path(__file__).parent.parent / "data" / "x12-peers" / "claim-status"
GUIDE = dict(
    payer_name="ABC INSURANCE", payer_id="12345", provider_name="HOME HOSPITAL",
    provider_npi="1666666661",
)  # fmt: skip
SMITH = StatusQuery(
    claim_number="SM123456", trace_number="ABCXYZ1", charge=Decimal("8513.88"),
    first_day=dt.date(2005, 8, 31), last_day=dt.date(2005, 9, 6), subscriber_last="SMITH",
    subscriber_first="FRED", member_id="123456789A", subscriber_birth_date=dt.date(1930, 12, 10),
    subscriber_sex="M", **GUIDE,
)  # fmt: skip
JONES = StatusQuery(
    claim_number="J0234567", trace_number="ABCXYZ2", charge=Decimal("7599.00"),
    first_day=dt.date(2005, 7, 31), last_day=dt.date(2005, 8, 9), subscriber_last="JONES",
    subscriber_first="MARY", member_id="234567890A", subscriber_birth_date=dt.date(1930, 11, 15),
    subscriber_sex="F", **GUIDE,
)  # fmt: skip


def write(*queries: StatusQuery) -> str:
    return write_276(
        queries, profile=profile(), interchange=7, group=8, transaction=9, created=CREATED
    )


def segments(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


def test_the_guides_claim_level_example_from_its_data() -> None:
    """005010X212's "claim level status request" example (LinuxForHealth x12's copy): our
    writer, given the example's payer, provider and two subscribers' claims, writes the
    example's loops segment for segment (less REF*BLT, an institutional claim's bill type,
    which a professional claim has not; and with the payer's and submitter's names ours)."""
    guide = segments((PEERS / "lfh_claim-level-status.276").read_text())
    start, end = guide.index("HL*1**20*1"), guide.index("HL*6*2*19*1")
    expected = [s for s in guide[start:end] if not s.startswith("REF*BLT")]
    ours = segments(write(SMITH, JONES))
    ours = ours[ours.index("HL*1**20*1") : ours.index(next(s for s in ours if s.startswith("SE*")))]
    submitter = profile().submitter
    expected[3] = f"NM1*41*2*{submitter.name.upper()}*****46*{submitter.id}"
    assert ours == expected


def test_a_dependant_and_one_day_of_service() -> None:
    child = StatusQuery(
        claim_number="TB00000012", charge=Decimal("95.00"), first_day=dt.date(2026, 11, 21),
        last_day=dt.date(2026, 11, 21), subscriber_last="Lopez", subscriber_first="Maria",
        member_id="XYZ123456789", patient_last="Lopez", patient_first="Sam",
        patient_birth_date=dt.date(2015, 3, 14), patient_sex="M", payer_claim_number="ICN77",
        payer_name="Acme Health Plan", payer_id="60054", provider_name="Harbour Therapy Group",
        provider_npi="1234567893",
    )  # fmt: skip
    ours = segments(write(child))
    assert ours[ours.index("HL*4*3*22*1") :] == [
        "HL*4*3*22*1",
        "NM1*IL*1*LOPEZ*MARIA****MI*XYZ123456789",
        "HL*5*4*23",
        "DMG*D8*20150314*M",
        "NM1*QC*1*LOPEZ*SAM",
        "TRN*1*TB00000012",
        "REF*1K*ICN77",
        "REF*EJ*TB00000012",
        "AMT*T3*95.00",
        "DTP*472*D8*20261121",
        "SE*19*0009",
        "GE*1*8",
        "IEA*1*000000007",
    ]
    assert ours[1].startswith("GS*HR*") and ours[1].endswith("*005010X212")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider_npi": "123"}, "billing_provider.npi"),
        ({"subscriber_birth_date": None}, "subscriber.birth_date"),
        ({"member_id": "X"}, "subscriber.member_id"),
        ({"claim_number": "A" * 51}, "claim_number"),
    ],
)
def test_values_the_276_cannot_carry_are_refused(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        write(replace(SMITH, **change))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert field == "billing_provider.npi" or caught.value.message.startswith("claim '")
    assert "837P" not in caught.value.message


def test_no_claims_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no claims"):
        write_276([], profile=profile(), interchange=1, group=1, transaction=1, created=CREATED)


def test_many_claims_group_by_payer_and_provider() -> None:
    queries = [replace(SMITH, trace_number=f"T{i}") for i in range(3)]
    other = replace(JONES, payer_id="999")
    text = write(*queries, other)
    hls = [s for s in segments(text) if s.startswith("HL*")]
    # two payers, each: receiver and provider levels, then one subscriber per claim
    assert [h.split("*")[3] for h in hls] == [
        "20",
        "21",
        "19",
        "22",
        "22",
        "22",
        "20",
        "21",
        "19",
        "22",
    ]
    assert list(itertools.accumulate([1] * len(hls))) == [int(h.split("*")[1]) for h in hls]
