"""Correcting a claim: what an edit changes, which way the payer takes a correction, and the
reopening request a Medicare Part B contractor needs instead of a replacement claim. Pure.

Sources:

- 837P CLM05-3 claim frequency 1 original, 7 replacement, 8 void; REF*F8 carries the payer's
  claim control number of the claim replaced or voided (005010X222A1 2300 REF*F8, as the pyx12
  map transcribes it), which the payer returns in the 835's CLP07. A replacement repeats every
  line of the claim, corrected (payer manuals; ../shared/reference/after-submission.md §2.1).
- Medicare Part B takes every 837P as a new claim: a rejected (unprocessable) claim is sent
  again as a new claim; a processed claim is corrected by a reopening or an appeal (Noridian
  JF Part B Provider Customer Service FAQ Q1,
  https://med.noridianmedicare.com/web/jfb/fees-news/faqs/provider-customer-service).
  A reopening corrects clerical errors (billed amount, diagnosis, modifiers, procedure code,
  place of service, units …) within one year of the initial determination; adding or deleting
  lines is too complex for a reopening (Noridian JF Part B "Reopening",
  https://med.noridianmedicare.com/web/jfb/topics/appeals/reopening; Pub 100-04 ch.34 §10.6).
- RARC MA130 (unprocessable, no appeal rights): submit a new claim with the correct data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from therabill.claims.document import Claim, ReferringProvider, ServiceLine
from therabill.claims.status import ADJUDICATED, EDITABLE, ClaimStatus, why_not_editable
from therabill.codes import load_code_set
from therabill.errors import InvalidInput
from therabill.identifiers import npi as npi_check
from therabill.money import format_money, parse_money, to_cents, to_decimal
from therabill.payers.profile import REOPENING, PayerProfile

MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
ICD10_SHAPE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")
MAX_MODIFIERS = 4  # 837P SV101-3 to SV101-6
MAX_POINTERS = 4  # 837P SV107-1 to SV107-4
MAX_DIAGNOSES = 12  # 837P HI, CMS-1500 box 21 A-L
MAX_UNITS = 9999
REOPENING_DAYS = 365  # one year from the initial determination (Pub 100-04 ch.34 §10.6)


@dataclass(frozen=True, slots=True)
class LineEdit:
    """What changes on one line (``None``: unchanged). ``charge_cents`` None with a new code
    or new units means: the fee for the code times the units."""

    line: int
    code: str | None = None
    modifiers: tuple[str, ...] | None = None
    units: int | None = None
    charge_cents: int | None = None
    pointers: tuple[int, ...] | None = None

    def is_empty(self) -> bool:
        return all(
            v is None
            for v in (self.code, self.modifiers, self.units, self.charge_cents, self.pointers)
        )


@dataclass(frozen=True, slots=True)
class ClaimEdit:
    """An edit of a claim: changes to lines, the claim's diagnoses (replaced whole) and its
    referring provider (837P 2310A, CMS-1500 box 17; over the plan of care's certifier)."""

    lines: tuple[LineEdit, ...] = ()
    diagnoses: tuple[str, ...] | None = None
    referring: ReferringProvider | None = None

    def is_empty(self) -> bool:
        return (
            self.diagnoses is None
            and self.referring is None
            and all(e.is_empty() for e in self.lines)
        )


@dataclass(frozen=True, slots=True)
class Change:
    """One changed value, as the claim's history and a reopening request say it."""

    where: str  # "line 1 (97110)" or "claim"
    what: str  # "units"
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.where} {self.what}: {self.before or '-'} → {self.after or '-'}"

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "what": self.what, "before": self.before, "after": self.after}


def _whole(text: str, field: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 6:
        raise InvalidInput(f"{text!r} is not a whole number", field=field)
    return int(text.strip())


def parse_edit(
    *,
    line: str | None = None,
    code: str | None = None,
    modifiers: str | None = None,
    units: str | None = None,
    charge: str | None = None,
    pointers: str | None = None,
    diagnoses: Sequence[str] | None = None,
    referring_npi: str | None = None,
    referring_name: str | None = None,
) -> ClaimEdit:
    """The edit a form or the command line describes, as text (``None`` or blank: unchanged;
    modifiers ``""`` with a line: none). Line values need ``line``; a referring provider needs
    both its NPI and its "First Last" name."""

    def given(value: str | None) -> str | None:
        return value if value is not None and value.strip() else None

    line_values = [given(code), given(units), given(charge), given(pointers), modifiers]
    if given(line) is None:
        if any(v is not None for v in line_values):
            raise InvalidInput("say which line: --line N", field="line")
        lines: tuple[LineEdit, ...] = ()
    else:
        assert line is not None
        pointer_text = given(pointers)
        charge_text = given(charge)
        units_text = given(units)
        lines = (
            LineEdit(
                _whole(line, "line"),
                code=given(code),
                modifiers=tuple(modifiers.split(",")) if modifiers is not None else None,
                units=_whole(units_text, "units") if units_text else None,
                charge_cents=parse_money(charge_text, field="charge") if charge_text else None,
                pointers=(
                    tuple(_whole(p, "pointers") for p in pointer_text.split(",") if p.strip())
                    if pointer_text
                    else None
                ),
            ),
        )
    dx = [d for d in diagnoses or [] if d.strip()]
    return ClaimEdit(
        lines=lines,
        diagnoses=tuple(dx) if dx else None,
        referring=parse_referring(given(referring_npi), given(referring_name)),
    )


def parse_referring(npi: str | None, name: str | None) -> ReferringProvider | None:
    """The referring provider an edit names: a valid NPI and "First Last" (as on the Medicare
    Ordering and Referring file, no middle initial), both or neither."""
    if npi is None and name is None:
        return None
    if npi is None or name is None:
        missing = "--referring-name" if npi is not None else "--referring-npi"
        raise InvalidInput(
            f"give the referring provider's NPI and name together: {missing} is missing",
            field="referring_provider",
        )
    first, _, last = name.strip().rpartition(" ")
    if not first.strip() or not last.strip():
        raise InvalidInput('give the first and last name, "Rosa Diaz"', field="referring_name")
    try:
        number = npi_check.validate(npi)
    except InvalidInput as problem:
        raise InvalidInput(problem.message, field="referring_npi", hint=problem.hint) from None
    return ReferringProvider(npi=number, first_name=first.strip(), last_name=last.strip())


def _referring_text(who: ReferringProvider | None) -> str:
    return f"{who.first_name} {who.last_name} ({who.npi})" if who else ""


FeeLookup = Callable[[str], int | None]  # code → cents per unit, None when no fee is on file


def clean_modifiers(values: Sequence[str], field: str) -> tuple[str, ...]:
    out = tuple(v.strip().upper() for v in values if v.strip())
    if len(out) > MAX_MODIFIERS:
        raise InvalidInput(f"at most {MAX_MODIFIERS} modifiers on a line", field=field)
    for mod in out:
        if not MODIFIER.match(mod):
            raise InvalidInput(f"{mod!r} is not a modifier (two letters or digits)", field=field)
    return out


def clean_diagnosis(code: str, field: str = "diagnoses") -> str:
    """``M5450`` or ``m54.50`` → ``M54.50`` (shape only; the scrubber checks it is billable)."""
    text = code.strip().upper().replace(".", "")
    if not ICD10_SHAPE.match(text):
        raise InvalidInput(f"{code!r} is not shaped like an ICD-10-CM code", field=field)
    return f"{text[:3]}.{text[3:]}" if len(text) > 3 else text


def apply_edit(claim: Claim, edit: ClaimEdit, *, fee: FeeLookup) -> tuple[Claim, list[Change]]:
    """The claim with ``edit`` applied and what changed; refuses an edit that changes nothing,
    a line the claim does not have, and values a claim line cannot hold."""
    if edit.is_empty():
        raise InvalidInput(
            "nothing to change: give --code, --modifier, --units, --charge, --pointers, --dx or "
            "--referring-npi with --referring-name",
            field="edit",
        )
    changes: list[Change] = []
    referring = claim.referring_provider
    if edit.referring is not None and edit.referring != referring:
        changes.append(
            Change(
                "claim",
                "referring provider",
                _referring_text(referring),
                _referring_text(edit.referring),
            )
        )
        referring = edit.referring
    diagnoses = list(claim.diagnoses)
    if edit.diagnoses is not None:
        new_dx = [clean_diagnosis(d) for d in edit.diagnoses]
        if not new_dx or len(new_dx) > MAX_DIAGNOSES or len(set(new_dx)) != len(new_dx):
            raise InvalidInput(f"give 1 to {MAX_DIAGNOSES} different diagnoses", field="diagnoses")
        if new_dx != diagnoses:
            changes.append(Change("claim", "diagnoses", " ".join(diagnoses), " ".join(new_dx)))
        diagnoses = new_dx
    lines = list(claim.lines)
    by_number = {e.line: e for e in edit.lines}
    for number in by_number:
        if not 1 <= number <= len(lines):
            raise InvalidInput(
                f"claim {claim.claim_id} has no line {number} (lines 1-{len(lines)})",
                field="line",
            )
    for i, line in enumerate(lines):
        line_edit = by_number.get(i + 1)
        new = _edit_line(line, line_edit, fee) if line_edit else line
        where = f"line {i + 1} ({line.code})"
        pointers = new.diagnosis_pointers
        if any(p > len(diagnoses) for p in pointers):
            raise InvalidInput(
                f"{where} points at diagnosis {max(pointers)} but the claim has "
                f"{len(diagnoses)}; give --pointers for the line",
                field="pointers",
            )
        changes.extend(_line_changes(where, line, new))
        lines[i] = new
    if not changes:
        raise InvalidInput("the edit changes nothing on the claim", field="edit")
    update = {"lines": lines, "diagnoses": diagnoses, "referring_provider": referring}
    return claim.model_copy(update=update), changes


def _edit_line(line: ServiceLine, e: LineEdit, fee: FeeLookup) -> ServiceLine:
    field = f"line {e.line}"
    code = line.code
    if e.code is not None:
        code = load_code_set().require(e.code.strip().upper(), line.date, field=field).code
    units = line.units or 0
    if e.units is not None:
        if not 1 <= e.units <= MAX_UNITS:
            raise InvalidInput(f"units must be 1 to {MAX_UNITS}", field=field)
        units = e.units
    modifiers = line.modifiers
    if e.modifiers is not None:
        modifiers = list(clean_modifiers(e.modifiers, field))
    pointers = line.diagnosis_pointers
    if e.pointers is not None:
        if not 1 <= len(e.pointers) <= MAX_POINTERS or len(set(e.pointers)) != len(e.pointers):
            raise InvalidInput(f"give 1 to {MAX_POINTERS} different pointers", field=field)
        if any(p < 1 for p in e.pointers):
            raise InvalidInput("diagnosis pointers start at 1", field=field)
        pointers = list(e.pointers)
    charge = line.charge
    if e.charge_cents is not None:
        if e.charge_cents < 0:
            raise InvalidInput("a charge cannot be negative", field=field)
        charge = to_decimal(e.charge_cents)
    elif code != line.code or units != (line.units or 0):
        per_unit = fee(code)
        charge = to_decimal(per_unit * units) if per_unit is not None else Decimal("0.00")
    return line.model_copy(
        update={
            "code": code,
            "units": units,
            "modifiers": modifiers,
            "diagnosis_pointers": pointers,
            "charge": charge,
        }
    )


def _line_changes(where: str, old: ServiceLine, new: ServiceLine) -> list[Change]:
    pairs = [
        ("code", old.code, new.code),
        ("modifiers", ",".join(old.modifiers), ",".join(new.modifiers)),
        ("units", str(old.units or ""), str(new.units or "")),
        (
            "charge",
            format_money(to_cents(old.charge, field="charge")),
            format_money(to_cents(new.charge, field="charge")),
        ),
        (
            "diagnosis pointers",
            ",".join(map(str, old.diagnosis_pointers)),
            ",".join(map(str, new.diagnosis_pointers)),
        ),
    ]
    return [Change(where, what, a, b) for what, a, b in pairs if a != b]


class CorrectionWay(StrEnum):
    """How a claim is corrected, by its status and its payer's rule."""

    IN_PLACE = "in_place"  # never adjudicated: fix the claim, send it again as an original
    REPLACEMENT = "replacement"  # frequency 7 with REF*F8; the original is replaced
    NEW_CLAIM = "new_claim"  # unprocessable (e.g. MA130): a new original claim replaces it
    REOPENING = "reopening"  # Medicare Part B: a reopening request, no 837P


def correction_way(
    claim_id: int,
    status: ClaimStatus,
    profile: PayerProfile | None,
    remarks: Collection[str] = (),
) -> CorrectionWay:
    """The way ``claims correct`` takes for a claim in ``status`` whose payer's profile is
    ``profile`` and whose latest 835 carried ``remarks`` (RARCs); refuses, saying why and what
    to do instead, a claim that cannot be corrected now."""
    if status in EDITABLE:
        return CorrectionWay.IN_PLACE
    if status not in ADJUDICATED:
        raise InvalidInput(why_not_editable(claim_id, status) or "", field="claim")
    if profile is not None and set(remarks) & profile.new_claim_remarks:
        return CorrectionWay.NEW_CLAIM
    if profile is not None and profile.corrections == REOPENING:
        return CorrectionWay.REOPENING
    return CorrectionWay.REPLACEMENT


@dataclass(frozen=True, slots=True)
class ReopeningFacts:
    """What a reopening request names: the claim as the payer knows it, and who asks."""

    payer: str
    payer_claim_number: str
    our_claim_number: str
    patient: str
    member_id: str
    birth_date: dt.date
    date_of_service: dt.date
    rendering: str
    billing: str
    decided_on: dt.date | None


def request_by(decided_on: dt.date | None) -> dt.date | None:
    """The last day to ask: one year from the initial determination (Pub 100-04 ch.34
    §10.6); unknown without the determination's date."""
    return decided_on + dt.timedelta(days=REOPENING_DAYS) if decided_on else None


def reopening_text(
    facts: ReopeningFacts, changes: Sequence[Change], reason: str, *, deny_all: bool = False
) -> str:
    """The request, as text to read out on the phone, type into the contractor's portal or
    send in writing: the claim's facts, each change asked for, and why."""
    due = request_by(facts.decided_on)
    asked = (
        ["Deny every service on the claim as billed in error."]
        if deny_all
        else [f"- {c}" for c in changes]
    )
    return "\n".join(
        [
            f"Reopening request: clerical error on a processed claim ({facts.payer})",
            "",
            f"Payer claim control number (ICN): {facts.payer_claim_number or 'see remittance'}",
            f"Our claim number: {facts.our_claim_number}",
            f"Patient: {facts.patient}, born {facts.birth_date.isoformat()}",
            f"Member ID: {facts.member_id}",
            f"Date of service: {facts.date_of_service.isoformat()}",
            f"Rendering provider: {facts.rendering}",
            f"Billing provider: {facts.billing}",
            (
                f"Initial determination: {facts.decided_on.isoformat()}; request by "
                f"{due.isoformat()}"
                if facts.decided_on and due
                else "Initial determination: date not on file"
            ),
            "",
            "Changes requested:",
            *asked,
            "",
            f"Reason: {reason.strip()}",
        ]
    )
