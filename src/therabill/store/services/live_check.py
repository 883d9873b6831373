"""The session form's live check: units under the payer's rule, and the findings for the claim
this session would become, computed without saving anything.

It is the build's own path run on an unsaved session: the day's other unbilled sessions of
the client with the provider are pooled in (as ``claims build`` pools them), the lines come
from the same assembly (:func:`therabill.claims.assemble.assemble_claim`), and
:func:`therabill.store.services.build.draft_claim` makes the claim document and collects the
same findings (the assembly's, the scrubber's, the duplicate-line check, the authorization
the build would draw on). So the live check shows exactly what the build would record for
that claim. What it cannot see: sessions of other days or providers built earlier in the same
build (their authorization units and duplicate lines).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import inspect as orm_inspect
from sqlalchemy import select

from therabill import claims as doc
from therabill.claims.assemble import ServiceEntry
from therabill.codes import load_code_set
from therabill.errors import InvalidInput, NotFound, TherabillError
from therabill.findings import Finding, Severity
from therabill.store import revisions
from therabill.store.models import (
    Authorization,
    Base,
    Client,
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
    auths,
    build,
    eligibility,
    plans_of_care,
    profiles,
    scrubbing,
)
from therabill.store.services.caches import (
    Stamped,
    database_key,
    one_look,
    practice_files,
    scrub_tables,
)
from therabill.store.services.clients import primary_policy
from therabill.store.services.context import UnitOfWork
from therabill.store.services.drafts import DiagnosisRow, ServiceRow, SessionRow
from therabill.units import UnitResult, UnitRule

__all__ = ["Entered", "Preview", "ServiceEntry", "preview_for", "preview_session", "scrub_tables"]


@dataclass(slots=True)
class Preview:
    rule: UnitRule = UnitRule.CMS
    rule_source: str = "CMS 8-minute rule (no payer profile says otherwise)"
    payer: str | None = None
    units: UnitResult | None = None
    charges: dict[str, int] = field(default_factory=dict)
    total_cents: int = 0
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None
    problem_field: str | None = None
    scrubbed: bool = False  # ``findings`` are the claim's, as the build would record them
    not_billed: str | None = None  # why the build would make no claim of these sessions
    pooled_sessions: int = 0  # the day's other unbilled sessions counted in
    eligibility: str | None = None  # the client's last eligibility answer, in one line

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.value,
            "payer": self.payer,
            "units": self.units.to_dict() if self.units else None,
            "charges_cents": self.charges,
            "total_charge_cents": self.total_cents,
            "findings": [
                {k: v for k, v in f.to_dict().items() if v is not None} for f in self.findings
            ],
            "scrubbed": self.scrubbed,
            "not_billed": self.not_billed,
            "problem": self.problem,
            "field": self.problem_field,
        }


@dataclass(frozen=True, slots=True)
class Entered:
    """What the session form holds, typed: the values a live check counts and scrubs (the
    web form, the API body and a stored session shown again each make one)."""

    day: dt.date
    services: Sequence[ServiceEntry]
    place_of_service: str = "11"
    diagnoses: Sequence[str] = ()
    start: dt.time | None = None
    end: dt.time | None = None
    techniques: Sequence[str] = ()


def preview_session(
    work: UnitOfWork,
    *,
    client: Client | None,
    provider: Provider | None,
    entered: Entered,
    exclude_session: int | None = None,
) -> Preview:
    """Units and findings for the claim a session would become; never raises for bad input.

    ``exclude_session`` is the id of the stored session being shown: it takes its own place
    among the day's sessions (in the build's order) instead of being counted twice; once
    billed, only its own units are shown (its claim holds the findings).

    The practice's files are looked at once for the whole check (``caches.one_look``).
    """
    with one_look():
        return _preview(work, client, provider, entered, exclude_session=exclude_session)


def preview_for(
    work: UnitOfWork, *, client_id: int | None, provider_id: int | None, entered: Entered
) -> Preview:
    """:func:`preview_session` of a new session for a client and provider given by id, each
    checked already (``access.client_id_for``, ``access.provider_id_for``: the client's
    access is checked per request). The two are kept with the client's day
    (:data:`LIVE_PEOPLE`, copies under the client's stamp, which moves with every write to
    the client's row and the practice's providers), not loaded on every key."""
    with one_look():
        stamps = _stamps(work, client_id) if client_id is not None else (None, None)
        client, provider = _people(work, client_id, provider_id, stamps[0])
        return _preview(work, client, provider, entered, exclude_session=None, stamps=stamps)


def _preview(
    work: UnitOfWork,
    client: Client | None,
    provider: Provider | None,
    entered: Entered,
    *,
    exclude_session: int | None,
    stamps: tuple[Hashable, tuple[int, int] | None] | None = None,
) -> Preview:
    result = Preview()
    day = entered.day
    work.chain_practice()  # the practice whose parties are read (a web request's is known)
    if stamps is None:
        stamps = _stamps(work, client.id) if client is not None else (None, None)
    stamp, ledger = stamps
    kept = (
        day_parties(work, client=client, provider=provider, day=day, stamp=stamp)
        if client is not None
        else None
    )
    policy = kept.policy if kept is not None else None
    payer = kept.payer if kept is not None else None
    known = (
        client_day(
            work,
            client=client,
            discipline=provider.discipline if provider is not None else None,
            payer=payer,
            day=day,
            unsaved=exclude_session is None,
            stamp=stamp,
        )
        if client is not None
        else None
    )
    installed = profiles.payer_profiles()  # read once: each read stats the profile files
    if payer is not None:
        result.payer = payer.name
        profile = installed.get(payer.profile_id)
        result.rule = profile.unit_rule if profile is not None else UnitRule.CMS
        source = profile.sources.get("unit_rule") if profile else None
        result.rule_source = f"{payer.name}'s profile" + (f" ({source})" if source else "")
    elif client is not None:
        result.rule_source = "no insurance on file for this date: CMS 8-minute rule shown"
    if known is not None:
        result.eligibility = known.eligibility
    # The rows a save keeps (it drops rows without minutes), in the session's own shape.
    wanted = [s for s in entered.services if s.code and s.minutes != 0]
    if not wanted:
        return result
    billed_on = (
        work.db.execute(
            select(TherapySession.claim_id).where(TherapySession.id == exclude_session)
        ).scalar()
        if exclude_session is not None
        else None
    )
    others: list[SessionRow] = []
    if kept is not None and provider is not None and billed_on is None:
        others = _placed(work, kept, exclude_session)
        result.pooled_sessions = len(others)
    session = TherapySession(
        id=exclude_session,  # None: not saved yet
        client_id=client.id if client is not None else None,
        provider_id=provider.id if provider is not None else None,
        date_of_service=day,
        start_time=entered.start,
        end_time=entered.end,
        place_of_service=entered.place_of_service,
        **_as_stored(wanted, entered.diagnoses, entered.techniques),
    )
    group: list[TherapySession | SessionRow] = sorted(
        [*others, session], key=lambda s: (s.id is None, s.id or 0)
    )
    try:
        assembly = build.assemble_for(
            discipline=provider.discipline if provider is not None else "",
            payer=payer,
            sessions=group,
            fees=known.fees if known is not None else build.practice_fees(work),
            code_set=load_code_set(),
            day=day,
            known=installed,
        )
    except TherabillError as exc:
        result.problem, result.problem_field = str(exc), exc.field
        return result
    result.units = assembly.units
    result.charges = assembly.charges()
    result.total_cents = assembly.total_cents
    result.findings = list(assembly.units.findings)
    if billed_on is not None:  # its claim has its findings; none would be built again
        result.not_billed = f"already billed on claim {billed_on}"
        return result
    if client is None or provider is None or policy is None or payer is None:
        return result
    assert known is not None and known.scrubbing is not None and kept is not None
    scrubber = scrubbing.Scrubber(
        work,
        group,
        scrub_tables(),
        clients=[client.id],
        today=dt.date.today(),
        known=known.scrubbing,
        ledger=ledger,
    )
    try:
        draft = build.draft_claim(
            parties=build.Parties(client, policy, payer, provider, kept.practice),
            sessions=group,
            assembly=assembly,
            statuses=kept.statuses,
            scrubber=scrubber,
            day=day,
            same_day=known.same_day,
            facts=known.facts,
        )
    except build.NotBillable as exc:
        result.not_billed = str(exc)
        return result
    except TherabillError as exc:
        result.problem, result.problem_field = str(exc), exc.field
        return result
    result.findings = draft.findings
    result.scrubbed = True
    return result


@dataclass(frozen=True, slots=True)
class ClientDay:
    """What the live check reads about a client's day that the form's typing does not change:
    kept between requests (``LIVE_CONTEXT``) while the client's revision, the practice's and
    the practice's files stay the same. Shared between threads: never changed once made."""

    eligibility: str | None
    fees: dict[str, int]
    # with a provider and a payer: the Scrubber's reads (the year's allowed amounts, the
    # lines already billed that day), the other disciplines' services and the plan's facts
    scrubbing: scrubbing.Known | None = None
    same_day: tuple[doc.SameDayService, ...] = ()
    facts: dict[str, Any] | None = None


LIVE_CONTEXT: Stamped[ClientDay] = Stamped("the live check's client days", keys=4096)


def _stamp(work: UnitOfWork, client: Client) -> Hashable:
    """What the client's kept day and parties are kept under: the client's and the
    practice's revisions (``therabill.store.revisions``, one query) and the practice's files;
    None with no practice yet (nothing is kept)."""
    return _stamps(work, client.id)[0]


def _stamps(work: UnitOfWork, client_id: int) -> tuple[Hashable, tuple[int, int] | None]:
    """:func:`_stamp` and the ledger's generation (the payer records' stamp), read in the
    same statement; (None, None) with no practice yet."""
    if work.practice_id is None:
        return None, None
    # the stamp is read on the connection, where the session's autoflush does not reach:
    # changes made in this unit of work must move it first (their triggers run on flush)
    work.db.flush()
    revision, ledger = revisions.client_and_ledger_stamp(
        work.db.connection(), practice_id=work.practice_id, client_id=client_id
    )
    return (revision, practice_files()), ledger


LIVE_PEOPLE: Stamped[tuple[Client, Provider | None]] = Stamped(
    "the live check's clients and providers", keys=4096
)


def _people(
    work: UnitOfWork, client_id: int | None, provider_id: int | None, stamp: Hashable
) -> tuple[Client | None, Provider | None]:
    """The client and provider of a live check by id: copies no database session holds,
    kept under ``stamp`` (:func:`_stamp`; column values only, never changed once made)."""
    if client_id is None:
        return None, work.db.get(Provider, provider_id) if provider_id is not None else None

    def compute() -> tuple[Client, Provider | None]:
        client = work.db.get(Client, client_id)
        provider = work.db.get(Provider, provider_id) if provider_id is not None else None
        if client is None:  # checked already in this transaction: gone meanwhile
            raise NotFound()
        if provider is None and provider_id is not None:
            raise InvalidInput(f"no provider {provider_id}", field="provider")
        return _copy(client), _copy(provider) if provider is not None else None

    if stamp is None:
        return compute()
    key = (database_key(work.db.get_bind().engine.url), client_id, provider_id)
    return LIVE_PEOPLE.get(key, stamp, compute)


def client_day(
    work: UnitOfWork,
    *,
    client: Client,
    discipline: str | None,
    payer: Payer | None,
    day: dt.date,
    unsaved: bool,
    stamp: Hashable = None,
) -> ClientDay:
    """The client's day as the live check reads it, kept while its stamp holds: one query
    (the client's and the practice's revisions, ``therabill.store.revisions``) when kept.
    ``stamp``: that stamp, read already (:func:`_stamp`)."""
    today = dt.date.today()
    if stamp is None:
        stamp = _stamp(work, client)
    key = (
        database_key(work.db.get_bind().engine.url),
        client.id,
        discipline,
        payer.id if payer is not None else None,
        day,
        today,
        unsaved,
    )

    def compute() -> ClientDay:
        return _read_client_day(work, client, discipline, payer, day, unsaved, today)

    if stamp is None:  # no practice yet: nothing to keep
        return compute()
    return LIVE_CONTEXT.get(key, stamp, compute)


@dataclass(frozen=True, slots=True)
class DayParties:
    """Who the claim of a client's day with a provider is between, and the provider's other
    unbilled sessions of that day: kept between requests (``LIVE_PARTIES``) under the same
    stamp as :class:`ClientDay` (the client's revision moves with every write to the client,
    its policies, sessions and authorizations; the practice's with the practice's row, its
    providers and payers). The rows are copies no database session holds (a session's
    rollback would expire them, and they are shared between threads): column values only,
    never changed once made. The sessions' service locations are not watched, so only their
    ids are kept (``places``) and the rows are read again per request (:func:`_placed`)."""

    policy: Policy | None  # the policy that pays first that day
    payer: Payer | None
    practice: Practice | None
    statuses: tuple[auths.AuthorizationStatus, ...] = ()  # the client's, with that payer
    others: tuple[SessionRow, ...] = ()  # with the provider (none without one)
    places: tuple[int | None, ...] = ()  # each other session's service location


LIVE_PARTIES: Stamped[DayParties] = Stamped("the live check's parties", keys=4096)


def day_parties(
    work: UnitOfWork, *, client: Client, provider: Provider | None, day: dt.date, stamp: Hashable
) -> DayParties:
    """The parties and the other sessions of the client's day (:class:`DayParties`), kept
    while ``stamp`` (:func:`_stamp`) holds."""
    key = (
        database_key(work.db.get_bind().engine.url),
        client.id,
        provider.id if provider is not None else None,
        day,
    )

    def compute() -> DayParties:
        return _read_day_parties(work, client, provider, day)

    if stamp is None:
        return compute()
    return LIVE_PARTIES.get(key, stamp, compute)


M = TypeVar("M", bound=Base)


def _copy(row: M) -> M:
    """A copy of ``row``'s column values in a new object no database session holds."""
    mapper = orm_inspect(type(row))
    return type(row)(**{a.key: getattr(row, a.key) for a in mapper.column_attrs})


def _copy_authorization(authorization: Authorization) -> Authorization:
    """A copy of ``authorization`` with its codes (the claim document and ``covers`` read
    them)."""
    copy = _copy(authorization)
    copy.codes = [_copy(code) for code in authorization.codes]
    return copy


def _read_day_parties(
    work: UnitOfWork, client: Client, provider: Provider | None, day: dt.date
) -> DayParties:
    # the client's policies through the database session (``client`` may be a kept copy,
    # whose relationships no session would load)
    loaded = work.db.get(Client, client.id)
    policy = primary_policy(loaded, day) if loaded is not None else None
    payer = policy.payer if policy is not None else None
    practice = work.practice()
    statuses = (
        auths.statuses(work=work, client_id=client.id, payer_id=payer.id)
        if payer is not None
        else []
    )
    others: list[TherapySession] = []
    if provider is not None:
        others = list(
            work.db.execute(
                select(TherapySession)
                .where(
                    TherapySession.client_id == client.id,
                    TherapySession.provider_id == provider.id,
                    TherapySession.date_of_service == day,
                    TherapySession.claim_id.is_(None),
                )
                .order_by(TherapySession.id)
            ).scalars()
        )
    return DayParties(
        policy=_copy(policy) if policy is not None else None,
        payer=_copy(payer) if payer is not None else None,
        practice=_copy(practice) if practice is not None else None,
        statuses=tuple(
            auths.AuthorizationStatus(
                _copy_authorization(s.authorization), s.units_used, s.visits_used
            )
            for s in statuses
        ),
        others=tuple(
            SessionRow(
                s.id,
                s.client_id,
                s.provider_id,
                s.date_of_service,
                s.start_time,
                s.end_time,
                s.place_of_service,
                s.techniques,
                s.note,
                None,
                [ServiceRow(v.code, v.minutes, v.modifiers) for v in s.services],
                [DiagnosisRow(d.code) for d in s.diagnoses],
            )
            for s in others
        ),
        places=tuple(s.service_location_id for s in others),
    )


def _placed(work: UnitOfWork, kept: DayParties, exclude: int | None) -> list[SessionRow]:
    """The kept other sessions but ``exclude``, each with its service location read now."""
    found: list[SessionRow] = []
    for session, place in zip(kept.others, kept.places, strict=True):
        if session.id == exclude:
            continue
        if place is not None:
            session = dataclasses.replace(
                session, service_location=work.db.get(ServiceLocation, place)
            )
        found.append(session)
    return found


def _read_client_day(
    work: UnitOfWork,
    client: Client,
    discipline: str | None,
    payer: Payer | None,
    day: dt.date,
    unsaved: bool,
    today: dt.date,
) -> ClientDay:
    line = eligibility.session_line(work, client.id, discipline=discipline)
    fees = build.practice_fees(work)
    if discipline is None or payer is None:
        return ClientDay(line, fees)
    since = dt.date(today.year - 1, 1, 1)  # as the Scrubber reads it
    allowed, same_year_day = scrubbing.therapy_year(work, [client.id], since=since)
    billed = scrubbing.billed_between(work, {client.id}, day, day)
    facts = plans_of_care.claim_facts(
        work,
        client_id=client.id,
        discipline=discipline,
        payer_id=payer.id,
        profile=profiles.payer_profiles().get(payer.profile_id),
        day=day,
        unsaved=unsaved,
    )
    return ClientDay(
        line,
        fees,
        scrubbing=(dict(allowed), dict(same_year_day), billed),
        same_day=tuple(
            build.same_day_services(work, client_id=client.id, day=day, discipline=discipline)
        ),
        facts=facts,
    )


def _as_stored(
    services: list[ServiceEntry], diagnoses: Sequence[str], techniques: Sequence[str]
) -> dict[str, Any]:
    """Services, diagnoses and techniques as ``add_session`` stores them (diagnoses upper
    case without dots, techniques stripped), on rows never added to the database session."""
    clean_dx = [d.strip().upper().replace(".", "") for d in diagnoses if d.strip()]
    return {
        "services": [
            SessionService(
                position=i, code=s.code, minutes=s.minutes, modifiers=",".join(s.modifiers)
            )
            for i, s in enumerate(services, 1)
        ],
        "diagnoses": [SessionDiagnosis(position=i, code=d) for i, d in enumerate(clean_dx, 1)],
        "techniques": "\n".join(t.strip() for t in techniques if t.strip()) or None,
    }
