"""Where the practice is paid and where the services were given: the pay-to address (loop
2010AB) and the service facility location (loop 2310C) of an 837P (005010X222A1).

Each loop is sent only when its address differs from the billing provider's (2010AA): the
guide's situational rules say so, and "If not required by this implementation guide, do not
send." Addresses are compared as a payer would (case, spaces and ZIP+4 ignored: X12 RFI 2810
leaves "different" to the payer and allows that much normalisation).
"""

from __future__ import annotations

import functools
import re

from therabill.claims.document import Address, Claim
from therabill.errors import InvalidInput
from therabill.x12.claim_837p.common import npi
from therabill.x12.writer import Segments, Values

_PO_BOX = re.compile(r"\s*(?:P\.?\s*O\.?\s*BOX|POST\s+OFFICE\s+BOX|LOCK\s*BOX)\b", re.IGNORECASE)


@functools.cache
def _address_fields(field: str) -> tuple[str, str, str, str]:
    return f"{field}.line1", f"{field}.line2", f"{field}.city", f"{field}.zip"


def billing_address_problem(addr: Address) -> tuple[str, str] | None:
    """Why an address cannot be the billing provider's, as (field under the address, message).

    The billing provider's address is a street address with the full nine-digit ZIP
    (005010X222A1 loop 2010AA N301/N403 notes; restated for payers in e.g. BCBSTX, "Important
    v5010 reminders for electronic claim submitters", 2012-03-16). The scrubber asks the same
    question, so a claim it passes is one this writer accepts.
    """
    if _PO_BOX.match(addr.line1):
        return "line1", (
            f"{addr.line1!r} is a post office or lock box; the billing provider's address must"
            " be a street address (a box belongs in the pay-to address)"
        )
    digits = addr.zip.replace("-", "") if len(addr.zip) == 10 else addr.zip
    if digits.isascii() and digits.isdigit() and len(digits) == 5:
        return "zip", (
            f"{addr.zip!r} has 5 digits; the billing provider's ZIP must be ZIP+4 (9 digits)"
        )
    return None


def address(seg: Segments, v: Values, addr: Address, field: str, *, zip9: bool = False) -> None:
    """N3/N4. ``zip9``: the billing provider's address (see ``billing_address_problem``)."""
    line1_field, line2_field, city_field, zip_field = _address_fields(field)
    problem = billing_address_problem(addr) if zip9 else None
    if problem is not None and problem[0] == "line1":
        raise InvalidInput(problem[1], field=line1_field)
    zip_code = addr.zip
    if len(zip_code) == 10:
        zip_code = zip_code.replace("-", "")
    if not (zip_code.isascii() and zip_code.isdigit() and len(zip_code) in (5, 9)):
        raise InvalidInput(f"{addr.zip!r} is not a US ZIP code", field=zip_field)
    if problem is not None:
        raise InvalidInput(problem[1], field=zip_field)
    e, t = seg.element, seg.terminator
    line1 = v.text(addr.line1, line1_field, 55)
    if addr.line2:
        line1 = f"{line1}{e}{v.text(addr.line2, line2_field, 55)}"
    city = v.text(addr.city, city_field, 30, 2)
    seg.parts.append(f"N3{e}{line1}{t}N4{e}{city}{e}{addr.state}{e}{zip_code}{t}")
    seg.count += 2


# CLM05-1 place of service 12, Home (CMS place of service code set): the patient's home.
HOME = "12"


def same_place(a: Address, b: Address) -> bool:
    """True when two addresses name the same place (letter case, repeated spaces, a
    hyphen in the ZIP and its +4 part ignored)."""

    def key(addr: Address) -> tuple[str, ...]:
        def norm(text: str | None) -> str:
            return " ".join((text or "").upper().split())

        return norm(addr.line1), norm(addr.line2), norm(addr.city), addr.state.upper(), addr.zip[:5]

    return key(a) == key(b)


def pay_to_address(claim: Claim) -> Address | None:
    """The 2010AB address, or None: "Required when the address for payment is different than
    that of the Billing Provider." (005010X222A1 loop 2010AB NM1). A post office or lock
    box is allowed here, unlike in 2010AA."""
    bp = claim.billing_provider
    if bp is None or bp.pay_to_address is None:
        return None
    if bp.address is not None and same_place(bp.pay_to_address, bp.address):
        return None
    return bp.pay_to_address


def write_pay_to(seg: Segments, v: Values, claim: Claim) -> None:
    """2010AB pay-to address: NM1*87 (a non-person entity), N3, N4."""
    where = pay_to_address(claim)
    if where is None:
        return
    seg.add("NM1", "87", "2")
    address(seg, v, where, "billing_provider.pay_to_address")


def service_facility_sent(claim: Claim) -> bool:
    """Whether the claim's service facility goes in loop 2310C (and CMS-1500 box 32).

    - "Required when the location of health care service is different than that carried in
      Loop ID-2010AA (Billing Provider)" (005010X222A1 loop 2310C NM1; quoted in X12 RFI
      2810): not sent when the facility is the billing provider's own address.
    - Not for services in the patient's home (place of service 12): "If rendered at a
      patient's home the loop is not used", and a payer cannot require it then (X12 RFI 423,
      the professional claim's service facility loop); Medicare asks for the service
      location "for all services other than those furnished in place of service home – 12"
      (CMS Pub 100-04 ch. 26 §10.7, Item 32).
    """
    facility = claim.service_facility
    if facility is None or claim.place_of_service == HOME:
        return False
    bp = claim.billing_provider
    return not (
        bp is not None and bp.address is not None and same_place(facility.address, bp.address)
    )


def write_service_facility(seg: Segments, v: Values, claim: Claim) -> None:
    """2310C service facility location: NM1*77 with its NPI when it has one (NM108/NM109
    "Required when the service location has been assigned an NPI"), N3, N4."""
    facility = claim.service_facility
    if facility is None or not service_facility_sent(claim):
        return
    name = v.text(facility.name, "service_facility.name", max_length=60)
    if facility.npi:
        seg.add(
            "NM1", "77", "2", name, "", "", "", "", "XX", npi(facility.npi, "service_facility.npi")
        )
    else:
        seg.add("NM1", "77", "2", name)
    address(seg, v, facility.address, "service_facility.address")
