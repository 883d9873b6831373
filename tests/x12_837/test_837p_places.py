"""Pay-to address (2010AB) and service facility (2310C): sent when, and only when, the
005010X222A1 situational rules ask for them; pyx12 accepts every file."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from helpers_837 import BILLING, CREATED, claim, profile, pyx12_errors
from therabill.claims.document import Claim
from therabill.errors import InvalidInput
from therabill.x12.claim_837p import render_837p
from therabill.x12.claim_837p.places import same_place, service_facility_sent

SCHOOL = {
    "name": "Lincoln Elementary School",
    "address": {"line1": "40 School St", "city": "Portland", "state": "ME", "zip": "04103"},
}
LOCK_BOX = {"line1": "PO Box 4410", "city": "Portland", "state": "ME", "zip": "04112"}


def write(*claims: Claim) -> str:
    return render_837p(
        claims,
        profile=profile(),
        interchange=1,
        group=1,
        transactions=itertools.count(1),
        created=CREATED,
    )


def segments(text: str, start: str) -> list[str]:
    return [s for s in text.split("~\n") if s.startswith(start)]


@pytest.mark.parametrize(
    ("place", "facility", "sent"),
    [
        ("03", SCHOOL, True),
        ("11", SCHOOL, True),
        # the patient's home: "If rendered at a patient's home the loop is not used" (RFI 423)
        ("12", SCHOOL, False),
        # the billing provider's own address, written otherwise: not "different" (RFI 2810)
        (
            "11",
            {
                "name": "Main office",
                "address": {**BILLING["address"], "line1": "100  harbour st", "zip": "04101"},
            },
            False,
        ),
    ],
    ids=["school", "office-elsewhere", "home", "billing-address"],
)
def test_service_facility_only_where_the_guide_asks(
    place: str, facility: dict[str, Any], sent: bool
) -> None:
    doc = claim(place_of_service=place, service_facility=facility)
    assert service_facility_sent(doc) is sent
    text = write(doc)
    assert pyx12_errors(text) == []
    expected = ["NM1*77*2*LINCOLN ELEMENTARY SCHOOL"] if sent else []
    assert segments(text, "NM1*77") == expected  # no NPI: NM108/NM109 left out


def test_pay_to_address_only_when_payments_go_elsewhere() -> None:
    same = claim(billing_provider={**BILLING, "pay_to_address": BILLING["address"]})
    elsewhere = claim(claim_id="C-2", billing_provider={**BILLING, "pay_to_address": LOCK_BOX})
    text = write(same, elsewhere)
    assert pyx12_errors(text) == []
    # two billing provider loops: the pay-to address belongs to the 2000A it follows
    assert len(segments(text, "HL*")) == 4 and segments(text, "NM1*87") == ["NM1*87*2"]
    assert "N3*PO BOX 4410" in text


def test_a_box_is_refused_as_billing_address_but_not_as_pay_to() -> None:
    boxed = claim(billing_provider={**BILLING, "address": {**LOCK_BOX, "zip": "04112-4410"}})
    with pytest.raises(InvalidInput) as caught:
        write(boxed)
    assert caught.value.field == "billing_provider.address.line1"
    assert "pay-to address" in caught.value.message


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ({"zip": "04101-1234"}, {"zip": "04101"}, True),
        ({"city": "Portland"}, {"city": " PORTLAND "}, True),
        ({"line1": "1 A St"}, {"line1": "2 A St"}, False),
        ({"state": "ME"}, {"state": "NH"}, False),
    ],
)
def test_same_place(a: dict[str, str], b: dict[str, str], same: bool) -> None:
    from therabill.claims.document import Address

    base = {"line1": "1 A St", "city": "Portland", "state": "ME", "zip": "04101"}
    assert same_place(Address(**{**base, **a}), Address(**{**base, **b})) is same


def test_the_payers_address_follows_its_name_when_on_file() -> None:
    """2010BB N3/N4: "Required when the payer address is available and the submitter intends
    for the claim to be printed on paper at the next EDI location" (005010X222A1): a payer's
    mailing address is kept for paper claims, so one on file is sent; none, nothing."""
    mailing = {"line1": "PO Box 14079", "city": "Lexington", "state": "KY", "zip": "40512-4079"}
    payer = {"id": "COMMERCIAL", "name": "Acme Health Plan", "payer_id": "60054"}
    with_address = claim(payer={**payer, "address": mailing})
    text = write(with_address)
    assert pyx12_errors(text) == []
    after = text.split("NM1*PR*2*ACME HEALTH PLAN*****PI*60054~\n")[1].split("~\n")[:2]
    assert after == ["N3*PO BOX 14079", "N4*LEXINGTON*KY*405124079"]
    without = write(claim(payer=payer))
    assert "N3*PO BOX 14079" not in without
    assert without.split("NM1*PR*")[1].split("~\n")[1].startswith(("CLM*", "HL*"))


def test_the_other_payers_address_follows_its_name_when_on_file() -> None:
    """2330B N3/N4, the other payer's address, has the same rule as 2010BB: "Required when
    the payer address is available and the submitter intends for the claim to be printed on
    paper at the next EDI location" (005010X222A1); it comes after 2330B NM1, before DTP."""
    mailing = {"line1": "PO Box 6703", "city": "Fargo", "state": "ND", "zip": "58108-6703"}
    primary = {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"}
    other = {"payer": {**primary, "address": mailing}, "member_id": "1EG4TE5MK73"}
    text = write(claim(other_payers=[other]))
    assert pyx12_errors(text) == []
    after = text.split("NM1*PR*2*MEDICARE PART B*****PI*04111~\n")[1].split("~\n")[:2]
    assert after == ["N3*PO BOX 6703", "N4*FARGO*ND*581086703"]
    without = write(claim(other_payers=[{**other, "payer": primary}]))
    assert pyx12_errors(without) == []
    assert "N3*PO BOX 6703" not in without
