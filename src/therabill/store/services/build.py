"""``claims build``: unbilled sessions become claims, one per client, payer, provider and date
of service, each scrubbed. The whole batch is one transaction: a crash leaves the database as
before the build. A session is claimed with ``UPDATE … WHERE claim_id IS NULL``, and builds
queue on a lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so two builds at once
never bill a session twice.

The day's minutes of all the provider's sessions for the client are pooled before units are
counted: the CMS 8-minute rule counts the day's total timed minutes (Pub 100-04 ch.5 §20.2).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, select, text, update
from sqlalchemy.orm import selectinload

from therabill.claims.status import ClaimStatus
from therabill.codes import load_code_set
from therabill.errors import TherabillError
from therabill.findings import Finding, Severity
from therabill.scrub import ScrubContext
from therabill.store.models import (
    Authorization,
    AuthorizationUse,
    ClaimLine,
    ClaimRecord,
    ClaimStatusChange,
    Client,
    Fee,
    Payer,
    Policy,
    Practice,
    Provider,
    TherapySession,
)
from therabill.store.services import auths, documents, ledger, profiles, scrubbing
from therabill.store.services.clients import primary_policy
from therabill.store.services.context import UnitOfWork
from therabill.units import count_units

BUILD_LOCK_KEY = 7_401_002
# Therapy modifiers by the provider's discipline: CMS Pub 100-04 ch.5 §20.1 (GP physical
# therapy, GO occupational therapy, GN speech-language pathology plan of care).
THERAPY_MODIFIERS = {"pt": "GP", "ot": "GO", "slp": "GN"}
MAX_POINTERS = 4  # CMS-1500 box 24E / 837P SV107: up to four diagnosis pointers per line


class ConcurrentBuild(TherabillError):
    """Another build billed a session this one had chosen; nothing of this build is kept."""


@dataclass(slots=True)
class BuildResult:
    claims: list[int] = field(default_factory=list)
    ready: int = 0
    draft: int = 0
    sessions_billed: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claims_built": len(self.claims),
            "ready": self.ready,
            "draft": self.draft,
            "sessions_billed": self.sessions_billed,
            "claim_ids": self.claims,
            "skipped": self.skipped,
        }


GroupKey = tuple[int, int, int, dt.date]  # client, policy, provider, date


def _unbilled(
    work: UnitOfWork, start: dt.date | None, end: dt.date | None, provider_id: int | None
) -> list[TherapySession]:
    query = (
        select(TherapySession)
        .where(TherapySession.claim_id.is_(None))
        .options(selectinload(TherapySession.services), selectinload(TherapySession.diagnoses))
        .order_by(TherapySession.client_id, TherapySession.date_of_service, TherapySession.id)
    )
    if start:
        query = query.where(TherapySession.date_of_service >= start)
    if end:
        query = query.where(TherapySession.date_of_service <= end)
    if provider_id is not None:
        query = query.where(TherapySession.provider_id == provider_id)
    return list(work.db.execute(query).scalars())


def build_claims(
    *,
    work: UnitOfWork,
    start: dt.date | None = None,
    end: dt.date | None = None,
    provider_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    scrub_tables: ScrubContext | None = None,
) -> BuildResult:
    """Build claims from unbilled sessions; ``progress(done, total)`` after each claim.

    ``scrub_tables`` (``ScrubContext.load()``) loaded before the transaction keeps the
    database's write lock for the build itself, not for reading the scrubber's tables.
    """
    if work.db.get_bind().dialect.name == "postgresql":
        work.db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUILD_LOCK_KEY})
    result = BuildResult()
    sessions = _unbilled(work, start, end, provider_id)
    clients: dict[int, Client] = {}
    groups: dict[GroupKey, list[TherapySession]] = defaultdict(list)
    for session in sessions:
        client = clients.get(session.client_id) or work.db.get(Client, session.client_id)
        assert client is not None
        clients[client.id] = client
        policy = primary_policy(client, session.date_of_service)
        if policy is None:
            result.skipped.append({"session_id": session.id, "reason": "no insurance on file"})
            continue
        groups[(client.id, policy.id, session.provider_id, session.date_of_service)].append(session)
    builder = (
        _Builder(work, sessions, scrub_tables) if groups else None
    )  # loading the scrubber takes time
    for done, (key, group) in enumerate(groups.items(), 1):
        with work.db.no_autoflush:
            assert builder is not None
            claim = builder.build(key, group, clients[key[0]], result)
        if claim is not None:
            result.claims.append(claim.id)
            result.sessions_billed += len(group)
            if claim.status == ClaimStatus.READY:
                result.ready += 1
            else:
                result.draft += 1
        if progress:
            progress(done, len(groups))
    work.audit("build", "claims", "*", f"{len(result.claims)} claims")
    return result


class _Builder:
    """Caches what every claim of one build needs (fees, code set, practice, lookups)."""

    def __init__(
        self, work: UnitOfWork, sessions: Sequence[TherapySession], tables: ScrubContext | None
    ) -> None:
        self.work = work
        self.code_set = load_code_set()
        self.fees = dict(work.db.execute(select(Fee.code, Fee.unit_charge_cents)).all())
        self.practice = work.db.execute(select(Practice).limit(1)).scalar_one_or_none()
        self.providers: dict[int, Provider] = {}
        self.policies: dict[int, tuple[Policy, Payer]] = {}
        self.scrubber = scrubbing.Scrubber(work, sessions, tables)
        self.authorized = {
            (row[0], row[1])
            for row in work.db.execute(select(Authorization.client_id, Authorization.payer_id))
        }

    def policy(self, policy_id: int) -> tuple[Policy, Payer]:
        if policy_id not in self.policies:
            policy = self.work.db.get(Policy, policy_id)
            assert policy is not None
            payer = self.work.db.get(Payer, policy.payer_id)
            assert payer is not None
            self.policies[policy_id] = (policy, payer)
        return self.policies[policy_id]

    def provider(self, provider_id: int) -> Provider:
        if provider_id not in self.providers:
            found = self.work.db.get(Provider, provider_id)
            assert found is not None
            self.providers[provider_id] = found
        return self.providers[provider_id]

    def charge(self, code: str, units: int, profile: Any) -> tuple[int, Finding | None]:
        per_unit = self.fees.get(code)
        if per_unit is None and profile is not None and code in profile.fees:
            per_unit = int(profile.fees[code] * 100)
        if per_unit is None:
            return 0, Finding(
                id="store-no-fee",
                severity=Severity.ERROR,
                message=f"no fee on file for {code}",
                source="practice fee schedule (therabill store)",
                code=code,
                fix=f"set the practice's charge for {code}",
            )
        return per_unit * units, None

    def build(
        self,
        key: GroupKey,
        group: Sequence[TherapySession],
        client: Client,
        result: BuildResult,
    ) -> ClaimRecord | None:
        work = self.work
        client_id, policy_id, provider_id, day = key
        policy, payer = self.policy(policy_id)
        profile = profiles.payer_profiles().get(payer.profile_id)
        provider = self.provider(provider_id)
        minutes: dict[str, int] = {}
        first_session: dict[str, TherapySession] = {}
        modifiers: dict[str, str] = {}
        diagnoses: list[str] = []
        for session in group:
            for service in session.services:
                minutes[service.code] = minutes.get(service.code, 0) + service.minutes
                first_session.setdefault(service.code, session)
                modifiers.setdefault(service.code, service.modifiers)
            for dx in session.diagnoses:
                if dx.code not in diagnoses:
                    diagnoses.append(dx.code)
        units = count_units(
            list(minutes.items()),
            rule=profiles.unit_rule(payer.profile_id),
            day=day,
            code_set=self.code_set,
        )
        findings = list(units.findings)
        billable = [line for line in units.lines if line.units > 0]
        if not billable:
            for session in group:
                result.skipped.append(
                    {"session_id": session.id, "reason": "no billable units (too few minutes)"}
                )
            return None
        plan_modifier = THERAPY_MODIFIERS.get(provider.discipline)
        if profile is not None and profile.therapy_modifier_required and plan_modifier:
            for code, mods in modifiers.items():
                if plan_modifier not in mods.split(","):
                    modifiers[code] = ",".join(m for m in (mods, plan_modifier) if m)
        pointers = ",".join(str(i) for i in range(1, min(len(diagnoses), MAX_POINTERS) + 1))
        lines: list[ClaimLine] = []
        for number, unit_line in enumerate(billable, 1):
            cents, missing_fee = self.charge(unit_line.code, unit_line.units, profile)
            if missing_fee:
                findings.append(missing_fee)
            lines.append(
                ClaimLine(
                    line_number=number,
                    session_id=first_session[unit_line.code].id,
                    date_of_service=day,
                    code=unit_line.code,
                    modifiers=modifiers.get(unit_line.code, ""),
                    minutes=unit_line.minutes,
                    units=unit_line.units,
                    charge_cents=cents,
                    diagnosis_pointers=pointers,
                )
            )
        claim = ClaimRecord(
            client_id=client_id,
            payer_id=payer.id,
            policy_id=policy.id,
            provider_id=provider_id,
            date_of_service=day,
            status=ClaimStatus.DRAFT.value,
            total_charge_cents=sum(line.charge_cents for line in lines),
            lines=lines,
        )
        work.db.add(claim)
        work.db.flush()
        taken = cast(
            CursorResult[Any],
            work.db.execute(
                update(TherapySession)
                .where(TherapySession.id.in_([s.id for s in group]))
                .where(TherapySession.claim_id.is_(None))
                .values(claim_id=claim.id)
                .execution_options(synchronize_session=False)
            ),
        )
        if taken.rowcount != len(group):
            raise ConcurrentBuild("another build billed some of these sessions; run it again")
        auth, remaining = self.consume_authorization(claim, client_id, payer.id)
        document = documents.claim_document(
            claim=claim,
            client=client,
            payer=payer,
            policy=policy,
            provider=provider,
            practice=self.practice,
            sessions=list(group),
            diagnoses=diagnoses,
            authorization=auth,
            units_remaining=remaining,
        )
        findings.extend(self.scrubber(work=work, document=document, claim=claim))
        claim.document_json = document.model_dump_json()
        claim.findings_json = json.dumps([f.to_dict() for f in findings])
        self.record(claim, None, ClaimStatus.DRAFT, f"built from {len(group)} session(s)")
        if not any(f.severity == Severity.ERROR for f in findings):
            claim.status = ClaimStatus.READY.value
            self.record(claim, ClaimStatus.DRAFT, ClaimStatus.READY, "scrubbed: no errors")
        ledger.post_charges(work=work, claim=claim)
        work.audit("create", "claim", claim.id, f"{len(claim.lines)} lines")
        return claim

    def consume_authorization(
        self, claim: ClaimRecord, client_id: int, payer_id: int
    ) -> tuple[Any, int | None]:
        """Take each line's units from the first active authorization covering its code."""
        if (client_id, payer_id) not in self.authorized:
            return (None, None)
        found = auths.statuses(work=self.work, client_id=client_id, payer_id=payer_id)
        first: tuple[Any, int | None] = (None, None)
        visited: set[int] = set()
        for line in claim.lines:
            for status in found:
                if not status.covers(code=line.code, day=line.date_of_service):
                    continue
                a = status.authorization
                left = status.units_remaining
                if first[0] is None:
                    first = (a, left)
                self.work.db.add(
                    AuthorizationUse(
                        authorization_id=a.id,
                        claim_line_id=line.id,
                        units=line.units if a.units_approved is not None else 0,
                        visits=0 if a.id in visited else 1,
                    )
                )
                visited.add(a.id)
                line.authorization_id = a.id
                break
        self.work.db.flush()
        return first

    def record(
        self, claim: ClaimRecord, old: ClaimStatus | None, new: ClaimStatus, reason: str
    ) -> None:
        self.work.db.add(
            ClaimStatusChange(
                claim_id=claim.id,
                from_status=old.value if old else None,
                to_status=new.value,
                actor=self.work.actor,
                reason=reason,
            )
        )
