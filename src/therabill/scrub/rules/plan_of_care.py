"""Outpatient therapy under a plan of care: the certifying provider on the claim, the plan's
certification dates, progress reports, and payers' yearly visit limits.

Sources (copies and summaries in shared/reference/after-submission.md §5):
- CMS Pub 100-02 (Medicare Benefit Policy Manual) ch.15 §220.1.3: the physician/NPP certifies
  the plan; timely when signed (or a verbal order dated) within 30 days of the first treatment
  day; a plan covers at most 90 calendar days, so recertify at least every 90 days.
- CMS Pub 100-02 ch.15 §220.3 D: a progress report at least once every 10 treatment days.
- The certifying physician/NPP is the claim's referring provider: 837P 005010X222A1 loop 2310A
  NM1*DN, CMS-1500 box 17 (qualifier DN) with the NPI in 17b (Noridian JE "Certifying
  physician: identify for claim processing"; Palmetto GBA and First Coast Part B FAQs).
  Medicare denies a therapy claim without it with N286 (referring provider NPI missing).
- NPI check digit: CMS "Requirements for NPI Check Digit" (Luhn over the 80840 prefix).
- Visit limits are each payer's benefit design (payer profile ``visit_limits``, sourced there);
  never a denial by therabill, a warning (a 271 reports the visits left: EB01 = F, EB09 = VS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from therabill.claims import Claim
from therabill.findings import Finding, Severity
from therabill.identifiers import npi
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule

PLAN_DISCIPLINES = frozenset({"pt", "ot", "slp"})  # Medicare outpatient therapy (§220)
CERTIFY_WITHIN_DAYS = 30  # §220.1.3: timely certification
PLAN_MAX_DAYS = 90  # §220.1.3: recertify at least every 90 days
RECERTIFY_WARNING_DAYS = 14  # warn this many days before the certified period runs out
PROGRESS_REPORT_DAYS = 10  # §220.3 D: a progress report at least every 10 treatment days
PROGRESS_WARNING_DAYS = 8  # note it from the 8th treatment day
VISITS_WARNING = 3  # note the limit when this few visits are left

CERTIFICATION = "CMS Pub 100-02 ch.15 §220.1.3 (certify within 30 days; recertify every 90)"
PROGRESS = "CMS Pub 100-02 ch.15 §220.3 D (progress report at least every 10 treatment days)"
REFERRING = (
    "837P 005010X222A1 loop 2310A NM1*DN; CMS-1500 box 17/17b; Noridian JE 'Certifying "
    "physician: identify for claim processing' (denial N286 without it)"
)


def _therapy_plan_claim(claim: Claim, ctx: ClaimContext) -> bool:
    """A claim to a payer that wants a certified plan, from a PT, OT or speech provider."""
    return ctx.payer.plan_of_care_required and claim.provider.discipline in PLAN_DISCIPLINES


def _dates(claim: Claim) -> tuple[dt.date, dt.date]:
    days = [line.date for line in claim.lines]
    return min(days), max(days)


@rule("plan-of-care.referring-provider", Severity.ERROR, source=REFERRING)
def referring_provider(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A therapy claim to a payer that wants the certifying provider names none."""
    if claim.referring_provider is not None or not ctx.payer.referring_provider_required:
        return
    if claim.provider.discipline not in PLAN_DISCIPLINES:
        return
    yield finding(
        "plan-of-care.referring-provider",
        f"{ctx.payer.name} wants the physician or NPP who certified the plan of care as the "
        "referring provider (837P 2310A, CMS-1500 box 17), and none is on file.",
        field="referring_provider",
        fix="Record the client's plan of care with its certifying physician's name and NPI "
        "(therabill plan add).",
        source=f"{REFERRING}; {ctx.payer.cite('referring_provider_required')}",
    )


@rule("plan-of-care.referring-npi", Severity.ERROR, source=npi.SOURCE)
def referring_npi(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The referring provider's NPI fails its check digit."""
    referring = claim.referring_provider
    if referring is None:
        return
    problem = npi.problem(referring.npi)
    if problem is not None:
        yield finding(
            "plan-of-care.referring-npi",
            f"referring provider {referring.first_name} {referring.last_name}: {problem}",
            field="referring_provider.npi",
            fix=problem.hint or "Copy the NPI from NPPES (npiregistry.cms.hhs.gov).",
        )


@rule("plan-of-care.outside", Severity.WARNING, source=CERTIFICATION)
def outside(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A therapy session falls outside every plan of care (none, or not its dates)."""
    if not _therapy_plan_claim(claim, ctx):
        return
    plan = claim.plan_of_care
    if plan is None:
        yield finding(
            "plan-of-care.outside",
            f"no plan of care for {claim.provider.discipline.upper()} covers this session: "
            f"{ctx.payer.name} pays outpatient therapy only under a certified plan.",
            field="plan_of_care",
            fix="Record the plan of care (therabill plan add) and send it to the physician "
            "or NPP to certify.",
        )
        return
    for index, line in enumerate(claim.lines):
        if not plan.start <= line.date <= plan.end:
            yield finding(
                "plan-of-care.outside",
                f"{line.date} is outside the plan of care ({plan.start} to {plan.end}).",
                at=index,
                field="plan_of_care",
                fix="Recertify the plan (a new plan of care for the new period) before "
                "billing this session.",
            )


@rule("plan-of-care.certification", Severity.WARNING, source=CERTIFICATION)
def certification(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The plan's certification is not back, or came more than 30 days after it started."""
    plan = claim.plan_of_care
    if plan is None or not _therapy_plan_claim(claim, ctx):
        return
    deadline = plan.start + dt.timedelta(days=CERTIFY_WITHIN_DAYS)
    if plan.certified is None:
        _, last = _dates(claim)
        if last > deadline or ctx.today > deadline:
            yield finding(
                "plan-of-care.certification",
                f"the plan of care that started {plan.start} is not certified, and the 30 "
                f"days for a timely certification ended {deadline}.",
                field="plan_of_care.certified",
                fix="Get the physician's or NPP's signature; a delayed certification needs "
                "the reason for the delay in the record.",
            )
        else:
            yield finding(
                "plan-of-care.certification",
                f"the plan of care is not certified yet: it must be signed by {deadline} "
                "(30 days after the first treatment day).",
                field="plan_of_care.certified",
                fix="Send the plan to the physician or NPP and record the signature date "
                "when it returns (therabill plan certify).",
                severity=Severity.INFO,
            )
    elif plan.certified > deadline:
        yield finding(
            "plan-of-care.certification",
            f"the plan of care was certified on {plan.certified}, more than 30 days after "
            f"it started ({plan.start}): a delayed certification.",
            field="plan_of_care.certified",
            fix="Keep the reason for the delay with the certification in the record.",
        )


@rule("plan-of-care.recertify", Severity.WARNING, source=CERTIFICATION)
def recertify(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The certified period ends soon after this session (90 days at most per plan)."""
    plan = claim.plan_of_care
    if plan is None or not _therapy_plan_claim(claim, ctx):
        return
    _, last = _dates(claim)
    longest = plan.start + dt.timedelta(days=PLAN_MAX_DAYS - 1)
    if plan.end > longest:
        yield finding(
            "plan-of-care.recertify",
            f"the plan of care runs {plan.start} to {plan.end}, longer than 90 days: "
            f"recertify by {longest}.",
            field="plan_of_care.end",
            fix="Recertify at least every 90 days (a new plan of care for the next period).",
        )
        return
    left = (plan.end - last).days
    if 0 <= left <= RECERTIFY_WARNING_DAYS:
        yield finding(
            "plan-of-care.recertify",
            f"the plan of care's certification runs out on {plan.end}, {left} day(s) after "
            "this session.",
            field="plan_of_care.end",
            fix="Send the updated plan for recertification before the period ends.",
        )


@rule("plan-of-care.progress-report", Severity.WARNING, source=PROGRESS)
def progress_report(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A progress report is due: 10 treatment days since the last one (or the start)."""
    plan = claim.plan_of_care
    if plan is None or plan.treatment_days is None or not _therapy_plan_claim(claim, ctx):
        return
    days = plan.treatment_days
    if days > PROGRESS_REPORT_DAYS:
        yield finding(
            "plan-of-care.progress-report",
            f"treatment day {days} since the last progress report: one is due at least "
            "every 10 treatment days, and this period has none.",
            field="plan_of_care",
            fix="Write the progress report (the therapist, not an assistant) and record it "
            "(therabill plan progress).",
        )
    elif days >= PROGRESS_WARNING_DAYS:
        yield finding(
            "plan-of-care.progress-report",
            f"treatment day {days} of 10 since the last progress report: the report is due "
            f"by treatment day 10.",
            field="plan_of_care",
            fix="Plan the progress report for one of the next sessions.",
            severity=Severity.INFO,
        )


@rule("plan-of-care.visit-limit", Severity.WARNING, source="payer profile: visit_limits")
def visit_limit(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The client is past (or near) the payer's yearly visit limit for the discipline."""
    limit = ctx.payer.visit_limits.get(claim.provider.discipline)
    used = claim.visits_this_year
    if limit is None or used is None:
        return
    year = _dates(claim)[1].year
    source = ctx.payer.cite("visit_limits")
    if used > limit:
        yield finding(
            "plan-of-care.visit-limit",
            f"visit {used} in {year}: {ctx.payer.name} allows {limit} "
            f"{claim.provider.discipline.upper()} visits a calendar year.",
            field="visits_this_year",
            fix="Check the visits left with the payer (eligibility); ask for more visits or "
            "tell the client before the session.",
            source=source,
        )
    elif used > limit - VISITS_WARNING:
        yield finding(
            "plan-of-care.visit-limit",
            f"visit {used} of {limit} allowed in {year} by {ctx.payer.name}.",
            field="visits_this_year",
            fix="Ask the payer for more visits now if the plan needs them.",
            source=source,
            severity=Severity.INFO,
        )
