"""Scrub a claim document as it is built: the scrubber's rules (``therabill.scrub``), given
what only the store knows, plus the store's own duplicate check (a line that repeats a line
already billed for the same client, date and code).

``claims build`` and the session form's live check scrub through the same :class:`Scrubber`,
so both report the same findings; only the build tells it what it wrote (:meth:`remember`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from decimal import Decimal

from sqlalchemy import select

from therabill import claims as doc
from therabill.findings import Finding, Severity
from therabill.money import to_decimal
from therabill.scrub import ScrubContext, scrub_claim
from therabill.scrub.rules.modifiers import KX_GROUPS
from therabill.store.models import ClaimLine, ClaimRecord, Payer, Provider, TherapySession
from therabill.store.services import profiles
from therabill.store.services.context import UnitOfWork

BilledKey = tuple[int, dt.date, str]  # client, date of service, code


def billed_lines(work: UnitOfWork, sessions: Sequence[TherapySession]) -> dict[BilledKey, int]:
    """Lines already on claims for the clients and dates of ``sessions`` → their claim."""
    if not sessions:
        return {}
    first = min(s.date_of_service for s in sessions)
    last = max(s.date_of_service for s in sessions)
    client_ids = {s.client_id for s in sessions}
    rows = work.db.execute(
        select(ClaimRecord.client_id, ClaimLine.date_of_service, ClaimLine.code, ClaimRecord.id)
        .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
        .where(ClaimLine.date_of_service.between(first, last))
    ).all()
    return {(c, d, code): claim_id for c, d, code, claim_id in rows if c in client_ids}


def duplicate_line(code: str, day: dt.date, other_claim: int, line_number: int) -> Finding:
    """The finding for a line whose client, date and code were billed on ``other_claim``."""
    return Finding(
        id="store.duplicate-line",
        severity=Severity.ERROR,
        message=f"{code} on {day} is already billed on claim {other_claim}",
        source="therabill store: a service is billed once (duplicate claim check)",
        line=line_number,
        code=code,
        fix="remove the line, or correct the first claim instead",
    )


def duplicate_lines(claim: ClaimRecord, billed: dict[BilledKey, int]) -> list[Finding]:
    """Lines billed before on another claim for the same client, date and code."""
    findings = []
    for line in claim.lines:
        other = billed.get((claim.client_id, line.date_of_service, line.code))
        if other is None or other in (claim.id, claim.original_claim_id):
            continue
        findings.append(duplicate_line(line.code, line.date_of_service, other, line.line_number))
    return findings


def therapy_spent(
    work: UnitOfWork, clients: Collection[int] | None = None
) -> dict[tuple[str, int, str], Decimal]:
    """Therapy charges billed so far per (client, year, KX group) to payers with a KX
    threshold (Medicare), so the scrubber's KX rule sees the whole year, not one claim;
    only ``clients``' when given (the live check asks for one client)."""
    payer_ids = [
        payer_id
        for payer_id, profile_id in work.db.execute(select(Payer.id, Payer.profile_id)).all()
        if getattr(profiles.payer_profiles().get(profile_id), "kx_thresholds", None)
    ]
    spent: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    if not payer_ids:
        return spent
    query = (
        select(
            ClaimRecord.client_id,
            ClaimLine.date_of_service,
            Provider.discipline,
            ClaimLine.charge_cents,
        )
        .join(ClaimRecord, ClaimRecord.id == ClaimLine.claim_id)
        .join(Provider, Provider.id == ClaimRecord.provider_id)
        .where(ClaimRecord.payer_id.in_(payer_ids))
    )
    if clients is not None:
        query = query.where(ClaimRecord.client_id.in_(list(clients)))
    rows = work.db.execute(query).all()
    for client_id, day, discipline, cents in rows:
        group = KX_GROUPS.get(discipline)
        if group:
            spent[(str(client_id), day.year, group)] += to_decimal(cents)
    return spent


class Scrubber:
    """The scrubber with its tables loaded once per build (or live check).

    ``clients`` limits the year's therapy charges read for the KX rule to those clients;
    ``today`` replaces the tables' date (tables kept by a long-running process are older).
    """

    def __init__(
        self,
        work: UnitOfWork,
        sessions: Sequence[TherapySession],
        loaded: ScrubContext | None,
        *,
        clients: Collection[int] | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.spent = therapy_spent(work, clients)
        self.billed = billed_lines(work, sessions)
        tables = loaded or ScrubContext.load()
        self.context = dataclasses.replace(
            tables, therapy_spent=self.spent, today=today or tables.today
        )

    def __call__(self, *, document: doc.Claim, claim: ClaimRecord) -> list[Finding]:
        """The scrubber's findings for ``document``, then the lines already billed."""
        found = list(scrub_claim(document, self.context).findings)
        return found + duplicate_lines(claim, self.billed)

    def remember(self, *, document: doc.Claim, claim: ClaimRecord) -> None:
        """A claim the build wrote: later claims of the build see its lines (duplicates)
        and, to a payer with a KX threshold, its charges (the year's therapy total)."""
        for billed in claim.lines:
            self.billed.setdefault((claim.client_id, billed.date_of_service, billed.code), claim.id)
        payer = profiles.payer_profiles().get(document.payer.id)
        provider_group = KX_GROUPS.get(document.provider.discipline)
        if provider_group and payer is not None and payer.kx_thresholds:  # as therapy_spent
            for line in document.lines:
                self.spent[(document.client.id, line.date.year, provider_group)] += line.charge
