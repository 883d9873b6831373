"""Claim documents for the CMS-1500 tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from therabill import claims as doc
from therabill.claims.document import ReferringProvider
from therabill.paper import cms1500

CODES = ["97110", "97112", "97140", "97530", "97110", "97112", "97140", "97530"]


def therapy_claim(lines: int = 3, diagnoses: int = 2, **changes: object) -> doc.Claim:
    """A Medicare physical therapy claim: ``lines`` service lines over a week."""
    icd = ["M54.50", "M62.81", "M25.561", "M25.562", "R26.89", "M79.604", "S83.511A",
           "M17.11", "M17.12", "R29.6", "Z96.651", "M62.561"][:diagnoses]  # fmt: skip
    claim = doc.Claim(
        claim_id="TB00000012",
        payer=doc.Payer(id="MEDICARE", name="Medicare Part B", payer_id="00430"),
        provider=doc.Provider(
            npi="1234567893", name="Pat Lee", discipline="pt", taxonomy="225100000X"
        ),
        billing_provider=doc.BillingProvider(
            npi="1245319599",
            name="Harbour Therapy",
            tax_id="12-3456789",
            address=doc.Address(line1="1 Quay Street", city="Portland", state="ME", zip="04101"),
        ),
        client=doc.Client(
            id="1",
            first_name="Ada",
            last_name="Example",
            birth_date=dt.date(1950, 3, 4),
            member_id="1EG4TE5MK73",
            sex="F",
            address=doc.Address(line1="2 Harbour Road", city="Portland", state="ME", zip="04101"),
        ),
        diagnoses=icd,
        place_of_service="11",
        lines=[
            doc.ServiceLine(
                date=dt.date(2026, 11, 2 + n),
                code=CODES[n % len(CODES)],
                modifiers=["GP", "KX"] if n == 0 else ["GP"],
                units=2 + n % 2,
                diagnosis_pointers=[1, 2] if diagnoses > 1 else [1],
                charge=Decimal("90.00") + n,
            )
            for n in range(lines)
        ],
        referring_provider=ReferringProvider(npi="1679576722", first_name="Rosa", last_name="Diaz"),
    )
    return claim.model_copy(update=changes)


FACTS = cms1500.PaperFacts(
    printed_on=dt.date(2026, 11, 28),
    group_number="GRP-77",
    patient_phone="(207) 555-0142",
    billing_phone="207-555-0100",
    other_insurance=cms1500.OtherInsurance("EXAMPLE", "ADA", "MS1234567", "Maine Supplement"),
    payer_address=("PO Box 14099", "Lexington, KY 40512-4099"),
)
