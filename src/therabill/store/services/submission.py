"""Submit claims: ready claims → one 837P file per payer in the outbox, claims marked
submitted, control numbers taken from the database — all in the caller's transaction.

The one service behind ``therabill claims submit`` and the web app's "check and submit".
Files are written under a temporary name (``.NAME.part``, fsynced) while the transaction is
open and renamed into place only when it commits (a SQLAlchemy ``after_commit`` hook); if the
transaction rolls back — the commit fails, or anything after this call raises — they are
removed. So the outbox never holds a file for claims that are not marked submitted. (A crash
between commit and rename leaves a ``.part`` file: claims submitted, file not yet sent; that
is found, whereas the opposite order could send the same claims twice.)

Control numbers (ISA13, GS06, ST02) come from ``x12_control_numbers``, raised inside the same
transaction: a number is used once, and two submitters queue on the row lock (PostgreSQL) or
the write lock (SQLite). The file-backed store of ``therabill x12 837`` shares the sender id,
so both are kept at the same high-water mark and neither can reuse the other's numbers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from therabill import claims as doc
from therabill.claims.number import claim_id_from_control_number
from therabill.claims.status import ClaimStatus
from therabill.errors import InvalidInput
from therabill.store.models import (
    ClaimRecord,
    ControlNumberCounter,
    InstallationControlNumber,
    SubmittedClaim,
)
from therabill.store.services import lookup
from therabill.store.services.claim_records import change_status
from therabill.store.services.context import UnitOfWork
from therabill.store.services.files_on_commit import publish_on_commit
from therabill.x12.acknowledgements import (
    Ack,
    Acknowledgements,
    ClaimAck,
    InterchangeAck,
    ProviderAck,
    TransactionAck,
    iter_acknowledgements,
)
from therabill.x12.claim_837p import write_batch
from therabill.x12.clearinghouse import Clearinghouse, load_clearinghouse
from therabill.x12.control_numbers import KINDS, FileControlNumbers, Kind, checked_counts
from therabill.x12.reader import Source, iter_segments, rewound
from therabill.x12.writer import MAX_CONTROL_NUMBER

SUBMITTABLE = frozenset({ClaimStatus.READY.value, ClaimStatus.CORRECTED.value})


def _locked_last(
    db: Session, counter: type[ControlNumberCounter] | type[InstallationControlNumber], kind: Kind
) -> int:
    """``counter``'s last number of ``kind`` (its row made at 0 when missing), read after
    taking the row's lock with an UPDATE: concurrent submitters queue here until the
    caller's transaction ends."""
    new = (pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert)(counter)
    db.execute(new.values(kind=kind, last_number=0).on_conflict_do_nothing())
    db.execute(update(counter).where(counter.kind == kind).values(last_number=counter.last_number))
    return int(db.execute(select(counter.last_number).where(counter.kind == kind)).scalar_one())


class DatabaseControlNumbers:
    """``ControlNumbers`` kept in the practice database, in the caller's transaction.

    Each number is above the practice's own counter, the installation's
    (``x12_installation_numbers``: every practice's numbers, so a billing office sending all
    its practices under one submitter id never repeats one, whichever app host writes the
    file) and the host's file mirror. The installation's row is locked first, then the
    practice's: one order for every submitter, so two never wait on each other in a circle.
    Submitters of different practices queue on the installation's row for the rest of their
    transaction."""

    def __init__(self, work: UnitOfWork, *, mirror: FileControlNumbers | None = None) -> None:
        self.work = work
        self.mirror = mirror

    def reserve(self, kind: Kind, count: int = 1) -> range:
        return self.reserve_many({kind: count})[kind]

    def reserve_many(self, counts: Mapping[Kind, int]) -> dict[Kind, range]:
        """Each kind's numbers above the installation's, the practice's and the mirror's
        last, the rows locked kind by kind in one order; the mirror written once."""
        wanted = checked_counts(counts)
        db = self.work.db
        mirrored = self.mirror.last() if self.mirror is not None else {}
        got: dict[Kind, range] = {}
        for kind, count in wanted.items():
            floor = _locked_last(db, InstallationControlNumber, kind)
            # A practice's counters start at 0 when first used (migration 0032): a second
            # practice, or a database made after it, has none before its first file.
            last = max(_locked_last(db, ControlNumberCounter, kind), floor, mirrored.get(kind, 0))
            first, new_last = last + 1, last + count
            if new_last > MAX_CONTROL_NUMBER:
                raise InvalidInput(
                    f"the {kind} control numbers are used up (last {last})",
                    field="x12_control_numbers",
                    hint="Agree a new sender id with the clearinghouse before sending more.",
                )
            for counter in (ControlNumberCounter, InstallationControlNumber):
                db.execute(update(counter).where(counter.kind == kind).values(last_number=new_last))
            self.work.audit("reserve", "x12_control_number", kind, f"{first}-{new_last}")
            got[kind] = range(first, new_last + 1)
        if self.mirror is not None:
            behind: dict[Kind, int] = {
                kind: numbers[-1] - mirrored.get(kind, 0)
                for kind, numbers in got.items()
                if numbers[-1] > mirrored.get(kind, 0)
            }
            if behind:
                self.mirror.reserve_many(behind)
        return got

    def last(self) -> dict[str, int]:
        rows = self.work.db.execute(
            select(ControlNumberCounter.kind, ControlNumberCounter.last_number)
        ).all()
        # A practice's counters are made when first used: the kinds not used yet are at 0.
        return dict.fromkeys(KINDS, 0) | {kind: int(number) for kind, number in rows}


@dataclass(slots=True)
class SubmitOutcome:
    """``files``: the outbox file names; ``paths``: where they will be once committed."""

    files: list[str] = field(default_factory=list)
    claims: list[int] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"files": [str(p) for p in self.paths], "claims": self.claims}


def submittable_claims(work: UnitOfWork, *, payer: str | int | None = None) -> list[int]:
    """Ready (or corrected) claims with no scrub errors, oldest first, optionally one payer's."""
    query = select(ClaimRecord.id, ClaimRecord.findings_json).where(
        ClaimRecord.status.in_(sorted(SUBMITTABLE))
    )
    if payer is not None:
        query = query.where(ClaimRecord.payer_id == lookup.payer(work, payer).id)
    rows = work.db.execute(query.order_by(ClaimRecord.id)).all()
    return [
        claim_id
        for claim_id, findings in rows
        if not any(f.get("severity") == "error" for f in json.loads(findings))
    ]


def submit_claims(
    *,
    work: UnitOfWork,
    outbox: Path,
    claim_ids: list[int] | None = None,
    payer: str | int | None = None,
    profile: Clearinghouse | None = None,
    created: dt.datetime | None = None,
    reason: str = "submitted in an 837P batch",
) -> SubmitOutcome:
    """Write the claims' 837P files (one per payer) and mark the claims submitted.

    ``claim_ids`` None means every submittable claim (of ``payer``). Refuses the whole batch,
    naming the claim, if one is not ready or has scrub errors; nothing to submit is an error.
    """
    ids = submittable_claims(work, payer=payer) if claim_ids is None else list(claim_ids)
    if not ids:
        raise InvalidInput("no claims are ready to submit", field="claims")
    documents: list[doc.Claim] = []
    for claim_id in ids:
        claim = work.db.get(ClaimRecord, claim_id)
        if claim is None:
            raise InvalidInput(f"no claim {claim_id}", field="claim")
        if claim.status not in SUBMITTABLE:
            raise InvalidInput(
                f"claim {claim_id} is {claim.status}; only ready or corrected claims go out",
                field="claim",
            )
        errors = [f for f in json.loads(claim.findings_json) if f.get("severity") == "error"]
        if errors:
            raise InvalidInput(f"claim {claim_id} has {len(errors)} scrub error(s)", field="claim")
        if not claim.document_json:
            raise InvalidInput(f"claim {claim_id} has no claim document; rebuild it", field="claim")
        documents.append(doc.Claim.model_validate_json(claim.document_json))
    files = write_batch(
        documents,
        profile=profile or load_clearinghouse(),
        numbers=DatabaseControlNumbers(work, mirror=FileControlNumbers()),
        created=created or dt.datetime.now(dt.UTC),
    )
    outcome = SubmitOutcome(claims=ids)
    outbox.mkdir(parents=True, exist_ok=True)
    pending: list[tuple[Path, Path]] = []
    publish_on_commit(work.db, pending)
    for claim_file in files:
        target = outbox / claim_file.file_name
        if target.exists():
            raise InvalidInput(f"{target} already exists", field="outbox")
        temporary = outbox / f".{claim_file.file_name}.part"
        with open(temporary, "w", encoding="ascii", newline="") as handle:
            handle.write(claim_file.text)
            handle.flush()
            os.fsync(handle.fileno())
        pending.append((temporary, target))
        _remember(work, claim_file.text, target.name, claim_file.interchange)
        outcome.files.append(target.name)
        outcome.paths.append(target)
    for claim_id in ids:
        change_status(work=work, claim_id=claim_id, new=ClaimStatus.SUBMITTED, reason=reason)
    work.audit("submit", "claims", ",".join(map(str, ids))[:40], f"{len(files)} files")
    return outcome


OUTBOX_NAME = re.compile(r"^837P-[A-Za-z0-9_-]+-\d{9}\.x12$")  # as write_batch names files


def outbox_file(outbox: Path, name: str) -> Path | None:
    """A file of the outbox by name, for download; ``None`` for anything else (no path
    tricks: only names as the batch writer makes them)."""
    if not OUTBOX_NAME.match(name):
        return None
    path = outbox / name
    return path if path.is_file() else None


def download_outbox_file(*, work: UnitOfWork, outbox: Path, name: str) -> Path | None:
    """The outbox file to hand to a user, audited as a read of client health data (an 837P
    carries names, birth dates, member ids and diagnoses); ``None`` when there is none, or
    when it carries none of this practice's claims (each practice has its own outbox; this
    holds even where several practices were given one folder)."""
    path = outbox_file(outbox, name)
    ours = select(SubmittedClaim.id).where(
        SubmittedClaim.practice_id == work.practice_id, SubmittedClaim.file_name == name
    )
    if path is None or work.db.execute(ours.limit(1)).first() is None:
        return None
    work.audit("download", "outbox", name, f"{path.stat().st_size} bytes")
    return path


def _remember(work: UnitOfWork, text: str, file_name: str, interchange: int) -> None:
    """Which group and transaction carried each claim (for 999 acknowledgements)."""
    group, transaction = 0, ""
    for _, _, seg in iter_segments(text.encode("ascii")):
        if seg.id == "GS":
            group = int(seg.get(6))
        elif seg.id == "ST":
            transaction = seg.get(2)
        elif seg.id == "CLM":
            claim_id = claim_id_from_control_number(seg.get(1))
            if claim_id is not None:
                work.db.add(
                    SubmittedClaim(
                        claim_id=claim_id,
                        file_name=file_name,
                        interchange_number=interchange,
                        group_number=group,
                        transaction_number=transaction,
                    )
                )


LISTED = 1000  # claims listed per outcome of one acknowledgement file; the rest are counted


@dataclass(slots=True)
class AckResult:
    """What ``therabill x12 ack`` did to each claim: the first ``LISTED`` claims of each
    outcome with the reason, and how many there were in all (a 277CA for a whole month's
    claims is applied with flat memory)."""

    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"accepted": 0, "rejected": 0, "unchanged": 0}
    )

    def add(self, outcome: str, entry: dict[str, Any]) -> None:
        self.counts[outcome] += 1
        listed: list[dict[str, Any]] = getattr(self, outcome)
        if len(listed) < LISTED:
            listed.append(entry)

    def more(self, outcome: str) -> int:
        """How many claims of ``outcome`` are counted but not listed."""
        return self.counts[outcome] - len(getattr(self, outcome))

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": self.rejected,
            "unchanged": self.unchanged,
            "counts": dict(self.counts),
        }


def _apply_to_sent(
    work: UnitOfWork,
    result: AckResult,
    query: Select[int],
    rejected: bool,
    reason: str,
    none_sent: str,
) -> None:
    """A TA1 or 999 verdict on every claim sent in the file or transaction ``query`` finds:
    rejected, or left as it is with the reason; nothing sent there is said too."""
    claim_ids = sorted({int(row[0]) for row in work.db.execute(query)})
    if not claim_ids:
        result.add("unchanged", {"claim": None, "reason": f"{reason}: {none_sent}"})
    for claim_id in claim_ids:
        if rejected:
            _move(work, result, claim_id, ClaimStatus.REJECTED, reason)
        else:
            result.add("unchanged", {"claim": claim_id, "reason": reason})


def apply_acknowledgements(
    *, work: UnitOfWork, acks: Acknowledgements | Iterable[Ack]
) -> AckResult:
    """Mark claims accepted (277CA A2) or rejected (TA1 R, 999 R, 277CA A3/A4/A6/A7/A8/E3/E4)
    with the reason; a 999 that accepts a transaction leaves its claims submitted (the 277CA
    says whether each claim was accepted), and a move the lifecycle refuses is reported.

    ``acks``: a read file, or ``iter_acknowledgements(source)`` to apply a file as it is read;
    every ``BATCH`` acknowledgements the changes are flushed and the audit written, so memory
    stays flat however many claims the file holds."""
    if isinstance(acks, Acknowledgements):
        acks = itertools.chain(acks.interchanges, acks.transactions, acks.providers, acks.claims)
    result = AckResult()
    for n, ack in enumerate(acks, 1):
        _apply_one(work, result, ack)
        if n % BATCH == 0:
            work.checkpoint()
    return result


BATCH = 1000


def apply_acknowledgement_file(*, work: UnitOfWork, source: Source) -> AckResult:
    """Apply a TA1, 999 or 277CA file in two passes over it: the first reads it whole and
    changes nothing (a file damaged halfway is refused before any claim moves), the second
    applies each acknowledgement as it is read. Neither keeps the file or its claims."""
    for _ in iter_acknowledgements(rewound(source)):
        pass
    return apply_acknowledgements(work=work, acks=iter_acknowledgements(rewound(source)))


def _apply_one(work: UnitOfWork, result: AckResult, ack: Ack) -> None:
    if isinstance(ack, InterchangeAck):  # TA1: R rejects every claim the file carried
        query = select(SubmittedClaim.claim_id).where(
            SubmittedClaim.interchange_number == ack.interchange_number
        )
        _apply_to_sent(work, result, query, ack.rejected, ack.reason, "no claims sent in it")
    elif isinstance(ack, TransactionAck):
        if not ack.about_claims:  # a 999 for another kind of group (AK1*BE, HS…)
            result.add("unchanged", {"claim": None, "reason": ack.reason})
            return
        query = select(SubmittedClaim.claim_id).where(
            SubmittedClaim.group_number == ack.group_number
        )
        if ack.transaction:
            query = query.where(SubmittedClaim.transaction_number == ack.transaction)
        _apply_to_sent(
            work, result, query, ack.rejected, ack.reason,
            f"no claims sent in group {ack.group_number}",
        )  # fmt: skip
    elif isinstance(ack, ProviderAck):  # a billing provider's status: every claim of theirs
        result.add("unchanged", {"claim": None, "reason": ack.reason})
    else:
        _apply_claim(work, result, ack)


def _apply_claim(work: UnitOfWork, result: AckResult, ack: ClaimAck) -> None:
    found = claim_id_from_control_number(ack.claim_number)
    claim = work.db.get(ClaimRecord, found) if found is not None else None
    if claim is None:
        result.add(
            "unchanged",
            {"claim": ack.claim_number, "reason": f"{ack.reason} (not one of our claims)"},
        )
        return
    if ack.payer_claim_number:
        claim.payer_claim_number = ack.payer_claim_number[:50]
    if ack.accepted:
        _move(work, result, claim.id, ClaimStatus.ACCEPTED, ack.reason)
    elif ack.rejected:
        _move(work, result, claim.id, ClaimStatus.REJECTED, ack.reason)
    else:
        result.add("unchanged", {"claim": claim.id, "reason": ack.reason})


def _move(
    work: UnitOfWork, result: AckResult, claim_id: int, new: ClaimStatus, reason: str
) -> None:
    claim = work.db.get(ClaimRecord, claim_id)
    assert claim is not None
    entry = {"claim": claim_id, "reason": reason}
    if claim.status == new.value:
        result.add("unchanged", {**entry, "reason": f"already {new.value}: {reason}"})
        return
    try:
        change_status(work=work, claim_id=claim_id, new=new, reason=reason[:500])
    except InvalidInput as exc:
        result.add("unchanged", {**entry, "reason": f"{reason} — not applied: {exc.message}"})
        return
    result.add("accepted" if new is ClaimStatus.ACCEPTED else "rejected", entry)
