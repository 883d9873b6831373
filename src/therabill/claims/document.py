"""The claim document: one client, one payer, one or more service lines, as JSON.

The shape the claim scrubber reads, plus the fields an 837P needs:
``billing_provider``, ``client.sex``, ``client.address``, ``payer.payer_id`` and
``subscriber``. The 837-only fields are optional here: the scrubber reports their absence as
findings (rule family ``submission``), the 837P writer refuses a claim that lacks them.

The model checks *shape* (types, formats, ranges): input that breaks it cannot be read as a
claim and becomes a ``TherabillError`` naming the field. Whether the content is *billable*
(NPI check digit, code active, units supported by minutes …) is the scrubber's job.

Money is ``Decimal`` and travels as a JSON string ("120.00"); a JSON number with a fraction is
refused, because binary floats do not hold cents exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from therabill.errors import InvalidInput
from therabill.identifiers.us_state import states
from therabill.money import AMOUNT_PATTERN, parse_amount

Discipline = Literal["massage", "music", "ot", "pt", "slp", "behavioral", "at"]
Frequency = Literal["original", "corrected", "void"]
Sex = Literal["F", "M", "U"]
Relationship = Literal[
    "spouse",
    "child",
    "employee",
    "life_partner",
    "organ_donor",
    "cadaver_donor",
    "other",
    "unknown",
]

# CLM05-3 claim frequency type code (837P 005010X222A1, NUBC frequency codes).
FREQUENCY_CODES: dict[str, str] = {"original": "1", "corrected": "7", "void": "8"}


def frequency_of(code: str) -> Frequency:
    """The document's frequency for a CLM05-3 code ("1", "7", "8"); refuses any other."""
    names: dict[str, Frequency] = {"1": "original", "7": "corrected", "8": "void"}
    if code in names:
        return names[code]
    raise InvalidInput(f"{code!r} is not a claim frequency code (1, 7 or 8)", field="frequency")


# Patient's relationship to the subscriber: 837P PAT01 / SBR02 individual relationship codes.
RELATIONSHIP_CODES: dict[str, str] = {
    "spouse": "01",
    "child": "19",
    "employee": "20",
    "unknown": "21",
    "organ_donor": "39",
    "cadaver_donor": "40",
    "life_partner": "53",
    "other": "G8",
}

MAX_MINUTES = 1440  # a day
MAX_UNITS = 9999


def _money(value: Any) -> Any:
    """Accept "120.00", 120 or a Decimal; refuse floats and booleans (cents must be exact)."""
    if isinstance(value, bool | float):
        raise ValueError('money must be a string such as "120.00", not a number with a fraction')
    if isinstance(value, str):
        try:
            return parse_amount(value.strip(), field="money")
        except InvalidInput as exc:
            raise ValueError(exc.message) from None  # pydantic reports ValueErrors by path
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0, max_digits=11, decimal_places=2),
    WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["120.00"]}),
]


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


UPPER = StringConstraints(strip_whitespace=True, to_upper=True)  # in pydantic-core: fast
Code = Annotated[str, UPPER, Field(min_length=1, max_length=48)]
Name = Annotated[str, Field(min_length=1, max_length=120)]
Text = Annotated[str, Field(max_length=120)]


class Document(BaseModel):
    """Base of every part of the claim: unknown keys are refused (a typo is not ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _us_state(value: str) -> str:
    """One of the USPS abbreviations (Publication 28 Appendix B): N402 and the CMS-1500's
    state boxes; any two letters would reach a payer that refuses them."""
    if value not in states():
        raise ValueError(f"{value!r} is not a US state: use the USPS abbreviation (IL, NY, PR …)")
    return value


class Address(Document):
    """A postal address (837P N3/N4; CMS-1500 boxes 5, 7, 33)."""

    line1: Name
    line2: Text | None = None
    city: Name
    state: Annotated[str, UPPER, Field(pattern=r"^[A-Za-z]{2}$"), AfterValidator(_us_state)]
    zip: Annotated[str, Field(pattern=r"^\d{5}(-?\d{4})?$")]


class Payer(Document):
    """Who pays: ``id`` names the payer profile; ``payer_id`` is the payer's EDI id (837P)."""

    id: Annotated[str, UPPER, Field(min_length=1, max_length=60)]
    name: Text | None = None
    payer_id: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    # where the payer takes paper claims (CMS-1500 carrier block; 837P 2010BB N3/N4)
    address: Address | None = None


class Provider(Document):
    """The rendering provider: who gave the service, and under which licence."""

    npi: Annotated[str, Field(max_length=20)]
    name: Name
    discipline: Discipline
    taxonomy: Annotated[str, Field(max_length=20)] | None = None


class BillingProvider(Document):
    """The practice or provider that bills and is paid (837P loop 2010AA; CMS-1500 box 33).
    ``pay_to_address``: where payments go when not to ``address`` (837P loop 2010AB)."""

    npi: Annotated[str, Field(max_length=20)]
    name: Name
    tax_id: Annotated[str, Field(max_length=20)] | None = None
    address: Address | None = None
    pay_to_address: Address | None = None


class ServiceFacility(Document):
    """Where the services were given when that is not the billing provider's address: a
    school, a satellite office (837P loop 2310C; CMS-1500 box 32, its NPI in 32a)."""

    name: Name
    address: Address
    npi: Annotated[str, Field(max_length=20)] | None = None


class Client(Document):
    """The patient. ``member_id`` is the id on their insurance card."""

    id: Annotated[str, Field(min_length=1, max_length=60)]
    first_name: Name
    last_name: Name
    birth_date: dt.date
    member_id: Annotated[str, Field(max_length=80)] | None = None
    sex: Sex | None = None
    address: Address | None = None


class Subscriber(Document):
    """The insured person when it is not the client (a parent, a spouse).

    Absent when the client is the subscriber. ``relationship`` is the client's relationship
    to the subscriber (the client is the subscriber's ``child``, ``spouse`` …).
    """

    first_name: Name
    last_name: Name
    relationship: Relationship
    member_id: Annotated[str, Field(max_length=80)] | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None
    address: Address | None = None


class Authorization(Document):
    """Prior authorization from the payer or case manager: which codes, how many units, when.

    Empty ``codes`` means the authorization does not name codes (it covers the claim's codes).
    """

    number: Annotated[str, Field(min_length=1, max_length=60)]
    codes: list[Code] = Field(default_factory=list)
    units_remaining: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    start: dt.date | None = None
    end: dt.date | None = None


class ServiceLine(Document):
    """One billed service: code, modifiers, time, units, diagnosis pointers and charge.

    ``units`` may be absent: the scrubber then computes it from ``minutes`` under the payer's
    unit rule and reports the figure. ``diagnosis_pointers`` are 1-based positions in the
    claim's ``diagnoses``.
    """

    date: dt.date
    code: Code
    modifiers: list[Annotated[str, UPPER, Field(max_length=8)]] = Field(default_factory=list)
    minutes: Annotated[int, Field(ge=0, le=MAX_MINUTES)] | None = None
    units: Annotated[int, Field(ge=0, le=MAX_UNITS)] | None = None
    diagnosis_pointers: list[Annotated[int, Field(ge=1, le=99)]] = Field(default_factory=list)
    charge: Money
    # The line item control number (837P 2400 REF*6R, returned in the 835's 2110 REF*6R);
    # absent: the claim id, a dash and the line's position.
    control_number: Annotated[str, Field(min_length=1, max_length=50)] | None = None


class UnbilledTime(Document):
    """Timed minutes of a code the unit rule left without a unit on ``date``: not billed, but
    part of the day's total timed minutes, which decide the day's units under the CMS
    8-minute rule (CMS Pub 100-04 ch.5 §20.2: 7 + 7 + 7 minutes of three codes are 21
    minutes, one unit, billed on one of them). Without them a scrubber would see the billed
    line's 7 minutes alone and find its unit unsupported."""

    date: dt.date
    code: Code
    minutes: Annotated[int, Field(ge=1, le=MAX_MINUTES)]


class Session(Document):
    """What the note says about the encounter: clock times, techniques used, the note itself."""

    start: dt.time | None = None
    end: dt.time | None = None
    techniques: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list)
    note: Annotated[str, Field(max_length=100_000)] | None = None


class SameDayService(Document):
    """A service another discipline gave the same client on the claim's date (or ``date``)."""

    discipline: Discipline
    code: Code
    date: dt.date | None = None


# 837P SBR05 (X12 element 1336) when Medicare is not the primary payer (005010X222A1 2000B).
MedicareSecondaryType = Literal["12", "13", "14", "15", "16", "41", "42", "43", "47"]


class OtherPayerAdjustment(Document):
    """An adjustment another payer made to the claim or a line: group code, CARC reason,
    amount (CAS)."""

    group: Literal["CO", "PR", "OA", "PI"]
    reason: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,5}$"), BeforeValidator(_upper)]
    amount: Money


class OtherPayerLine(Document):
    """What another payer did with one service line (837P loop 2430, from its 835 SVC).

    ``line`` is the 1-based position in the claim's ``lines``; ``units`` the units it paid
    (default: the units billed).
    """

    line: Annotated[int, Field(ge=1, le=50)]
    paid: Money
    units: Annotated[int, Field(ge=0, le=MAX_UNITS)] | None = None
    adjustments: list[OtherPayerAdjustment] = Field(default_factory=list)
    # what the patient still owes on the line after this payer (2430 AMT*EAF)
    remaining_patient_liability: Money | None = None


class OtherPayer(Document):
    """Another payer covering the client (coordination of benefits; 837P loops 2320/2330).

    A claim to the secondary payer lists the primary here with what it paid and adjusted
    (from its 835): ``paid`` and ``adjustments`` for the claim, ``lines`` for what it did with
    each service line. ``subscriber`` is that policy's insured when not the client;
    ``member_id`` is the id on that policy.
    """

    payer: Payer
    responsibility: Literal["primary", "secondary", "tertiary"] = "primary"
    member_id: Annotated[str, Field(min_length=1, max_length=80)]
    subscriber: Subscriber | None = None
    paid: Money | None = None
    adjustments: list[OtherPayerAdjustment] = Field(default_factory=list)
    adjudication_date: dt.date | None = None
    lines: list[OtherPayerLine] = Field(default_factory=list)
    # what the patient still owes after this payer, its PR amounts (2320 AMT*EAF)
    remaining_patient_liability: Money | None = None


class TherapyAllowed(Document):
    """The client's Medicare allowed amounts so far in ``year`` for one KX threshold group
    (``pt_slp``: physical therapy and speech-language pathology together; ``ot``: occupational
    therapy), not counting this claim. The KX rule adds the claim's lines to it. The store
    fills it from posted 835s and the fee schedule (denied, closed and draft claims left out).
    """

    year: Annotated[int, Field(ge=2000, le=2100)]
    group: Literal["pt_slp", "ot"]
    allowed: Money


class ReferringProvider(Document):
    """The physician or NPP who referred the client and certified the therapy plan of care:
    837P loop 2310A (NM1*DN), CMS-1500 box 17 (qualifier DN) with the NPI in 17b.
    Name first and last as on the Medicare Ordering and Referring file (no middle initial)."""

    npi: Annotated[str, Field(max_length=20)]
    first_name: Name
    last_name: Name


class PlanOfCare(Document):
    """The therapy plan of care covering the claim's dates (CMS Pub 100-02 ch.15 §220.1):
    ``start`` the first treatment day, ``end`` the last certified day, ``certified`` the
    signature (or verbal order) date, absent while not back. ``treatment_days`` counts the
    treatment days since the last progress report (or the start), this claim's included
    (§220.3: a report at least once every 10 treatment days)."""

    discipline: Discipline
    start: dt.date
    end: dt.date
    certified: dt.date | None = None
    treatment_days: Annotated[int, Field(ge=0, le=100_000)] | None = None


class Claim(Document):
    """One claim document: one client, one payer, one or more service lines."""

    claim_id: Annotated[str, Field(min_length=1, max_length=38)]
    frequency: Frequency = "original"
    original_claim_id: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    payer: Payer
    provider: Provider
    billing_provider: BillingProvider | None = None
    client: Client
    subscriber: Subscriber | None = None
    diagnoses: list[Annotated[str, UPPER, Field(max_length=10)]] = Field(default_factory=list)
    authorization: Authorization | None = None
    place_of_service: Annotated[str, Field(pattern=r"^\d{2}$")]
    lines: Annotated[list[ServiceLine], Field(min_length=1)]
    # Minutes of the same days on codes that bill no unit (they are not sent to the payer).
    # Left out of the JSON when there is none (nearly every claim), so that a claim's stored
    # document and the API's answer read as before the field existed.
    unbilled_time: list[UnbilledTime] = Field(default_factory=list, exclude_if=lambda v: not v)
    session: Session | None = None
    same_day_services: list[SameDayService] | None = None
    other_payers: list[OtherPayer] = Field(default_factory=list)
    therapy_allowed_to_date: list[TherapyAllowed] = Field(default_factory=list)
    referring_provider: ReferringProvider | None = None
    service_facility: ServiceFacility | None = None
    plan_of_care: PlanOfCare | None = None
    # Visits (dates of service) this calendar year with this payer for the provider's
    # discipline, this claim's included: for payers with yearly visit limits.
    visits_this_year: Annotated[int, Field(ge=0, le=100_000)] | None = None
    # Medicare paying after another payer: the Medicare secondary payer type (837P SBR05).
    medicare_secondary_type: MedicareSecondaryType | None = None
