"""Eligibility: write a 270 for a client's policy into the outbox, store each 271 answer on
its policy, and say what the last answer means at session entry.

- :func:`request_eligibility`: the policy that covers the date (or the named payer's), a
  270 with control numbers from the practice database, written to the outbox when the
  transaction commits (``files_on_commit``), and the trace number remembered so the 271
  finds its way back.
- :func:`store_answers`: every member of a 271 stored on its policy (found by our trace
  number in TRN*2, else by payer and member id), once per file, transaction and policy;
  members no policy matches are reported, never guessed.
- :func:`latest_checks` / :func:`session_line`: the last answer per policy, and the one line
  the session form shows ("eligibility checked 3 days ago: 12 of 20 PT visits left; copay
  $30").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.store.models import (
    Client,
    EligibilityCheck,
    EligibilityRequest,
    Payer,
    Policy,
    Provider,
    TherapySession,
)
from therabill.store.services import lookup
from therabill.store.services.context import UnitOfWork
from therabill.store.services.files_on_commit import publish_on_commit
from therabill.store.services.submission import DatabaseControlNumbers
from therabill.x12.clearinghouse import Clearinghouse, load_clearinghouse
from therabill.x12.control_numbers import FileControlNumbers, envelope
from therabill.x12.eligibility import (
    EligibilityResponse,
    Inquiry,
    Person,
    headline,
    iter_271,
    summarize,
    write_270,
)
from therabill.x12.eligibility.codes import QUERY_SERVICE_TYPES, check_service_type
from therabill.x12.eligibility.summary import summary_from_dict


@dataclass(slots=True)
class RequestOutcome:
    path: Path
    trace: str
    policy_id: int
    payer: str
    service_types: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "trace": self.trace,
            "policy": self.policy_id,
            "payer": self.payer,
            "service_types": self.service_types,
        }


def _policy(work: UnitOfWork, client: Client, payer: str | int | None, day: dt.date) -> Policy:
    policies = [p for p in client.policies if p.covers(day)] or list(client.policies)
    if payer is not None:
        wanted = lookup.payer(work, payer).id
        policies = [p for p in client.policies if p.payer_id == wanted]
        if not policies:
            raise InvalidInput(f"client {client.id} has no policy with that payer", field="--payer")
    if not policies:
        raise InvalidInput(
            f"client {client.id} has no insurance policy", field="client",
            hint="Add a policy first (therabill client add-policy …).",
        )  # fmt: skip
    order = {"primary": 0, "secondary": 1, "tertiary": 2}
    return min(policies, key=lambda p: (order.get(p.priority, 3), p.id))


def _last_discipline(work: UnitOfWork, client_id: int) -> str | None:
    """The discipline of the provider of the client's last session."""
    row = work.db.execute(
        select(Provider.discipline)
        .join(TherapySession, TherapySession.provider_id == Provider.id)
        .where(TherapySession.client_id == client_id)
        .order_by(TherapySession.date_of_service.desc(), TherapySession.id.desc())
        .limit(1)
    ).first()
    return str(row[0]) if row else None


def _default_types(work: UnitOfWork, client: Client) -> tuple[str, ...]:
    """30, then the service types of the discipline of the client's last session."""
    return QUERY_SERVICE_TYPES.get(_last_discipline(work, client.id) or "", ("30",))


def request_eligibility(
    *,
    work: UnitOfWork,
    client: str | int,
    outbox: Path,
    payer: str | int | None = None,
    service_types: list[str] | None = None,
    date_of_service: dt.date | None = None,
    profile: Clearinghouse | None = None,
    target: Path | None = None,
    created: dt.datetime | None = None,
) -> RequestOutcome:
    """Write a 270 for the client's policy (see the module docstring); ``target`` names
    the file (default: ``270-<trace>.x12`` in the outbox)."""
    found = lookup.client(work, client)
    day = date_of_service or dt.date.today()
    policy = _policy(work, found, payer, day)
    practice = work.practice()
    if practice is None:
        raise InvalidInput("the practice is not set up", field="practice")
    types = tuple(dict.fromkeys(check_service_type(t) for t in service_types or ())) or (
        _default_types(work, found)
    )
    moment = created or dt.datetime.now(dt.UTC)
    base = trace = f"P{policy.id}-{moment:%Y%m%d%H%M%S}"
    taken = EligibilityRequest.trace
    for n in range(2, 100):  # two inquiries for one policy in the same second
        if work.db.execute(select(taken).where(taken == trace)).first() is None:
            break
        trace = f"{base}-{n}"
    payer_row: Payer = policy.payer
    self_insured = policy.relationship_to_subscriber == "self"
    client_person = Person(found.last_name, found.first_name, found.birth_date, found.sex,
                           policy.member_id)  # fmt: skip
    subscriber = client_person if self_insured else Person(
        policy.subscriber_last_name or found.last_name,
        policy.subscriber_first_name or "",
        policy.subscriber_birth_date,
        policy.subscriber_sex or "U",
        policy.member_id,
    )  # fmt: skip
    inquiry = Inquiry(
        trace=trace,
        payer_name=payer_row.name,
        payer_id=payer_row.payer_id or "",
        provider_name=practice.name,
        provider_npi=practice.npi or "",
        subscriber=subscriber,
        date_of_service=day,
        patient=None if self_insured else client_person,
        group_number=policy.group_number or "",
        service_types=types,
    )
    interchange, group, transactions = envelope(
        DatabaseControlNumbers(work, mirror=FileControlNumbers())
    )
    text = write_270(
        [inquiry],
        profile=profile or load_clearinghouse(),
        interchange=interchange,
        group=group,
        transactions=list(transactions),
        created=moment,
    )
    path = target or outbox / f"270-{trace}.x12"
    if path.exists():
        raise InvalidInput(f"{path} already exists", field="-o")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    with open(temporary, "w", encoding="ascii", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    publish_on_commit(work.db, [(temporary, path)])
    work.db.add(
        EligibilityRequest(
            policy_id=policy.id,
            trace=trace,
            file_name=path.name[:200],
            service_types=",".join(types)[:300],
            date_of_service=day,
            actor=work.actor,
        )
    )
    work.audit("request", "eligibility", policy.id, ",".join(types)[:100])
    return RequestOutcome(path, trace, policy.id, payer_row.name, list(types))


@dataclass(slots=True)
class StoredAnswers:
    """What :func:`store_answers` did with each member of one 271 file."""

    file_name: str
    sha256: str
    stored: list[dict[str, Any]] = field(default_factory=list)
    already: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "stored": self.stored,
            "already_stored": self.already,
            "unmatched": self.unmatched,
        }


def _match(work: UnitOfWork, response: EligibilityResponse) -> tuple[Policy | None, str]:
    for trace in response.traces:
        row = work.db.execute(
            select(EligibilityRequest.policy_id).where(EligibilityRequest.trace == trace[:50])
        ).first()
        if row is not None:
            return work.db.get(Policy, int(row[0])), "trace number"
    if response.member_id:
        query = select(Policy).join(Payer).where(Policy.member_id == response.member_id)
        policies = list(work.db.execute(query).scalars())
        if response.payer_id and len(policies) > 1:
            policies = [p for p in policies if p.payer.payer_id == response.payer_id] or policies
        if len(policies) == 1:
            return policies[0], "member id"
    return None, ""


def store_answers(*, work: UnitOfWork, data: bytes, file_name: str) -> StoredAnswers:
    """Read a 271 (refused whole with ``X12Error`` when unreadable) and store each member's
    answer on its policy; the same answer stored twice is reported, not stored again."""
    digest = hashlib.sha256(data).hexdigest()
    source = io.BytesIO(data)
    source.name = file_name
    out = StoredAnswers(file_name=file_name[:200], sha256=digest)
    for response in list(iter_271(source)):
        summary = summarize(response)
        entry: dict[str, Any] = {
            "member": summary.member_name,
            "status": summary.status,
            "headline": headline(summary),
        }
        policy, how = _match(work, response)
        if policy is None:
            out.unmatched.append(entry)
            continue
        entry.update(policy=policy.id, client=policy.client_id, matched_by=how)
        trace = (response.traces or [""])[0][:50]
        known = work.db.execute(
            select(EligibilityCheck.id).where(
                EligibilityCheck.sha256 == digest,
                EligibilityCheck.policy_id == policy.id,
                EligibilityCheck.transaction == response.transaction[:9],
                EligibilityCheck.trace == trace,
            )
        ).first()
        if known is not None:
            out.already.append(entry)
            continue
        row = EligibilityCheck(
            policy_id=policy.id,
            client_id=policy.client_id,
            response_date=response.created,
            status=summary.status,
            summary_json=json.dumps(summary.to_dict(), default=str),
            file_name=file_name[:200],
            sha256=digest,
            transaction=response.transaction[:9],
            trace=trace,
            actor=work.actor,
        )
        work.db.add(row)
        work.db.flush()
        work.audit("store", "eligibility", row.id, f"policy {policy.id}: {summary.status}")
        out.stored.append(entry)
    return out


def _ago(then: dt.datetime, today: dt.date) -> str:
    days = (today - then.date()).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def latest_checks(
    work: UnitOfWork, client_id: int, *, today: dt.date | None = None, discipline: str | None = None
) -> list[dict[str, Any]]:
    """The last stored answer of each of the client's policies, newest first; headlines for
    ``discipline`` (default: that of the client's last session)."""
    day = today or dt.date.today()
    rows = work.db.execute(
        select(EligibilityCheck, Payer.name)
        .join(Policy, Policy.id == EligibilityCheck.policy_id)
        .join(Payer, Payer.id == Policy.payer_id)
        .where(EligibilityCheck.client_id == client_id)
        .order_by(EligibilityCheck.id.desc())
    ).all()
    seen: set[int] = set()
    out = []
    if rows and discipline is None:
        discipline = _last_discipline(work, client_id)
    for check, payer_name in rows:
        if check.policy_id in seen:
            continue
        seen.add(check.policy_id)
        summary = json.loads(check.summary_json)
        out.append(
            {
                "id": check.id,
                "policy": check.policy_id,
                "payer": payer_name,
                "checked_at": check.checked_at,
                "ago": _ago(check.checked_at, day),
                "status": check.status,
                "headline": _headline(summary, discipline),
                "summary": summary,
            }
        )
    if out:
        work.audit("read", "eligibility", client_id, f"{len(out)} answers")
    return out


def _headline(summary: dict[str, Any], discipline: str | None) -> str:
    """The headline again from the stored summary (the discipline may differ per session)."""
    return headline(summary_from_dict(summary), discipline)


def session_line(
    work: UnitOfWork, client_id: int, *, discipline: str | None = None, today: dt.date | None = None
) -> str | None:
    """ "eligibility checked 3 days ago: 12 of 20 PT visits left; copay $30" for the client's
    primary policy's last answer; None when eligibility was never checked."""
    checks = latest_checks(work, client_id, today=today, discipline=discipline)
    if not checks:
        return None
    check = checks[0]
    return f"eligibility checked {check['ago']}: {check['headline']}"
