"""Rule 10: diagnoses present, valid and billable ICD-10-CM codes, pointed at correctly.

Sources: ICD-10-CM validity and billability from the simple-icd-10-cm package (CDC tabular
list); at most 12 diagnoses per claim and 4 pointers per line (837P HI segment and SV107;
CMS-1500 boxes 21 and 24E).
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.identifiers import icd10cm
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule

MAX_DIAGNOSES = 12
MAX_POINTERS = 4
LIMITS = "837P HI (12 diagnoses) and SV107 (4 pointers); CMS-1500 boxes 21 and 24E"


@rule(
    "diagnosis.missing",
    Severity.ERROR,
    source="837P HI segment: at least one diagnosis (CMS-1500 box 21)",
)
def missing(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """No diagnosis on the claim."""
    if not claim.diagnoses:
        yield finding(
            "diagnosis.missing",
            "the claim has no diagnosis code.",
            field="diagnoses",
            fix="Add the ICD-10-CM code(s) from the referral or the plan of care.",
        )


@rule("diagnosis.invalid", Severity.ERROR, source=icd10cm.SOURCE)
def invalid(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A diagnosis that is not a valid, billable ICD-10-CM code (e.g. a heading like M54.5)."""
    for n, code in enumerate(claim.diagnoses):
        exc = icd10cm.problem(code)
        if exc is not None:
            yield finding(
                "diagnosis.invalid",
                exc.message,
                field=f"diagnoses[{n}]",
                fix=exc.hint or "Use a billable ICD-10-CM code from the current code set.",
                code=code,
                source=f"{icd10cm.SOURCE}, {icd10cm.RELEASE}",
            )


@rule("diagnosis.too-many", Severity.ERROR, source=LIMITS, when="diagnosis-repeats")
def too_many(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """More than 12 diagnoses, or the same diagnosis twice."""
    if len(claim.diagnoses) > MAX_DIAGNOSES:
        yield finding(
            "diagnosis.too-many",
            f"{len(claim.diagnoses)} diagnoses; a claim holds at most {MAX_DIAGNOSES}.",
            field="diagnoses",
            fix="Keep the diagnoses the services treat; split the claim if needed.",
        )
    seen: set[str] = set()
    for n, code in enumerate(claim.diagnoses):
        key = icd10cm.compact(code)
        if key in seen:
            yield finding(
                "diagnosis.too-many",
                f"{code} is listed twice.",
                field=f"diagnoses[{n}]",
                fix="List each diagnosis once.",
                code=code,
                severity=Severity.WARNING,
            )
        seen.add(key)


@rule("diagnosis.pointer", Severity.ERROR, source=LIMITS)
def pointers(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A line without a diagnosis pointer, with more than 4, or pointing past the list."""
    count = len(claim.diagnoses)
    for i, line in enumerate(claim.lines):
        field = f"lines[{i}].diagnosis_pointers"
        if not line.diagnosis_pointers:
            yield finding(
                "diagnosis.pointer", f"{line.code} does not point to any diagnosis.",
                at=i, field=field, fix="Add the pointer (1 for the first diagnosis).",
                code=line.code,
            )  # fmt: skip
            continue
        if len(line.diagnosis_pointers) > MAX_POINTERS:
            yield finding(
                "diagnosis.pointer",
                f"{line.code} has {len(line.diagnosis_pointers)} pointers; at most {MAX_POINTERS}.",
                at=i, field=field, fix="Keep the four most relevant.", code=line.code,
            )  # fmt: skip
        for pointer in line.diagnosis_pointers:
            if pointer > count:
                yield finding(
                    "diagnosis.pointer",
                    f"{line.code} points to diagnosis {pointer}, but the claim lists {count}.",
                    at=i, field=field, code=line.code,
                    fix=f"Point to 1-{count}, or add the missing diagnosis." if count
                    else "Add the diagnoses first.",
                )  # fmt: skip
