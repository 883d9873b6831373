"""The loops of an 837P (005010X222A1), one function each, claim document in, segments out.

Each function writes its loop's segments into a ``Segments`` buffer and refuses, with a
``TherabillError`` naming the document field, any value the 837P needs but the claim lacks.
Segment order and situational rules follow the ASC X12 005010X222A1 implementation guide
(loop numbers in the function names); the comments quote the rule being applied. Other
payers (2320-2330, 2430) are in ``cob``, service lines (2400) in ``service``.
"""

from __future__ import annotations

from decimal import Decimal

from therabill.claims.document import FREQUENCY_CODES, RELATIONSHIP_CODES, Claim
from therabill.errors import InvalidInput
from therabill.x12.claim_837p.cob import insurance_type, other_payer
from therabill.x12.claim_837p.common import (
    ICD_PATTERN,
    MAX_DIAGNOSES,
    MAX_LINES,
    PLACES,
    RESPONSIBILITY,
    SELF,
    claim_filing_code,
    missing,
    npi,
    person_name,
)
from therabill.x12.claim_837p.places import (
    address,
    billing_address_problem,
    pay_to_address,
    write_pay_to,
    write_service_facility,
)
from therabill.x12.claim_837p.service import service_lines
from therabill.x12.clearinghouse import Clearinghouse
from therabill.x12.writer import Segments, Values, date8

__all__ = ["BillingKey", "billing_address_problem", "billing_key", "missing"]


def submitter_and_receiver(seg: Segments, v: Values, profile: Clearinghouse) -> None:
    """1000A submitter (NM1*41, PER*IC) and 1000B receiver (NM1*40)."""
    s, r = profile.submitter, profile.receiver
    seg.add(
        "NM1", "41", "2", v.text(s.name, "submitter.name", max_length=60),
        "", "", "", "", "46", v.ident(s.id, "submitter.id", max_length=80, min_length=2),
    )  # fmt: skip
    contact = ["PER", "IC", v.text(s.contact, "submitter.contact", max_length=60)]
    if s.phone:
        contact += ["TE", s.phone]
    if s.email:
        contact += ["EM", v.ident(s.email, "submitter.email", max_length=256)]
    if len(contact) == 3:
        raise InvalidInput("a phone or an email is needed (PER*IC)", field="submitter.phone")
    seg.add(*contact)
    seg.add(
        "NM1", "40", "2", v.text(r.name, "receiver.name", max_length=60),
        "", "", "", "", "46", v.ident(r.id, "receiver.id", max_length=80, min_length=2),
    )  # fmt: skip


def billing_provider(seg: Segments, v: Values, claim: Claim, hl: int, taxonomy: str | None) -> None:
    """2000A billing provider level (HL*20, PRV*BI), 2010AA name, address and EIN, and
    2010AB pay-to address when payments go elsewhere."""
    bp = claim.billing_provider
    if bp is None:
        raise missing("billing_provider", "an 837P names who bills (loop 2010AA)")
    if not bp.tax_id:
        raise missing("billing_provider.tax_id", "an 837P needs the billing EIN (REF*EI)")
    if bp.address is None:
        raise missing("billing_provider.address", "an 837P needs its street address")
    tax_id = bp.tax_id.replace("-", "")
    if not (len(tax_id) == 9 and tax_id.isascii() and tax_id.isdigit()):
        raise InvalidInput(f"{bp.tax_id!r} is not a 9-digit EIN", field="billing_provider.tax_id")
    seg.add("HL", str(hl), "", "20", "1")
    if taxonomy:
        seg.add("PRV", "BI", "PXC", v.ident(taxonomy, "provider.taxonomy", max_length=50))
    seg.add(
        "NM1", "85", "2", v.text(bp.name, "billing_provider.name", max_length=60),
        "", "", "", "", "XX", npi(bp.npi, "billing_provider.npi"),
    )  # fmt: skip
    address(seg, v, bp.address, "billing_provider.address", zip9=True)
    seg.add("REF", "EI", tax_id)
    write_pay_to(seg, v, claim)


BillingKey = tuple[str, str, str, str, str, str, str]


def billing_key(claim: Claim) -> BillingKey | None:
    """Claims sharing this key share one 2000A loop: the billing provider (by value, not
    object identity) and, when it is also the rendering provider, its taxonomy."""
    bp = claim.billing_provider
    if bp is None:
        return None
    provider = claim.provider
    taxonomy = (provider.taxonomy or "") if bp.npi == provider.npi else ""
    addr = bp.address
    where = (addr.line1, addr.zip) if addr is not None else ("", "")
    pay_to = pay_to_address(claim)
    paid_at = pay_to.model_dump_json() if pay_to is not None else ""
    return bp.npi, bp.name, bp.tax_id or "", *where, paid_at, taxonomy


# --- subscriber and patient -------------------------------------------------------------------


def own_responsibility(claim: Claim) -> str:
    """SBR01 for the claim's payer: the first of P/S/T no other payer takes."""
    taken = {RESPONSIBILITY[o.responsibility] for o in claim.other_payers}
    for code in ("P", "S", "T"):
        if code not in taken:
            return code
    raise InvalidInput(
        "primary, secondary and tertiary are all taken by other payers",
        field="other_payers",
    )


def names(v: Values, last: str, first: str, field: str) -> tuple[str, str]:
    """NM103/NM104 of a person (at most 60 and 35 characters), from the cache when seen."""
    texts = v.texts
    last_text = texts.get(last)
    if not last_text or len(last_text) > 60:
        last_text = v.text(last, f"{field}.last_name", 60)
    first_text = texts.get(first)
    if not first_text or len(first_text) > 35:
        first_text = v.text(first, f"{field}.first_name", 35)
    return last_text, first_text


def subscriber(seg: Segments, v: Values, claim: Claim, hl: int, parent: int) -> None:
    """2000B (HL*22, SBR), 2010BA subscriber and 2010BB payer."""
    client, sub, payer = claim.client, claim.subscriber, claim.payer
    e, t = seg.element, seg.terminator
    if not payer.payer_id:
        raise missing("payer.payer_id", "the 837P names the payer by its EDI id (2010BB)")
    if not payer.name:
        raise missing("payer.name", "the 837P names the payer (2010BB NM103)")
    sbr01 = own_responsibility(claim) if claim.other_payers else "P"
    payer_key = ("2010BB", payer.id, payer.name, payer.payer_id)
    payer_text = v.memo.get(payer_key)
    if payer_text is None:
        name = v.text(payer.name, "payer.name", 60)
        payer_id = v.ident(payer.payer_id, "payer.payer_id", 80, 2)
        payer_text = f"{claim_filing_code(payer.id)}{e}NM1{e}PR{e}2{e}{name}{e}{e}{e}{e}{e}PI{e}{payer_id}{t}"
        v.remember(payer_key, payer_text)
    filing, _, payer_segment = payer_text.partition(e)
    sbr05 = insurance_type(claim, filing, sbr01)
    if sub is None:
        if not client.member_id:
            raise missing("client.member_id", "the insured's member id goes in 2010BA")
        last, first = names(v, client.last_name, client.first_name, "client")
        member = v.ident(client.member_id, "client.member_id", 80, 2)
        seg.parts.append(
            f"HL{e}{hl}{e}{parent}{e}22{e}0{t}"
            f"SBR{e}{sbr01}{e}{SELF}{e}{e}{e}{sbr05}{e}{e}{e}{e}{filing}{t}"
            f"NM1{e}IL{e}1{e}{last}{e}{first}{e}{e}{e}{e}MI{e}{member}{t}"
        )
        seg.count += 3
        # N3/N4 and DMG: "Required when the patient is the subscriber".
        if client.address is None:
            raise missing("client.address", "the patient's address is required")
        address(seg, v, client.address, "client.address")
        if client.sex is None:
            raise missing("client.sex", "the patient's sex is required (DMG03: F, M or U)")
        seg.parts.append(f"DMG{e}D8{e}{v.date8(client.birth_date)}{e}{client.sex}{t}")
        seg.count += 1
    else:
        member_id = sub.member_id or client.member_id
        if not member_id:
            raise missing("subscriber.member_id", "the insured's member id goes in 2010BA")
        last, first = names(v, sub.last_name, sub.first_name, "subscriber")
        member = v.ident(member_id, "subscriber.member_id", 80, 2)
        seg.parts.append(
            f"HL{e}{hl}{e}{parent}{e}22{e}1{t}"
            f"SBR{e}{sbr01}{e}{e}{e}{e}{sbr05}{e}{e}{e}{e}{filing}{t}"
            f"NM1{e}IL{e}1{e}{last}{e}{first}{e}{e}{e}{e}MI{e}{member}{t}"
        )
        seg.count += 3
        # No N3/N4 or DMG for a dependant's subscriber: "Required when the patient is the
        # subscriber. If not required by this implementation guide, do not send." (2010BA)
    seg.parts.append(payer_segment)
    seg.count += 1
    # 2010BB N3/N4 Payer Address: "Required when the payer address is available and the
    # submitter intends for the claim to be printed on paper at the next EDI location (for
    # example, a clearinghouse)" (005010X222A1). The practice keeps a payer's address for its
    # paper claims, so one on file is sent: a clearinghouse that drops the claim to paper
    # prints the carrier block from it.
    if payer.address is not None:
        address(seg, v, payer.address, "payer.address")


def patient(seg: Segments, v: Values, claim: Claim, hl: int, parent: int) -> None:
    """2000C (HL*23, PAT) and 2010CA: the patient when not the subscriber."""
    client, sub = claim.client, claim.subscriber
    assert sub is not None
    seg.add("HL", str(hl), str(parent), "23", "0")
    seg.add("PAT", RELATIONSHIP_CODES[sub.relationship])
    seg.add(
        "NM1", "QC", "1", v.text(client.last_name, "client.last_name", max_length=60),
        v.text(client.first_name, "client.first_name", max_length=35),
    )  # fmt: skip
    if client.address is None:
        raise missing("client.address", "the patient's address is required (2010CA)")
    address(seg, v, client.address, "client.address")
    if client.sex is None:
        raise missing("client.sex", "the patient's sex is required (DMG03: F, M or U)")
    seg.add("DMG", "D8", date8(client.birth_date), client.sex)


# --- claim ------------------------------------------------------------------------------------


def claim_information(seg: Segments, v: Values, claim: Claim) -> None:
    """2300 claim, 2310A referring and 2310B rendering provider, 2310C service facility,
    2320/2330 other payers, 2400 service lines."""
    lines = claim.lines
    if len(lines) > MAX_LINES:
        raise InvalidInput(
            f"{len(lines)} service lines; an 837P claim holds at most {MAX_LINES}", field="lines"
        )
    total = Decimal(0)
    for line in lines:
        total += line.charge
    frequency = FREQUENCY_CODES[claim.frequency]
    pos = claim.place_of_service
    if pos not in PLACES:
        raise InvalidInput(f"{pos!r} is not a place of service code", field="place_of_service")
    e, c, t = seg.element, v.delimiters.component, seg.terminator
    # CLM06-09: provider signature on file, assignment accepted, benefits assigned, release
    # of information signed (Y); the practice's intake paperwork covers these.
    seg.parts.append(
        f"CLM{e}{v.ident(claim.claim_id, 'claim_id', 38)}{e}{v.money(total, 'lines.charge')}{e}{e}"
        f"{e}{pos}{c}B{c}{frequency}{e}Y{e}A{e}Y{e}Y{t}"
    )
    seg.count += 1
    if claim.authorization is not None:
        number = claim.authorization.number
        seg.add("REF", "G1", v.ident(number, "authorization.number", max_length=50))
    if frequency != "1":
        # REF*F8: "Required when CLM05-3 (Claim Frequency Code) indicates this claim is a
        # replacement or void to a previously adjudicated claim."
        if not claim.original_claim_id:
            raise missing(
                "original_claim_id", f"a {claim.frequency} claim names the claim it replaces"
            )
        seg.add("REF", "F8", v.ident(claim.original_claim_id, "original_claim_id", max_length=50))
    diagnoses(seg, v, claim)
    referring_provider(seg, v, claim)
    rendering_provider(seg, v, claim)
    write_service_facility(seg, v, claim)
    for index, other in enumerate(claim.other_payers):
        other_payer(seg, v, claim, other, f"other_payers[{index}]", total)
    service_lines(seg, v, claim)


def diagnoses(seg: Segments, v: Values, claim: Claim) -> None:
    """HI: ABK principal diagnosis, then ABF for the others (ICD-10-CM without the dot)."""
    dx = claim.diagnoses
    if not dx:
        raise missing("diagnoses", "an 837P claim needs at least one diagnosis")
    if len(dx) > MAX_DIAGNOSES:
        raise InvalidInput(
            f"{len(dx)} diagnoses; an 837P claim holds at most {MAX_DIAGNOSES}",
            field="diagnoses",
        )
    key = ("HI", *dx)
    text = v.memo.get(key)
    if text is None:
        e, c = seg.element, v.delimiters.component
        text = "HI"
        qualifier = "ABK"
        for index, code in enumerate(dx):
            compact = code.replace(".", "")
            if not ICD_PATTERN.fullmatch(compact):
                raise InvalidInput(
                    f"{code!r} is not an ICD-10-CM code", field=f"diagnoses[{index}]"
                )
            text += f"{e}{qualifier}{c}{compact}"
            qualifier = "ABF"
        text = v.remember(key, text + seg.terminator)
    seg.parts.append(text)
    seg.count += 1


def referring_provider(seg: Segments, v: Values, claim: Claim) -> None:
    """2310A: "Required when this claim involves a referral." For outpatient therapy the
    physician/NPP who certified the plan of care (NM101 DN; X222A1 also allows P3, primary
    care provider); Medicare edits this NPI (Noridian JE, certifying physician)."""
    referring = claim.referring_provider
    if referring is None:
        return
    seg.add(
        "NM1", "DN", "1",
        v.text(referring.last_name, "referring_provider.last_name", max_length=60),
        v.text(referring.first_name, "referring_provider.first_name", max_length=35),
        "", "", "", "XX", npi(referring.npi, "referring_provider.npi"),
    )  # fmt: skip


def rendering_provider(seg: Segments, v: Values, claim: Claim) -> None:
    """2310B: "Required when the Rendering Provider NM1 information is different than that
    carried in the Loop ID-2010AA Billing Provider." """
    provider = claim.provider
    bp = claim.billing_provider
    if bp is not None and provider.npi == bp.npi:
        return
    key = ("2310B", provider.npi, provider.name, provider.taxonomy)
    text = v.memo.get(key)
    if text is None:
        text = v.remember(key, _rendering_provider_text(seg, v, claim))
    seg.parts.append(text)
    seg.count += 2 if provider.taxonomy else 1


def _rendering_provider_text(seg: Segments, v: Values, claim: Claim) -> str:
    provider = claim.provider
    e, t = seg.element, seg.terminator
    last, first = person_name(provider.name)
    last = v.text(last, "provider.name", max_length=60)
    first = v.text(first, "provider.name", max_length=35, min_length=0)
    text = f"NM1{e}82{e}1{e}{last}{e}{first}{e}{e}{e}{e}XX{e}{npi(provider.npi, 'provider.npi')}{t}"
    if provider.taxonomy:
        taxonomy = v.ident(provider.taxonomy, "provider.taxonomy", max_length=50)
        text += f"PRV{e}PE{e}PXC{e}{taxonomy}{t}"
    return text
