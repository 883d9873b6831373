"""The CMS-1500 (02/12) paper claim: what goes in each box, from the claim document.

Sources:

- NUCC, *1500 Health Insurance Claim Form Reference Instruction Manual for Form Version
  02/12* (nucc.org → 1500 Claim Form → 1500 Instructions): what each Item Number holds and
  how it is written (dates MM DD YY / MM DD YYYY, no dollar signs or decimal points in the
  money boxes, letters A-L as diagnosis pointers in 24E, the ICD indicator 0 for ICD-10-CM,
  shaded lines of 24 for supplemental data, 24I/24J shaded qualifier ZZ with the taxonomy).
- CMS, *Medicare Claims Processing Manual* (Pub 100-04) ch. 26 §10.2-§10.4, Items 1-33 of
  Form CMS-1500 (02-12), and §10.5 (a claim with more than six service lines continues on
  further forms).
- The form is a pica grid: 10 characters per inch, 6 lines per inch, as the NUCC form's
  printer specifications and every practice system that prints on it use. The line and
  column of each box below were checked against OpenEMR's 02/12 print map
  (src/Billing/Hcfa1500.php), which has printed on the red form for years.

Lines are counted from the top of the page (line 1), columns from the left (column 1); a
box's ``width`` is how many characters fit. The 837P carries the same facts: the page is
one rendering of :class:`therabill.claims.Claim`, plus what the paper form has and the
claim document lacks (:class:`PaperFacts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from therabill.claims import Claim, ServiceLine
from therabill.money import to_cents
from therabill.x12.claim_837p.common import claim_filing_code
from therabill.x12.claim_837p.places import service_facility_sent

LINES_PER_PAGE = 6  # service lines 1-6 of Item 24 (Pub 100-04 ch.26 §10.5)
MAX_DIAGNOSES = 12  # Item 21 A-L
MAX_POINTERS = 4  # Item 24E: up to four letters


@dataclass(frozen=True, slots=True)
class Box:
    """Where a box's data goes: line (1 = top), column (1 = left), characters that fit."""

    line: int
    column: int
    width: int


# Item Number → position. Names follow the NUCC manual's Item Numbers; a suffix after
# ``.`` names a part of the item (``3.mm``) or a choice of a check box (``1.medicare``).
BOXES: dict[str, Box] = {
    "carrier.name": Box(2, 41, 31),
    "carrier.line2": Box(3, 41, 31),
    "carrier.line3": Box(4, 41, 31),
    "carrier.line4": Box(5, 41, 31),
    "1.medicare": Box(8, 1, 1),
    "1.medicaid": Box(8, 8, 1),
    "1.tricare": Box(8, 15, 1),
    "1.champva": Box(8, 24, 1),
    "1.group": Box(8, 31, 1),
    "1.feca": Box(8, 39, 1),
    "1.other": Box(8, 45, 1),
    "1a": Box(8, 50, 29),
    "2": Box(10, 1, 28),
    "3.mm": Box(10, 31, 2),
    "3.dd": Box(10, 34, 2),
    "3.yyyy": Box(10, 37, 4),
    "3.m": Box(10, 42, 1),
    "3.f": Box(10, 47, 1),
    "4": Box(10, 50, 29),
    "5.street": Box(12, 1, 28),
    "6.self": Box(12, 33, 1),
    "6.spouse": Box(12, 38, 1),
    "6.child": Box(12, 42, 1),
    "6.other": Box(12, 47, 1),
    "7.street": Box(12, 50, 29),
    "5.city": Box(14, 1, 24),
    "5.state": Box(14, 26, 2),
    "7.city": Box(14, 50, 23),
    "7.state": Box(14, 74, 2),
    "5.zip": Box(16, 1, 12),
    "5.phone.area": Box(16, 15, 3),
    "5.phone": Box(16, 19, 8),
    "7.zip": Box(16, 50, 12),
    "7.phone.area": Box(16, 65, 3),
    "7.phone": Box(16, 69, 8),
    "9": Box(18, 1, 28),
    "11": Box(18, 50, 29),
    "9a": Box(20, 1, 28),
    "10a.yes": Box(20, 35, 1),
    "10a.no": Box(20, 41, 1),
    "11a.mm": Box(20, 53, 2),
    "11a.dd": Box(20, 56, 2),
    "11a.yyyy": Box(20, 59, 4),
    "11a.m": Box(20, 68, 1),
    "11a.f": Box(20, 75, 1),
    "10b.yes": Box(22, 35, 1),
    "10b.no": Box(22, 41, 1),
    "10b.state": Box(22, 45, 2),
    "11b": Box(22, 50, 29),
    "10c.yes": Box(24, 35, 1),
    "10c.no": Box(24, 41, 1),
    "11c": Box(24, 50, 29),
    "9d": Box(26, 1, 28),
    "10d": Box(26, 31, 17),
    "11d.yes": Box(26, 52, 1),
    "11d.no": Box(26, 57, 1),
    "12": Box(29, 7, 20),
    "12.date": Box(29, 36, 10),
    "13": Box(29, 55, 20),
    "17.qualifier": Box(34, 1, 2),
    "17": Box(34, 4, 25),
    "17b": Box(34, 33, 15),
    "19": Box(36, 1, 48),
    "20.yes": Box(36, 52, 1),
    "20.no": Box(36, 57, 1),
    "21.indicator": Box(37, 42, 1),
    "22.code": Box(38, 50, 11),
    "22.original": Box(38, 62, 17),
    "23": Box(40, 50, 29),
    "25": Box(56, 1, 15),
    "25.ssn": Box(56, 17, 1),
    "25.ein": Box(56, 19, 1),
    "26": Box(56, 23, 13),
    "27.yes": Box(56, 38, 1),
    "27.no": Box(56, 43, 1),
    "28": Box(56, 52, 8),
    "29": Box(56, 62, 8),
    "33.phone.area": Box(57, 66, 3),
    "33.phone": Box(57, 70, 8),
    "32": Box(58, 23, 26),
    "33": Box(58, 50, 29),
    "32.street": Box(59, 23, 26),
    "33.street": Box(59, 50, 29),
    "31": Box(60, 1, 20),
    "32.city": Box(60, 23, 26),
    "33.city": Box(60, 50, 29),
    "31.date": Box(61, 6, 10),
    "32a": Box(61, 23, 11),
    "33a": Box(61, 50, 11),
    "33b": Box(61, 63, 16),
}
# Item 21 A-L: three rows of four, 13 columns apart (A B C D / E F G H / I J K L).
for _n, _letter in enumerate("ABCDEFGHIJKL"):
    BOXES[f"21.{_letter}"] = Box(38 + _n // 4, 3 + 13 * (_n % 4), 7)  # ICD-10-CM: 7 at most

# Item 24, one service line: the shaded supplemental line above, the line itself below.
LINE_BOXES: dict[str, Box] = {
    "24a.from.mm": Box(0, 1, 2),
    "24a.from.dd": Box(0, 4, 2),
    "24a.from.yy": Box(0, 7, 2),
    "24a.to.mm": Box(0, 10, 2),
    "24a.to.dd": Box(0, 13, 2),
    "24a.to.yy": Box(0, 16, 2),
    "24b": Box(0, 19, 2),
    "24c": Box(0, 22, 2),
    "24d.code": Box(0, 25, 6),
    "24d.modifiers": Box(0, 33, 11),
    "24e": Box(0, 45, 4),
    "24f": Box(0, 50, 8),
    "24g": Box(0, 59, 3),
    "24h": Box(0, 63, 1),
    "24j": Box(0, 68, 11),
    "24i.shaded": Box(-1, 65, 2),
    "24j.shaded": Box(-1, 68, 11),
}


def service_line_row(number: int) -> int:
    """The grid line of service line ``number`` (1-6); its shaded line is the one above."""
    return 42 + 2 * number


# Item 1: the SBR09 claim filing indicator (837P) → the program box the NUCC manual names.
PROGRAM_BOX = {
    "MB": "1.medicare",
    "MA": "1.medicare",
    "MC": "1.medicaid",
    "CH": "1.tricare",
    "VA": "1.champva",
    "FI": "1.feca",
    "BL": "1.group",
    "CI": "1.group",
    "HM": "1.group",
    "12": "1.group",
    "13": "1.group",
    "14": "1.group",
    "15": "1.group",
    "16": "1.group",
}
RELATIONSHIP_BOX = {"self": "6.self", "spouse": "6.spouse", "child": "6.child"}
# Item 22: the resubmission code is the claim frequency code (7 replacement, 8 void).
RESUBMISSION = {"corrected": "7", "void": "8"}


@dataclass(frozen=True, slots=True)
class OtherInsurance:
    """Items 9, 9a and 9d: the client's next policy by priority (its insured and plan)."""

    insured_last: str
    insured_first: str
    policy_number: str
    plan_name: str


@dataclass(frozen=True, slots=True)
class PaperFacts:
    """What the paper form carries that the claim document does not: the insured's group
    number (11), the client's next policy (9, 11d), telephones (5, 7, 33), the payer's
    mailing address (carrier block) and the day it is printed (31)."""

    printed_on: dt.date
    group_number: str | None = None
    other_insurance: OtherInsurance | None = None
    patient_phone: str | None = None
    billing_phone: str | None = None
    payer_address: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """One piece of data on the page: which box, where, and the text (already upper case)."""

    box: str
    line: int
    column: int
    width: int
    text: str


ALIGNED = frozenset({"24f", "28", "29"})


@dataclass(slots=True)
class Page:
    entries: list[Entry] = field(default_factory=list)

    def put(self, box: str, text: str | None, *, at: Box | None = None) -> None:
        if not text:
            return
        where = at or BOXES[box]
        # runs of spaces become one, except in the money boxes' right-aligned figures
        clean = text.upper() if box in ALIGNED else " ".join(text.upper().split())
        clean = clean[: where.width]
        self.entries.append(Entry(box, where.line, where.column, where.width, clean))

    def text(self, box: str) -> str:
        """The text put in ``box`` on this page ('' when empty), e.g. for a preview."""
        return " ".join(e.text.strip() for e in self.entries if e.box == box)


def _date_parts(day: dt.date) -> tuple[str, str, str]:
    return f"{day.month:02d}", f"{day.day:02d}", f"{day.year:04d}"


def amount(value: Decimal | int, width: int) -> str:
    """Dollars right-aligned, a space where the form's dotted line is, two cents digits:
    no dollar sign and no point (NUCC manual, Items 24F, 28, 29)."""
    cents = to_cents(value, field="amount") if isinstance(value, Decimal) else value
    whole, part = divmod(cents, 100)
    return f"{whole:>{width - 3}d} {part:02d}"


def _phone(page: Page, box: str, phone: str | None) -> None:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())[-10:]
    if len(digits) == 10:
        page.put(f"{box}.phone.area", digits[:3])
        page.put(f"{box}.phone", f"{digits[3:6]} {digits[6:]}")


def _name(last: str, first: str) -> str:
    return f"{last}, {first}"


def pages(claim: Claim, facts: PaperFacts) -> list[Page]:
    """The claim's pages: six service lines each (Item 24), the claim's other boxes on every
    page, Items 28-29 the totals of the page's own lines so each page stands alone."""
    chunks = [
        claim.lines[start : start + LINES_PER_PAGE]
        for start in range(0, len(claim.lines), LINES_PER_PAGE)
    ]
    paid_by_line = {line.line: line.paid for other in claim.other_payers for line in other.lines}
    other_paid = sum((o.paid or Decimal(0) for o in claim.other_payers), Decimal(0))
    out = []
    first_line = 1
    for number, chunk in enumerate(chunks, 1):
        page = _claim_boxes(claim, facts)
        if len(chunks) > 1:
            page.put("19", f"PAGE {number} OF {len(chunks)}")
        for offset, line in enumerate(chunk):
            _service_line(page, claim, offset + 1, line)
        page.put("28", amount(sum((ln.charge for ln in chunk), Decimal(0)), 8))
        if paid_by_line:
            page_paid = sum(
                (paid_by_line.get(first_line + i, Decimal(0)) for i in range(len(chunk))),
                Decimal(0),
            )
        else:  # claim-level payment only: shown on the first page
            page_paid = other_paid if number == 1 else Decimal(0)
        if page_paid:
            page.put("29", amount(page_paid, 8))
        first_line += len(chunk)
        out.append(page)
    return out


def _claim_boxes(claim: Claim, facts: PaperFacts) -> Page:
    page = Page()
    payer_name = claim.payer.name or claim.payer.id
    page.put("carrier.name", payer_name)
    for box, text in zip(
        ("carrier.line2", "carrier.line3", "carrier.line4"), facts.payer_address, strict=False
    ):
        page.put(box, text)
    page.put(PROGRAM_BOX.get(claim_filing_code(claim.payer.id), "1.other"), "X")
    client, subscriber = claim.client, claim.subscriber
    page.put("1a", subscriber.member_id if subscriber else client.member_id)
    page.put("2", _name(client.last_name, client.first_name))
    mm, dd, yyyy = _date_parts(client.birth_date)
    page.put("3.mm", mm)
    page.put("3.dd", dd)
    page.put("3.yyyy", yyyy)
    if client.sex in ("M", "F"):
        page.put(f"3.{client.sex.lower()}", "X")
    insured_last = subscriber.last_name if subscriber else client.last_name
    insured_first = subscriber.first_name if subscriber else client.first_name
    page.put("4", _name(insured_last, insured_first))
    if client.address is not None:
        page.put("5.street", client.address.line1)
        page.put("5.city", client.address.city)
        page.put("5.state", client.address.state)
        page.put("5.zip", client.address.zip)
    _phone(page, "5", facts.patient_phone)
    relationship = subscriber.relationship if subscriber else "self"
    page.put(RELATIONSHIP_BOX.get(relationship, "6.other"), "X")
    insured_address = subscriber.address if subscriber else client.address
    if insured_address is not None:
        page.put("7.street", insured_address.line1)
        page.put("7.city", insured_address.city)
        page.put("7.state", insured_address.state)
        page.put("7.zip", insured_address.zip)
    if subscriber is None:
        _phone(page, "7", facts.patient_phone)
    other = facts.other_insurance
    if other is not None:
        page.put("9", _name(other.insured_last, other.insured_first))
        page.put("9a", other.policy_number)
        page.put("9d", other.plan_name)
    for item in ("10a", "10b", "10c"):  # employment, auto or other accident: the 837P's
        page.put(f"{item}.no", "X")  # CLM11 is not sent for therapy claims
    page.put("11", facts.group_number)
    insured_birth = subscriber.birth_date if subscriber else client.birth_date
    insured_sex = subscriber.sex if subscriber else client.sex
    if insured_birth is not None:
        mm, dd, yyyy = _date_parts(insured_birth)
        page.put("11a.mm", mm)
        page.put("11a.dd", dd)
        page.put("11a.yyyy", yyyy)
    if insured_sex in ("M", "F"):
        page.put(f"11a.{insured_sex.lower()}", "X")
    page.put("11c", payer_name)
    page.put("11d.yes" if other is not None else "11d.no", "X")
    # 12 and 13: release of information and assignment of benefits on file (837P CLM09 Y,
    # CLM08 Y); the NUCC manual accepts "SIGNATURE ON FILE" or "SOF".
    page.put("12", "SIGNATURE ON FILE")
    page.put("13", "SIGNATURE ON FILE")
    referring = claim.referring_provider
    if referring is not None:  # 837P 2310A NM1*DN: qualifier DN, name, 17b NPI
        page.put("17.qualifier", "DN")
        page.put("17", _name(referring.last_name, referring.first_name))
        page.put("17b", referring.npi)
    page.put("20.no", "X")
    diagnoses = claim.diagnoses[:MAX_DIAGNOSES]
    if diagnoses:
        page.put("21.indicator", "0")  # ICD-10-CM
    for letter, code in zip("ABCDEFGHIJKL", diagnoses, strict=False):
        page.put(f"21.{letter}", code.replace(".", ""))  # the point is implied
    if claim.frequency in RESUBMISSION:
        page.put("22.code", RESUBMISSION[claim.frequency])
        page.put("22.original", claim.original_claim_id)
    if claim.authorization is not None:
        page.put("23", claim.authorization.number)
    billing = claim.billing_provider
    if billing is not None and billing.tax_id:
        page.put("25", billing.tax_id.replace("-", ""))
        page.put("25.ein", "X")
    page.put("26", claim.claim_id)  # the patient control number, 837P CLM01
    page.put("27.yes", "X")  # assignment accepted (837P CLM07 A)
    page.put("31", "SIGNATURE ON FILE")
    page.put("31.date", facts.printed_on.strftime("%m %d %y"))
    facility = claim.service_facility
    if facility is not None and service_facility_sent(claim):  # 837P 2310C's rule
        street = " ".join(p for p in (facility.address.line1, facility.address.line2) if p)
        page.put("32", facility.name)
        page.put("32.street", street)
        page.put(
            "32.city", f"{facility.address.city} {facility.address.state} {facility.address.zip}"
        )
        page.put("32a", facility.npi)
    if billing is not None:
        page.put("33", billing.name)
        if billing.address is not None:
            street = " ".join(p for p in (billing.address.line1, billing.address.line2) if p)
            page.put("33.street", street)
            page.put(
                "33.city", f"{billing.address.city} {billing.address.state} {billing.address.zip}"
            )
        page.put("33a", billing.npi)
    _phone(page, "33", facts.billing_phone)
    return page


def _service_line(page: Page, claim: Claim, number: int, line: ServiceLine) -> None:
    row = service_line_row(number)

    def put(box: str, text: str | None) -> None:
        where = LINE_BOXES[box]
        page.put(box, text, at=Box(row + where.line, where.column, where.width))

    yy = f"{line.date.year % 100:02d}"
    for end in ("from", "to"):
        put(f"24a.{end}.mm", f"{line.date.month:02d}")
        put(f"24a.{end}.dd", f"{line.date.day:02d}")
        put(f"24a.{end}.yy", yy)
    put("24b", claim.place_of_service)
    put("24d.code", line.code)
    put("24d.modifiers", " ".join(line.modifiers[:4]))
    letters = "".join(
        "ABCDEFGHIJKL"[p - 1] for p in line.diagnosis_pointers[:MAX_POINTERS] if p <= 12
    )
    put("24e", letters)
    put("24f", amount(line.charge, 8))
    put("24g", str(line.units if line.units is not None else 1))
    put("24j", claim.provider.npi)
    if claim.provider.taxonomy:  # 837P 2310B PRV: the shaded 24I qualifier ZZ and 24J
        put("24i.shaded", "ZZ")
        put("24j.shaded", claim.provider.taxonomy)


def alignment_page() -> Page:
    """Every box filled with X to its width: printed on a blank red form, it shows whether the
    printer needs an offset before the real claims go through it."""
    page = Page()

    def filler(box: str, width: int) -> str:  # money: dollars, the dotted line, cents
        return "X" * (width - 3) + " XX" if box in ALIGNED else "X" * width

    for box, where in BOXES.items():
        page.put(box, filler(box, where.width))
    for number in range(1, LINES_PER_PAGE + 1):
        row = service_line_row(number)
        for box, where in LINE_BOXES.items():
            at = Box(row + where.line, where.column, where.width)
            page.put(box, filler(box, where.width), at=at)
    return page


def all_entries(found: Sequence[Page]) -> list[Entry]:
    return [entry for page in found for entry in page.entries]
