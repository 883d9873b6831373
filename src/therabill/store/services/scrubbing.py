"""Scrub a claim document as it is built: the scrubber's rules (``therabill.scrub``), given
what only the store knows, plus the store's own duplicate check (a line that repeats a line
already billed for the same client, date and code)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from therabill import claims as doc
from therabill.findings import Finding, Severity
from therabill.scrub import ScrubContext, scrub_claim
from therabill.scrub.rules.modifiers import KX_GROUPS
from therabill.store.models import Claim, ClaimLine, Payer, Provider
from therabill.store.services import profiles
from therabill.store.services.context import Work


def duplicate_lines(*, work: Work, claim: Claim) -> list[Finding]:
    """Lines billed before on another claim for the same client, date and code."""
    codes = {line.code for line in claim.lines}
    rows = work.db.execute(
        select(ClaimLine.code, Claim.id)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(
            Claim.client_id == claim.client_id,
            Claim.id.not_in([claim.id, claim.original_claim_id or claim.id]),
            ClaimLine.date_of_service == claim.date_of_service,
            ClaimLine.code.in_(codes),
        )
    ).all()
    findings = []
    for code, other in rows:
        number = next(line.line_number for line in claim.lines if line.code == code)
        findings.append(
            Finding(
                id="store.duplicate-line",
                severity=Severity.ERROR,
                message=f"{code} on {claim.date_of_service} is already billed on claim {other}",
                source="therabill store: a service is billed once (duplicate claim check)",
                line=number,
                code=code,
                fix="remove the line, or correct the first claim instead",
            )
        )
    return findings


def therapy_spent(work: Work) -> dict[tuple[str, int, str], Decimal]:
    """Therapy charges billed so far per (client, year, KX group) to payers with a KX
    threshold (Medicare), so the scrubber's KX rule sees the whole year, not one claim."""
    payer_ids = [
        payer_id
        for payer_id, profile_id in work.db.execute(select(Payer.id, Payer.profile_id)).all()
        if getattr(profiles.payer_profiles().get(profile_id), "kx_thresholds", None)
    ]
    spent: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    if not payer_ids:
        return spent
    rows = work.db.execute(
        select(
            Claim.client_id, ClaimLine.date_of_service, Provider.discipline, ClaimLine.charge_cents
        )
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(Provider, Provider.id == Claim.provider_id)
        .where(Claim.payer_id.in_(payer_ids))
    ).all()
    for client_id, day, discipline, cents in rows:
        group = KX_GROUPS.get(discipline)
        if group:
            spent[(str(client_id), day.year, group)] += Decimal(cents) / 100
    return spent


class Scrubber:
    """The scrubber with its tables loaded once per build."""

    def __init__(self, work: Work) -> None:
        self.spent = therapy_spent(work)
        self.context = ScrubContext.load()
        self.context = ScrubContext(
            code_set=self.context.code_set,
            payers=self.context.payers,
            edits=self.context.edits,
            today=self.context.today,
            therapy_spent=self.spent,
        )

    def __call__(self, *, work: Work, document: doc.Claim, claim: Claim) -> list[Finding]:
        found = list(scrub_claim(document, self.context).findings)
        found += duplicate_lines(work=work, claim=claim)
        for line in document.lines:  # later claims of this build see this one's charges
            provider_group = KX_GROUPS.get(document.provider.discipline)
            if provider_group:
                key = (document.client.id, line.date.year, provider_group)
                self.spent[key] += line.charge
        return found
