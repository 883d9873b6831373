"""A small, balanced 835 (005010X221A1) paying stored claims, for the end-to-end test.

Each line is allowed at 80 % of its charge (the rest CO-45, charge over the fee schedule);
the first line of each claim carries a $10.00 copay as patient responsibility (PR-3), paid
by the client. BPR02 = the sum of CLP04, so the file balances.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clock import TODAY


@dataclass(frozen=True)
class PaidLine:
    code: str
    modifiers: tuple[str, ...]
    units: int
    charge_cents: int
    day: dt.date


@dataclass(frozen=True)
class PaidClaim:
    control_number: str  # CLP01: our claim id, e.g. TB00000001
    lines: tuple[PaidLine, ...]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def build_835(claims: list[PaidClaim], *, trace: str = "EFT0001", copay_cents: int = 1000) -> str:
    body: list[str] = []
    total_paid = 0
    for n, claim in enumerate(claims, 1):
        charge = paid = patient = 0
        lines: list[str] = []
        for i, line in enumerate(claim.lines):
            allowed = line.charge_cents * 8 // 10
            copay = min(copay_cents, allowed) if i == 0 else 0
            line_paid = allowed - copay
            charge += line.charge_cents
            paid += line_paid
            patient += copay
            proc = ":".join(("HC", line.code, *line.modifiers))
            lines.append(
                f"SVC*{proc}*{_money(line.charge_cents)}*{_money(line_paid)}**{line.units}"
            )
            lines.append(f"DTM*472*{line.day:%Y%m%d}")
            lines.append(f"CAS*CO*45*{_money(line.charge_cents - allowed)}")
            if copay:
                lines.append(f"CAS*PR*3*{_money(copay)}")
        total_paid += paid
        body.append(
            f"CLP*{claim.control_number}*1*{_money(charge)}*{_money(paid)}*{_money(patient)}"
            f"*MB*PAYER{n:08d}"
        )
        body.extend(lines)
    today = TODAY
    segments = [
        "ST*835*0001",
        f"BPR*I*{_money(total_paid)}*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01"
        f"*999988880*DA*98765*{today:%Y%m%d}",
        f"TRN*1*{trace}*1512345678",
        f"DTM*405*{today:%Y%m%d}",
        "N1*PR*MEDICARE PART B",
        "N3*1 MAIN STREET",
        "N4*SPRINGFIELD*IL*62701",
        "PER*BL*PROVIDER SERVICES*TE*8005551212",
        "N1*PE*TEST PRACTICE*XX*1234567893",
        "LX*1",
        *body,
    ]
    segments.append(f"SE*{len(segments) + 1}*0001")
    header = (
        "ISA*00*          *00*          *ZZ*MEDICARE       *ZZ*THERABILL      "
        f"*{today:%y%m%d}*1200*^*00501*000000101*0*P*:"
    )
    envelope = [
        header,
        f"GS*HP*MEDICARE*THERABILL*{today:%Y%m%d}*1200*101*X*005010X221A1",
        *segments,
        "GE*1*101",
        "IEA*1*000000101",
    ]
    return "~\n".join(envelope) + "~\n"
