"""Scrub a claim document as it is built: the scrubber's rules plus what only the store knows
(a line that duplicates a line already billed for the same client, date and code)."""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy import select

from therabill import claims as doc
from therabill.findings import Finding, Severity
from therabill.store.models import Claim, ClaimLine
from therabill.store.services.context import Work


def duplicate_lines(*, work: Work, claim: Claim) -> list[Finding]:
    """Lines billed before on another open claim for the same client, date and code."""
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
                id="store-duplicate-line",
                severity=Severity.ERROR,
                message=f"{code} on {claim.date_of_service} is already billed on claim {other}",
                source="therabill store: a service is billed once (duplicate claim check)",
                line=number,
                code=code,
                fix="remove the line, or correct the first claim instead",
            )
        )
    return findings


class Scrubber:
    """The claim scrubber (``therabill.scrub``) with its tables loaded once per build;
    only the store's own checks run while the scrubber is not installed."""

    def __init__(self) -> None:
        self.scrub_claim: Any = None
        self.context: Any = None
        try:
            module: Any = importlib.import_module("therabill.scrub")
        except ModuleNotFoundError:
            return
        self.scrub_claim = getattr(module, "scrub_claim", None)
        context_type = getattr(module, "ScrubContext", None)
        if self.scrub_claim is not None and context_type is not None:
            self.context = context_type.load()

    def __call__(self, *, work: Work, document: doc.Claim, claim: Claim) -> list[Finding]:
        found: list[Finding] = []
        if self.scrub_claim is not None:
            found.extend(self.scrub_claim(document, self.context))
        return found + duplicate_lines(work=work, claim=claim)
