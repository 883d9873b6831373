"""CMS-1500 Item 32 (service facility) and 32a from the claim's service facility, under the
same rule as the 837P's loop 2310C; Item 33 stays the billing provider."""

from __future__ import annotations

import pytest
from claim_examples import FACTS, therapy_claim

from therabill.claims.document import Address, ServiceFacility
from therabill.paper import cms1500

SCHOOL = ServiceFacility(
    name="Lincoln Elementary School",
    npi="1922334457",
    address=Address(line1="40 School St", city="Portland", state="ME", zip="04103-2210"),
)


def test_a_school_fills_item_32_and_32a() -> None:
    (page,) = cms1500.pages(therapy_claim(service_facility=SCHOOL, place_of_service="03"), FACTS)
    assert page.text("32") == "LINCOLN ELEMENTARY SCHOOL"
    assert page.text("32.street") == "40 SCHOOL ST"
    assert page.text("32.city") == "PORTLAND ME 04103-2210"
    assert page.text("32a") == "1922334457"
    assert page.text("33") == "HARBOUR THERAPY"


@pytest.mark.parametrize(
    "changes",
    [
        {"place_of_service": "12", "service_facility": SCHOOL},  # Pub 100-04 ch.26 Item 32
        {},
    ],
    ids=["home", "none"],
)
def test_item_32_empty_at_home_or_without_a_facility(changes: dict[str, object]) -> None:
    (page,) = cms1500.pages(therapy_claim(**changes), FACTS)
    assert page.text("32") == "" and page.text("32a") == ""
