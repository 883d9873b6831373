"""Remittance intake: one 835 received, whichever way it came in (uploaded on the
Remittances page, sent to the API, or ``therabill era post``).

:func:`receive_remittance` reads the file once, checks it, quarantines or posts it
(:mod:`therabill.store.services.remittances`) and records the upload for the dashboard, all in
the caller's transaction. Every way in calls it, so a file that does not balance is
quarantined, listed and remembered the same way wherever it was received.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import insert, select, update

from therabill import settings
from therabill.errors import InvalidInput
from therabill.money import format_dollars, to_cents
from therabill.store.services.context import UnitOfWork
from therabill.store.services.remittances import (
    PostingResult,
    RemittanceFile835,
    other_payee,
    post_read,
    posting_steps,
    read_remittance,
)
from therabill.store.web_tables import utcnow, web_remittance_uploads
from therabill.x12.remittance_835 import ClaimPayment


def check_size(size: int, file_name: str) -> None:
    """Refuse an 835 larger than the setting (``THERABILL_MAX_835_MB``), before it is read:
    the page, the API and ``therabill era post`` call this with the size they were told."""
    limit = settings.max_835_bytes()
    if size > limit:
        raise InvalidInput(
            f"the file is {size / (1024 * 1024):,.1f} MB; the largest 835 accepted is "
            f"{limit // (1024 * 1024)} MB",
            field=file_name[:200],
            hint=f"A deployer can raise the limit with {settings.MAX_835_MB.env}.",
        )


@dataclass(slots=True)
class ClaimSummary:
    """One claim as the payer reported it (CLP and its adjustments), for display."""

    control_number: str
    status: str
    charge: Decimal
    paid: Decimal
    patient: Decimal
    reasons: list[str] = field(default_factory=list)  # "CO-45 30.00", claim and line level
    denied: bool = False


@dataclass(slots=True)
class Intake:
    """What one received 835 says and what came of it."""

    posting: PostingResult
    payment: Decimal = Decimal(0)
    trace_numbers: list[str] = field(default_factory=list)
    claims: list[ClaimSummary] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return self.posting.file_name

    @property
    def sha256(self) -> str:
        return self.posting.sha256

    @property
    def outcome(self) -> str:
        """posted | already posted | quarantined (as :class:`PostingResult`)."""
        return self.posting.outcome

    @property
    def message(self) -> str:
        return self.posting.message

    @property
    def quarantined(self) -> bool:
        return self.outcome == "quarantined"

    @property
    def posted(self) -> dict[str, Any] | None:
        """The posting's figures (``PostingResult.to_dict``); None when quarantined."""
        return None if self.quarantined else self.posting.to_dict()

    @property
    def denied(self) -> list[ClaimSummary]:
        return [c for c in self.claims if c.denied]


OTHER_PRACTICE = "another practice's"
"""The outcome of a file left alone by :func:`receive_remittance` with ``leave_others``."""


def receive_remittance(
    *,
    work: UnitOfWork,
    data: bytes,
    file_name: str,
    leave_others: bool = False,
    release: int | None = None,
) -> Intake:
    """Read ``data``, quarantine or post it, and remember the upload (whatever its outcome)
    for the dashboard; never raises for a bad file, only for one over the size limit
    (``InvalidInput``: callers check the size with :func:`check_size` before reading). The
    file is read twice, as a stream: the check (which also gathers the claims shown here)
    and the posting.

    A file that pays another practice (``remittances.other_payee``) is quarantined, unless
    ``leave_others``: then nothing is recorded and the outcome is :data:`OTHER_PRACTICE`. A
    fetch from a clearinghouse mailbox that a billing office's practices share leaves each
    practice's files to that practice's own fetch.

    ``release``: the id of the quarantined file ``data`` is, refused for its payee, which
    the biller says pays this practice: posted anyway (``remittances.payee_release``; raises
    ``InvalidInput`` when the file is not that one or was refused for something else)."""
    check_size(len(data), file_name)
    claims: list[ClaimSummary] = []
    read = read_remittance(data, file_name, on_claim=lambda c: claims.append(claim_summary(c)))
    elsewhere = other_payee(work, read) if leave_others and not read.refusal else ""
    if elsewhere:
        left = PostingResult(file_name=read.file_name, sha256=read.sha256)
        left.outcome, left.message = OTHER_PRACTICE, f"Left for its own practice: {elsewhere}"
        return summarize(read, left, [])
    intake = summarize(read, post_read(work=work, read=read, release=release), claims)
    _record_end(work, intake)
    return intake


POSTING = "posting"
"""The outcome an upload shows while its posting in parts is under way (or stopped)."""
STOPPED = "posting stopped"


def receive_in_parts(
    *, data: bytes, file_name: str, owner: int, release: int | None = None
) -> Generator[tuple[int, int], UnitOfWork, Intake]:
    """:func:`receive_remittance` in parts, for a post-835 job (``owner``: its id) on SQLite,
    where each part is its own transaction (``jobs.Units``). Primed with ``next`` (the file
    is read and checked then, outside any transaction), it is sent each part's unit of work
    and yields (claims done, claims in the file) when a part may commit; it returns the
    intake from the last part. The checks (posted before, quarantined, another payee) all
    come in the first part, before anything is posted (``remittances.posting_steps``); from
    the first part that posts until the last, the upload shows as :data:`POSTING`, then as
    its outcome."""
    check_size(len(data), file_name)
    claims: list[ClaimSummary] = []
    read = read_remittance(data, file_name, on_claim=lambda c: claims.append(claim_summary(c)))
    total = sum(p.claim_count for p in read.payments)
    steps = posting_steps(read=read, release=release, owner=owner)
    next(steps)
    work = yield 0, total
    shown = False
    while True:
        try:
            done = steps.send(work)
        except StopIteration as stop:
            posting = cast(PostingResult, stop.value)
            break
        if not shown:
            shown = _posting_shown(work, read, total)
        work = yield done, total
    intake = summarize(read, posting, claims)
    _record_end(work, intake)
    return intake


def _record_end(work: UnitOfWork, intake: Intake) -> None:
    """Remember the upload and its outcome; a file posted in the end whose posting in parts
    was listed as under way or stopped: that row now says posted."""
    summary = _summary(len(intake.claims), intake.payment)
    ended = intake.outcome == "posted" and bool(
        getattr(
            work.db.execute(
                update(web_remittance_uploads)
                .where(
                    web_remittance_uploads.c.sha256 == intake.sha256,
                    web_remittance_uploads.c.outcome.in_((POSTING, STOPPED)),
                )
                .values(outcome=intake.outcome[:40], summary=summary[:400])
            ),
            "rowcount",
            0,
        )
    )
    if not ended:
        record_upload(
            work,
            file_name=intake.file_name,
            sha256=intake.sha256,
            outcome=intake.outcome,
            summary=summary,
        )
    else:
        work.audit("upload", "remittance", intake.sha256[:40], intake.outcome)


def _posting_shown(work: UnitOfWork, read: RemittanceFile835, total: int) -> bool:
    """The upload listed as :data:`POSTING` from the first part that posts (once)."""
    listed = work.db.execute(
        select(web_remittance_uploads.c.id).where(
            web_remittance_uploads.c.sha256 == read.sha256,
            web_remittance_uploads.c.outcome.in_((POSTING, STOPPED)),
        )
    ).first()
    if listed is not None:  # stopped before, now posted on
        work.db.execute(
            update(web_remittance_uploads)
            .where(web_remittance_uploads.c.id == listed.id)
            .values(outcome=POSTING)
        )
    else:
        record_upload(
            work,
            file_name=read.file_name,
            sha256=read.sha256,
            outcome=POSTING,
            summary=f"{total} claim{'' if total == 1 else 's'}: posting in parts, not done yet",
        )
    return True


def posting_stopped(work: UnitOfWork, sha256: str, kept: str, error: str) -> None:
    """A posting in parts stopped by an error: the upload says so, with what is kept and how
    to go on (the same file uploaded again posts the rest)."""
    work.db.execute(
        update(web_remittance_uploads)
        .where(
            web_remittance_uploads.c.sha256 == sha256,
            web_remittance_uploads.c.outcome.in_((POSTING, STOPPED)),
        )
        .values(
            outcome=STOPPED,
            summary=(f"{kept}; stopped: {error}. Upload the same file again to post the rest.")[
                :400
            ],
        )
    )
    work.audit("stop", "remittance", sha256[:40], error[:200])


def _summary(claims: int, payment: Decimal) -> str:
    """The dashboard's line for an upload: "4 claims, $252.00 paid"."""
    return f"{claims} claim{'' if claims == 1 else 's'}, {format_dollars(to_cents(payment, field='payment'))} paid"


def claim_summary(claim: ClaimPayment) -> ClaimSummary:
    """One claim as the payer reported it, for display."""
    reasons = [f"{a.group}-{a.reason} {a.amount}" for a in claim.adjustments]
    for line in claim.services:
        reasons.extend(f"{a.group}-{a.reason} {a.amount}" for a in line.adjustments)
    return ClaimSummary(
        control_number=claim.patient_control_number,
        status=claim.status_text,
        charge=claim.charge,
        paid=claim.paid,
        patient=claim.patient_responsibility,
        reasons=reasons,
        denied=claim.is_denied,
    )


def summarize(
    read: RemittanceFile835, posting: PostingResult, claims: list[ClaimSummary]
) -> Intake:
    """What the file says, claim by claim (``claims``, gathered while it was read), beside
    what posting did with it."""
    intake = Intake(posting=posting, problems=list(read.problems))
    for payment in read.payments:
        intake.payment += payment.payment_amount
        intake.trace_numbers.append(payment.trace_number)
    if read.payments:  # a readable file (an unreadable one shows no claims)
        intake.claims = claims
    return intake


def record_upload(
    work: UnitOfWork, *, file_name: str, sha256: str, outcome: str, summary: str
) -> None:
    """Remember a received file and its outcome for the dashboard's list."""
    work.db.execute(
        insert(web_remittance_uploads).values(
            file_name=file_name[:200],
            sha256=sha256,
            uploaded_at=utcnow(),
            actor=work.actor,
            outcome=outcome[:40],
            summary=summary[:400],
        )
    )
    work.audit("upload", "remittance", sha256[:40], outcome)


def recent_remittances(work: UnitOfWork, limit: int = 10) -> list[dict[str, Any]]:
    """The files received last, newest first."""
    rows = work.db.execute(
        select(web_remittance_uploads).order_by(web_remittance_uploads.c.id.desc()).limit(limit)
    ).all()
    return [dict(row._mapping) for row in rows]
