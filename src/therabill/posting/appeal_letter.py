"""An appeal letter for one denial, as plain text, from the claim's facts. Pure.

What a first-level appeal (Medicare: a redetermination request) must carry is the same across
payers: who the patient is, the claim and its payer number, the service and date, what was
denied and why (the reason and remark codes), what the provider asks for and why, and what is
enclosed. Medicare's list: beneficiary name, Medicare number, the item or service and its
date, and the name and signature of the party (42 CFR 405.944(b)); the request must be filed
within 120 days of receiving the initial determination (42 CFR 405.942(a)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from therabill.money import to_decimal

# What to enclose by the denial's reason (CARC), therapy-practice defaults.
ENCLOSURES = {
    "50": "the plan of care and the treatment notes showing medical necessity",
    "150": "the treatment notes supporting the level of service",
    "151": "the treatment notes and minutes supporting the number of units or visits",
    "152": "the treatment notes supporting the length of service",
    "197": "the authorization request and any approval on file",
    "29": "proof of timely filing (the clearinghouse acceptance report or payer receipt)",
    "119": "the progress report and plan of care supporting continued therapy",
}
DEFAULT_ENCLOSURE = "the treatment notes for the date of service"


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """What the letter says; every field is plain text or a number already checked."""

    practice_name: str
    practice_npi: str
    practice_address: str
    payer_name: str
    client_name: str
    client_birth_date: dt.date
    member_id: str
    claim_number: str
    payer_claim_number: str
    date_of_service: dt.date
    service: str  # "97110 x2" or the claim's codes
    group: str
    carc: str
    carc_text: str
    remarks: Sequence[tuple[str, str]]
    amount_cents: int
    remittance_date: dt.date
    deadline: dt.date | None
    written_on: dt.date


def appeal_letter(facts: LetterFacts) -> str:
    """The letter's text, ready to print, sign and send (or paste into a payer portal)."""
    f = facts
    remarks = "".join(f"\n  Remark {code}: {text}" for code, text in f.remarks)
    deadline = (
        f"This request is sent within the appeal period, which ends {f.deadline:%B %-d, %Y}.\n\n"
        if f.deadline
        else ""
    )
    enclosed = ENCLOSURES.get(f.carc, DEFAULT_ENCLOSURE)
    lines = [
        f"{f.practice_name}",
        f"{f.practice_address}".strip(),
        f"NPI {f.practice_npi}".strip(),
        "",
        f"{f.written_on:%B %-d, %Y}",
        "",
        f"{f.payer_name}",
        "Appeals / reconsideration",
        "",
        "Re: Request for reconsideration (first-level appeal)",
        f"Patient: {f.client_name}, born {f.client_birth_date:%m/%d/%Y}",
        f"Member ID: {f.member_id}",
        f"Our claim number: {f.claim_number}"
        + (f"; your claim number: {f.payer_claim_number}" if f.payer_claim_number else ""),
        f"Date of service: {f.date_of_service:%m/%d/%Y}; service: {f.service}",
        f"Amount in question: ${to_decimal(f.amount_cents)}",
        "",
        f"Your remittance of {f.remittance_date:%m/%d/%Y} did not pay this service, with "
        f"adjustment {f.group}-{f.carc} ({f.carc_text}).{remarks}",
        "",
        "We ask you to reconsider this decision. The service was provided as billed, was "
        "medically necessary under the patient's plan of care, and is documented in the "
        f"enclosed records. Please review {enclosed} and pay the claim as billed.",
        "",
        deadline.rstrip("\n") if deadline else "",
        "Enclosed: a copy of the remittance, " + enclosed + ".",
        "",
        "Sincerely,",
        "",
        "",
        "______________________________",
        f"{f.practice_name}",
    ]
    text = "\n".join(lines)
    while "\n\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n\n")
    return text + "\n"
