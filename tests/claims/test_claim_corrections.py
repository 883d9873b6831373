"""The pure side of corrections: reading an edit, applying it, choosing how the payer takes a
correction, and the reopening request's text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.claims import Claim
from therabill.claims.corrections import (
    ClaimEdit,
    CorrectionWay,
    LineEdit,
    ReopeningFacts,
    apply_edit,
    correction_way,
    parse_edit,
    reopening_text,
)
from therabill.claims.status import ClaimStatus
from therabill.errors import DataFileError, InvalidInput
from therabill.payers import load_payer_profiles
from therabill.payers.loader import parse_payer_profile

S = ClaimStatus
PROFILES = load_payer_profiles()
FEES = {"97110": 4500, "97140": 4200}


def claim() -> Claim:
    return Claim.model_validate(
        {
            "claim_id": "TB00000012",
            "payer": {"id": "COMMERCIAL"},
            "provider": {"npi": "1234567893", "name": "Pat Lee", "discipline": "pt"},
            "client": {"id": "1", "first_name": "Ada", "last_name": "Example",
                       "birth_date": "1980-03-04"},
            "diagnoses": ["M54.50"],
            "place_of_service": "11",
            "lines": [
                {"date": "2026-11-08", "code": "97110", "units": 3, "charge": "135.00",
                 "diagnosis_pointers": [1]},
                {"date": "2026-11-08", "code": "97140", "units": 1, "charge": "42.00",
                 "diagnosis_pointers": [1]},
            ],
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"line": "2", "units": "2"}, ClaimEdit((LineEdit(2, units=2),))),
        ({"line": "1", "modifiers": ""}, ClaimEdit((LineEdit(1, modifiers=("",)),))),
        ({"line": "1", "charge": "90.50"}, ClaimEdit((LineEdit(1, charge_cents=9050),))),
        ({"line": "1", "pointers": "1, 2"}, ClaimEdit((LineEdit(1, pointers=(1, 2)),))),
        ({"diagnoses": ["M54.50", " "]}, ClaimEdit(diagnoses=("M54.50",))),
        ({"line": " ", "code": ""}, ClaimEdit()),
    ],
    ids=["units", "clear-modifiers", "charge", "pointers", "dx", "blank-form"],
)
def test_parse_edit(fields: dict[str, object], expected: ClaimEdit) -> None:
    assert parse_edit(**fields) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"units": "2"}, "line"),
        ({"line": "x", "units": "2"}, "line"),
        ({"line": "1", "units": "-2"}, "units"),
        ({"line": "1", "charge": "1.234"}, "charge"),
        ({"line": "1", "pointers": "1;2"}, "pointers"),
    ],
    ids=["no-line", "line-text", "negative-units", "three-decimals", "pointer-text"],
)
def test_parse_edit_names_the_bad_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_edit(**fields)  # type: ignore[arg-type]
    assert err.value.field == field


def test_apply_edit_recharges_from_the_fee_and_says_what_changed() -> None:
    edited, changes = apply_edit(
        claim(), ClaimEdit((LineEdit(1, units=2, code="97112"),)), fee=FEES.get
    )
    assert edited.lines[0].code == "97112" and edited.lines[0].charge == Decimal("0.00")
    assert [str(c) for c in changes] == [
        "line 1 (97110) code: 97110 → 97112",
        "line 1 (97110) units: 3 → 2",
        "line 1 (97110) charge: 135.00 → 0.00",  # no fee for 97112: the scrub says so
    ]
    same_code, _ = apply_edit(claim(), ClaimEdit((LineEdit(1, units=2),)), fee=FEES.get)
    assert same_code.lines[0].charge == Decimal("90.00")


def test_new_diagnoses_must_still_cover_every_pointer() -> None:
    with pytest.raises(InvalidInput, match="line 1 \\(97110\\) points at diagnosis 2"):
        apply_edit(claim(), ClaimEdit((LineEdit(1, pointers=(1, 2)),)), fee=FEES.get)
    edited, changes = apply_edit(
        claim(),
        ClaimEdit((LineEdit(1, pointers=(1, 2)),), diagnoses=("M5450", "m62.81")),
        fee=FEES.get,
    )
    assert edited.diagnoses == ["M54.50", "M62.81"]
    assert str(changes[0]) == "claim diagnoses: M54.50 → M54.50 M62.81"


@given(st.integers(1, 50), st.integers(0, 99_999))
def test_any_units_and_charge_edit_keeps_the_cents(units: int, cents: int) -> None:
    edit = ClaimEdit((LineEdit(2, units=units, charge_cents=cents),))
    if (units, cents) == (1, 4200):
        with pytest.raises(InvalidInput, match="changes nothing"):
            apply_edit(claim(), edit, fee=FEES.get)
        return
    edited, changes = apply_edit(claim(), edit, fee=FEES.get)
    assert edited.lines[1].charge == Decimal(cents) / 100 and edited.lines[1].units == units
    assert edited.lines[0] == claim().lines[0] and changes


@pytest.mark.parametrize(
    ("status", "profile", "remarks", "way"),
    [
        (S.DRAFT, "MEDICARE", (), CorrectionWay.IN_PLACE),
        (S.REJECTED, "COMMERCIAL", (), CorrectionWay.IN_PLACE),
        (S.DENIED, "COMMERCIAL", ("N380",), CorrectionWay.REPLACEMENT),
        (S.PAID, "COMMERCIAL", (), CorrectionWay.REPLACEMENT),
        (S.PARTLY_PAID, "MEDICARE", (), CorrectionWay.REOPENING),
        (S.DENIED, "MEDICARE", ("MA130", "N286"), CorrectionWay.NEW_CLAIM),
        (S.DENIED, None, (), CorrectionWay.REPLACEMENT),
    ],
    ids=["draft", "rejected", "commercial-denied", "commercial-paid", "medicare-processed",
         "medicare-unprocessable", "no-profile"],
)  # fmt: skip
def test_correction_way(
    status: ClaimStatus, profile: str | None, remarks: tuple[str, ...], way: CorrectionWay
) -> None:
    found = PROFILES.get(profile) if profile else None
    assert correction_way(12, status, found, remarks) is way


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.CLOSED, S.REPLACED])
def test_correction_way_refuses_what_the_lifecycle_does_not_allow(status: ClaimStatus) -> None:
    with pytest.raises(InvalidInput, match=f"claim 12 is {status.value}"):
        correction_way(12, status, PROFILES["COMMERCIAL"])


def test_profile_corrections_key_is_checked() -> None:
    base = 'id = "X"\nname = "X"\nunit_rule = "cms"\n'
    assert parse_payer_profile(base, "x.toml").corrections == "replacement"
    with pytest.raises(DataFileError, match=r"corrections\.processed"):
        parse_payer_profile(base + '[corrections]\nprocessed = "fax"\n', "x.toml")
    with pytest.raises(DataFileError, match=r"corrections\.new_claim_remarks"):
        parse_payer_profile(base + '[corrections]\nnew_claim_remarks = ["!"]\n', "x.toml")


def test_reopening_text_names_the_claim_and_the_deadline() -> None:
    facts = ReopeningFacts(
        payer="Medicare Part B",
        payer_claim_number="22126000123456",
        our_claim_number="TB00000012",
        patient="Example, Ada",
        member_id="1EG4TE5MK73",
        birth_date=dt.date(1950, 3, 4),
        date_of_service=dt.date(2026, 11, 8),
        rendering="Pat Lee, NPI 1234567893",
        billing="Harbour Therapy, NPI 1234567893",
        decided_on=dt.date(2026, 11, 28),
    )
    _, changes = apply_edit(claim(), ClaimEdit((LineEdit(1, units=2),)), fee=FEES.get)
    text = reopening_text(facts, changes, "two units documented")
    assert "Payer claim control number (ICN): 22126000123456" in text
    assert "Initial determination: 2026-11-28; request by 2027-11-28" in text
    assert "- line 1 (97110) units: 3 → 2" in text and text.endswith("two units documented")
    denied = reopening_text(facts, [], "wrong client", deny_all=True)
    assert "Deny every service on the claim as billed in error." in denied
