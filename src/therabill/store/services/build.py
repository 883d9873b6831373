"""``claims build``: unbilled sessions become claims, one per client, payer, provider and date
of service, each scrubbed. The whole batch is one transaction: a crash leaves the database as
before the build. A session is claimed with ``UPDATE … WHERE claim_id IS NULL``, and builds
queue on a lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so two builds at once
never bill a session twice.

The lines come from :func:`therabill.claims.assemble.assemble_claim` (pooling of the day's
minutes, units under the payer's rule, add-on codes, therapy plan modifiers, diagnosis
pointers, fees). :func:`draft_claim` turns them into an unsaved claim with its document and
findings; the session form's live check (``live_check``) calls the same function and saves
nothing, so it shows the findings the build records.

Sessions that cannot become a claim (no insurance, too few minutes, more than a day's minutes
of a code, a detail the claim document cannot hold) are skipped with their reason; the rest
of the batch is built.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast, get_args

from pydantic import ValidationError
from sqlalchemy import ColumnElement, select, text

from therabill import claims as doc
from therabill.claims.assemble import (
    Assembly,
    ServiceEntry,
    SessionEntry,
    UnitMemo,
    assemble_claim,
)
from therabill.claims.document import Discipline
from therabill.claims.number import claim_number
from therabill.claims.status import ClaimStatus
from therabill.codes import CodeSet, load_code_set
from therabill.errors import InvalidInput, TherabillError
from therabill.findings import Finding, Severity
from therabill.payers import PayerProfile
from therabill.scrub import ScrubContext
from therabill.store.models import (
    Client,
    Fee,
    Payer,
    Policy,
    Practice,
    Provider,
    ServiceLocation,
    SessionDiagnosis,
    SessionService,
    TherapySession,
)
from therabill.store.services import (
    build_batch,
    documents,
    plans_of_care,
    profiles,
    scrubbing,
)
from therabill.store.services.auths import AuthorizationStatus
from therabill.store.services.build_batch import ConcurrentBuild as ConcurrentBuild
from therabill.store.services.clients import primary_policy
from therabill.store.services.context import UnitOfWork
from therabill.store.services.drafts import (
    DiagnosisRow,
    DraftClaim,
    DraftLine,
    ServiceRow,
    SessionRow,
)
from therabill.units import UnitRule

BUILD_LOCK_KEY = 7_401_002
NO_UNITS = "no billable units (too few minutes)"
MODIFIERS_WIDTH = 20  # claim_lines.modifiers: four two-character modifiers fit with room


class NotBillable(TherabillError):
    """The sessions of one claim cannot become a claim; the message says why."""


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


@dataclass(frozen=True, slots=True)
class Parties:
    """Who a claim is between: the client, their policy and its payer, the rendering
    provider and the practice (the billing provider)."""

    client: Client
    policy: Policy
    payer: Payer
    provider: Provider
    practice: Practice | None


@dataclass(slots=True)
class Draft:
    """A claim as the build would write it, not added to the database session."""

    claim: DraftClaim
    assembly: Assembly
    document: doc.Claim
    findings: list[Finding]
    covering: list[tuple[DraftLine, AuthorizationStatus]]  # the authorization each line uses


def session_entry(session: TherapySession | SessionRow) -> SessionEntry:
    """A stored (or unsaved) session as the claim assembly takes it."""
    return SessionEntry(
        id=session.id,
        services=tuple(
            ServiceEntry(s.code, s.minutes, tuple(m for m in (s.modifiers or "").split(",") if m))
            for s in session.services
        ),
        diagnoses=tuple(d.code for d in session.diagnoses),
    )


def practice_fees(work: UnitOfWork) -> dict[str, int]:
    """The practice's charge per unit in cents, by code (its charge master)."""
    return {
        code: int(cents) for code, cents in work.db.execute(select(Fee.code, Fee.unit_charge_cents))
    }


def assemble_for(
    *,
    discipline: str,
    payer: Payer | None,
    sessions: Sequence[TherapySession | SessionRow],
    fees: dict[str, int],
    code_set: CodeSet,
    day: dt.date,
    known: Mapping[str, PayerProfile] | None = None,
    counted: UnitMemo | None = None,
) -> Assembly:
    """The claim lines for one day's ``sessions`` under ``payer``'s profile (without a payer,
    or with a profile no longer installed: the CMS 8-minute rule and no profile settings).
    ``known``: the payer profiles (a build reads them once; default: as installed now);
    ``counted``: the unit engine's answers a build keeps (``assemble_claim``)."""
    known = profiles.payer_profiles() if known is None else known
    profile = known.get(payer.profile_id) if payer is not None else None
    return assemble_claim(
        sessions=[session_entry(s) for s in sessions],
        discipline=discipline,
        profile=profile,
        rule=profile.unit_rule if profile is not None else UnitRule.CMS,
        fees=fees,
        code_set=code_set,
        day=day,
        counted=counted,
    )


def covering(
    lines: Sequence[DraftLine], statuses: Sequence[AuthorizationStatus]
) -> list[tuple[DraftLine, AuthorizationStatus]]:
    """Each line with the first authorization (oldest first) covering its code on its date."""
    found = []
    for line in lines:
        for status in statuses:
            if status.covers(code=line.code, day=line.date_of_service):
                found.append((line, status))
                break
    return found


DOCUMENT_DISCIPLINES = frozenset(get_args(Discipline))


class SameDayServices:
    """What every client of a claims build had on each of its days, by discipline and code,
    read in one query per chunk of clients instead of one per claim (sessions are only
    billed during a build, never added or changed, so the answer is the database's)."""

    CHUNK = 5_000

    def __init__(self, work: UnitOfWork, keys: Sequence[tuple[int, dt.date]]) -> None:
        self._seen: dict[tuple[int, dt.date], set[tuple[str, str]]] = defaultdict(set)
        if not keys:
            return
        wanted = set(keys)
        clients = sorted({client for client, _ in wanted})
        first, last = min(day for _, day in wanted), max(day for _, day in wanted)
        for start in range(0, len(clients), self.CHUNK):
            rows = work.db.execute(
                select(
                    TherapySession.client_id,
                    TherapySession.date_of_service,
                    Provider.discipline,
                    SessionService.code,
                )
                .join(TherapySession, TherapySession.id == SessionService.session_id)
                .join(Provider, Provider.id == TherapySession.provider_id)
                .where(
                    TherapySession.client_id.in_(clients[start : start + self.CHUNK]),
                    TherapySession.date_of_service.between(first, last),
                )
            )
            for client_id, day, discipline, code in rows:
                if (client_id, day) in wanted:
                    self._seen[(client_id, day)].add((discipline, code))

    def of(self, *, client_id: int, day: dt.date, discipline: str) -> list[doc.SameDayService]:
        """What disciplines other than ``discipline`` gave the client on ``day``."""
        return [
            doc.SameDayService(discipline=cast(Any, other), code=code, date=day)
            for other, code in sorted(self._seen.get((client_id, day), ()))
            if other != discipline and other in DOCUMENT_DISCIPLINES
        ]


def same_day_services(
    work: UnitOfWork, *, client_id: int, day: dt.date, discipline: str
) -> list[doc.SameDayService]:
    """The codes other disciplines gave the client on ``day`` (their sessions, billed or not),
    for the claim's ``same_day_services``: the same-day rule then runs on every built claim,
    the physical therapist's and the occupational therapist's alike."""
    return SameDayServices(work, [(client_id, day)]).of(
        client_id=client_id, day=day, discipline=discipline
    )


def draft_claim(
    *,
    parties: Parties,
    sessions: Sequence[TherapySession | SessionRow],
    assembly: Assembly,
    statuses: Sequence[AuthorizationStatus],
    scrubber: scrubbing.Scrubber,
    day: dt.date,
    same_day: Sequence[doc.SameDayService] = (),
    plans: plans_of_care.PlanSource | None = None,
    facts: dict[str, Any] | None = None,
    parts: documents.PartsMemo | None = None,
) -> Draft:
    """The claim for ``sessions`` with its document and every finding the build records,
    nothing written. Raises ``NotBillable`` when the sessions cannot become a claim.
    ``same_day``: what other disciplines gave the client that day (``same_day_services``);
    ``plans``: where the plan of care is read (a build's preloaded plans; default the
    database); ``facts``: the plan of care's facts read already (:func:`plan_facts`);
    ``parts``: the document parts a build makes once (``documents.claim_document``)."""
    if not assembly.lines:  # e.g. an add-on alone: the unit engine's error says why
        errors = [f.message for f in assembly.findings if f.severity == Severity.ERROR]
        raise NotBillable(f"no billable units: {' '.join(errors)}" if errors else NO_UNITS)
    lines = [
        DraftLine(
            line_number=line.line_number,
            session_id=line.session_id,
            date_of_service=day,
            code=line.code,
            modifiers=",".join(line.modifiers),
            minutes=line.minutes,
            units=line.units,
            charge_cents=line.charge_cents,
            diagnosis_pointers=",".join(str(p) for p in line.diagnosis_pointers),
        )
        for line in assembly.lines
    ]
    for line in lines:
        if len(line.modifiers) > MODIFIERS_WIDTH:
            raise NotBillable(
                f"line {line.line_number} ({line.code}): modifiers {line.modifiers!r} do not "
                "fit a claim line (at most four, 837P SV101-3 to SV101-6)"
            )
    claim = DraftClaim(
        client_id=parties.client.id,
        payer_id=parties.payer.id,
        policy_id=parties.policy.id,
        provider_id=parties.provider.id,
        date_of_service=day,
        status=ClaimStatus.DRAFT.value,
        total_charge_cents=assembly.total_cents,
        lines=lines,
    )
    uses = covering(lines, statuses)
    authorization, remaining = (
        (uses[0][1].authorization, uses[0][1].units_remaining) if uses else (None, None)
    )
    try:
        document = documents.claim_document(
            claim=claim,
            client=parties.client,
            payer=parties.payer,
            policy=parties.policy,
            provider=parties.provider,
            practice=parties.practice,
            sessions=list(sessions),
            diagnoses=list(assembly.diagnoses),
            authorization=authorization,
            units_remaining=remaining,
            same_day_services=list(same_day),
            parts=parts,
        )
    except ValidationError as exc:  # a detail the claim document cannot hold
        raise InvalidInput(f"the claim cannot be built: {_problems(exc)}") from None
    if assembly.unbilled:  # the day's minutes that bill no unit still count in its total
        unbilled = [doc.UnbilledTime(date=day, code=c, minutes=m) for c, m in assembly.unbilled]
        document = document.model_copy(update={"unbilled_time": unbilled})
    document = scrubber.fill(document)  # the year's allowed amounts, for the KX rule
    if facts is None:
        facts = plan_facts(scrubber.work, parties, sessions, day, plans, scrubber.profiles)
    document = document.model_copy(update=facts)
    scrubbed = scrubber(document=document, claim=claim)
    # the unit engine and the scrubber share the time rules (therabill.units.checks): a finding
    # both word the same is kept once, the scrubber's, which names the line
    said = {(f.id, f.message) for f in scrubbed}
    findings = [*(f for f in assembly.findings if (f.id, f.message) not in said), *scrubbed]
    return Draft(claim, assembly, document, findings, uses)


def plan_facts(
    work: UnitOfWork,
    parties: Parties,
    sessions: Sequence[TherapySession | SessionRow],
    day: dt.date,
    plans: plans_of_care.PlanSource | None = None,
    known: Mapping[str, PayerProfile] | None = None,
) -> dict[str, Any]:
    """The plan of care's facts for the claim document (referring provider, certification,
    treatment days, visits this year)."""
    known = profiles.payer_profiles() if known is None else known
    return plans_of_care.claim_facts(
        work,
        client_id=parties.client.id,
        discipline=parties.provider.discipline,
        payer_id=parties.payer.id,
        profile=known.get(parties.payer.profile_id),
        day=day,
        unsaved=any(s.id is None for s in sessions),
        source=plans,
    )


def _problems(exc: ValidationError) -> str:
    """What the claim document refused, by field, without the values (they may be a
    client's details): "session techniques #1: String should have at most 200 characters"."""
    model = re.sub(r"(?<!^)(?=[A-Z])", " ", exc.title).lower()
    return "; ".join(
        " ".join([model, *(f"#{p + 1}" if isinstance(p, int) else str(p) for p in e["loc"])])
        + f": {e['msg']}"
        for e in exc.errors()[:3]
    )


GroupKey = tuple[int, int, int, dt.date]  # client, policy, provider, date


def _unbilled_where(
    start: dt.date | None,
    end: dt.date | None,
    provider_id: int | None,
    session_ids: Collection[int] | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [TherapySession.claim_id.is_(None)]
    if start:
        where.append(TherapySession.date_of_service >= start)
    if end:
        where.append(TherapySession.date_of_service <= end)
    if provider_id is not None:
        where.append(TherapySession.provider_id == provider_id)
    if session_ids is not None:
        where.append(TherapySession.id.in_(sorted(set(session_ids))))
    return where


def unbilled_sessions(
    work: UnitOfWork,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    provider_id: int | None = None,
    session_ids: Collection[int] | None = None,
) -> list[tuple[int, int]]:
    """(session id, client id) of the sessions :func:`build_claims` would bill with these
    arguments, in the order it takes them (client, day, id): a build in parts (a background
    job on SQLite) takes them a few clients at a time, each part ``session_ids``."""
    rows = work.db.execute(
        select(TherapySession.id, TherapySession.client_id)
        .where(*_unbilled_where(start, end, provider_id, session_ids))
        .order_by(TherapySession.client_id, TherapySession.date_of_service, TherapySession.id)
    )
    return [(int(session_id), int(client_id)) for session_id, client_id in rows]


def _unbilled(
    work: UnitOfWork,
    start: dt.date | None,
    end: dt.date | None,
    provider_id: int | None,
    session_ids: Collection[int] | None = None,
) -> list[SessionRow]:
    """The unbilled sessions in client, date and id order, with their services and diagnoses
    in their order: Core rows in three queries (and one for their service locations)."""
    where = _unbilled_where(start, end, provider_id, session_ids)
    s = TherapySession
    rows = (
        work.db.execute(
            select(s.id, s.client_id, s.provider_id, s.date_of_service, s.start_time, s.end_time,
                   s.place_of_service, s.techniques, s.note, s.service_location_id)
            .where(*where)
            .order_by(s.client_id, s.date_of_service, s.id)
        ).tuples().all()
    )  # fmt: skip
    if not rows:
        return []
    places: dict[int, ServiceLocation] = {}
    if wanted := sorted({row[9] for row in rows if row[9] is not None}):
        places = {
            place.id: place
            for place in work.db.execute(
                select(ServiceLocation).where(ServiceLocation.id.in_(wanted))
            ).scalars()
        }
    found = {
        row[0]: SessionRow(*row[:9], places.get(row[9]) if row[9] is not None else None)
        for row in rows
    }
    # a session added meanwhile by another writer (PostgreSQL) is not one of this build's
    for session_id, code, minutes, modifiers in work.db.execute(
        select(SessionService.session_id, SessionService.code, SessionService.minutes,
               SessionService.modifiers)
        .join(TherapySession, TherapySession.id == SessionService.session_id)
        .where(*where)
        .order_by(SessionService.session_id, SessionService.position)
    ).tuples():  # fmt: skip
        if (session := found.get(session_id)) is not None:
            session.services.append(ServiceRow(code, minutes, modifiers))
    for session_id, code in work.db.execute(
        select(SessionDiagnosis.session_id, SessionDiagnosis.code)
        .join(TherapySession, TherapySession.id == SessionDiagnosis.session_id)
        .where(*where)
        .order_by(SessionDiagnosis.session_id, SessionDiagnosis.position)
    ).tuples():
        if (session := found.get(session_id)) is not None:
            session.diagnoses.append(DiagnosisRow(code))
    return list(found.values())


def build_claims(
    *,
    work: UnitOfWork,
    start: dt.date | None = None,
    end: dt.date | None = None,
    provider_id: int | None = None,
    session_ids: Collection[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    scrub_tables: ScrubContext | None = None,
) -> BuildResult:
    """Build claims from unbilled sessions; ``progress(done, total)`` after each claim.
    ``session_ids``: only these (the sessions a biller ticked; billed ones are left alone).

    Set-based (``build_batch``): the inputs of every claim are read in a few queries, the
    claims are drafted and scrubbed in memory, client by client in date order (each sees
    what the claims before it billed and used), and their rows are written at the end with
    one bulk insert per table and one audit batch.

    ``scrub_tables`` (``ScrubContext.load()``) loaded before the transaction keeps the
    database's write lock for the build itself, not for reading the scrubber's tables.
    Sessions that cannot become a claim are in ``skipped`` with the reason, never raised.
    """
    if work.db.get_bind().dialect.name == "postgresql":
        work.db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUILD_LOCK_KEY})
    with build_batch.fewer_collections():
        return _build(work, start, end, provider_id, session_ids, progress, scrub_tables)


def _build(
    work: UnitOfWork,
    start: dt.date | None,
    end: dt.date | None,
    provider_id: int | None,
    session_ids: Collection[int] | None,
    progress: Callable[[int, int], None] | None,
    scrub_tables: ScrubContext | None,
) -> BuildResult:
    result = BuildResult()
    sessions = _unbilled(work, start, end, provider_id, session_ids)
    parties = build_batch.Parties(work, (s.client_id for s in sessions))
    groups: dict[GroupKey, list[SessionRow]] = defaultdict(list)
    for session in sessions:
        client = parties.clients[session.client_id]
        policy = primary_policy(client, session.date_of_service)
        if policy is None:
            result.skipped.append({"session_id": session.id, "reason": "no insurance on file"})
            continue
        groups[(client.id, policy.id, session.provider_id, session.date_of_service)].append(session)
    if not groups:
        work.audit("build", "claims", "*", "0 claims")
        return result
    builder = _Builder(work, sessions, scrub_tables, list(groups), parties)
    rows = build_batch.ClaimRows(work)
    for done, (key, group) in enumerate(groups.items(), 1):
        try:
            draft = builder.draft(key, group)
        except TherabillError as exc:  # nothing of this claim is kept
            result.skipped.extend({"session_id": s.id, "reason": str(exc)} for s in group)
        else:
            result.claims.append(builder.keep(draft, group, rows))
            result.sessions_billed += len(group)
            if draft.claim.status == ClaimStatus.READY:
                result.ready += 1
            else:
                result.draft += 1
        if progress:
            progress(done, len(groups))
    rows.write()
    work.audit("build", "claims", "*", f"{len(result.claims)} claims")
    return result


class _Builder:
    """What every claim of one build needs (fees, code set, parties, plans, authorizations,
    the scrubber), read once; drafts each claim and keeps the running totals."""

    def __init__(
        self,
        work: UnitOfWork,
        sessions: Sequence[SessionRow],
        tables: ScrubContext | None,
        keys: Sequence[GroupKey],
        parties: build_batch.Parties,
    ) -> None:
        self.work = work
        self.parties = parties
        clients = {key[0] for key in keys}
        first = min(key[3] for key in keys)
        self.scrubber = scrubbing.Scrubber(
            work,
            sessions,
            tables,
            clients=clients,
            since=dt.date(first.year, 1, 1),
            days=(first, max(key[3] for key in keys)),
        )
        known = self.scrubber.profiles
        limited = {  # payers that limit visits: their clients' visits are counted
            payer.id
            for payer in parties.payers.values()
            if (p := known.get(payer.profile_id)) is not None and p.visit_limits
        }
        first_days: dict[int, dt.date] = {}
        for client_id, _, _, day in keys:
            first_days[client_id] = min(first_days.get(client_id, day), day)
        self.plans = plans_of_care.PreloadedPlans(
            work,
            clients,
            first_days=first_days,
            visits_from=dt.date(first.year, 1, 1) if limited else None,
            visit_clients={
                key[0]
                for key in keys
                if next(p for p in parties.clients[key[0]].policies if p.id == key[1]).payer_id
                in limited
            },
        )
        self.same_day = SameDayServices(work, [(key[0], key[3]) for key in keys])
        self.code_set = load_code_set()
        self.fees = practice_fees(work)
        self.authorizations = build_batch.AuthorizationBook(work, clients)
        self.ids = build_batch.ClaimIds(work, len(keys))
        self.parts: documents.PartsMemo = {}  # the claim documents' shared parts
        self.units: UnitMemo = {}  # the unit engine's answers, by rule, day and minutes

    def draft(self, key: GroupKey, group: Sequence[SessionRow]) -> Draft:
        """The claim for one group, nothing written; ``TherabillError`` when the group cannot
        become a claim."""
        client_id, policy_id, provider_id, day = key
        client = self.parties.clients[client_id]
        policy = next(p for p in client.policies if p.id == policy_id)
        payer = self.parties.payers[policy.payer_id]
        provider = self.parties.providers[provider_id]
        assembly = assemble_for(
            discipline=provider.discipline,
            payer=payer,
            sessions=group,
            fees=self.fees,
            code_set=self.code_set,
            day=day,
            known=self.scrubber.profiles,
            counted=self.units,
        )
        return draft_claim(
            parties=Parties(client, policy, payer, provider, self.parties.practice),
            sessions=group,
            assembly=assembly,
            statuses=self.authorizations.statuses(client_id, payer.id),
            scrubber=self.scrubber,
            day=day,
            same_day=self.same_day.of(client_id=client_id, day=day, discipline=provider.discipline),
            plans=self.plans,
            parts=self.parts,
        )

    def keep(self, draft: Draft, group: Sequence[SessionRow], rows: build_batch.ClaimRows) -> int:
        """Number the drafted claim, settle its status, take its authorization units and
        record what it bills for the claims after it; its rows go to ``rows``. Returns its
        id."""
        claim = draft.claim
        claim.id = claim_id = self.ids.next()
        document = draft.document.model_copy(update={"claim_id": claim_number(claim_id)})
        claim.document_json = document.model_dump_json()
        claim.findings_json = json.dumps([f.to_dict() for f in draft.findings])
        reasons: list[tuple[str | None, str, str]] = [
            (None, ClaimStatus.DRAFT.value, f"built from {len(group)} session(s)")
        ]
        if not any(f.severity == Severity.ERROR for f in draft.findings):
            claim.status = ClaimStatus.READY.value
            reasons.append(
                (ClaimStatus.DRAFT.value, ClaimStatus.READY.value, "scrubbed: no errors")
            )
        uses = self.authorizations.take(draft.covering)
        session_ids = [s.id for s in group]
        self.plans.billed(session_ids, claim.payer_id)
        self.scrubber.remember(document=draft.document, claim=claim)  # after: drafts count no KX
        rows.add(claim, session_ids, uses, reasons)
        self.work.audit("create", "claim", claim_id, f"{len(claim.lines)} lines")
        charges = sum(1 for line in claim.lines if line.charge_cents > 0)
        self.work.audit("post", "ledger_entry", f"claim {claim_id}", f"{charges} charges")
        return claim_id
