"""Golden files: each scenario's 837P byte for byte, and pyx12 accepts every one.

Regenerate after an intended change with ``THERABILL_UPDATE_GOLDEN=1 pytest tests/x12_837``
and review the diff: the golden files are the writer's specification by example.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest

from helpers_837 import BILLING, CREATED, claim, claim_dict, profile, pyx12_errors
from therabill.claims.document import Claim
from therabill.x12.claim_837p import render_837p

GOLDEN = Path(__file__).parent / "golden"

DEPENDANT: dict[str, Any] = {
    "client": {
        "id": "CL-2",
        "first_name": "Sam",
        "last_name": "Lopez",
        "birth_date": "2015-03-14",
        "sex": "M",
        "address": {"line1": "12 Elm Rd", "city": "Portland", "state": "ME", "zip": "04102"},
    },
    "subscriber": {
        "first_name": "Maria",
        "last_name": "Lopez",
        "relationship": "child",
        "member_id": "XYZ123456789",
        "birth_date": "1970-05-01",
        "sex": "F",
        "address": {"line1": "12 Elm Rd", "city": "Portland", "state": "ME", "zip": "04102"},
    },
    "claim_id": "C-1002",
    "diagnoses": ["F80.0"],
    "provider": {"npi": "1543210987", "name": "Lee Park, CCC-SLP", "discipline": "slp"},
    "lines": [
        {
            "date": "2026-11-21",
            "code": "92507",
            "modifiers": ["GN"],
            "units": 1,
            "diagnosis_pointers": [1],
            "charge": "95.00",
        }
    ],
}

SEVERAL_LINES: dict[str, Any] = {
    "claim_id": "C-1004",
    "provider": {
        "npi": "1543210987",
        "name": "Jordan Blake, PT",
        "discipline": "pt",
        "taxonomy": "225100000X",
    },
    "payer": {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"},
    "diagnoses": ["M54.50", "M62.81", "R26.89"],
    "authorization": {"number": "AUTH-7781", "codes": ["97110", "97112", "97140"]},
    "lines": [
        {
            "date": "2026-11-20",
            "code": "97110",
            "modifiers": ["GP", "KX"],
            "minutes": 23,
            "units": 2,
            "diagnosis_pointers": [1, 2],
            "charge": "90.50",
        },
        {
            "date": "2026-11-20",
            "code": "97112",
            "modifiers": ["GP"],
            "minutes": 15,
            "units": 1,
            "diagnosis_pointers": [3, 1],
            "charge": "48.25",
        },
        {
            "date": "2026-11-20",
            "code": "97140",
            "modifiers": ["GP", "59", "KX"],
            "minutes": 8,
            "units": 1,
            "diagnosis_pointers": [1, 2, 3],
            "charge": "41.00",
        },
    ],
}

SECONDARY: dict[str, Any] = {
    "claim_id": "C-1005",
    "other_payers": [
        {
            "payer": {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"},
            "responsibility": "primary",
            "member_id": "1EG4TE5MK73",
            "paid": "80.00",
            "adjustments": [
                {"group": "CO", "reason": "45", "amount": "25.00"},
                {"group": "PR", "reason": "2", "amount": "15.00"},
            ],
            "adjudication_date": "2026-12-10",
        }
    ],
}

SECONDARY_LINE_LEVEL: dict[str, Any] = {
    "claim_id": "C-1008",
    "diagnoses": ["M54.50", "M62.81"],
    "lines": [
        {
            "date": "2026-11-20",
            "code": "97110",
            "modifiers": ["GP"],
            "units": 2,
            "diagnosis_pointers": [1, 2],
            "charge": "90.50",
        },
        {
            "date": "2026-11-20",
            "code": "97140",
            "modifiers": ["GP", "59"],
            "units": 1,
            "diagnosis_pointers": [1],
            "charge": "48.25",
        },
    ],
    "other_payers": [
        {
            "payer": {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"},
            "member_id": "1EG4TE5MK73",
            "subscriber": {"first_name": "Luis", "last_name": "Lopez", "relationship": "spouse"},
            "paid": "90.00",
            "adjudication_date": "2026-12-10",
            "lines": [
                {
                    "line": 1,
                    "paid": "60.00",
                    "adjustments": [
                        {"group": "CO", "reason": "45", "amount": "18.50"},
                        {"group": "PR", "reason": "2", "amount": "12.00"},
                    ],
                },
                {
                    "line": 2,
                    "paid": "30.00",
                    "units": 1,
                    "adjustments": [
                        {"group": "CO", "reason": "45", "amount": "10.25"},
                        {"group": "PR", "reason": "1", "amount": "8.00"},
                    ],
                },
            ],
        }
    ],
}

TELEHEALTH: dict[str, Any] = {
    "claim_id": "C-1006",
    "provider": {"npi": "1234567893", "name": "Ana Ruiz", "discipline": "behavioral"},
    "diagnoses": ["F41.1"],
    "place_of_service": "10",
    "lines": [
        {
            "date": "2026-11-23",
            "code": "90837",
            "modifiers": ["95"],
            "minutes": 55,
            "units": 1,
            "diagnosis_pointers": [1],
            "charge": "150.00",
        }
    ],
}

# A speech therapist seeing a child at school (place of service 03): the school is the service
# facility (2310C); the practice is paid at its lock box (2010AB).
AT_SCHOOL: dict[str, Any] = {
    **DEPENDANT,
    "claim_id": "C-1010",
    "place_of_service": "03",
    "service_facility": {
        "name": "Lincoln Elementary School",
        "npi": "1922334457",
        "address": {
            "line1": "40 School St",
            "city": "Portland",
            "state": "ME",
            "zip": "04103-2210",
        },
    },
    "billing_provider": {
        **BILLING,
        "pay_to_address": {
            "line1": "PO Box 4410",
            "city": "Portland",
            "state": "ME",
            "zip": "04112",
        },
    },
}

SCENARIOS: dict[str, list[Claim]] = {
    "service-facility-and-pay-to": [claim(**AT_SCHOOL)],
    "patient-is-subscriber": [claim()],
    "dependant-patient": [claim(**DEPENDANT)],
    # A child on a parent's policy when the practice knows only the parent's name and member
    # id: 2010BA N3/N4/DMG are sent only when the patient is the subscriber (005010X222A1).
    "dependant-subscriber-name-only": [
        claim(
            **{
                **DEPENDANT,
                "claim_id": "C-1008",
                "subscriber": {
                    "first_name": "Maria",
                    "last_name": "Lopez",
                    "relationship": "child",
                    "member_id": "XYZ123456789",
                },
            }
        )
    ],
    "corrected-claim": [
        claim(claim_id="C-1003", frequency="corrected", original_claim_id="2026112000123")
    ],
    "void-claim": [claim(claim_id="C-1007", frequency="void", original_claim_id="2026112000124")],
    "several-lines-with-modifiers": [claim(**SEVERAL_LINES)],
    "secondary-payer": [claim(**SECONDARY)],
    "secondary-payer-line-level": [claim(**SECONDARY_LINE_LEVEL)],
    "telehealth": [claim(**TELEHEALTH)],
    "two-billing-providers": [
        claim(),
        claim(**DEPENDANT),
        claim(
            **{
                **SEVERAL_LINES,
                "billing_provider": {
                    **claim_dict()["billing_provider"],
                    "npi": "1111111112",
                    "name": "Coastal Rehab LLC",
                },
            }
        ),
    ],
}


def write(claims: list[Claim]) -> str:
    return render_837p(
        claims,
        profile=profile(),
        interchange=101,
        group=201,
        transactions=itertools.count(301),
        created=CREATED,
    )


@pytest.mark.parametrize("name", sorted(SCENARIOS), ids=sorted(SCENARIOS))
def test_scenario_matches_golden_file_and_pyx12_accepts_it(name: str) -> None:
    text = write(SCENARIOS[name])
    assert pyx12_errors(text) == []
    path = GOLDEN / f"{name}.837"
    if os.environ.get("THERABILL_UPDATE_GOLDEN"):
        path.write_bytes(text.encode("ascii"))
    assert text == path.read_bytes().decode("ascii"), f"{path.name} differs"


def test_every_golden_file_has_a_scenario() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.837")) == sorted(SCENARIOS)
