"""Posting arithmetic: one 835 claim payment (CLP) becomes amounts per claim line, ledger
moves, a claim outcome, and a reconciliation check. Integer cents only; pure.

How amounts are booked (group codes: 005010X221A1 CAS01; X12 "Claim Adjustment Group Codes"):

- SVC03 / CLP04 paid: an insurance payment.
- CO (contractual), PI (payer initiated), OA (other): classed by reason code
  (``therabill.x12.adjustment_codes.classify``). Only a contractual amount (CO-45, CO-253,
  CO-59, CO-94 …) is written down (a contractual adjustment). Any other (CO-16, CO-97,
  CO-151, CO-50, CO-197 …) is a denial: nothing is written off, the payer still owes it
  until the biller corrects, appeals, writes it off or transfers it (``denied_amounts``
  lists them for the denial queue).
- PR (patient responsibility: deductible 1, coinsurance 2, copay 3 …): moved from the payer's
  part to the client's balance.
- Claim-level CAS (and CLP04 when the payer sent no SVC lines) is spread over the lines by
  what is still unexplained of each line's charge, else by charge.
- Coordination of benefits: when the client has a next payer (``next_payer``), the PR amounts
  move on to it (``transfer_to_insurance``, the next payer's claim gets the other half) instead
  of to the client. A claim to the secondary or tertiary payer (``cob``) holds only what the
  payer before left: its 835's OA-23 (the prior payer's adjudication, X12 CARC 23) is not
  posted again, the rest books as on any claim, and its PR goes to the next payer or the
  client. CLP02 19/20/21 (processed and forwarded to another payer: Medicare crossover,
  X12 835 claim status codes, 005010X221A1 CLP02) mark the claim crossed over: the next
  payer has it already.
- Secondary payer's answer on the primary's own claim (CLP02 = 2/3/20/21, no claim of its
  own on record): OA-23 is not posted again; what the secondary pays or adjusts comes off
  the client's balance, which the primary's PR put there, so that amount first moves back
  from the client to the payer.
- Reversal (CLP02 = 22): the service layer reverses the ledger entries of the payment it
  takes back; these moves are only used when no earlier payment is on record.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from therabill.claims.status import TRANSITIONS, ClaimStatus
from therabill.errors import TherabillError
from therabill.ledger import EntryKind
from therabill.money import exact_cents, to_decimal
from therabill.posting.matching import BilledLine, PaidService, Share, match_services
from therabill.x12.adjustment_codes import Classified, classify
from therabill.x12.remittance_835 import (
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    RemittanceHeader,
    ServicePayment,
)

SECONDARY_STATUSES = frozenset({"2", "3", "20", "21"})
# Processed as primary/secondary/tertiary and forwarded to another payer (X12 element 1029,
# claim status code, as 835 CLP02 uses it: "19 Processed as Primary, Forwarded to Additional
# Payer(s)", 20 and 21 likewise; stedi.com/edi/x12-006050/element/1029): Medicare's COBA
# crossover (CMS MLN web-based training 1450, lesson 5 "Claims Crossover"). The next payer
# gets the claim from this one, not from the practice. 22 is "Reversal of Previous Payment",
# never a crossover.
CROSSED_OVER = frozenset({"19", "20", "21"})
# MA18: "the claim information is also being forwarded to the patient's supplemental insurer";
# N89: forwarded to more than one payer (RARC list, x12.org) — a crossover whatever CLP02 says,
# for a payer whose profile says it crosses claims over.
CROSSOVER_REMARKS = frozenset({"MA18", "N89"})
INFORMATION_ONLY = {
    "23": "the payer says it is not their claim and forwarded it to another payer",
    "25": "a predetermination only: nothing was paid",
}
PRIOR_PAYER = ("OA", "23")  # impact of prior payer(s) adjudication


class NotPostable(TherabillError):
    """An amount the poster cannot book (a fraction of a cent): the file is quarantined."""


def cents(amount: Decimal, what: str) -> int:
    """Exact cents of an 835 amount; a fraction of a cent is ``NotPostable``."""
    value = exact_cents(amount)
    if value is None:
        raise NotPostable(f"{what}: {amount} is not a whole number of cents")
    return value


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` cents by ``weights`` (largest remainder); the parts add up exactly.
    Zero or negative weights all round: equal parts."""
    if len(weights) <= 1:
        return [total] if weights else []
    if sum(w for w in weights if w > 0) <= 0:
        weights = [1] * len(weights)
    weights = [max(w, 0) for w in weights]
    whole = sum(weights)
    sign = -1 if total < 0 else 1
    amount = abs(total)
    parts = [amount * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % whole), i))
    for i in remainders[: amount - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


@functools.lru_cache(maxsize=4096)
def classified(group: str, reason: str, remarks: str) -> Classified:
    """``classify`` for comma-separated ``remarks``, cached: a remittance repeats the same
    few adjustments on thousands of lines, and ``Classified`` is immutable."""
    return classify(group, reason, [r for r in remarks.split(",") if r])


@dataclass(frozen=True, slots=True)
class Amount:
    """One CAS amount booked on one line (a claim-level one after spreading)."""

    group: str
    reason: str
    cents: int
    remarks: str = ""
    claim_level: bool = False

    @property
    def label(self) -> str:
        return f"{self.group}-{self.reason}"

    @property
    def classified(self) -> Classified:
        return classified(self.group, self.reason, self.remarks)

    @property
    def written_down(self) -> bool:
        """Booked as a contractual adjustment: a contractual class, or a negative amount
        (the payer giving back: nothing to pursue)."""
        return self.group != "PR" and (self.cents < 0 or not self.classified.is_denial)

    @property
    def prior_payer(self) -> bool:
        """OA-23: the prior payer's adjudication, reported again by the next payer."""
        return (self.group, self.reason) == PRIOR_PAYER

    @property
    def denied(self) -> bool:
        """Left owed by the payer and put in the denial queue."""
        return self.group != "PR" and self.cents > 0 and self.classified.is_denial


@dataclass(slots=True)
class LinePosting:
    """What one remittance says about one of our lines."""

    line_id: int
    how: str = ""
    paid_code: str = ""
    paid_modifiers: str = ""
    paid_units: str = ""
    charge_cents: int = 0
    paid_cents: int = 0
    adjustments: list[Amount] = field(default_factory=list)

    @property
    def patient_cents(self) -> int:
        return sum(a.cents for a in self.adjustments if a.group == "PR")

    @property
    def adjusted_cents(self) -> int:
        return sum(a.cents for a in self.adjustments if a.group != "PR")

    @property
    def explained_cents(self) -> int:
        return self.paid_cents + self.adjusted_cents + self.patient_cents


@dataclass(slots=True)
class ClaimPlan:
    claim_id: int
    status_code: str
    charge_cents: int
    paid_cents: int
    patient_cents: int
    lines: list[LinePosting]
    outcome: str  # paid | partly_paid | denied | reversed
    secondary: bool
    notes: list[str] = field(default_factory=list)
    cob: bool = False  # a claim to a secondary/tertiary payer: OA-23 is the prior payer's
    next_payer: bool = False  # PR amounts move to the client's next payer, not the client

    @property
    def crossed_over(self) -> bool:
        """The payer forwarded the claim to the next payer itself (CLP02 19/20/21)."""
        return self.status_code in CROSSED_OVER

    @property
    def prior_payer_cents(self) -> int:
        return sum(
            a.cents
            for line in self.lines
            for a in line.adjustments
            if (a.group, a.reason) == PRIOR_PAYER
        )


@dataclass(frozen=True, slots=True)
class Move:
    """One ledger entry to post (negative cents: the opposite direction, e.g. a reversal)."""

    line_id: int
    kind: EntryKind
    cents: int
    memo: str


def paid_service(index: int, svc: ServicePayment, claim_number: str) -> PaidService:
    def whole(value: Decimal | None) -> int | None:
        return int(value) if value is not None and value == value.to_integral_value() else None

    return PaidService(
        index=index,
        code=svc.procedure_code,
        modifiers=svc.modifiers,
        billed_code=svc.billed_code,
        billed_modifiers=svc.billed_modifiers,
        units=whole(svc.units),
        billed_units=whole(svc.billed_units),
        charge_cents=abs(cents(svc.charge, f"claim {claim_number} SVC{index + 1} charge")),
        day=svc.service_date,
        control_number=svc.control_number,
    )


def _amounts(adjustments: Iterable[Adjustment], remarks: str, where: str) -> list[Amount]:
    found = []
    for a in adjustments:
        value = exact_cents(a.amount)  # the message only when it is needed
        if value is None:
            value = cents(a.amount, f"{where} CAS {a.group}-{a.reason}")
        found.append(Amount(a.group, a.reason, value, remarks))
    return found


def plan_claim(
    claim_id: int, payment: ClaimPayment, lines: list[BilledLine], *, cob: bool = False
) -> ClaimPlan:
    """Amounts per line for one CLP matched to our claim ``claim_id`` with ``lines``;
    ``cob``: the claim is the secondary or tertiary payer's own (its balance came from the
    payer before)."""
    number = payment.patient_control_number
    by_id = {line.id: LinePosting(line.id) for line in lines}
    notes: list[str] = []
    services = [paid_service(i, s, number) for i, s in enumerate(payment.services)]
    shares_of: dict[int, list[Share]] = {}
    for share in match_services(services, lines):
        shares_of.setdefault(share.service, []).append(share)
    for index, svc in enumerate(payment.services):
        shares = shares_of.get(index, [])
        where = f"claim {number} SVC{index + 1}"
        if not shares:
            continue
        if shares[0].how != "as billed":
            notes.append(f"SVC{index + 1} {svc.procedure_code}: {shares[0].how}")
        weights = [s.numerator * 10_000 // s.denominator for s in shares]
        charge = allocate(cents(svc.charge, f"{where} charge"), weights)
        paid = allocate(cents(svc.paid, f"{where} paid"), weights)
        remarks = ",".join(svc.remark_codes)
        split_adjustments = [
            (a, allocate(a.cents, weights)) for a in _amounts(svc.adjustments, remarks, where)
        ]
        if split_adjustments and len(shares) > 1:
            # The last adjustment takes what rounding left on each share, so every share
            # balances on its own (the SVC balances, so the parts still add up to its amount).
            last, _ = split_adjustments[-1]
            residual = [
                charge[i] - paid[i] - sum(parts[i] for _, parts in split_adjustments[:-1])
                for i in range(len(shares))
            ]
            split_adjustments[-1] = (last, residual)
        for i, share in enumerate(shares):
            posting = by_id[share.line_id]
            posting.how = posting.how or share.how
            posting.paid_code = posting.paid_code or svc.procedure_code
            posting.paid_modifiers = posting.paid_modifiers or ",".join(svc.modifiers)
            posting.paid_units = posting.paid_units or (str(svc.units) if svc.units else "")
            posting.charge_cents += charge[i]
            posting.paid_cents += paid[i]
            for a, parts in split_adjustments:
                if parts[i]:
                    # the same amount when the SVC pays one line whole: no copy needed
                    same = parts[i] == a.cents
                    posting.adjustments.append(
                        a if same else Amount(a.group, a.reason, parts[i], a.remarks)
                    )
    postings = [by_id[line.id] for line in lines]
    claim_paid = cents(payment.paid, f"claim {number} CLP04")
    if not payment.services:
        claim_charge = cents(payment.charge, f"claim {number} CLP03")
        weights = [line.charge_cents for line in lines]
        for posting, part, paid_part in zip(
            postings, allocate(claim_charge, weights), allocate(claim_paid, weights), strict=True
        ):
            posting.charge_cents, posting.paid_cents, posting.how = part, paid_part, "claim level"
    remarks = ",".join(payment.remark_codes)
    claim_level = _amounts(payment.adjustments, remarks, f"claim {number}")
    for n, a in enumerate(claim_level, 1):
        if not payment.services and n == len(claim_level):
            # the last one takes what rounding left, so each line balances on its own
            for posting in postings:
                part = posting.charge_cents - posting.explained_cents
                if part:
                    posting.adjustments.append(Amount(a.group, a.reason, part, a.remarks, True))
            break
        open_part = [p.charge_cents - p.explained_cents for p in postings]
        same_sign = [x if (x > 0) == (a.cents > 0) else 0 for x in open_part]
        weights = (
            [abs(x) for x in same_sign] if any(same_sign) else [line.charge_cents for line in lines]
        )
        for posting, part in zip(postings, allocate(a.cents, weights), strict=True):
            if part:
                posting.adjustments.append(Amount(a.group, a.reason, part, a.remarks, True))
    patient = sum(p.patient_cents for p in postings)
    if payment.is_reversal:
        outcome = "reversed"
    elif payment.is_denied or (claim_paid == 0 and patient == 0):
        outcome = "denied"
    elif any(
        p.paid_cents == 0 and p.patient_cents == 0 and p.charge_cents and not _prior_paid(p, cob)
        for p in postings
    ) or any(a.denied and not (cob and a.prior_payer) for p in postings for a in p.adjustments):
        # a line the payer still owes (a denial left open, e.g. a partial-unit CO-151) keeps
        # the claim on the attention list: paid in part, not paid
        outcome = "partly_paid"
    else:
        outcome = "paid"
    return ClaimPlan(
        claim_id=claim_id,
        status_code=payment.status,
        charge_cents=cents(payment.charge, f"claim {number} CLP03"),
        paid_cents=claim_paid,
        patient_cents=patient,
        lines=postings,
        outcome=outcome,
        secondary=payment.status in SECONDARY_STATUSES and not cob,
        notes=notes,
        cob=cob,
    )


def _prior_paid(line: LinePosting, cob: bool) -> bool:
    """On a COB claim, a line the payers before settled whole (only OA-23 and write-downs)."""
    return cob and all(a.prior_payer or a.written_down for a in line.adjustments)


def ledger_moves(plan: ClaimPlan, trace: str) -> list[Move]:
    """The ledger entries that book ``plan`` (see the module docstring)."""
    moves: list[Move] = []
    tag = f"835 {trace}"[:60]
    for line in plan.lines:
        if plan.secondary:
            ours = [
                a
                for a in line.adjustments
                if a.group != "PR" and (a.group, a.reason) != PRIOR_PAYER
            ]
            written_off = [a for a in ours if a.written_down]
            # what the secondary paid, wrote down or denied is no longer the client's
            back = line.paid_cents + sum(a.cents for a in ours)
            if back:
                moves.append(
                    Move(
                        line.line_id,
                        EntryKind.TRANSFER_TO_PATIENT,
                        -back,
                        f"{tag}: client's share now paid or adjusted by the secondary payer",
                    )
                )
        else:
            written_off = [
                a for a in line.adjustments if a.written_down and not (plan.cob and a.prior_payer)
            ]
        if line.paid_cents:
            moves.append(Move(line.line_id, EntryKind.INSURANCE_PAYMENT, line.paid_cents, tag))
        for a in written_off:
            moves.append(
                Move(line.line_id, EntryKind.CONTRACTUAL_ADJUSTMENT, a.cents, f"{tag}: {a.label}")
            )
        if not plan.secondary:
            kind = (
                EntryKind.TRANSFER_TO_INSURANCE
                if plan.next_payer
                else EntryKind.TRANSFER_TO_PATIENT
            )
            for a in line.adjustments:
                if a.group == "PR" and a.cents:
                    moves.append(Move(line.line_id, kind, a.cents, f"{tag}: {a.label}"))
    return [m for m in moves if m.cents]


@dataclass(frozen=True, slots=True)
class DeniedAmount:
    """One amount the payer did not pay for a reason the practice acts on: per line, or the
    whole claim (``line_id`` None) for a claim-level CAS."""

    line_id: int | None
    group: str
    reason: str
    remarks: str
    cents: int
    classified: Classified


def denied_amounts(plan: ClaimPlan) -> list[DeniedAmount]:
    """The denials ``plan`` opens: line-level amounts one per line and reason, claim-level
    amounts (spread over the lines for the ledger) gathered back into one per reason."""
    found: list[DeniedAmount] = []
    claim_level: dict[tuple[str, str, str], int] = {}
    for line in plan.lines:
        for a in line.adjustments:
            if not a.denied or ((plan.secondary or plan.cob) and a.prior_payer):
                continue
            if a.claim_level:
                key = (a.group, a.reason, a.remarks)
                claim_level[key] = claim_level.get(key, 0) + a.cents
            else:
                found.append(
                    DeniedAmount(line.line_id, a.group, a.reason, a.remarks, a.cents, a.classified)
                )
    for (group, reason, remarks), total in claim_level.items():
        if total > 0:
            found.append(
                DeniedAmount(
                    None, group, reason, remarks, total, classified(group, reason, remarks)
                )
            )
    return found


def status_path(current: ClaimStatus, target: ClaimStatus) -> list[ClaimStatus] | None:
    """The lifecycle steps from ``current`` to ``target`` through submitted/accepted only
    (an 835 implies the claim was received and adjudicated); [] when already there."""
    if current == target:
        return []
    via = {ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED}
    queue: deque[tuple[ClaimStatus, list[ClaimStatus]]] = deque([(current, [])])
    seen = {current}
    while queue:
        status, path = queue.popleft()
        for nxt in sorted(TRANSITIONS[status]):
            if nxt in seen:
                continue
            if nxt == target:
                return [*path, nxt]
            if nxt in via:
                seen.add(nxt)
                queue.append((nxt, [*path, nxt]))
    return None


OUTCOME_STATUS = {
    "paid": ClaimStatus.PAID,
    "partly_paid": ClaimStatus.PARTLY_PAID,
    "denied": ClaimStatus.DENIED,
    "reversed": ClaimStatus.ACCEPTED,
}


def reconcile(charge_cents: int, explained_cents: int, where: str) -> str | None:
    """``charge = paid + adjustments + patient responsibility``, or what is wrong."""
    if charge_cents == explained_cents:
        return None
    return (
        f"{where}: charge {to_decimal(charge_cents)} but paid + adjustments + patient "
        f"responsibility = {to_decimal(explained_cents)}"
    )


def check_amounts(remittance: Remittance) -> None:
    """Every amount of ``remittance`` is whole cents (else ``NotPostable``), before posting."""
    check_payment_amounts(remittance.header, remittance.provider_adjustments)
    for claim in remittance.claims:
        check_claim_amounts(claim)


def check_payment_amounts(
    header: RemittanceHeader, provider_adjustments: Iterable[ProviderAdjustment] = ()
) -> None:
    """The payment's BPR02 and PLB amounts are whole cents (else ``NotPostable``)."""
    cents(header.payment_amount, f"payment {header.trace_number} BPR02")
    for plb in provider_adjustments:
        cents(plb.amount, f"payment {header.trace_number} PLB {plb.reason}")


def check_claim_amounts(claim: ClaimPayment) -> None:
    """Every amount of one CLP and its lines is whole cents (else ``NotPostable``)."""
    where = f"claim {claim.patient_control_number}"
    for value, name in ((claim.charge, "CLP03"), (claim.paid, "CLP04")):
        cents(value, f"{where} {name}")
    cents(claim.patient_responsibility, f"{where} CLP05")
    for a in claim.adjustments:
        cents(a.amount, f"{where} CAS")
    for i, svc in enumerate(claim.services, 1):
        cents(svc.charge, f"{where} SVC{i} charge")
        cents(svc.paid, f"{where} SVC{i} paid")
        for a in svc.adjustments:
            cents(a.amount, f"{where} SVC{i} CAS")
