"""835s for posting tests, made from the 837P the store really submitted.

``billed(text)`` reads our 837P back (CLM and SV1 through the X12 tokenizer); ``svc`` and
``clp`` write the payer's answer for a line and a claim; ``remit`` wraps claims in a
balanced, enveloped 835 (BPR02 = sum of CLP04 less PLB), or an unbalanced one on request.
Amounts are integer cents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from therabill.x12.reader import iter_segments


@dataclass
class BilledLine:
    code: str
    modifiers: list[str]
    charge: int
    units: int
    day: dt.date


@dataclass
class BilledClaim:
    claim_id: str
    charge: int
    lines: list[BilledLine] = field(default_factory=list)


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def billed(text: str) -> list[BilledClaim]:
    claims: list[BilledClaim] = []
    for _, delimiters, seg in iter_segments(text.encode("ascii")):
        if seg.id == "CLM":
            claims.append(BilledClaim(seg.get(1), _cents(seg.get(2))))
        elif seg.id == "SV1":
            parts = seg.get(1).split(delimiters.component)
            claims[-1].lines.append(
                BilledLine(parts[1], parts[2:], _cents(seg.get(2)), int(seg.get(4)), dt.date.min)
            )
        elif seg.id == "DTP" and seg.get(1) == "472":
            claims[-1].lines[-1].day = dt.datetime.strptime(seg.get(3), "%Y%m%d").date()
    return claims


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


@dataclass
class Svc:
    """The payer's answer for one line; ``cas`` are (group, reason, cents)."""

    code: str
    charge: int
    paid: int
    units: int
    day: dt.date | None
    modifiers: list[str] = field(default_factory=list)
    cas: list[tuple[str, str, int]] = field(default_factory=list)
    billed: str = ""  # SVC06 composite, e.g. "HC:97140:59"
    billed_units: int | None = None
    remarks: list[str] = field(default_factory=list)

    def segments(self) -> list[str]:
        proc = ":".join(["HC", self.code, *self.modifiers])
        svc = f"SVC*{proc}*{money(self.charge)}*{money(self.paid)}**{self.units}"
        if self.billed:
            svc += f"*{self.billed}" + (f"*{self.billed_units}" if self.billed_units else "")
        out = [svc]
        if self.day:
            out.append(f"DTM*472*{self.day:%Y%m%d}")
        out += [f"CAS*{g}*{r}*{money(a)}" for g, r, a in self.cas]
        out += [f"LQ*HE*{r}" for r in self.remarks]
        return out


def paid_as_billed(line: BilledLine, allowed_pct: int = 80, cas_extra=()) -> Svc:  # type: ignore[no-untyped-def]
    """The usual answer: allowed = pct of charge, the rest CO-45."""
    allowed = line.charge * allowed_pct // 100
    return Svc(
        line.code,
        line.charge,
        allowed,
        line.units,
        line.day,
        line.modifiers,
        [("CO", "45", line.charge - allowed), *cas_extra],
    )


@dataclass
class Clp:
    claim_id: str
    status: str
    services: list[Svc]
    icn: str = "ICN1"
    claim_cas: list[tuple[str, str, int]] = field(default_factory=list)
    charge: int | None = None
    paid: int | None = None

    def totals(self) -> tuple[int, int, int]:
        charge = self.charge if self.charge is not None else sum(s.charge for s in self.services)
        paid = self.paid if self.paid is not None else sum(s.paid for s in self.services)
        patient = sum(a for s in self.services for g, _, a in s.cas if g == "PR") + sum(
            a for g, _, a in self.claim_cas if g == "PR"
        )
        return charge, paid, patient

    def segments(self) -> list[str]:
        charge, paid, patient = self.totals()
        sign = -1 if self.status == "22" else 1
        out = [
            f"CLP*{self.claim_id}*{self.status}*{money(sign * charge)}*{money(sign * paid)}*"
            f"{money(sign * patient) if patient else ''}*12*{self.icn}",
        ]
        out += [f"CAS*{g}*{r}*{money(sign * a)}" for g, r, a in self.claim_cas]
        out.append("NM1*QC*1*EXAMPLE*ADA****MI*M100")
        for s in self.services:
            if sign < 0:
                s = Svc(
                    s.code,
                    -s.charge,
                    -s.paid,
                    s.units,
                    s.day,
                    s.modifiers,
                    [(g, r, -a) for g, r, a in s.cas],
                    s.billed,
                    s.billed_units,
                )
            out += s.segments()
        return out


def remit(
    claims: list[Clp],
    *,
    trace: str = "EFT0001",
    payer: str = "ACME HEALTH PLAN",
    payer_id: str = "ACME1",
    plb: list[tuple[str, int]] = (),  # type: ignore[assignment]
    bpr_off_by: int = 0,
    control: int = 1,
) -> bytes:
    body = [s for c in claims for s in c.segments()]
    paid = sum((-1 if c.status == "22" else 1) * c.totals()[1] for c in claims)
    total = paid - sum(a for _, a in plb) + bpr_off_by
    head = [
        f"BPR*I*{money(abs(total))}*{'D' if total < 0 else 'C'}*ACH*CCP*01*999999999*DA*123456789*"
        "1512345678**01*999988880*DA*98765*20260107",
        f"TRN*1*{trace}*1{payer_id}",
        "DTM*405*20260105",
        f"N1*PR*{payer}*XV*{payer_id}",
        "N3*1 MAIN STREET",
        "N4*SPRINGFIELD*IL*62701",
        "PER*BL*PROVIDER SERVICES*TE*8005551212",
        "N1*PE*HARBOUR THERAPY*XX*1234567893",
        "LX*1",
    ]
    tail = [f"PLB*1234567893*20261231*{reason}*{money(a)}" for reason, a in plb]
    tx = ["ST*835*0001", *head, *body, *tail]
    tx.append(f"SE*{len(tx) + 1}*0001")
    isa = (
        "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*THERABILL      *260105*1200*^*"
        f"00501*{control:09d}*0*P*:"
    )
    segments = [
        isa,
        f"GS*HP*ACMEHEALTH*THERABILL*20260105*1200*{control}*X*005010X221A1",
        *tx,
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    return ("~\n".join(segments) + "~\n").encode("ascii")
