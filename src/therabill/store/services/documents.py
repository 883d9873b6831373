"""A stored claim as the claim document (``therabill.claims.Claim``): the one shape the
scrubber, the 837P writer and the CMS-1500 take."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from therabill import claims as doc
from therabill.claims.number import claim_number
from therabill.money import to_decimal
from therabill.store.models import (
    Authorization,
    ClaimRecord,
    Client,
    Payer,
    Policy,
    Practice,
    Provider,
    ServiceLocation,
    TherapySession,
)
from therabill.store.services.drafts import DraftClaim, SessionRow

SUBSCRIBER_RELATIONSHIPS = {"spouse": "spouse", "child": "child", "other": "other"}
Part = TypeVar("Part")
# the document's parts a build makes once per client, policy, payer, provider, practice and
# place of service (frozen models: every claim of the build shares them), by kind and id
PartsMemo = dict[tuple[Any, ...], Any]


def icd_with_dot(code: str) -> str:
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 and "." not in code else code


def _address(
    line1: str | None, city: str | None, state: str | None, zip_code: str | None
) -> doc.Address | None:
    if not (line1 and city and state and zip_code):
        return None
    return doc.Address(line1=line1, city=city, state=state, zip=zip_code)


def claim_document(
    *,
    claim: ClaimRecord | DraftClaim,
    client: Client,
    payer: Payer,
    policy: Policy,
    provider: Provider,
    practice: Practice | None,
    sessions: Sequence[TherapySession | SessionRow],
    diagnoses: list[str],
    authorization: Authorization | None,
    units_remaining: int | None,
    same_day_services: list[doc.SameDayService] | None = None,
    parts: PartsMemo | None = None,
) -> doc.Claim:
    """The claim document of ``claim`` with its lines, saved or a draft not saved yet (the
    live check's; numbered ``TB00000000``). Raises pydantic's ``ValidationError`` for a
    detail the document cannot hold (the build skips that claim with the reason).

    ``parts``: where a build keeps the parts that depend only on the client and policy, the
    payer, the provider, the practice and the place of service, made (and validated) once
    for all its claims instead of once per claim; the documents are the same."""

    def part(key: tuple[Any, ...], make: Callable[[], Part]) -> Part:
        if parts is None:
            return make()
        if key not in parts:
            parts[key] = make()  # a part that cannot be made raises, and is not kept
        return parts[key]  # type: ignore[no-any-return]

    client_doc = part(("client", client.id, policy.id), lambda: _client(client, policy))
    subscriber = part(("subscriber", policy.id), lambda: _subscriber(policy))
    billing = part(("billing", practice.id if practice else None), lambda: _billing(practice))
    first = sessions[0]
    where = first.service_location
    facility = part(("facility", where.id if where else None), lambda: _facility(where))
    techniques = [t for s in sessions if s.techniques for t in s.techniques.split("\n")]
    notes = "\n\n".join(s.note for s in sessions if s.note)
    auth_doc = None
    if authorization is not None:
        auth_doc = doc.Authorization(
            number=authorization.number,
            codes=authorization.code_list(),
            units_remaining=max(units_remaining, 0) if units_remaining is not None else None,
            start=authorization.start_date,
            end=authorization.end_date,
        )
    return doc.Claim(
        claim_id=claim_number(claim.id or 0),  # 0: a claim not saved yet (live check)
        frequency=doc.frequency_of(claim.frequency_code),
        original_claim_id=claim.reference_claim_number if claim.frequency_code != "1" else None,
        payer=part(("payer", payer.id), lambda: _payer(payer)),
        provider=part(("provider", provider.id), lambda: _provider(provider)),
        billing_provider=billing,
        client=client_doc,
        subscriber=subscriber,
        diagnoses=[icd_with_dot(d) for d in diagnoses],
        authorization=auth_doc,
        place_of_service=first.place_of_service,
        lines=[
            doc.ServiceLine(
                date=line.date_of_service,
                code=line.code,
                modifiers=[m for m in line.modifiers.split(",") if m],
                minutes=line.minutes or None,
                units=line.units,
                diagnosis_pointers=[int(p) for p in line.diagnosis_pointers.split(",") if p],
                charge=to_decimal(line.charge_cents),
                control_number=line.control_number,
            )
            for line in claim.lines
        ],
        session=doc.Session(
            start=first.start_time,
            end=sessions[-1].end_time,
            techniques=techniques[:50],
            note=notes[:100_000] or None,
        ),
        same_day_services=same_day_services or None,
        service_facility=facility,
    )


def _client(client: Client, policy: Policy) -> doc.Client:
    return doc.Client(
        id=str(client.id),
        first_name=client.first_name,
        last_name=client.last_name,
        birth_date=client.birth_date,
        member_id=policy.member_id if policy.relationship_to_subscriber == "self" else None,
        sex=client.sex if client.sex in ("F", "M", "U") else None,
        address=_address(client.address, client.city, client.state, client.postal_code),
    )


def _subscriber(policy: Policy) -> doc.Subscriber | None:
    if policy.relationship_to_subscriber == "self":
        return None
    return doc.Subscriber(
        first_name=policy.subscriber_first_name or "",
        last_name=policy.subscriber_last_name or "",
        relationship=SUBSCRIBER_RELATIONSHIPS.get(policy.relationship_to_subscriber, "other"),
        member_id=policy.member_id,
        birth_date=policy.subscriber_birth_date,
        sex=policy.subscriber_sex if policy.subscriber_sex in ("F", "M", "U") else None,
        address=_address(
            policy.subscriber_address,
            policy.subscriber_city,
            policy.subscriber_state,
            policy.subscriber_postal_code,
        ),
    )


def _billing(practice: Practice | None) -> doc.BillingProvider | None:
    if practice is None or not practice.npi:
        return None
    return doc.BillingProvider(
        npi=practice.npi,
        name=practice.name,
        tax_id=practice.tax_id,
        address=_address(practice.address, practice.city, practice.state, practice.postal_code),
        pay_to_address=_address(
            practice.pay_to_address,
            practice.pay_to_city,
            practice.pay_to_state,
            practice.pay_to_postal_code,
        ),
    )


def _facility(where: ServiceLocation | None) -> doc.ServiceFacility | None:
    if where is None:
        return None
    return doc.ServiceFacility(
        name=where.name,
        npi=where.npi,
        address=doc.Address(
            line1=where.address, city=where.city, state=where.state, zip=where.postal_code
        ),
    )


def _payer(payer: Payer) -> doc.Payer:
    return doc.Payer(
        id=payer.profile_id,
        name=payer.name[:120],
        payer_id=payer.payer_id,
        address=payer_address(payer),
    )


def _provider(provider: Provider) -> doc.Provider:
    return doc.Provider(
        npi=provider.npi,
        name=f"{provider.first_name} {provider.last_name}",
        discipline=provider.discipline,
        taxonomy=provider.taxonomy,
    )


def payer_address(payer: Payer) -> doc.Address | None:
    """The payer's mailing address for paper claims, when one is on file whole (street, city,
    state, ZIP); a partial or malformed one is left out rather than stop the claim."""
    if not (payer.address and payer.city and payer.state and payer.postal_code):
        return None
    try:
        return doc.Address(
            line1=payer.address, line2=payer.address2 or None, city=payer.city,
            state=payer.state, zip=payer.postal_code,
        )  # fmt: skip
    except ValidationError:
        return None
