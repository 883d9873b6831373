"""An uploaded 835: read it, check its own balancing, and (when the posting service is
installed) post it. What the page shows comes from the 835 reader and the poster; nothing is
computed here but sums for display.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from therabill.errors import TherabillError
from therabill.store.services import Store, UnitOfWork
from therabill.store.services.remittances import post_remittance
from therabill.web.queries import forget_aging
from therabill.web.remittance_log import record_upload
from therabill.x12.remittance_835 import Remittance, check_balance, read_835

MAX_UPLOAD = 50 * 1024 * 1024


@dataclass(slots=True)
class ClaimRow:
    control_number: str
    status: str
    charge: Decimal
    paid: Decimal
    patient: Decimal
    reasons: list[str] = field(default_factory=list)
    denied: bool = False


@dataclass(slots=True)
class UploadResult:
    file_name: str
    sha256: str
    outcome: str = "read"  # read | posted | already posted | refused | quarantined
    message: str = ""
    payment: Decimal = Decimal(0)
    trace_numbers: list[str] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    posting: dict[str, Any] | None = None

    @property
    def denied(self) -> list[ClaimRow]:
        return [c for c in self.claims if c.denied]


def read_upload(data: bytes, file_name: str) -> UploadResult:
    """What the file says, claim by claim; a file that cannot be read is ``refused``."""
    result = UploadResult(file_name=file_name[:200], sha256=hashlib.sha256(data).hexdigest())
    try:
        remittances: list[Remittance] = read_835(data)
    except TherabillError as exc:
        result.outcome, result.message = "refused", str(exc)
        return result
    for remittance in remittances:
        result.payment += remittance.payment_amount
        result.trace_numbers.append(remittance.trace_number)
        result.problems.extend(str(p) for p in check_balance(remittance))
        for claim in remittance.claims:
            reasons = [f"{a.group}-{a.reason} {a.amount}" for a in claim.adjustments]
            for line in claim.services:
                reasons.extend(f"{a.group}-{a.reason} {a.amount}" for a in line.adjustments)
            result.claims.append(
                ClaimRow(
                    control_number=claim.patient_control_number,
                    status=claim.status_text,
                    charge=claim.charge,
                    paid=claim.paid,
                    patient=claim.patient_responsibility,
                    reasons=reasons,
                    denied=claim.is_denied,
                )
            )
    if result.problems:
        result.outcome = "quarantined"
        result.message = "The file does not balance; nothing was posted."
    return result


def post_upload(work: UnitOfWork, data: bytes, result: UploadResult) -> None:
    """Post through the store's remittance service (all of the file or none of it; the same
    file or payer + trace number twice changes nothing and says so)."""
    posted = post_remittance(work=work, data=data, file_name=result.file_name)
    forget_aging()
    result.posting = posted.to_dict()
    result.outcome = posted.outcome
    result.message = posted.message or ("Posted." if posted.outcome == "posted" else "")


def receive_upload(store: Store, *, actor: str, data: bytes, file_name: str) -> UploadResult:
    """One uploaded 835, from the page or the API: read it, post it in one transaction when
    it reads, then remember the upload (whatever its outcome) for the dashboard."""
    result = read_upload(data, file_name)
    with store.transaction(actor=actor) as work:
        if result.outcome == "read":
            post_upload(work, data, result)
    with store.transaction(actor=actor) as work:
        record_upload(
            work,
            file_name=result.file_name,
            sha256=result.sha256,
            outcome=result.outcome,
            summary=f"{len(result.claims)} claims, {result.payment} paid",
        )
    return result
