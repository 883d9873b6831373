"""What an 835 remittance says, as frozen objects: payment, claims, service lines, adjustments.

Loops of 005010X221A1 map to objects: the header (BPR, TRN, REF, DTM*405) and the 1000A/1000B
payer and payee loops to ``RemittanceHeader`` and ``Party``; 2100 (CLP…) to ``ClaimPayment``;
2110 (SVC…) to ``ServicePayment``; each CAS triple to one ``Adjustment``; PLB to
``ProviderAdjustment``. Money is ``Decimal`` exactly as the payer wrote it; an element the
payer left out is ``""`` (text) or ``None`` (number, date). Qualified repeats (REF, AMT, DTM,
LQ) are ``(qualifier, value)`` pairs in file order, with properties for the ones a biller needs.

The parser builds these objects through layout-identical mutable "builder" twins and then
switches their class (see ``builder``): a frozen dataclass's own ``__init__`` sets each field
through ``object.__setattr__`` and costs four times as much, which at 100,000 claims a file is
most of the parse time. The objects are the same either way (``tests/x12_835`` checks it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, make_dataclass
from decimal import Decimal
from typing import Any

ZERO = Decimal("0")

CLAIM_STATUS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to another payer",
    "20": "processed as secondary, forwarded to another payer",
    "21": "processed as tertiary, forwarded to another payer",
    "22": "reversal of a previous payment",
    "23": "not our claim, forwarded to another payer",
    "25": "predetermination only, no payment",
}
"""CLP02 claim status codes (005010X221A1, CLP02), in our own words."""


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triple: why part of the charge was not paid (or was paid differently).

    ``group`` is CO (contractual, write off), PR (patient responsibility, bill the client),
    OA (other) or PI (payer initiated); ``reason`` a claim adjustment reason code (CARC).
    A positive amount reduces the payment, a negative one increases it.
    """

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None


@dataclass(frozen=True, slots=True)
class Name:
    """An NM1 in a claim: patient (QC), insured (IL), corrected patient (74), provider (82)…"""

    role: str
    entity_type: str
    last_name: str
    first_name: str
    middle_name: str
    suffix: str
    id_qualifier: str
    id: str


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """One 2110 service line: what was paid for one billed line, and why not more.

    ``procedure_*`` is what the payer adjudicated (SVC01); ``billed_*`` what was billed when
    the payer changed it (SVC06, empty otherwise). ``units`` is SVC05 (``None``: one unit);
    ``billed_units`` SVC07 when the payer paid other units than billed.
    """

    procedure_qualifier: str
    procedure_code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    revenue_code: str
    units: Decimal | None
    billed_qualifier: str
    billed_code: str
    billed_modifiers: tuple[str, ...]
    billed_units: Decimal | None
    service_date: dt.date | None
    service_end_date: dt.date | None
    adjustments: tuple[Adjustment, ...]
    references: tuple[tuple[str, str], ...]
    amounts: tuple[tuple[str, Decimal], ...]
    remarks: tuple[tuple[str, str], ...]
    quantities: tuple[tuple[str, Decimal], ...] = ()
    """QTY (ZK-ZO: the Medicare federal/non-federal service counts), in file order."""

    @property
    def control_number(self) -> str:
        """REF*6R: the line item control number we sent in the 837P (REF*6R of 2400)."""
        return next((v for q, v in self.references if q == "6R"), "")

    @property
    def allowed(self) -> Decimal | None:
        """AMT*B6: the amount the payer allowed for the line."""
        return next((v for q, v in self.amounts if q == "B6"), None)

    @property
    def billed_procedure(self) -> tuple[str, tuple[str, ...]]:
        """The code and modifiers as billed: SVC06 when present, otherwise SVC01."""
        if self.billed_code:
            return self.billed_code, self.billed_modifiers
        return self.procedure_code, self.modifiers

    @property
    def remark_codes(self) -> tuple[str, ...]:
        """RARC remark codes (LQ*HE)."""
        return tuple(code for q, code in self.remarks if q == "HE")


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """One 2100 claim payment (CLP): CLP01 is the claim id we sent as CLM01."""

    patient_control_number: str
    status: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    filing_indicator: str
    payer_claim_control_number: str
    facility_type: str
    frequency: str
    names: tuple[Name, ...]
    adjustments: tuple[Adjustment, ...]
    dates: tuple[tuple[str, dt.date], ...]
    amounts: tuple[tuple[str, Decimal], ...]
    references: tuple[tuple[str, str], ...]
    inpatient: tuple[str, ...]
    outpatient: tuple[str, ...]
    services: tuple[ServicePayment, ...]
    segment_number: int
    contacts: tuple[tuple[str, ...], ...] = ()
    """PER*CX of loop 2100: whom to call about this claim (PER02 name, then qualifier and
    number pairs: TE phone, EM e-mail, FX fax, EX extension), each as PER01…PER08."""
    quantities: tuple[tuple[str, Decimal], ...] = ()
    """QTY of loop 2100 (CA covered days, NE non-covered, ZK federal units…), in file order."""

    def _name(self, role: str) -> Name | None:
        return next((n for n in self.names if n.role == role), None)

    @property
    def patient(self) -> Name | None:
        """NM1*QC."""
        return self._name("QC")

    @property
    def insured(self) -> Name | None:
        """NM1*IL (absent when the patient is the insured)."""
        return self._name("IL")

    @property
    def corrected_patient(self) -> Name | None:
        """NM1*74: the name and member id the payer corrected ours to."""
        return self._name("74")

    @property
    def status_text(self) -> str:
        return CLAIM_STATUS.get(self.status, f"status {self.status}")

    @property
    def is_reversal(self) -> bool:
        """CLP02 = 22: takes back an earlier payment (new money, not a duplicate)."""
        return self.status == "22"

    @property
    def is_denied(self) -> bool:
        return self.status == "4"

    @property
    def remark_codes(self) -> tuple[str, ...]:
        """Claim-level RARCs: MOA03–07 (outpatient) and MIA05, MIA20–24 (inpatient)."""
        moa = [c for c in self.outpatient[3:8] if c]
        mia = [self.inpatient[i] for i in (5, 20, 21, 22, 23, 24) if i < len(self.inpatient)]
        return tuple(moa + [c for c in mia if c])

    @property
    def contact(self) -> str:
        """The claim contact as one line, ``NAME, TE 8005551212`` (empty without PER*CX)."""
        if not self.contacts:
            return ""
        first = self.contacts[0]
        pairs = [f"{q} {v}" for q, v in zip(first[2::2], first[3::2], strict=False) if v]
        return ", ".join(part for part in (first[1] if len(first) > 1 else "", *pairs) if part)

    def date(self, qualifier: str) -> dt.date | None:
        """The claim DTM with ``qualifier`` (232 statement from, 233 to, 050 received)."""
        return next((d for q, d in self.dates if q == qualifier), None)


@dataclass(frozen=True, slots=True)
class Party:
    """An N1 loop of the header: the payer (PR, 1000A) or the payee (PE, 1000B)."""

    role: str
    name: str
    id_qualifier: str
    id: str
    address: tuple[str, ...]
    city: str
    state: str
    postal_code: str
    references: tuple[tuple[str, str], ...]
    contacts: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB adjustment pair: money taken or given outside any claim (a positive amount
    reduces the payment: an overpayment recovered, a levy; negative adds: interest, a bonus)."""

    provider_id: str
    fiscal_period_end: dt.date | None
    reason: str
    reference: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RemittanceHeader:
    """One 835 transaction's payment: envelope ids, BPR, TRN, production date, payer, payee.

    Envelope fields are ``""`` for a transaction read without its ISA/GS envelope.
    """

    file: str
    interchange_control_number: str
    sender_id: str
    receiver_id: str
    group_control_number: str
    version: str
    transaction_control_number: str
    segment_number: int
    handling_code: str
    payment_amount: Decimal
    credit_debit: str
    payment_method: str
    payment_format: str
    payment_date: dt.date | None
    trace_type: str
    trace_number: str
    payer_identifier: str
    production_date: dt.date | None
    payer: Party | None
    payee: Party | None
    references: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RemittanceEnd:
    """Emitted by ``iter_835`` after the last claim of a transaction (at SE)."""

    header: RemittanceHeader
    provider_adjustments: tuple[ProviderAdjustment, ...]
    claim_count: int


@dataclass(frozen=True, slots=True)
class Remittance:
    """One whole 835 transaction (ST…SE): its payment header, claims and PLB adjustments."""

    header: RemittanceHeader
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]

    @property
    def payment_amount(self) -> Decimal:
        return self.header.payment_amount

    @property
    def trace_number(self) -> str:
        return self.header.trace_number


def builder(cls: type) -> Any:
    """A mutable slotted class with ``cls``'s exact slot layout, for fast construction.

    ``obj = Builder(*values); obj.__class__ = cls`` gives the same object as ``cls(*values)``
    (Python allows the class switch because the layouts are identical) at a quarter of the
    cost. Only the parser uses it; everyone else constructs the frozen classes normally.
    """
    names = [f.name for f in fields(cls)]
    twin = make_dataclass(
        f"_{cls.__name__}Builder", names, slots=True, eq=False, repr=False, match_args=False
    )
    if getattr(twin, "__slots__", None) != getattr(cls, "__slots__", ()):  # pragma: no cover
        raise TypeError(f"builder layout differs for {cls.__name__}")
    return twin
