"""Post an 835 remittance into the practice's records: all of a file or none of it, once.

``post_remittance(work=…, data=…, file_name=…)`` runs inside the caller's transaction (one
per file, so a file is atomic; a post-835 job on SQLite posts it in parts instead, each
committed, going on after the last committed claim when it stops: :func:`posting_steps`); it is :func:`read_remittance` then :func:`post_read`, which
the remittance intake (``remittance_intake.receive_remittance``, the one way in for the page,
the API and ``therabill era post``) calls itself so that its check pass also gathers the
claims it shows. In order:

1. the file is read (``therabill.x12.remittance_835``) and its own arithmetic checked with the
   reader's balancing checks, and every amount must be whole cents: otherwise the file is
   quarantined (``remittance_quarantine``, with the reason) and nothing is posted; so is a
   file whose payee (N1*PE, loop 1000B) is another practice's (``therabill.posting.payee``:
   a billing office's practices may share one clearinghouse mailbox);
2. the file's SHA-256 and each payment's payer + trace number (TRN03/TRN02) are unique keys:
   seen before, nothing changes and the result says so. The key rows are inserted (under a
   savepoint) *before* anything else, so a second process posting the same file waits for the
   first and then finds the key taken (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the unique
   index); a reversal (CLP02 = 22) arrives in a new payment with its own trace: new money;
3. each CLP is matched to our claim (CLP01 = ``TB`` + claim id) and its SVCs to our lines
   (``therabill.posting``); a CLP that cannot be matched goes to ``remittance_exceptions``
   with the reason, nothing of it posted;
4. the ledger gets insurance payments, contractual adjustments and transfers to the client
   (see ``therabill.posting.plan``); every other amount opens a denial (``denials``, the
   work queue) and stays owed by the payer; a reversal reverses the ledger entries of the
   payment it takes back and closes the denials it opened; a later payment on a denied line
   closes its denial as paid; what a payer left to the patient moves to the client's next
   payer, on a claim of its own (``cob``: built and scrubbed, or recorded as crossed over
   when the payer forwarded it), and that payer's 835 posts against that claim; PLB amounts are applied where they belong (``therabill.posting.provider_adjustments``:
   a WO recovery off the claim it names, L6 interest as income, the rest kept for review);
   claim statuses move through the
   lifecycle (``claims.status``), every move in the claim's history;
5. each claim and line is reconciled (charge = paid + adjustments + patient responsibility)
   and flagged when it does not.

Speed and memory (issue 17: 100,000 claims in under 10 s, under 200 MB whatever the size):
the file is read twice as a stream, never held whole: :func:`read_remittance` checks it and
keeps each payment's header, then :func:`post_read` posts its claims in batches of ``BATCH`` as
they stream by. A batch reads what it needs in a few queries (its claims and lines, earlier
postings, open denials, next policies), writes its rows with SQLAlchemy Core ``executemany``
instead of one ORM flush per ledger entry (``ledger.post_entry``; the rows are the same), and
then its audit events (one per claim posted, one per payment) and the seal of its ledger
entries (``UnitOfWork.write_audit``), all in the one transaction; nothing of it is kept for
the next batch but the result's totals (``tests/posting/test_posting_statements.py`` bounds the
statements; ``python -m bench posting`` measures it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, cast

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from therabill.claims.number import claim_id_from_control_number, claim_number
from therabill.claims.status import ClaimStatus
from therabill.errors import InvalidInput, TherabillError
from therabill.ledger import EntryKind, Responsibility
from therabill.money import format_dollars, to_decimal
from therabill.posting import (
    CROSSOVER_REMARKS,
    INFORMATION_ONLY,
    OUTCOME_STATUS,
    SECONDARY_STATUSES,
    BilledLine,
    ClaimPlan,
    DeniedAmount,
    NotPostable,
    allocate,
    apply_provider_adjustment,
    cents,
    check_claim_amounts,
    check_payment_amounts,
    denied_amounts,
    ledger_moves,
    payee,
    plan_claim,
    reconcile,
    status_path,
)
from therabill.scrub import ScrubContext
from therabill.store import bulk_writes, ledger_insert, planner_statistics
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    Denial,
    LedgerEntry,
    Payer,
    Policy,
    Provider,
    ProviderAdjustmentRecord,
    QuarantinedFile,
    RemittanceClaim,
    RemittanceException,
    RemittanceFile,
    RemittanceLine,
    RemittanceRecord,
    utcnow,
)
from therabill.store.services import build_batch, cob, underpayments
from therabill.store.services.context import UnitOfWork
from therabill.store.services.paging import AnyPage, PageRequest, SortKey, fetch_page
from therabill.store.services.profiles import payer_profiles
from therabill.x12.adjustment_codes import ActionClass
from therabill.x12.remittance_835 import (
    ClaimPayment,
    Event,
    ProviderAdjustment,
    RemittanceEnd,
    RemittanceHeader,
    X12Error,
    check_claim,
    check_payment,
    iter_835,
)
from therabill.x12.remittance_835 import Remittance as RemittanceData

BATCH = 500
SQLITE_CACHE_KB = 64 * 1024
POSTABLE = frozenset(
    {
        ClaimStatus.SUBMITTED,
        ClaimStatus.ACCEPTED,
        ClaimStatus.PAID,
        ClaimStatus.PARTLY_PAID,
        ClaimStatus.DENIED,
        ClaimStatus.APPEALED,
        ClaimStatus.CORRECTED,
        ClaimStatus.REJECTED,
        # the payer's reversal or adjustment of a claim corrected after it was decided
        ClaimStatus.REOPENING,
        ClaimStatus.REPLACED,
        ClaimStatus.VOIDED,
    }
)


@dataclass(slots=True)
class PostingResult:
    """What posting one file did (``to_dict`` for ``--json`` and the web page)."""

    file_name: str
    sha256: str
    outcome: str = "posted"  # posted | already posted | being posted | quarantined
    message: str = ""
    payments: list[dict[str, Any]] = field(default_factory=list)
    claims_posted: int = 0
    lines_posted: int = 0
    paid_cents: int = 0
    patient_cents: int = 0
    adjusted_cents: int = 0
    provider_adjustment_cents: int = 0
    denials_opened: int = 0
    denials_closed: int = 0
    provider_adjustments: list[dict[str, Any]] = field(default_factory=list)
    status_changes: dict[str, int] = field(default_factory=dict)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    unreconciled: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    next_claims: list[dict[str, Any]] = field(default_factory=list)  # secondary/tertiary
    # A posting in parts keeps the first LIST_KEPT of each list: how many more there were.
    more: dict[str, int] = field(default_factory=dict)

    LISTS: ClassVar[tuple[str, ...]] = (
        "payments", "provider_adjustments", "exceptions", "unreconciled", "notes", "next_claims",
    )  # fmt: skip

    @property
    def already_posted(self) -> bool:
        return self.outcome == "already posted"

    def count(self, name: str) -> int:
        """How many items list ``name`` had (those kept and those only counted)."""
        return len(getattr(self, name)) + self.more.get(name, 0)

    def to_state(self) -> dict[str, Any]:
        """Every field, for a posting's checkpoint (``_restore`` reads it back)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "outcome": self.outcome,
            "already_posted": self.already_posted,
            "message": self.message,
            "payments": self.payments,
            "claims_posted": self.claims_posted,
            "lines_posted": self.lines_posted,
            "paid_cents": self.paid_cents,
            "patient_cents": self.patient_cents,
            "adjusted_cents": self.adjusted_cents,
            "provider_adjustment_cents": self.provider_adjustment_cents,
            "denials_opened": self.denials_opened,
            "denials_closed": self.denials_closed,
            "provider_adjustments": self.provider_adjustments,
            "status_changes": self.status_changes,
            "exceptions": self.exceptions,
            "unreconciled": self.unreconciled,
            "notes": self.notes,
            "next_claims": self.next_claims,
            # a posting in parts lists the first LIST_KEPT of each list: how many more
            # there were (every exception is kept in the database: ``era exceptions``)
            "more": dict(self.more),
        }


def payer_key(remittance: Payment835 | RemittanceData) -> str:
    """Who sent the payment, for the payer + trace key: TRN03, else the payer's N1 id/name."""
    header = remittance.header
    key = header.payer_identifier
    if not key and header.payer is not None:
        key = header.payer.id or header.payer.name
    return (key or "unknown payer").strip().upper()[:80]


@dataclass(frozen=True, slots=True)
class Payment835:
    """One 835 transaction (ST…SE) as the first pass keeps it: the payment header, its PLB
    adjustments and how many claims; not the claims, which the second pass streams again."""

    header: RemittanceHeader
    provider_adjustments: tuple[ProviderAdjustment, ...]
    claim_count: int

    @property
    def payment_amount(self) -> Decimal:
        return self.header.payment_amount

    @property
    def trace_number(self) -> str:
        return self.header.trace_number


@dataclass(slots=True)
class RemittanceFile835:
    """One 835 file checked by a first pass over it (:func:`read_remittance`): its payments
    and, when it cannot be posted, why. Its claims are not kept: :meth:`events` reads the
    file again, so memory stays flat whatever the file's size. Posting (:func:`post_read`)
    and the intake's summary both use this."""

    file_name: str
    sha256: str
    size_bytes: int
    source: bytes | Path = b""
    payments: list[Payment835] = field(default_factory=list)
    refusal: str = ""  # unreadable, or amounts not in whole cents: quarantined with this
    problems: list[str] = field(default_factory=list)  # the file's own arithmetic (the first)
    problem_count: int = 0  # all of them (``problems`` keeps the first PROBLEMS_KEPT)

    def events(self) -> Iterator[Event]:
        """The file read again: each payment's header, its claims and its end, streamed."""
        if isinstance(self.source, Path):
            return iter_835(self.source)
        source = io.BytesIO(self.source)
        source.name = self.file_name  # errors name the file, not "<bytes>"
        return iter_835(source)

    def claims(self) -> Iterator[ClaimPayment]:
        """Every claim payment of the file, streamed."""
        return (e for e in self.events() if type(e) is ClaimPayment)


PROBLEMS_KEPT = 1000


def read_remittance(
    data: bytes | Path,
    file_name: str,
    *,
    on_claim: Callable[[ClaimPayment], None] | None = None,
) -> RemittanceFile835:
    """First pass over one 835 (its bytes, or a path: streamed, never held whole): read it
    and check its own arithmetic (the reader's balancing checks, whole cents), keeping only
    each payment's header; never raises for a bad file: the reason is kept for the
    quarantine. A reading error comes first, then the first amount not in whole cents (a
    payment's BPR02, then its PLBs, then its claims), as when the file was read whole.
    ``on_claim`` sees each claim as it passes (the intake's summary)."""
    digest = hashlib.sha256()
    if isinstance(data, Path):
        size = 0
        with data.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    else:
        digest.update(data)
        size = len(data)
    read = RemittanceFile835(
        file_name=file_name[:200], sha256=digest.hexdigest(), size_bytes=size, source=data
    )
    not_postable = ""
    try:
        start, paid, claim_bad, header_bad = 0, Decimal(0), "", ""
        for event in read.events():
            kind = type(event)
            if kind is ClaimPayment:
                claim = cast(ClaimPayment, event)
                paid += claim.paid
                if on_claim is not None:
                    on_claim(claim)
                for problem in check_claim(claim):
                    _problem(read, problem.message)
                if not claim_bad:
                    claim_bad = _not_postable(check_claim_amounts, claim)
            elif kind is RemittanceHeader:
                start, paid, claim_bad = len(read.problems), Decimal(0), ""
                header_bad = _not_postable(check_payment_amounts, event)
            else:
                end = cast(RemittanceEnd, event)
                payment = Payment835(end.header, end.provider_adjustments, end.claim_count)
                read.payments.append(payment)
                whole = RemittanceData(end.header, (), end.provider_adjustments)
                for problem in check_payment(whole, paid=paid):
                    _problem(read, problem.message, at=start)
                bad = header_bad or _not_postable(
                    check_payment_amounts, end.header, end.provider_adjustments
                )
                not_postable = not_postable or bad or claim_bad
        if not read.payments:
            raise X12Error("the file holds no 835 transaction")
    except TherabillError as exc:
        read.refusal = str(exc)
        read.payments, read.problems, read.problem_count = [], [], 0  # unreadable: none shown
    else:
        read.refusal = not_postable
    return read


def _problem(read: RemittanceFile835, message: str, at: int | None = None) -> None:
    read.problem_count += 1
    if at is None:
        at = len(read.problems)
    if at < PROBLEMS_KEPT:
        read.problems.insert(at, message)
        del read.problems[PROBLEMS_KEPT:]


def _not_postable(check: Callable[..., None], *values: Any) -> str:
    try:
        check(*values)
    except NotPostable as exc:
        return str(exc)
    return ""


def post_remittance(*, work: UnitOfWork, data: bytes | Path, file_name: str) -> PostingResult:
    """Read and post one 835 file (its bytes or its path; see the module docstring); never
    raises for a bad file."""
    return post_read(work=work, read=read_remittance(data, file_name))


def post_read(
    *, work: UnitOfWork, read: RemittanceFile835, release: int | None = None
) -> PostingResult:
    """Post one 835 file already checked by :func:`read_remittance`, in ``work``'s one
    transaction: quarantined when it could not be read or does not balance, once only (see
    the module docstring). The second pass over the file posts its claims in batches as they
    stream (:func:`posting_steps`, every step in this one transaction).

    ``release``: the quarantined file this one is (:func:`payee_release`), which the biller
    says pays this practice although its payee's ids are not the practice's: it is posted
    all the same (only that check is waived)."""
    steps = posting_steps(read=read, release=release)
    next(steps)
    # the garbage collector as a build runs it: its full passes grew faster than the file
    with _bigger_sqlite_cache(work), build_batch.fewer_collections():
        try:
            while True:
                steps.send(work)
        except StopIteration as done:
            return cast(PostingResult, done.value)


Steps = Generator[int, UnitOfWork, PostingResult]
"""A posting step by step (:func:`posting_steps`): sent the unit of work of the next step,
it yields how many of the file's claims are posted (or were skipped) when a step ends, and
returns the result."""

LIST_KEPT = 500
"""Items of each of a result's lists kept in a posting's checkpoint (the rest counted)."""


def posting_steps(
    *, read: RemittanceFile835, release: int | None = None, owner: int | None = None
) -> Steps:
    """:func:`post_read` as steps: primed with ``next``, then sent a unit of work for each
    step; a step ends after each batch of claims and each payment, and the result is
    returned once the file is posted (or refused, quarantined, found posted before).

    Sent the same unit of work each time (:func:`post_read`), it is one transaction. A
    post-835 job on SQLite (``owner``: its id) sends a new transaction each time and commits
    each step (``jobs.Units``): then the checks (posted before, unreadable, not balanced,
    another payee: quarantined) all come in the first step, before anything is posted, and
    each step writes where the posting got to on the file's row (``RemittanceFile.posting``)
    with its claims. A run that stops (a killed worker, an error) leaves that checkpoint;
    the next run for the same file (the job run again, or the same file uploaded again once
    that job has ended) goes on after the last claim of the last committed step, so each
    claim is posted once. While the checkpoint is there, the file counts as still posting
    (:func:`list_deposits`), and a posting of the same file by anyone else is refused."""
    work = yield 0
    result = PostingResult(file_name=read.file_name, sha256=read.sha256)
    db = work.db
    released = None if release is None else payee_release(work, release, read.sha256)
    found = db.execute(
        select(RemittanceFile.id, RemittanceFile.posting).where(
            RemittanceFile.sha256 == result.sha256
        )
    ).first()
    state: dict[str, Any]
    if found is not None and found.posting is None:
        return _already(result, "this file was posted before; nothing changed")
    if found is not None:
        state = json.loads(found.posting)
        holder = state.get("job")
        if holder != owner and holder is not None and _job_running(work, int(holder)):
            result.outcome = "being posted"
            result.message = f"Being posted now (job {holder}): nothing changed by this upload."
            return result
        if owner is None:  # posted on from where the stopped job got to, in one transaction
            state["job"] = None
        file_id = int(found.id)
        _restore(result, state["result"])
        state["job"] = owner
        if holder != owner:  # taken over from a job that ended
            result.notes.append(f"posted on from claim {state['claims'] + 1} after job {holder}")
            work.audit("resume", "remittance_file", file_id, f"from job {holder}")
            if owner is not None:
                db.execute(
                    update(RemittanceFile)
                    .where(RemittanceFile.id == file_id)
                    .values(posting=json.dumps(state, default=str))
                )
    else:
        if read.refusal:
            return _quarantine(work, result, read.size_bytes, read.refusal)
        if read.problem_count:
            count = read.problem_count
            shown = "; ".join(read.problems[:10]) + (
                f"; and {count - 10} more" if count > 10 else ""
            )
            return _quarantine(work, result, read.size_bytes, f"the file does not balance: {shown}")
        elsewhere = other_payee(work, read)
        if elsewhere and released is None:
            return _quarantine(work, result, read.size_bytes, elsewhere)
        if elsewhere and released is not None:
            result.notes.append(
                f"posted on {work.actor}'s word that it pays this practice, although {elsewhere}"
            )
            work.audit("release", "remittance_quarantine", released.id, elsewhere[:200])
        keys = [_key(p) for p in read.payments]
        seen = _posted_keys(work, keys)
        if all(k in seen for k in keys):
            traces = ", ".join(t for _, t in keys)
            return _already(result, f"every payment in it (trace {traces}) was posted before")
        try:
            with db.begin_nested():
                record = RemittanceFile(
                    sha256=result.sha256,
                    file_name=result.file_name,
                    size_bytes=read.size_bytes,
                    actor=work.actor,
                )
                db.add(record)
                db.flush()
        except IntegrityError:
            return _already(result, "this file was posted at the same time by someone else")
        file_id = record.id
        state = {
            "job": owner,
            "claims": 0,  # claims of the file posted (or skipped) so far, in file order
            "payment": 0,  # the payment the next step is in
            "row": None,  # that payment's remittance row, once it is begun
            "seen": [i for i, k in enumerate(keys) if k in seen],  # posted before this file
        }
    poster = _Poster(work, result, claims=sum(p.claim_count for p in read.payments))
    index, claims, posting = -1, 0, False
    for event in read.events():
        kind = type(event)
        if kind is ClaimPayment:
            claims += 1
            if not posting or claims <= state["claims"]:
                continue
            claim = cast(ClaimPayment, event)
            if poster.cuts_before(claim):  # a batch ends: the step too
                poster.flush()
                state["claims"] = claims - 1
                _keep(work, file_id, state, result, owner)
                work = yield state["claims"]
                poster.rebind(work)
            poster.add(claim)
            continue
        if kind is RemittanceEnd:
            if index < state["payment"]:
                continue
            if posting:
                poster.finish()
                result.payments.append(_payment(read.payments[index], "posted"))
            posting = False
            state.update(claims=claims, payment=index + 1, row=None)
            _keep(work, file_id, state, result, owner)
            work = yield claims
            poster.rebind(work)
            continue
        index += 1
        if index < state["payment"]:
            continue
        payment = read.payments[index]
        if state["row"] is not None:  # this payment was begun by a committed step
            row = work.db.get(RemittanceRecord, state["row"])
            assert row is not None
        elif index in state["seen"]:
            result.payments.append(_payment(payment, "already posted"))
            result.notes.append(f"payment {_key(payment)[1]} was posted before; skipped")
            continue
        else:
            found_row = _claim_key(work, payment, _key(payment), file_id)
            if found_row is None:
                result.payments.append(_payment(payment, "already posted"))
                result.notes.append(
                    f"payment {_key(payment)[1]} was posted at the same time; skipped"
                )
                continue
            row = found_row
            state["row"] = row.id
        poster.begin(payment, row)
        posting = True
    # lines paid below the agreed amount: a page of the file's claims a step
    profiles_now = payer_profiles()
    flagged = int(state.get("flagged", 0))
    while page := underpayments.file_page(
        work, file_id=file_id, after=int(state.get("flag_after", 0))
    ):
        flagged += underpayments.flag_page(work, page, profiles_now)
        state.update(flag_after=page[-1], flagged=flagged)
        _keep(work, file_id, state, result, owner)
        work = yield claims
    underpayments.flagged_file(work, file_id=file_id, flagged=flagged)
    file = work.db.get(RemittanceFile, file_id)
    assert file is not None
    exceptions, unreconciled = result.count("exceptions"), result.count("unreconciled")
    file.summary = (
        f"{result.claims_posted} claim{'' if result.claims_posted == 1 else 's'}, "
        f"paid {format_dollars(result.paid_cents)}, "
        f"{exceptions} exceptions, {unreconciled} unreconciled"
    )[:400]
    file.posting = None
    result.message = "Posted: " + file.summary
    work.audit("post", "remittance_file", file_id, file.summary)
    return result


def _key(payment: Payment835) -> tuple[str, str]:
    """The payment's payer + trace key (unique: a payment is posted once)."""
    return payer_key(payment), payment.trace_number.strip()[:80]


def _job_running(work: UnitOfWork, job_id: int) -> bool:
    """Whether job ``job_id`` has not ended (it runs, or will be taken up again)."""
    from therabill.store.models import Job

    status = work.db.execute(select(Job.status).where(Job.id == job_id)).scalar_one_or_none()
    return status in ("queued", "running")


def _keep(
    work: UnitOfWork, file_id: int, state: dict[str, Any], result: PostingResult, owner: int | None
) -> None:
    """A step's end in a posting in parts: where it got to, and the result so far (its lists
    cut to :data:`LIST_KEPT`, the rest counted), on the file's row in the step's transaction.
    In one transaction nothing is written (the posting ends in it)."""
    if owner is None:
        return
    for name in PostingResult.LISTS:
        items = getattr(result, name)
        if len(items) > LIST_KEPT:
            result.more[name] = result.more.get(name, 0) + len(items) - LIST_KEPT
            del items[LIST_KEPT:]
    state["result"] = result.to_state()
    found = work.db.execute(
        select(RemittanceFile.posting).where(RemittanceFile.id == file_id)
    ).scalar_one()
    if found is not None and json.loads(found).get("job") != owner:
        raise InvalidInput(
            f"job {json.loads(found).get('job')} took this file's posting over", field="file"
        )
    work.db.execute(
        update(RemittanceFile)
        .where(RemittanceFile.id == file_id)
        .values(posting=json.dumps(state, default=str))
    )


def _restore(result: PostingResult, saved: dict[str, Any]) -> None:
    for name, value in saved.items():
        setattr(result, name, value)


def payee_release(work: UnitOfWork, quarantine_id: int, sha256: str) -> QuarantinedFile:
    """The quarantined file ``quarantine_id``, checked to be the file in hand (the same
    SHA-256) and refused for its payee only: what a biller may post anyway after checking
    that it pays this practice (its NPI or tax id changed, or the payer has an old one)."""
    found = work.db.get(QuarantinedFile, quarantine_id)
    if found is None:
        raise InvalidInput(f"no quarantined file {quarantine_id}", field="quarantined file")
    if not payee.is_payee_refusal(found.reason):
        raise InvalidInput(
            f"{found.file_name} was quarantined because {found.reason}; only a file refused "
            "for its payee can be posted anyway",
            field="quarantined file",
        )
    if found.sha256 != sha256:
        raise InvalidInput(
            f"this is not {found.file_name} (received {found.received_at:%Y-%m-%d %H:%M}): "
            "its contents differ",
            field="file",
            hint="Upload the same file that was quarantined.",
        )
    return found


def check_release(work: UnitOfWork, quarantine_id: int, contents: bytes) -> QuarantinedFile:
    """:func:`payee_release` for a file in hand, before it is queued: the page says at once
    that a file is not the quarantined one instead of failing the job later."""
    return payee_release(work, quarantine_id, hashlib.sha256(contents).hexdigest())


def other_payee(work: UnitOfWork, read: RemittanceFile835) -> str:
    """Why ``read`` pays another practice ("": it pays this one, or its payee cannot be told
    apart): its payee's NPI or tax id against the practice's NPI and tax id and its
    providers' NPIs (a solo therapist may be paid under their own). See ``posting.payee``."""
    practice = work.practice()
    if practice is None:
        return ""
    providers = work.db.scalars(select(Provider.npi)).all()
    own = payee.OwnIds.of(practice.npi, providers, [practice.tax_id])
    for payment in read.payments:
        reason = payee.not_ours(payment.header.payee, own)
        if reason:
            return f"{reason} (trace {payment.trace_number})"
    return ""


@contextlib.contextmanager
def _bigger_sqlite_cache(work: UnitOfWork) -> Iterator[None]:
    """A large file is one big transaction: on SQLite its index pages must stay in memory or
    every insert rereads them (superlinear). 64 MB page cache for the posting, then back: 256 MB
    cost the same CPU for 100,000 claims and put the process over the 200 MB target."""
    if work.db.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = work.db.connection()
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size={-SQLITE_CACHE_KB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


def _already(result: PostingResult, why: str) -> PostingResult:
    result.outcome = "already posted"
    result.message = f"Already posted: {why}."
    return result


def _quarantine(
    work: UnitOfWork, result: PostingResult, size_bytes: int, reason: str
) -> PostingResult:
    result.outcome = "quarantined"
    result.message = f"Quarantined, nothing posted: {reason}"
    known = work.db.execute(
        select(QuarantinedFile.id).where(QuarantinedFile.sha256 == result.sha256)
    ).first()
    if known is None:
        row = QuarantinedFile(
            sha256=result.sha256,
            file_name=result.file_name,
            size_bytes=size_bytes,
            reason=reason,
            actor=work.actor,
        )
        work.db.add(row)
        work.db.flush()
        work.audit("quarantine", "remittance_file", row.id, reason[:200])
    return result


def _posted_keys(work: UnitOfWork, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    traces = {t for _, t in keys}
    rows = work.db.execute(
        select(RemittanceRecord.payer_key, RemittanceRecord.trace_number).where(
            RemittanceRecord.trace_number.in_(traces)
        )
    ).all()
    return {(p, t) for p, t in rows}


def _claim_key(
    work: UnitOfWork, remittance: Payment835, key: tuple[str, str], file_id: int
) -> RemittanceRecord | None:
    """Insert the payment's key row first; None when another poster holds it."""
    header = remittance.header
    row = RemittanceRecord(
        file_id=file_id,
        payer_key=key[0],
        trace_number=key[1],
        payer_name=(header.payer.name if header.payer else "")[:200],
        payer_id=_payer_id(work, remittance),
        payment_cents=cents(header.payment_amount, "BPR02")
        * (-1 if header.credit_debit == "D" else 1),
        payment_method=header.payment_method[:3],
        payment_date=header.payment_date,
        claim_count=remittance.claim_count,
    )
    try:
        with work.db.begin_nested():
            work.db.add(row)
            work.db.flush()
    except IntegrityError:
        return None
    return row


def _payer_id(work: UnitOfWork, remittance: Payment835) -> int | None:
    """Our payer for the remittance: its EDI id (N1*PR N104, TRN03, REF*2U) or its name."""
    header = remittance.header
    ids = {header.payer_identifier}
    name = ""
    if header.payer is not None:
        ids |= {header.payer.id} | {v for q, v in header.payer.references if q == "2U"}
        name = header.payer.name
    ids.discard("")
    if ids:
        found = work.db.execute(select(Payer.id).where(Payer.payer_id.in_(ids))).first()
        if found:
            return int(found[0])
    if name:
        found = work.db.execute(
            select(Payer.id).where(func.upper(Payer.name) == name.upper())
        ).first()
        if found:
            return int(found[0])
    return None


def _payment(remittance: Payment835, outcome: str) -> dict[str, Any]:
    header = remittance.header
    return {
        "trace_number": header.trace_number,
        "payer": header.payer.name if header.payer else "",
        "amount": str(header.payment_amount),
        "claims": remittance.claim_count,
        "outcome": outcome,
    }


@dataclass(slots=True)
class _ClaimRow:
    id: int
    client_id: int
    payer_id: int
    status: ClaimStatus
    total_charge_cents: int
    lines: list[BilledLine]
    priority: str = "primary"
    date_of_service: dt.date = dt.date.min


@dataclass(slots=True)
class _PassOn:
    """A claim whose patient share moves on to the client's next payer after the batch."""

    claim: _ClaimRow
    policy: Policy
    plan: ClaimPlan
    record: _Record
    crossed_over: bool


class _Poster:
    """Posts the claims of one payment in batches (see the module docstring)."""

    def __init__(self, work: UnitOfWork, result: PostingResult, *, claims: int = 0) -> None:
        # PostgreSQL: the tables a posting fills and reads get statistics after its first
        # batch when they have none and the file has more batches to go (planner_statistics)
        self.to_analyze = claims > BATCH and work.db.get_bind().dialect.name == "postgresql"
        self.work = work
        self.db = work.db
        self.result = result
        self.payer_keys: dict[int, str] = {}
        self.status_changes: list[tuple[Any, ...]] = []
        self.sqlite = work.db.get_bind().dialect.name == "sqlite"
        self.new_status: list[tuple[int, str]] = []
        self.deadline_days: dict[int, tuple[int | None, int | None]] = {}
        self.scrub_tables: ScrubContext | None = None
        self.record_ids: tuple[int, int] | None = None  # the batch's remittance claims

    def begin(self, remittance: Payment835, row: RemittanceRecord) -> None:
        """Start posting one payment (its key row ``row`` written); claims come by :meth:`add`."""
        self.remittance = remittance
        self.row = row
        self.trace = row.trace_number
        now = utcnow()
        day = remittance.header.payment_date or now.date()
        # Values for _bulk_insert: on SQLite, the text SQLAlchemy itself stores for them.
        self.now: Any = _sqlite_value(now) if self.sqlite else now
        self.day: Any = _sqlite_value(day) if self.sqlite else day
        self.batch: list[ClaimPayment] = []
        self.batch_keys: set[str] = set()

    def add(self, claim: ClaimPayment) -> None:
        """One more claim of the payment; a full batch is posted first. A reversal, or a
        claim met twice, starts a new batch so it sees everything posted before it."""
        key = claim.patient_control_number
        if self.cuts_before(claim):
            self._flush()
        self.batch.append(claim)
        self.batch_keys.add(key)

    def finish(self) -> None:
        """The payment's last batch, then its PLB adjustments."""
        self._flush()
        self._provider_adjustments(self.remittance, self.row)
        self.work.audit("post", "remittance", self.row.id, f"{self.remittance.claim_count} claims")

    def cuts_before(self, claim: ClaimPayment) -> bool:
        """Whether :meth:`add` would post the batch before ``claim`` (a batch ends there)."""
        return bool(self.batch) and (
            claim.is_reversal
            or claim.patient_control_number in self.batch_keys
            or len(self.batch) >= BATCH
        )

    def rebind(self, work: UnitOfWork) -> None:
        """Go on in ``work`` (a posting in parts: the next part's transaction)."""
        if work is self.work:
            return
        self.work, self.db = work, work.db
        if hasattr(self, "row"):
            row = work.db.get(RemittanceRecord, self.row.id)
            assert row is not None
            self.row = row

    def flush(self) -> None:
        self._flush()

    def _flush(self) -> None:
        """Post the batch, and write its audit events and seal its ledger entries now, so
        nothing of it stays in memory for the next."""
        if self.batch:
            self._post_batch(self.batch)
            self.batch, self.batch_keys = [], set()
            self.work.checkpoint()
            if self.to_analyze:
                self.to_analyze = False
                planner_statistics.analyze_unplanned(self.db.connection(), LOOKED_UP)

    def _provider_adjustments(self, remittance: Payment835, row: RemittanceRecord) -> None:
        """Apply each PLB where it belongs (see ``therabill.posting.provider_adjustments``)."""
        for plb in remittance.provider_adjustments:
            amount = cents(plb.amount, "PLB")
            claim_id = self._plb_claim(plb.reference) if plb.reference else None
            has_reversal, paid = self._claim_payments(claim_id)
            how = apply_provider_adjustment(
                plb.reason, amount, claim_id is not None, has_reversal, paid
            )
            record = ProviderAdjustmentRecord(
                remittance_id=row.id,
                provider_id=plb.provider_id[:80],
                reason=plb.reason[:5],
                reference=plb.reference[:80],
                amount_cents=amount,
                fiscal_period_end=plb.fiscal_period_end,
                claim_id=claim_id,
                applied_as=how.applied_as.value,
            )
            self.db.add(record)
            self.db.flush()
            if how.recoupment_cents and claim_id is not None:
                self._recoup(record, claim_id, how.recoupment_cents)
            self.result.provider_adjustment_cents += amount
            self.result.provider_adjustments.append(
                {
                    "reason": plb.reason,
                    "reference": plb.reference,
                    "amount_cents": amount,
                    "claim_id": claim_id,
                    "applied_as": how.applied_as.value,
                }
            )

    def _plb_claim(self, reference: str) -> int | None:
        """Our claim named by PLB03-2: our claim number, or the payer's claim number (CLP07)."""
        ours = claim_id_from_control_number(reference.strip())
        if ours is not None and self.db.get(ClaimRecord, ours) is not None:
            return ours
        found = self.db.execute(
            select(RemittanceClaim.claim_id)
            .where(RemittanceClaim.payer_claim_number == reference.strip()[:50])
            .order_by(RemittanceClaim.id.desc())
            .limit(1)
        ).first()
        return int(found[0]) if found else None

    def _claim_payments(self, claim_id: int | None) -> tuple[bool, int]:
        """Whether the payer already sent the claim's reversal, and what the claim was paid."""
        if claim_id is None:
            return False, 0
        reversed_ = self.db.execute(
            select(RemittanceClaim.id).where(
                RemittanceClaim.claim_id == claim_id, RemittanceClaim.status_code == "22"
            )
        ).first()
        paid = self.db.execute(
            select(func.sum(LedgerEntry.amount_cents)).where(
                LedgerEntry.claim_id == claim_id,
                LedgerEntry.kind == EntryKind.INSURANCE_PAYMENT.value,
            )
        ).scalar()
        return reversed_ is not None, int(paid or 0)

    def _recoup(self, record: ProviderAdjustmentRecord, claim_id: int, amount: int) -> None:
        """Take ``amount`` off the claim's insurance payments, over its lines by what each was
        paid (a negative insurance payment per line, receipt ``plb:<id>``)."""
        claim = self.db.get(ClaimRecord, claim_id)
        assert claim is not None
        by_line = dict(
            self.db.execute(
                select(LedgerEntry.claim_line_id, func.sum(LedgerEntry.amount_cents))
                .where(
                    LedgerEntry.claim_id == claim_id,
                    LedgerEntry.kind == EntryKind.INSURANCE_PAYMENT.value,
                )
                .group_by(LedgerEntry.claim_line_id)
            ).all()
        )
        lines = [line for line in claim.lines if by_line.get(line.id)]
        parts = allocate(amount, [int(by_line[line.id]) for line in lines])
        day = self.remittance.header.payment_date or dt.date.today()
        for line, part in zip(lines, parts, strict=True):
            if part:
                self.db.add(
                    LedgerEntry(
                        kind=EntryKind.INSURANCE_PAYMENT.value,
                        amount_cents=-part,
                        responsibility=INSURANCE,
                        client_id=claim.client_id,
                        claim_line_id=line.id,
                        claim_id=claim.id,
                        payer_id=self.row.payer_id or claim.payer_id,
                        effective_date=day,
                        actor=self.work.actor,
                        memo=f"835 {self.trace}: PLB {record.reason} recovery {record.reference}"[
                            :200
                        ],
                        receipt=f"plb:{record.id}",
                    )
                )
        self.db.flush()
        self.work.audit("recoup", "claim", claim.id, f"PLB {record.reason} {amount}")

    def _post_batch(self, batch: list[ClaimPayment]) -> None:
        numbers = (claim_id_from_control_number(c.patient_control_number) for c in batch)
        ids = {i for i in numbers if i is not None}
        # the next payer's 835 posts against its own claim, whichever claim number it quotes
        # (a crossover forwards the first payer's claim, with that claim's number)
        later = {
            i
            for c in batch
            if c.status in SECONDARY_STATUSES
            and (i := claim_id_from_control_number(c.patient_control_number)) is not None
        }
        taking_over = cob.claims_taking_over(self.work, ids, self.row.payer_id, later)
        ids |= set(taking_over.values())
        claims = self._load_claims(ids)
        self.payer_keys = {}  # of this batch's earlier postings only
        earlier = self._earlier_postings(ids)
        nexts = cob.next_policies(self.work, claims.values())
        plans: list[tuple[ClaimPayment, _ClaimRow, ClaimPlan, _Record]] = []
        passing_on: list[_PassOn] = []
        keys = self.payer_keys
        for payment in batch:
            found = claim_id_from_control_number(payment.patient_control_number)
            if found is not None:
                found = taking_over.get(found, found)
            claim = claims.get(found) if found is not None else None
            why = self._cannot_post(payment, claim)
            if why is not None or claim is None:
                self._exception(payment, why or "no such claim")
                continue
            plan = plan_claim(claim.id, payment, claim.lines, cob=claim.priority != "primary")
            previous = earlier.get(claim.id, [])
            if (
                not plan.secondary
                and not payment.is_reversal
                and any(
                    keys.get(p.id) != self.row.payer_key
                    and p.reversed_by_id is None
                    and not p.secondary
                    for p in previous
                )
            ):
                plan.secondary = True
                plan.notes.append("another payer paid this claim before: posted as secondary")
            record = _Record(
                {
                    "remittance_id": self.row.id,
                    "claim_id": claim.id,
                    "payer_id": self.row.payer_id,
                    "status_code": payment.status[:2],
                    "payer_claim_number": payment.payer_claim_control_number[:50],
                    "charge_cents": plan.charge_cents,
                    "paid_cents": plan.paid_cents,
                    "patient_cents": plan.patient_cents,
                    "secondary": plan.secondary,
                    "reversed_by_id": None,
                }
            )
            if payment.is_reversal:
                record.original = _original(previous, payment)
                if record.original is None:
                    plan.notes.append(
                        "no earlier payment of this claim on record: reversal posted as sent"
                    )
            else:
                self._next_payer(payment, claim, plan, record, nexts.get(claim.id), passing_on)
            self._reconcile(claim, plan, record, previous)
            plans.append((payment, claim, plan, record))
        self.db.flush()
        connection = self.db.connection()
        if plans:
            reserved = _reserve_ids(connection, "remittance_claims", len(plans))
            for (*_, record), new_id in zip(plans, reserved, strict=True):
                record.id = new_id
                record.values["id"] = new_id
            self.record_ids = (reserved[0], reserved[-1])
            self._insert(
                connection,
                "remittance_claims",
                RECORD_COLUMNS,
                [tuple(r.values[c] for c in RECORD_COLUMNS) for *_, r in plans],
            )
        else:
            self.record_ids = None
        entries: list[tuple[Any, ...]] = []
        line_rows: list[tuple[Any, ...]] = []
        adjustment_rows: list[tuple[Any, ...]] = []
        for payment, claim, plan, record in plans:
            self._book(payment, claim, plan, record, entries)
            for line in plan.lines:
                line_rows.append(
                    (
                        record.id,
                        line.line_id,
                        line.paid_code[:48],
                        line.paid_modifiers[:20],
                        line.paid_units[:12],
                        line.charge_cents,
                        line.paid_cents,
                        line.adjusted_cents,
                        line.patient_cents,
                        line.how[:40],
                    )
                )
                for a in line.adjustments:
                    adjustment_rows.append(
                        (
                            record.id,
                            line.line_id,
                            a.group[:2],
                            a.reason[:5],
                            a.cents,
                            a.remarks[:100],
                        )
                    )
            self._move_status(claim, plan, payment)
        self.db.flush()
        # Plain DBAPI executemany for the many rows: no per-row ORM or parameter processing.
        self._insert_ledger(connection, entries)
        self._insert(connection, "remittance_lines", LINE_COLUMNS, line_rows)
        self._insert(connection, "remittance_adjustments", ADJUSTMENT_COLUMNS, adjustment_rows)
        self._insert(connection, "claim_status_changes", STATUS_COLUMNS, self.status_changes)
        self._denials(plans)
        if self.sqlite:
            _set_statuses(connection, self.new_status)
        else:
            ledger_insert.set_column(connection, "claims", "status", self.new_status)
        self.status_changes, self.new_status = [], []
        for item in passing_on:
            self._pass_on(item)

    def _insert_ledger(self, connection: Connection, entries: list[tuple[Any, ...]]) -> None:
        """The batch's ledger entries. SQLite: one ``executemany`` while the report sums' and
        the seal queue's row triggers stand aside, then each sum and the queue in one grouped
        statement (``bulk_writes``). PostgreSQL: an ``INSERT … SELECT FROM unnest(…)`` per
        5,000 entries, so the statement triggers add each group once per statement, not once
        per entry (``ledger_insert``)."""
        if self.sqlite:
            bulk_writes.insert_ledger(connection, LEDGER_COLUMNS, entries)
            return
        ledger_insert.insert_entries(connection, entries)

    def _insert(
        self, connection: Connection, table: str, columns: Sequence[str], rows: list[Any]
    ) -> None:
        """The batch's rows of ``table``. PostgreSQL: ``INSERT … SELECT FROM unnest(…)``, so
        the client revisions' statement triggers run once, not once per row. SQLite: one
        ``executemany``; for the remittance claims, lines and adjustments (all of this
        batch's remittance claims) the revision triggers stand aside and the batch's clients'
        revisions move once (``bulk_writes.insert_revised``)."""
        if not self.sqlite:
            ledger_insert.insert_rows(connection, table, columns, rows)
        elif table in bulk_writes.REVISED and self.record_ids is not None:
            bulk_writes.insert_revised(connection, table, columns, rows, self.record_ids)
        else:
            _bulk_insert(connection, table, columns, rows)

    def _next_payer(
        self,
        payment: ClaimPayment,
        claim: _ClaimRow,
        plan: ClaimPlan,
        record: _Record,
        policy: Policy | None,
        passing_on: list[_PassOn],
    ) -> None:
        """Whether what the payer left the patient moves on to the client's next payer
        (``cob``), and whether the payer forwarded the claim itself: CLP02 19/20/21, or
        MA18/N89 from a payer whose profile says it crosses claims over."""
        if plan.secondary:
            return
        remarks = set(payment.remark_codes) | {r for s in payment.services for r in s.remark_codes}
        crossed = plan.crossed_over or (
            bool(remarks & CROSSOVER_REMARKS) and self._crosses_over(claim.payer_id)
        )
        if policy is None or plan.patient_cents <= 0:
            if crossed:
                cob.mark_crossed_over(self.work, claim.id)
            if crossed and policy is None:
                plan.notes.append(
                    "the payer forwarded the claim to another payer (crossover), but the client "
                    "has no next policy on file: add it so that payer's 835 can post"
                )
            return
        plan.next_payer = True
        passing_on.append(_PassOn(claim, policy, plan, record, crossed))

    def _crosses_over(self, payer_id: int) -> bool:
        payer = self.db.get(Payer, self.row.payer_id or payer_id)
        profile = payer_profiles().get(payer.profile_id) if payer else None
        return bool(profile and profile.crossover)

    def _pass_on(self, item: _PassOn) -> None:
        moved = {line.line_id: line.patient_cents for line in item.plan.lines if line.patient_cents}
        if not item.crossed_over and self.scrub_tables is None:
            self.scrub_tables = ScrubContext.load()
        made = cob.pass_on(
            work=self.work,
            prior_claim_id=item.claim.id,
            policy=item.policy,
            moved=moved,
            receipt=f"835:{item.record.id}",
            crossed_over=item.crossed_over,
            scrub_tables=self.scrub_tables,
        )
        self.result.next_claims.append(made.to_dict())
        number = claim_number(item.claim.id)
        verb = "crossed over to" if made.crossed_over else "passed on to"
        self.result.notes.append(
            f"{number}: {to_decimal(made.moved_cents)} {verb} {made.payer} "
            f"({made.priority}) on {claim_number(made.claim_id)}"
        )

    def _denials(self, plans: list[tuple[ClaimPayment, _ClaimRow, ClaimPlan, _Record]]) -> None:
        """Open a denial for each denied amount; close what the payment settles: all those of
        the payment a reversal takes back, and earlier ones on a line this payment paid or
        adjusted without denying it again (the payer decided again, e.g. on appeal). The
        batch's open denials are read in one query (two with a reversal), not one per claim."""
        rows: list[tuple[Any, ...]] = []
        open_of = self._open_denials(plans)
        for payment, claim, plan, record in plans:
            if record.original is not None:
                self._close(
                    open_of.get(("payment", record.original.id), []),
                    "reversed",
                    f"the payer reversed its decision (835 {self.trace}, CLP02 22)",
                )
                continue
            if payment.is_reversal:
                continue
            payer_id = self.row.payer_id or self._fallback_payer(claim, plan)
            denied = denied_amounts(plan)
            for amount in denied:
                rows.append(self._denial_row(claim, record, payer_id, amount))
            still = {d.line_id for d in denied}
            settled = {
                line.line_id
                for line in plan.lines
                if line.line_id not in still
                and (
                    line.paid_cents
                    or line.patient_cents
                    or any(a.written_down for a in line.adjustments)
                )
            }
            if settled:
                # nothing denied again: a whole-claim denial is settled too
                self._close(
                    [
                        d
                        for d in open_of.get(("claim", claim.id), [])
                        if d.payer_id == payer_id
                        and (
                            d.claim_line_id in settled
                            if d.claim_line_id is not None
                            else not denied
                        )
                    ],
                    "paid",
                    f"the payer paid or adjusted it on 835 {self.trace}",
                )
        if rows:
            table = "denials"
            _bulk_insert(self.db.connection(), table, DENIAL_COLUMNS, rows)
            self.result.denials_opened += len(rows)
        self.db.flush()

    def _open_denials(
        self, plans: list[tuple[ClaimPayment, _ClaimRow, ClaimPlan, _Record]]
    ) -> dict[tuple[str, int], list[Denial]]:
        """The denials still open on the batch's claims (key ``("claim", id)``) and on the
        payments its reversals take back (``("payment", remittance claim id)``), oldest
        first."""
        found: dict[tuple[str, int], list[Denial]] = defaultdict(list)
        claim_ids = [claim.id for payment, claim, _, record in plans if not payment.is_reversal]
        originals = [r.original.id for *_, r in plans if r.original is not None]
        queries: list[tuple[str, ColumnElement[bool]]] = []
        if claim_ids:
            queries.append(("claim", Denial.claim_id.in_(claim_ids)))
        if originals:
            queries.append(("payment", Denial.remittance_claim_id.in_(originals)))
        for key, where in queries:
            query = select(Denial).where(where, Denial.status != "closed").order_by(Denial.id)
            for denial in self.db.execute(query).scalars():
                owner = denial.claim_id if key == "claim" else denial.remittance_claim_id
                found[(key, int(owner or 0))].append(denial)
        return found

    def _close(self, denials: list[Denial], how: str, note: str) -> None:
        now = utcnow()
        for denial in denials:
            if denial.status == "closed":
                continue
            denial.status = "closed"
            denial.closed_at = now
            denial.closed_by = self.work.actor
            denial.closed_how = how
            denial.close_note = note[:1000]
            self.result.denials_closed += 1
            self.work.audit("close", "denial", denial.id, how)

    def _denial_row(
        self, claim: _ClaimRow, record: _Record, payer_id: int, amount: DeniedAmount
    ) -> tuple[Any, ...]:
        appeal_days, correct_days = self._deadlines(payer_id)
        days = correct_days if amount.classified.action is ActionClass.CORRECT else appeal_days
        opened_on = self.remittance.header.payment_date or dt.date.today()
        deadline = opened_on + dt.timedelta(days=days) if days else None
        return (
            claim.id,
            amount.line_id,
            record.id,
            payer_id,
            amount.group[:2],
            amount.reason[:5],
            amount.remarks[:100],
            amount.cents,
            amount.classified.action.value,
            "open",
            amount.classified.next_action[:300],
            self.day,
            self.now,
            _sqlite_value(deadline) if self.sqlite and deadline else deadline,
        )

    def _deadlines(self, payer_id: int) -> tuple[int | None, int | None]:
        """The payer profile's appeal and corrected-claim days (None: no deadline known)."""
        if payer_id not in self.deadline_days:
            payer = self.db.get(Payer, payer_id)
            profile = payer_profiles().get(payer.profile_id) if payer else None
            self.deadline_days[payer_id] = (
                (profile.appeal_days, profile.corrected_claim_days) if profile else (None, None)
            )
        return self.deadline_days[payer_id]

    def _cannot_post(self, payment: ClaimPayment, claim: _ClaimRow | None) -> str | None:
        number = payment.patient_control_number
        if payment.status in INFORMATION_ONLY:
            return INFORMATION_ONLY[payment.status]
        if claim_id_from_control_number(number) is None:
            return f"CLP01 {number!r} is not a therabill claim number (TB + digits)"
        if claim is None:
            return f"no claim {number} in the practice's records"
        if claim.status not in POSTABLE:
            return f"claim {number} is {claim.status.value}: it was never sent or is closed"
        if not claim.lines:
            return f"claim {number} has no lines"
        charge = abs(cents(payment.charge, "CLP03"))
        codes = {line.code for line in claim.lines}
        billed = {s.billed_code or s.procedure_code for s in payment.services}
        if charge != claim.total_charge_cents and payment.services and not codes & billed:
            return (
                f"claim {number}: the payer's charge {to_decimal(charge)} and codes "
                f"{', '.join(sorted(billed))} do not match ours ({to_decimal(claim.total_charge_cents)}, "
                f"{', '.join(sorted(codes))})"
            )
        return None

    def _exception(self, payment: ClaimPayment, reason: str) -> None:
        self.db.add(
            RemittanceException(
                remittance_id=self.row.id,
                patient_control_number=payment.patient_control_number[:50],
                payer_claim_number=payment.payer_claim_control_number[:50],
                status_code=payment.status[:2],
                charge_cents=cents(payment.charge, "CLP03"),
                paid_cents=cents(payment.paid, "CLP04"),
                reason=reason,
            )
        )
        self.result.exceptions.append(
            {
                "claim": payment.patient_control_number,
                "payer_claim_number": payment.payer_claim_control_number,
                "paid": str(payment.paid),
                "reason": reason,
            }
        )

    def _book(
        self,
        payment: ClaimPayment,
        claim: _ClaimRow,
        plan: ClaimPlan,
        record: _Record,
        entries: list[tuple[Any, ...]],
    ) -> None:
        """Ledger rows for one claim (a reversal reverses the payment it takes back)."""
        self.result.claims_posted += 1
        self.result.lines_posted += len(plan.lines)
        self.result.paid_cents += plan.paid_cents
        self.result.patient_cents += sum(line.patient_cents for line in plan.lines)
        self.result.adjusted_cents += sum(line.adjusted_cents for line in plan.lines)
        receipt = f"835:{record.id}"
        self.work.audit("post", "claim", claim.id, f"835 {self.trace[:40]}: {plan.outcome}")
        if record.original is not None:
            self._reverse(record.original, record, receipt, entries)
            return
        payer_id = self.row.payer_id or self._fallback_payer(claim, plan)
        day = self.day
        now = self.now
        actor = self.work.actor
        for move in ledger_moves(plan, self.trace):
            entries.append(
                (
                    move.kind.value,
                    move.cents,
                    INSURANCE,
                    claim.client_id,
                    move.line_id,
                    claim.id,
                    payer_id,
                    day,
                    now,
                    actor,
                    move.memo[:200],
                    receipt,
                    None,
                )
            )

    def _reverse(
        self,
        original: RemittanceClaim,
        record: _Record,
        receipt: str,
        entries: list[tuple[Any, ...]],
    ) -> None:
        rows = self.db.execute(
            select(LedgerEntry).where(LedgerEntry.receipt == f"835:{original.id}")
        ).scalars()
        for entry in rows:
            entries.append(
                (
                    entry.kind,
                    -entry.amount_cents,
                    entry.responsibility,
                    entry.client_id,
                    entry.claim_line_id,
                    entry.claim_id,
                    entry.payer_id,
                    self.day,
                    self.now,
                    self.work.actor,
                    f"reverses #{entry.id}: 835 {self.trace} reversal (CLP02 22)"[:200],
                    receipt,
                    entry.id,
                )
            )
        original.reversed_by_id = record.id
        self.work.audit("reverse", "remittance_claim", original.id, f"by {record.id}")

    def _fallback_payer(self, claim: _ClaimRow, plan: ClaimPlan) -> int:
        if not plan.secondary:
            return claim.payer_id
        found = self.db.execute(
            select(Policy.payer_id)
            .join(ClaimRecord, ClaimRecord.client_id == Policy.client_id)
            .where(ClaimRecord.id == claim.id, Policy.priority == "secondary")
        ).first()
        return int(found[0]) if found else claim.payer_id

    def _reconcile(
        self,
        claim: _ClaimRow,
        plan: ClaimPlan,
        record: _Record,
        previous: list[RemittanceClaim],
    ) -> None:
        """charge = paid + adjustments + patient responsibility, per line and claim."""
        problems: list[str] = []
        number = claim_number(claim.id)
        charges = {line.id: line.charge_cents for line in claim.lines}
        numbers = {line.id: line.line_number for line in claim.lines}
        if plan.secondary:
            for line in plan.lines:
                problem = reconcile(
                    charges[line.line_id],
                    line.explained_cents,
                    f"{number} line {numbers[line.line_id]}",
                )
                if problem:
                    problems.append(problem + " (secondary payer)")
        else:
            net = {line.line_id: line.explained_cents for line in plan.lines}
            primary = [p.id for p in previous if not p.secondary]
            if primary:
                rows = self.db.execute(
                    select(
                        RemittanceLine.claim_line_id,
                        func.sum(
                            RemittanceLine.paid_cents
                            + RemittanceLine.adjusted_cents
                            + RemittanceLine.patient_cents
                        ),
                    )
                    .where(RemittanceLine.remittance_claim_id.in_(primary))
                    .group_by(RemittanceLine.claim_line_id)
                ).all()
                for line_id, total in rows:
                    net[line_id] = net.get(line_id, 0) + int(total or 0)
            if plan.outcome != "reversed":
                for line_id, charge in charges.items():
                    problem = reconcile(
                        charge, net.get(line_id, 0), f"{number} line {numbers[line_id]}"
                    )
                    if problem:
                        problems.append(problem)
        record.values["reconciled"] = not problems
        record.values["note"] = "; ".join(plan.notes + problems)[:2000]
        self.result.unreconciled.extend(problems)
        self.result.notes.extend(f"{number}: {n}" for n in plan.notes)

    def _move_status(self, claim: _ClaimRow, plan: ClaimPlan, payment: ClaimPayment) -> None:
        if plan.secondary:
            return
        target = OUTCOME_STATUS[plan.outcome]
        path = status_path(claim.status, target)
        number = claim_number(claim.id)
        if path is None:
            self.result.notes.append(
                f"{number}: status stays {claim.status.value} (the lifecycle does not allow "
                f"{target.value} from there)"
            )
            return
        reason = f"835 {self.trace[:40]}: {payment.status_text}"
        changes = []
        current = claim.status
        for step in path:
            changes.append((claim.id, current.value, step.value, self.work.actor, self.now, reason))
            current = step
        if changes:
            self.status_changes.extend(changes)
            self.new_status.append((claim.id, current.value))
            claim.status = current
            key = current.value
            self.result.status_changes[key] = self.result.status_changes.get(key, 0) + 1

    def _load_claims(self, ids: set[int]) -> dict[int, _ClaimRow]:
        if not ids:
            return {}
        rows = self.db.execute(
            select(
                ClaimRecord.id,
                ClaimRecord.client_id,
                ClaimRecord.payer_id,
                ClaimRecord.status,
                ClaimRecord.total_charge_cents,
                ClaimRecord.priority,
                ClaimRecord.date_of_service,
            ).where(ClaimRecord.id.in_(ids))
        ).all()
        claims = {
            r[0]: _ClaimRow(r[0], r[1], r[2], ClaimStatus(r[3]), r[4], [], r[5], r[6]) for r in rows
        }
        lines = self.db.execute(
            select(
                ClaimLine.id,
                ClaimLine.claim_id,
                ClaimLine.line_number,
                ClaimLine.date_of_service,
                ClaimLine.code,
                ClaimLine.modifiers,
                ClaimLine.units,
                ClaimLine.charge_cents,
                ClaimLine.control_number,
            )
            .where(ClaimLine.claim_id.in_(ids))
            .order_by(ClaimLine.claim_id, ClaimLine.line_number)
        ).all()
        for line_id, claim_id, number, day, code, modifiers, units, charge, control in lines:
            claims[claim_id].lines.append(
                BilledLine(
                    line_id,
                    number,
                    day,
                    code,
                    tuple(m for m in modifiers.split(",") if m),
                    units,
                    charge,
                    control or "",
                )
            )
        return claims

    def _earlier_postings(self, ids: set[int]) -> dict[int, list[RemittanceClaim]]:
        if not ids:
            return {}
        found: dict[int, list[RemittanceClaim]] = defaultdict(list)
        # the claims' postings by their claim ids, then their payments' keys: joined in one
        # query, SQLite read every claim of each of the practice's payments (the one being
        # posted too) once per batch, and the posting grew faster than its file
        records = sorted(
            self.db.execute(
                select(RemittanceClaim).where(RemittanceClaim.claim_id.in_(ids))
            ).scalars(),
            key=lambda r: r.id,
        )
        remittance_ids = sorted({r.remittance_id for r in records})
        keys: dict[int, str] = {}
        for i in range(0, len(remittance_ids), 900):
            for remittance_id, payer_key in self.db.execute(
                select(RemittanceRecord.id, RemittanceRecord.payer_key).where(
                    RemittanceRecord.id.in_(remittance_ids[i : i + 900])
                )
            ):
                keys[remittance_id] = payer_key
        for record in records:
            if record.remittance_id not in keys:
                continue  # as the join left it out
            self.payer_keys[record.id] = keys[record.remittance_id]
            found[record.claim_id].append(record)
        return found


@dataclass(slots=True)
class _Record:
    """A remittance_claims row before and after its insert (``id`` set by RETURNING)."""

    values: dict[str, Any]
    id: int = 0
    original: RemittanceClaim | None = None


LOOKED_UP = (
    "claims", "claim_lines", "remittance_claims", "remittance_lines", "remittance_adjustments",
    "denials", "ledger_entries",
)  # fmt: skip
"""The tables a posting reads its batches' rows from by their ids, as it fills them."""
INSURANCE = Responsibility.INSURANCE.value
LEDGER_COLUMNS = ledger_insert.COLUMNS
LINE_COLUMNS = (
    "remittance_claim_id",
    "claim_line_id",
    "paid_code",
    "paid_modifiers",
    "paid_units",
    "charge_cents",
    "paid_cents",
    "adjusted_cents",
    "patient_cents",
    "how_matched",
)
ADJUSTMENT_COLUMNS = (
    "remittance_claim_id",
    "claim_line_id",
    "group_code",
    "reason",
    "amount_cents",
    "remarks",
)
DENIAL_COLUMNS = (
    "claim_id",
    "claim_line_id",
    "remittance_claim_id",
    "payer_id",
    "group_code",
    "carc",
    "rarc",
    "amount_cents",
    "action_class",
    "status",
    "next_action",
    "opened_on",
    "opened_at",
    "deadline",
)
STATUS_COLUMNS = ("claim_id", "from_status", "to_status", "actor", "at", "reason")
RECORD_COLUMNS = (
    "id",
    "remittance_id",
    "claim_id",
    "payer_id",
    "status_code",
    "payer_claim_number",
    "charge_cents",
    "paid_cents",
    "patient_cents",
    "secondary",
    "reversed_by_id",
    "reconciled",
    "note",
)


def _bulk_insert(
    connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """``executemany`` straight on the DBAPI cursor; values must be ready for the driver (on
    SQLite, dates and times as ``_sqlite_value`` text). On PostgreSQL psycopg pipelines the
    rows: measured for 56,000 ledger rows it takes less CPU than multi-row ``INSERT … VALUES``
    (its long statements are parsed again each time) or ``unnest`` of arrays."""
    if not rows:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    connection.exec_driver_sql(sql, rows)


def _set_statuses(connection: Connection, statuses: list[tuple[int, str]]) -> None:
    """Set each (claim id, status) with one plain ``executemany``."""
    if not statuses:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = f"UPDATE claims SET status = {mark} WHERE id = {mark}"
    connection.exec_driver_sql(sql, [(status, claim) for claim, status in statuses])


def _reserve_ids(connection: Connection, table: str, count: int) -> list[int]:
    """``count`` new ids for ``table``'s rows, so that one executemany writes them all (an
    INSERT … RETURNING in parameter order is one statement per row on SQLite). SQLite: the
    ids after the largest, what SQLite itself would give (the transaction holds the write
    lock, ``BEGIN IMMEDIATE``); PostgreSQL: taken from the column's sequence."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
            "FROM generate_series(1, %(n)s)",
            {"n": count},
        ).all()
        return sorted(int(r[0]) for r in rows)
    last = connection.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar()
    start = int(last or 0) + 1
    return list(range(start, start + count))


def _sqlite_value(value: Any) -> Any:
    """The text SQLAlchemy stores on SQLite: ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _original(previous: list[RemittanceClaim], payment: ClaimPayment) -> RemittanceClaim | None:
    """The payment a reversal takes back: the newest one not yet reversed, same payer claim
    number (CLP07) when both have one."""
    number = payment.payer_claim_control_number
    for record in reversed(previous):
        if record.reversed_by_id is not None or record.status_code == "22":
            continue
        if number and record.payer_claim_number and record.payer_claim_number != number:
            continue
        return record
    return None


EXCEPTION_SORTS: dict[str, SortKey] = {
    "received": RemittanceException.id,
    "claim": RemittanceException.patient_control_number,
    "payer": RemittanceRecord.payer_name,
    "trace_number": RemittanceRecord.trace_number,
    "paid": RemittanceException.paid_cents,
}


def exceptions_page(
    *, work: UnitOfWork, wanted: PageRequest
) -> tuple[AnyPage, list[dict[str, Any]]]:
    """One page of the open exceptions (newest first unless asked otherwise): one 835 can
    leave hundreds of thousands, so the database sorts, counts and sums (``paid``)."""
    query = (
        select(
            RemittanceException,
            RemittanceRecord.trace_number,
            RemittanceRecord.payer_name,
            RemittanceException.paid_cents.label("paid"),
        )
        .join(RemittanceRecord, RemittanceRecord.id == RemittanceException.remittance_id)
        .where(RemittanceException.resolved_at.is_(None))
    )
    found = fetch_page(
        work.db, query, wanted, sorts=EXCEPTION_SORTS, default="received",
        tiebreak=[RemittanceException.id], sums=("paid",),
    )  # fmt: skip
    work.audit("list", "remittance_exception", "*", f"{len(found.rows)} rows")
    return found, [_exception_dict(e, trace, payer) for e, trace, payer, _ in found.rows]


def list_exceptions(
    *,
    work: UnitOfWork,
    include_resolved: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Claims of posted remittances that could not be matched, newest first (``limit`` rows
    from ``offset``; all of them without a limit, as ``therabill era exceptions`` lists)."""
    query = (
        select(RemittanceException, RemittanceRecord.trace_number, RemittanceRecord.payer_name)
        .join(RemittanceRecord, RemittanceRecord.id == RemittanceException.remittance_id)
        .order_by(RemittanceException.id.desc())
    )
    if not include_resolved:
        query = query.where(RemittanceException.resolved_at.is_(None))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = work.db.execute(query).all()
    work.audit("list", "remittance_exception", "*", f"{len(rows)} rows")
    return [_exception_dict(e, trace, payer) for e, trace, payer in rows]


def _exception_dict(e: RemittanceException, trace: str, payer: str) -> dict[str, Any]:
    return {
        "id": e.id,
        "claim": e.patient_control_number,
        "payer_claim_number": e.payer_claim_number,
        "payer": payer,
        "trace_number": trace,
        "status_code": e.status_code,
        "charge_cents": e.charge_cents,
        "paid_cents": e.paid_cents,
        "reason": e.reason,
        "created_at": e.created_at.isoformat(),
        "resolved_at": e.resolved_at.isoformat() if e.resolved_at else None,
        "resolved_by": e.resolved_by,
        "resolution": e.resolution,
        "received": e.created_at.date(),
        "paid": e.paid_cents,
    }


def list_deposits(*, work: UnitOfWork, limit: int = 200) -> list[dict[str, Any]]:
    """Each payment (BPR02, trace number) against what was posted from it, newest first.

    ``posted_cents`` is what reached claims in the ledger (payments, reversals, PLB
    recoupments); ``interest_cents`` the L6 interest taken as income; ``held_cents`` the other
    provider-level amounts (forwarding balances, offsets, reasons kept for review), all signed
    as money in. ``difference_cents`` = deposit − posted − interest − held: what came in but
    reached no claim (claims of the 835 that matched none of ours: ``unmatched``).

    ``still_posting``: the payment's file is being posted in parts (a post-835 job on SQLite)
    or its posting stopped part-way: what it shows as posted is only what the committed parts
    posted, and the difference is not yet what the payer left unmatched."""
    rows = work.db.execute(
        select(RemittanceRecord, RemittanceFile.posting.is_not(None))
        .join(RemittanceFile, RemittanceFile.id == RemittanceRecord.file_id)
        .order_by(RemittanceRecord.id.desc())
        .limit(limit)
    ).all()
    payments = [p for p, _ in rows]
    posting = {p.id: bool(still) for p, still in rows}
    ids = [p.id for p in payments]
    posted: dict[int, int] = defaultdict(int)
    receipts: dict[str, int] = {}
    for rc_id, remittance_id in work.db.execute(
        select(RemittanceClaim.id, RemittanceClaim.remittance_id).where(
            RemittanceClaim.remittance_id.in_(ids)
        )
    ):
        receipts[f"835:{rc_id}"] = remittance_id
    plbs: dict[int, list[ProviderAdjustmentRecord]] = defaultdict(list)
    for plb in work.db.execute(
        select(ProviderAdjustmentRecord)
        .where(ProviderAdjustmentRecord.remittance_id.in_(ids))
        .order_by(ProviderAdjustmentRecord.id)
    ).scalars():
        plbs[plb.remittance_id].append(plb)
        receipts[f"plb:{plb.id}"] = plb.remittance_id
    if receipts:
        for receipt, total in work.db.execute(
            select(LedgerEntry.receipt, func.sum(LedgerEntry.amount_cents))
            .where(
                LedgerEntry.kind == EntryKind.INSURANCE_PAYMENT.value,
                LedgerEntry.receipt.in_(list(receipts)),
            )
            .group_by(LedgerEntry.receipt)
        ):
            posted[receipts[str(receipt)]] += int(total or 0)
    unmatched: dict[int, tuple[int, int]] = {}
    for remittance_id, count, total in work.db.execute(
        select(
            RemittanceException.remittance_id,
            func.count(),
            func.sum(RemittanceException.paid_cents),
        )
        .where(RemittanceException.remittance_id.in_(ids))
        .group_by(RemittanceException.remittance_id)
    ):
        unmatched[remittance_id] = (int(count), int(total or 0))
    work.audit("list", "remittance", "*", f"{len(payments)} deposits")
    out = []
    for p in payments:
        adjustments = plbs.get(p.id, [])
        interest = -sum(a.amount_cents for a in adjustments if a.applied_as == "interest")
        held = -sum(
            a.amount_cents for a in adjustments if a.applied_as not in ("interest", "recoupment")
        )
        count, not_posted = unmatched.get(p.id, (0, 0))
        difference = p.payment_cents - posted[p.id] - interest - held
        out.append(
            {
                "id": p.id,
                "payer": p.payer_name,
                "trace_number": p.trace_number,
                "payment_date": p.payment_date.isoformat() if p.payment_date else None,
                "method": p.payment_method,
                "deposit_cents": p.payment_cents,
                "posted_cents": posted[p.id],
                "interest_cents": interest,
                "held_cents": held,
                "difference_cents": difference,
                "unmatched_claims": count,
                "unmatched_paid_cents": not_posted,
                "still_posting": posting[p.id],
                "provider_adjustments": [
                    {
                        "reason": a.reason,
                        "reference": a.reference,
                        "amount_cents": a.amount_cents,
                        "applied_as": a.applied_as,
                        "claim_id": a.claim_id,
                        "claim_number": claim_number(a.claim_id) if a.claim_id else None,
                    }
                    for a in adjustments
                ],
            }
        )
    return out


RESOLUTION_MAX = 500


def resolve_exception(*, work: UnitOfWork, exception_id: int, note: str) -> RemittanceException:
    """Mark an unmatched remittance claim as dealt with, saying what was done (posted by hand
    to a claim, returned to the payer as not ours, …). Nothing is posted here: the note is the
    record of what the biller did elsewhere, kept with who and when."""
    text = note.strip()
    if not text:
        raise InvalidInput(
            "say what was done about it (e.g. 'posted by hand to claim 42')", field="note"
        )
    if len(text) > RESOLUTION_MAX:
        raise InvalidInput(f"is longer than {RESOLUTION_MAX} characters", field="note")
    found = work.db.get(RemittanceException, exception_id)
    if found is None:
        raise InvalidInput(f"no remittance exception {exception_id}", field="exception")
    if found.resolved_at is not None:
        raise InvalidInput(
            f"exception {exception_id} was already resolved by {found.resolved_by} on "
            f"{found.resolved_at:%Y-%m-%d}",
            field="exception",
        )
    found.resolved_at = utcnow()
    found.resolved_by = work.actor
    found.resolution = text
    work.db.flush()
    work.audit("resolve", "remittance_exception", exception_id)
    return found


def list_quarantine(*, work: UnitOfWork, limit: int | None = None) -> list[dict[str, Any]]:
    """Quarantined files, newest first (the ``limit`` newest when given), each with when
    the same file was posted since (its payee released by a biller, or sent again once the
    practice's ids were right), and whether it was refused for its payee only."""
    query = (
        select(QuarantinedFile, RemittanceFile.posted_at)
        .outerjoin(RemittanceFile, RemittanceFile.sha256 == QuarantinedFile.sha256)
        .order_by(QuarantinedFile.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "id": q.id,
            "file": q.file_name,
            "sha256": q.sha256,
            "reason": q.reason,
            "received_at": q.received_at.isoformat(),
            "payee_only": payee.is_payee_refusal(q.reason),
            "posted_at": posted_at.isoformat() if posted_at else None,
        }
        for q, posted_at in work.db.execute(query).tuples()
    ]


__all__ = [
    "NotPostable",
    "PostingResult",
    "RemittanceFile835",
    "check_release",
    "exceptions_page",
    "list_deposits",
    "list_exceptions",
    "list_quarantine",
    "payee_release",
    "post_read",
    "post_remittance",
    "posting_steps",
    "read_remittance",
]
