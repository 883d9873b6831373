"""Rule 10: diagnoses present, billable on each date of service, in a valid order, consistent
with the client's sex, and pointed at correctly.

Sources: ICD-10-CM billability by release (the CMS/CDC tabular order files of each fiscal year
and April update since FY2021, ``identifiers.icd10cm_releases``); external cause codes never
first-listed (ICD-10-CM Official Guidelines for Coding and Reporting, section I.C.20; the
Medicare Code Editor's edit 2); the MCE's sex conflict lists; at most 12 diagnoses per claim and
4 pointers per line (837P HI segment and SV107; CMS-1500 boxes 21 and 24E).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.identifiers import icd10cm, icd10cm_releases
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


EXTERNAL_CAUSE = ("V", "W", "X", "Y")  # chapter 20, V00-Y99
EXTERNAL_SOURCE = (
    "ICD-10-CM Official Guidelines for Coding and Reporting, section I.C.20 (external cause"
    " codes are never first-listed); CMS Medicare Code Editor edit 2"
)
SEXES = {"F": "female", "M": "male"}


def _dates(claim: Claim, position: int) -> list[dt.date]:
    """The dates of service of the lines pointing to diagnosis ``position`` (1-based); every
    date of the claim when no line points to it."""
    pointed = {line.date for line in claim.lines if position in line.diagnosis_pointers}
    return sorted(pointed or {line.date for line in claim.lines})


@rule("diagnosis.invalid", Severity.ERROR, source=icd10cm_releases.CHANGES_SOURCE)
def invalid(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A diagnosis that is not a billable ICD-10-CM code on its lines' dates of service
    (M54.5 after 2021-09-30, a heading, a code not yet in force)."""
    for n, code in enumerate(claim.diagnoses):
        said: set[str] = set()
        for day in _dates(claim, n + 1):
            exc = icd10cm.problem_on(code, day)
            if exc is None or exc.message in said:
                continue
            said.add(exc.message)
            yield finding(
                "diagnosis.invalid",
                exc.message,
                field=f"diagnoses[{n}]",
                fix=exc.hint
                or "Use a code billable on the date of service (ICD-10-CM release"
                " in force on that date).",
                code=code,
            )


@rule("diagnosis.external-cause-first", Severity.ERROR, source=EXTERNAL_SOURCE)
def external_cause_first(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """An external cause code (V00-Y99: how or where an injury happened) listed first."""
    if claim.diagnoses and icd10cm.compact(claim.diagnoses[0]).startswith(EXTERNAL_CAUSE):
        first = claim.diagnoses[0]
        yield finding(
            "diagnosis.external-cause-first",
            f"{first} is an external cause code: it may not be the first-listed diagnosis.",
            field="diagnoses[0]",
            fix="List the condition treated (the injury or its aftercare) first and the"
            " external cause after it.",
            code=first,
        )


@rule("diagnosis.sex", Severity.WARNING, source=icd10cm_releases.SEX_SOURCE)
def sex_conflict(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A diagnosis for one sex only (CMS Medicare Code Editor) on a client of the other sex."""
    sex = claim.client.sex
    if sex not in SEXES:
        return
    for n, code in enumerate(claim.diagnoses):
        only = icd10cm_releases.sex_only(icd10cm.compact(code))
        if only is not None and only != sex:
            yield finding(
                "diagnosis.sex",
                f"{code} is a diagnosis for {SEXES[only]} patients only, but the client's sex"
                f" is {SEXES[sex]}: the payer's code editor may reject the claim.",
                field=f"diagnoses[{n}]",
                fix="Check the diagnosis code and the client's sex on file (as on the insurance"
                " card); if both are right, add a note for the payer.",
                code=code,
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
