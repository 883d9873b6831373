"""The superbill: what a client needs to claim out-of-network benefits from their insurer
themselves. It carries what a payer asks of an itemized bill for a member's own claim: the
practice and the treating provider with NPI, tax id and licence, the client, the dates of
service, diagnoses (ICD-10-CM), procedure codes with a plain description, units, charges and
what was paid (CMS-1500 Items 21, 24, 25, 33 hold the same facts for a provider's claim;
NUCC 1500 Reference Instruction Manual 02/12).

CPT descriptors are the AMA's: the description column holds therabill's own short wording
(DESIGN.md, "CPT text").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from therabill.paper.layout import MARGIN, Column, Sheet
from therabill.paper.pdf import document, dollars, us_date


@dataclass(frozen=True, slots=True)
class Party:
    """The practice or a provider as the superbill names them."""

    name: str
    npi: str | None = None
    tax_id: str | None = None
    licence: str | None = None
    discipline: str | None = None
    address: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class SuperbillLine:
    date: dt.date
    provider_npi: str
    place_of_service: str
    code: str
    modifiers: tuple[str, ...]
    description: str
    units: int
    diagnosis_pointers: tuple[int, ...]
    charge_cents: int
    paid_cents: int


@dataclass(frozen=True, slots=True)
class Superbill:
    practice: Party
    providers: tuple[Party, ...]
    client_name: str
    client_birth_date: dt.date
    client_address: str
    client_account: str
    member_id: str | None
    start: dt.date
    end: dt.date
    diagnoses: tuple[tuple[str, str], ...]  # (code with its point, description)
    lines: tuple[SuperbillLine, ...]
    issued_on: dt.date
    # client payments in the period not tied to a line (paid ahead, credit on account)
    other_paid_cents: int = 0

    @property
    def charge_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)

    @property
    def paid_cents(self) -> int:
        return sum(line.paid_cents for line in self.lines) + self.other_paid_cents


COLUMNS = (
    Column("Date", 56),
    Column("POS", 26),
    Column("Code", 36),
    Column("Mod.", 38),
    Column("Description", 200),
    Column("Dx", 34),
    Column("Units", 30, right=True),
    Column("Charge", 60, right=True),
    Column("Paid", 60, right=True),
)


def render(bill: Superbill) -> bytes:
    """The superbill as a PDF (as many pages as its lines need)."""
    title = f"Superbill {bill.client_name} {bill.start.isoformat()} to {bill.end.isoformat()}"
    with document(title) as (canvas, buffer):
        sheet = Sheet(canvas, f"Superbill for {bill.client_name}, issued {us_date(bill.issued_on)}")
        sheet.text(bill.practice.name, size=15, bold=True)
        if bill.practice.address:
            sheet.text(bill.practice.address)
        if bill.practice.phone:
            sheet.text(f"Telephone {bill.practice.phone}")
        sheet.gap(4)
        sheet.text(
            "SUPERBILL: itemized statement of services for insurance reimbursement",
            size=11,
            bold=True,
        )
        sheet.text(
            f"Dates of service {us_date(bill.start)} to {us_date(bill.end)}. Issued {us_date(bill.issued_on)}."
        )
        sheet.gap(6)
        top = sheet.y
        sheet.text("Billing provider", bold=True)
        sheet.facts(
            [
                ("Name", bill.practice.name),
                ("NPI", bill.practice.npi or ""),
                ("Tax id (EIN)", bill.practice.tax_id or ""),
            ]
        )
        left_bottom = sheet.y
        sheet.y = top
        half = MARGIN + 270
        sheet.text("Patient", bold=True, x=half)
        sheet.facts(
            [
                ("Name", bill.client_name),
                ("Date of birth", us_date(bill.client_birth_date)),
                ("Address", bill.client_address),
                ("Account", bill.client_account),
                ("Member id", bill.member_id or ""),
            ],
            x=half,
            label_width=70,
        )
        sheet.y = max(sheet.y, left_bottom) + 6
        sheet.text("Treating providers", bold=True)
        for provider in bill.providers:
            parts = [provider.name]
            if provider.discipline:
                parts.append(provider.discipline)
            if provider.npi:
                parts.append(f"NPI {provider.npi}")
            if provider.licence:
                parts.append(f"licence {provider.licence}")
            sheet.text(", ".join(parts))
        sheet.gap(6)
        sheet.text("Diagnoses (ICD-10-CM)", bold=True)
        for number, (code, description) in enumerate(bill.diagnoses, 1):
            sheet.text(f"{number}. {code}  {description}")
        sheet.gap(6)
        rows = [
            [
                us_date(line.date),
                line.place_of_service,
                line.code,
                " ".join(line.modifiers),
                line.description,
                ",".join(str(p) for p in line.diagnosis_pointers),
                str(line.units),
                dollars(line.charge_cents),
                dollars(line.paid_cents),
            ]
            for line in bill.lines
        ]
        if bill.other_paid_cents:
            rows.append(
                [
                    "",
                    "",
                    "",
                    "",
                    "Payments on account in this period",
                    "",
                    "",
                    "",
                    dollars(bill.other_paid_cents),
                ]
            )
        rows.append(
            ["", "", "", "", "Total", "", "", dollars(bill.charge_cents), dollars(bill.paid_cents)]
        )
        sheet.table(COLUMNS, rows, bold_last=True)
        sheet.gap(8)
        sheet.text(
            "Dx: the numbers of the diagnoses above that each service treated. POS: place of "
            "service (CMS place of service codes: 11 office, 02 and 10 telehealth, 12 home).",
            size=7.5,
        )
        sheet.gap(18)
        sheet.text("Provider signature ____________________________________    Date ______________")
        sheet.finish_page()
        canvas.save()
    return buffer.getvalue()


def pointer_list(codes: Sequence[str], line_codes: Sequence[str]) -> tuple[int, ...]:
    """1-based positions of ``line_codes`` in ``codes`` (the superbill's diagnosis list)."""
    return tuple(codes.index(c) + 1 for c in line_codes if c in codes)
