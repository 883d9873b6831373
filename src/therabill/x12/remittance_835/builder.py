"""Write an 835 (005010X221A1) from what a payer decided: test files, the demo, the benchmarks.

The reader (``iter_835``) turns a payer's file into objects; this is the other direction, for
files we make ourselves: a test that posts a remittance, ``therabill demo`` paying its claims,
the benchmark's 100,000-claim file. Pure text in, text out, so every one of them writes the
same envelope and the same arithmetic:

- each ``AdjudicatedLine`` is an SVC (2110) with its DTM*472, CAS, REF*6R and LQ*HE;
- each ``AdjudicatedClaim`` is a CLP (2100): its charge and payment default to the sum of its
  lines, its patient responsibility to the sum of its PR adjustments; a reversal (CLP02 22)
  is written with every amount negated, as payers send it;
- ``write_835`` wraps them in one ST/SE inside GS/GE and ISA/IEA with the right counts, and
  BPR02 = the sum of CLP04 less the PLB amounts (005010X221A1 section 1.10.2.1, "balancing"),
  so the file balances unless ``bpr_off_by`` says otherwise.

Amounts are integer cents, written with two decimal places.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from therabill.money import to_decimal, x12_amount


@dataclass(frozen=True, slots=True)
class AdjudicatedLine:
    """The payer's decision on one billed line (loop 2110).

    ``billed_as`` is SVC06 (the code as billed, ``"HC:97140:59"``) when the payer paid another
    code; ``billed_units`` SVC07 when it paid other units than billed.
    """

    code: str
    charge: int
    paid: int
    units: int = 1
    day: dt.date | None = None
    modifiers: Sequence[str] = ()
    adjustments: Sequence[tuple[str, str, int]] = ()
    billed_as: str = ""
    billed_units: int | None = None
    remarks: Sequence[str] = ()
    line_control_number: str = ""

    def signed(self, sign: int) -> AdjudicatedLine:
        if sign == 1:
            return self
        return AdjudicatedLine(
            self.code,
            -self.charge,
            -self.paid,
            self.units,
            self.day,
            self.modifiers,
            [(g, r, -a) for g, r, a in self.adjustments],
            self.billed_as,
            self.billed_units,
            self.remarks,
            self.line_control_number,
        )

    def segments(self) -> list[str]:
        procedure = ":".join(("HC", self.code, *self.modifiers))
        svc = f"SVC*{procedure}*{money(self.charge)}*{money(self.paid)}**{self.units}"
        if self.billed_as:
            svc += f"*{self.billed_as}" + (f"*{self.billed_units}" if self.billed_units else "")
        out = [svc]
        if self.day:
            out.append(f"DTM*472*{self.day:%Y%m%d}")
        out += [f"CAS*{g}*{r}*{money(a)}" for g, r, a in self.adjustments]
        if self.line_control_number:
            out.append(f"REF*6R*{self.line_control_number}")
        out += [f"LQ*HE*{code}" for code in self.remarks]
        return out


@dataclass(frozen=True, slots=True)
class AdjudicatedClaim:
    """The payer's decision on one claim (loop 2100): CLP01 is the claim number we sent.

    ``status`` is CLP02 (1 processed as primary, 2 as secondary, 4 denied, 22 reversal);
    ``charge`` and ``paid`` default to the sum of the lines; ``adjustments`` are claim-level
    CAS; ``patient`` is NM1*QC (last name, first name, member id).
    """

    claim_number: str
    status: str
    lines: Sequence[AdjudicatedLine]
    payer_claim_number: str = "ICN1"
    adjustments: Sequence[tuple[str, str, int]] = ()
    charge: int | None = None
    paid: int | None = None
    patient: tuple[str, str, str] = ("EXAMPLE", "ADA", "M100")
    statement_day: dt.date | None = None

    @property
    def sign(self) -> int:
        return -1 if self.status == "22" else 1

    def totals(self) -> tuple[int, int, int]:
        """Charge, payment and patient responsibility, as the payer decided them (unsigned)."""
        charge = self.charge if self.charge is not None else sum(s.charge for s in self.lines)
        paid = self.paid if self.paid is not None else sum(s.paid for s in self.lines)
        patient = sum(a for s in self.lines for g, _, a in s.adjustments if g == "PR")
        patient += sum(a for g, _, a in self.adjustments if g == "PR")
        return charge, paid, patient

    def segments(self) -> list[str]:
        charge, paid, patient = (self.sign * n for n in self.totals())
        out = [
            f"CLP*{self.claim_number}*{self.status}*{money(charge)}*{money(paid)}*"
            f"{money(patient) if patient else ''}*12*{self.payer_claim_number}"
        ]
        out += [f"CAS*{g}*{r}*{money(self.sign * a)}" for g, r, a in self.adjustments]
        last, first, member = self.patient
        out.append(f"NM1*QC*1*{last}*{first}****MI*{member}")
        if self.statement_day:
            out.append(f"DTM*232*{self.statement_day:%Y%m%d}")
        for line in self.lines:
            out += line.signed(self.sign).segments()
        return out


@dataclass(frozen=True, slots=True)
class Payee:
    """Who is paid (1000B): the practice's name and NPI, and its tax id (REF*TJ) if given."""

    name: str = "HARBOUR THERAPY"
    npi: str = "1234567893"
    tax_id: str = ""


def money(cents: int) -> str:
    """Cents as an X12 amount: ``-1750`` → ``-17.50`` (the 837P writer's rule)."""
    return x12_amount(to_decimal(cents), field="amount")


def paid_line(
    code: str,
    charge: int,
    units: int = 1,
    *,
    day: dt.date | None = None,
    modifiers: Sequence[str] = (),
    allowed_percent: int = 80,
    copay: int = 0,
    extra: Iterable[tuple[str, str, int]] = (),
) -> AdjudicatedLine:
    """The usual decision: the payer allows ``allowed_percent`` of the charge, writes the rest
    off as CO-45 (charge exceeds the fee schedule) and leaves ``copay`` (at most the allowed
    amount) to the patient as PR-3; ``extra`` adjustments (a PR-2 coinsurance, a PR-1
    deductible) come out of the allowed amount too. It pays what is left, so the line
    balances: charge = paid + adjustments."""
    allowed = charge * allowed_percent // 100
    patient = min(copay, allowed)
    adjustments = [("CO", "45", charge - allowed)]
    if patient:
        adjustments.append(("PR", "3", patient))
    more = list(extra)
    paid = allowed - patient - sum(cents for _, _, cents in more)
    return AdjudicatedLine(code, charge, paid, units, day, modifiers, [*adjustments, *more])


def write_835(
    claims: Sequence[AdjudicatedClaim],
    *,
    trace: str = "EFT0001",
    payer: str = "ACME HEALTH PLAN",
    payer_id: str = "ACME1",
    payee: Payee | None = None,
    paid_on: dt.date = dt.date(2026, 1, 7),
    produced_on: dt.date = dt.date(2026, 1, 5),
    provider_adjustments: Sequence[tuple[str, int]] = (),
    bpr_off_by: int = 0,
    control: int = 1,
    payer_contact: bool = True,
    payer_tax_id: str = "",
) -> str:
    """One balanced 835 paying ``claims``.

    ``provider_adjustments`` are PLB (reason, cents: positive takes money back);
    ``bpr_off_by`` unbalances BPR02 on purpose; ``payer_contact=False`` leaves out the payer's
    PER*BL (required by the guide; one of the peer readers refuses it). TRN03 is "1" and the
    payer's 9-digit tax id (``payer_tax_id``), as 005010X221A1 loop header TRN03 "Payer
    Identifier" requires (10 characters), so pyx12's map of the guide accepts the file;
    without one, nine digits drawn from ``payer_id`` stand in, so each payer keeps its own.
    """
    to = payee or Payee()
    tin = payer_tax_id or f"{zlib.crc32(payer_id.encode()) % 10**9:09d}"
    body = [segment for claim in claims for segment in claim.segments()]
    paid = sum(claim.sign * claim.totals()[1] for claim in claims)
    total = paid - sum(cents for _, cents in provider_adjustments) + bpr_off_by
    head = [
        f"BPR*I*{money(abs(total))}*{'D' if total < 0 else 'C'}*ACH*CCP*01*999999999*DA*"
        f"123456789*1512345678**01*999988880*DA*98765*{paid_on:%Y%m%d}",
        f"TRN*1*{trace}*1{tin}",
        f"DTM*405*{produced_on:%Y%m%d}",
        f"N1*PR*{payer}*XV*{payer_id}",
        "N3*1 MAIN STREET",
        "N4*SPRINGFIELD*IL*62701",
        *(["PER*BL*PROVIDER SERVICES*TE*8005551212"] if payer_contact else []),
        f"N1*PE*{to.name}*XX*{to.npi}",
        *([f"REF*TJ*{to.tax_id}"] if to.tax_id else []),
        "LX*1",
    ]
    tail = [
        f"PLB*{to.npi}*{produced_on.year}1231*{reason}*{money(cents)}"
        for reason, cents in provider_adjustments
    ]
    transaction = ["ST*835*0001", *head, *body, *tail]
    transaction.append(f"SE*{len(transaction) + 1}*0001")
    sender = payer.replace(" ", "")[:15]
    isa = (
        f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{'THERABILL':<15}*"
        f"{produced_on:%y%m%d}*1200*^*00501*{control:09d}*0*P*:"
    )
    segments = [
        isa,
        f"GS*HP*{sender}*THERABILL*{produced_on:%Y%m%d}*1200*{control}*X*005010X221A1",
        *transaction,
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    return "~\n".join(segments) + "~\n"
