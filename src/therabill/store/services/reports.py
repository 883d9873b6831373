"""Reports: the dashboard's figures (money owed by age, claims needing attention, today's
sessions, unbilled work) and a client's whole picture. Every read of client data goes through
a :class:`UnitOfWork`, so it is audited.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Engine, ScalarSelect, and_, case, func, select
from sqlalchemy.orm import Session

from therabill.ledger import Balance, EntryKind, Responsibility, effect
from therabill.store import revisions, tenancy
from therabill.store.models import (
    Authorization,
    AuthorizationUse,
    ClaimRecord,
    Client,
    ClientBalance,
    LedgerEntry,
    Payer,
    Provider,
    ServiceDaySum,
    TherapySession,
)
from therabill.store.services import caches, plans_of_care
from therabill.store.services.context import Store, UnitOfWork
from therabill.store.services.users import Account

BUCKETS = ("0–30", "31–60", "61–90", "91–120", "over 120")
ATTENTION = ("draft", "rejected", "denied")


@dataclass
class Aging:
    """Money owed, by who owes it and how old it is (cents), and the claims needing attention
    by status: the practice-wide figures of the dashboard."""

    by_payer: dict[str, dict[str, int]] = field(default_factory=dict)
    as_of: str = ""
    by_client: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    attention: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ATTENTION, 0))
    client_ids: dict[str, int] = field(default_factory=dict)  # by_client's names → ids
    payer_ids: dict[str, int] = field(default_factory=dict)  # by_payer's names → ids


def _coefficients(
    rows: Any = LedgerEntry,
) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Per-entry change of what the insurer and the client owe, as SQL: the ledger's own
    ``effect()`` evaluated for one cent of every (kind, responsibility), so the arithmetic
    stays in ``therabill.ledger`` and the database only multiplies and sums. ``rows``: the
    entries, or a report sum that keeps their kind, responsibility and amount."""
    insurance: list[tuple[ColumnElement[bool], int]] = []
    patient: list[tuple[ColumnElement[bool], int]] = []
    for kind in EntryKind:
        for resp in Responsibility:
            unit = effect(kind, 1, resp)
            match = and_(rows.kind == kind.value, rows.responsibility == resp.value)
            if unit.insurance_cents:
                insurance.append((match, unit.insurance_cents))
            if unit.patient_cents:
                patient.append((match, unit.patient_cents))

    def expression(pairs: list[tuple[ColumnElement[bool], int]]) -> ColumnElement[int]:
        return case(*[(match, rows.amount_cents * sign) for match, sign in pairs], else_=0)

    return expression(insurance), expression(patient)


def owed_on_claim() -> ScalarSelect[int]:
    """What is still owed on the claim of the enclosing query (insurer and client together,
    cents), as a correlated subquery: the list asks it for the rows it shows (found through the
    ledger's client index)."""
    insurance, patient = _coefficients()
    return (
        select(func.coalesce(func.sum(insurance + patient), 0))
        .where(LedgerEntry.client_id == ClaimRecord.client_id)
        .where(LedgerEntry.claim_id == ClaimRecord.id)
        .correlate(ClaimRecord)
        .scalar_subquery()
    )


# A draft has errors: it cannot be sent, so no payer or client owes it yet; aging counts
# the money of every claim that was or can be sent (and entries on no claim).
NOT_OWED_YET = ("draft",)


def _bucket(today: dt.date, served: Any = ClaimRecord.date_of_service) -> ColumnElement[str]:
    limits = [today - dt.timedelta(days=days) for days in (30, 60, 90, 120)]
    return case(
        *[(served >= day, name) for day, name in zip(limits, BUCKETS, strict=False)],
        else_=BUCKETS[-1],
    )


AGING_PERIOD_SECONDS = 300  # figures are summed again at least this often


def aging(reader: Engine, *, today: dt.date, top_clients: int = 10) -> Aging:
    """Insurance balances by payer, the largest client balances in aging buckets, and the
    claims needing attention.

    Practice-wide figures, the same for every biller, so they are kept (``caches``), stamped
    with the ledger's generation (every web worker sees a write through it) and the
    ``AGING_PERIOD_SECONDS`` period (on PostgreSQL a row committed late can carry a lower
    id). Under a newer stamp the kept figures are served once more while a background thread
    sums them again, so the dashboard never waits for the whole ledger; ``as_of`` says when
    they were summed. ``reader``: the store's read-only engine (``Store.reader``). Called
    outside the request's transaction; the caller audits the read."""
    with Session(reader) as db:
        stamp = (caches.ledger_generation(db), _period())

    def summed() -> tuple[Hashable, Aging]:
        with Session(reader) as db:  # one snapshot: the stamp and the sums agree
            now = (caches.ledger_generation(db), _period())
            return now, _sum_aging(db, today=today, top_clients=top_clients)

    figures: Aging = caches.MONEY_FIGURES.get_or_refresh(
        (caches.database_key(reader.url), today, top_clients), stamp, summed
    )
    return figures


def sum_at_start(store: Store, *, today: dt.date | None = None) -> int:
    """Sum every practice's dashboard figures (:func:`aging`) now, to be kept: a web
    worker calls it at start-up in a background thread, so its first dashboards find the
    figures summed instead of waiting for the whole ledger (at 500,000 sessions a fresh
    server's first dashboards waited about 25 s). Returns how many practices were summed."""
    from therabill.store.services.practices import list_practices

    today = today or dt.date.today()
    found = list_practices(store)
    for practice_id, _name in found:
        with tenancy.practice_scope(practice_id):
            aging(store.reader, today=today)
    return len(found)


def aging_now(db: Session, *, today: dt.date, top_clients: int = 10, payers: bool = True) -> Aging:
    """The aging figures summed now, in the caller's transaction (the Reports page, which
    asks for the payers' part or the clients' (``top_clients``); the dashboard uses the kept
    figures of :func:`aging`)."""
    result = Aging()
    if payers:
        _payer_aging(db, today=today, result=result)
    if top_clients:
        _client_aging(db, today=today, top_clients=top_clients, result=result)
    return result


def _period() -> int:
    return int(time.time() // AGING_PERIOD_SECONDS)


def _sum_aging(db: Session, *, today: dt.date, top_clients: int) -> Aging:
    result = aging_now(db, today=today, top_clients=top_clients)
    result.attention = attention_counts(db)
    result.as_of = dt.datetime.now().strftime("%H:%M:%S")
    return result


def _payer_aging(db: Session, *, today: dt.date, result: Aging) -> None:
    """What each payer owes by age: from the report sums (``report_sums``: every claim's
    entries by its date of service and payer), less what sits on claims not owed yet (drafts:
    few, found through the claims' status index)."""
    insurance, _ = _coefficients()
    kept_insurance, _ = _coefficients(ServiceDaySum)
    names = dict(db.execute(select(Payer.id, Payer.name)).all())
    owed: dict[tuple[int, str], int] = defaultdict(int)
    kept_bucket = _bucket(today, ServiceDaySum.date_of_service).label("bucket")
    for payer_id, name, cents in db.execute(
        select(ServiceDaySum.payer_id, kept_bucket, func.sum(kept_insurance)).group_by(
            ServiceDaySum.payer_id, kept_bucket
        )
    ):
        owed[payer_id, name] += int(cents or 0)
    bucket = _bucket(today).label("bucket")
    for payer_id, name, cents in db.execute(
        select(ClaimRecord.payer_id, bucket, func.sum(insurance))
        .join(ClaimRecord, ClaimRecord.id == LedgerEntry.claim_id)
        .where(ClaimRecord.status.in_(NOT_OWED_YET))
        .group_by(ClaimRecord.payer_id, bucket)
    ):
        owed[payer_id, name] -= int(cents or 0)
    for (payer_id, name), cents in sorted(owed.items()):
        if cents:
            payer_name = names.get(payer_id, str(payer_id))
            result.payer_ids[payer_name] = payer_id
            row = result.by_payer.setdefault(payer_name, dict.fromkeys(BUCKETS, 0))
            row[name] += cents
            result.totals[name] += cents


def _client_aging(db: Session, *, today: dt.date, top_clients: int, result: Aging) -> None:
    """The largest client balances by age: the largest kept balances (``client_balances``)
    less what sits on draft claims, then those few clients' entries by age."""
    _, patient = _coefficients()
    bucket = _bucket(today).label("bucket")
    drafts: dict[int, int] = {
        int(client_id): int(cents or 0)
        for client_id, cents in db.execute(
            select(LedgerEntry.client_id, func.sum(patient))
            .join(ClaimRecord, ClaimRecord.id == LedgerEntry.claim_id)
            .where(ClaimRecord.status.in_(NOT_OWED_YET))
            .group_by(LedgerEntry.client_id)
        )
    }
    # The largest balances less drafts are among the largest top + len(drafts) balances and
    # the clients with drafts: the top of the index, and those few.
    owed = ClientBalance.patient_cents
    candidates = (
        select(ClientBalance.client_id, owed)
        .order_by(owed.desc(), ClientBalance.client_id.desc())
        .limit(top_clients + len(drafts))
    )
    balances: dict[int, int] = {int(c): int(cents) for c, cents in db.execute(candidates)}
    if drafts:
        balances |= {
            int(c): int(cents)
            for c, cents in db.execute(
                select(ClientBalance.client_id, owed).where(
                    ClientBalance.client_id.in_(list(drafts))
                )
            )
        }
    for client_id, cents in drafts.items():
        balances[client_id] = balances.get(client_id, 0) - cents
    biggest = sorted(
        (cid for cid, cents in balances.items() if cents > 0), key=lambda c: (-balances[c], -c)
    )[:top_clients]
    if biggest:
        clients = {
            c.id: c.display_name
            for c in db.execute(select(Client).where(Client.id.in_(biggest))).scalars()
        }
        rows: dict[int, dict[str, int]] = {cid: dict.fromkeys(BUCKETS, 0) for cid in biggest}
        for client_id, name, cents in _by_claim_age(db, biggest, patient, bucket):
            rows[client_id][name] += cents
        for cid in biggest:
            result.by_client[clients.get(cid, f"#{cid}")] = rows[cid]
            result.client_ids[clients.get(cid, f"#{cid}")] = cid


def _by_claim_age(
    db: Session, client_ids: list[int], share: ColumnElement[int], bucket: ColumnElement[str]
) -> list[tuple[int, str, int]]:
    """Per client and age bucket of the claim's date of service, the sum of ``share`` over
    the clients' entries on claims that are owed (not drafts).

    Summed per claim over the ledger alone, then the claims' ages and statuses read by the
    clients' index, and the two put together here: no join. Among many practices the planner
    estimated the join of these entries with their claims at a few dozen rows and probed the
    claims once per entry (docs/performance.md, "Many practices in one PostgreSQL
    database")."""
    per_claim = [
        (int(client_id), int(claim_id), int(cents or 0))
        for client_id, claim_id, cents in db.execute(
            select(LedgerEntry.client_id, LedgerEntry.claim_id, func.sum(share))
            .where(LedgerEntry.client_id.in_(client_ids), LedgerEntry.claim_id.is_not(None))
            .group_by(LedgerEntry.client_id, LedgerEntry.claim_id)
        )
        if claim_id is not None
    ]
    claims = {
        int(claim_id): (str(status), str(name))
        for claim_id, status, name in db.execute(
            select(ClaimRecord.id, ClaimRecord.status, bucket).where(
                ClaimRecord.client_id.in_(client_ids)
            )
        )
    }
    elsewhere = {c for _, c, _ in per_claim} - set(claims)  # an entry's claim of another
    if elsewhere:  # client (none is written so, but a join would count it): read by id
        claims |= {
            int(claim_id): (str(status), str(name))
            for claim_id, status, name in db.execute(
                select(ClaimRecord.id, ClaimRecord.status, bucket).where(
                    ClaimRecord.id.in_(sorted(elsewhere))
                )
            )
        }
    summed: dict[tuple[int, str], int] = defaultdict(int)
    for client_id, claim_id, cents in per_claim:
        status, name = claims.get(claim_id, (NOT_OWED_YET[0], ""))  # no claim: no join
        if status not in NOT_OWED_YET:
            summed[client_id, name] += cents
    return [(client_id, name, cents) for (client_id, name), cents in summed.items()]


# The dashboard's sessions of the day, by database and practice, day and who asks: kept while
# the practice's stamp (``revisions.practice_stamp``) stays the same. Sessions, their
# services, clients and providers are all watched tables (``revisions.WATCHED``), so any
# write to what the list shows, by any process, moves the stamp.
TODAYS_SESSIONS: caches.Stamped[tuple[dict[str, Any], ...]] = caches.Stamped(
    "the dashboard's sessions of the day", keys=256
)


def dashboard_stamp(work: UnitOfWork) -> Hashable:
    """The practice's stamp (``revisions.practice_stamp``) the dashboard's kept figures are
    checked against, read once a dashboard; None before the first practice."""
    if work.practice_id is None:
        return None
    return revisions.practice_stamp(work.db.connection(), practice_id=work.practice_id)


def todays_sessions(
    work: UnitOfWork, account: Account, *, today: dt.date, stamp: Hashable = None
) -> list[dict[str, Any]]:
    """The first 100 sessions of ``today`` this user may see (audited as a list), kept under
    the practice's stamp (:func:`dashboard_stamp`, read now when not given)."""
    work.audit("list", "session", f"date={today.isoformat()}")
    if stamp is None:
        stamp = dashboard_stamp(work)
    if stamp is None:
        return _todays_sessions(work, account, today)
    key = (
        caches.database_key(work.db.get_bind().engine.url),
        today,
        account.sees_all_clients,
        account.provider_id,
    )
    kept = TODAYS_SESSIONS.get(key, stamp, lambda: tuple(_todays_sessions(work, account, today)))
    return [dict(row) for row in kept]  # the caller's own: the kept rows stay as they are


def _todays_sessions(work: UnitOfWork, account: Account, today: dt.date) -> list[dict[str, Any]]:
    query = (
        select(TherapySession, Client, Provider)
        .join(Client, Client.id == TherapySession.client_id)
        .join(Provider, Provider.id == TherapySession.provider_id)
        .where(TherapySession.date_of_service == today)
        .order_by(TherapySession.start_time, TherapySession.id)
        .limit(100)
    )
    if not account.sees_all_clients:
        query = query.where(TherapySession.provider_id == (account.provider_id or -1))
    rows = work.db.execute(query).all()
    return [
        {
            "id": s.id,
            "client_id": c.id,
            "client": c.display_name,
            "provider": f"{p.first_name} {p.last_name}",
            "start": s.start_time.strftime("%H:%M") if s.start_time else "",
            "codes": ", ".join(f"{sv.code} {sv.minutes}′" for sv in s.services),
            "billed": s.claim_id is not None,
        }
        for s, c, p in rows
    ]


def unbilled_count(work: UnitOfWork, account: Account) -> int:
    query = (
        select(func.count()).select_from(TherapySession).where(TherapySession.claim_id.is_(None))
    )
    if not account.sees_all_clients:
        query = query.where(TherapySession.provider_id == (account.provider_id or -1))
    return int(work.db.execute(query).scalar_one())


def payer_count(work: UnitOfWork) -> int:
    """How many payers the practice bills (the dashboard asks for a first one when none)."""
    return int(work.db.execute(select(func.count()).select_from(Payer)).scalar_one())


def attention_counts(db: Session) -> dict[str, int]:
    """Claims by status among those a biller must act on (kept with the aging figures)."""
    rows = db.execute(
        select(ClaimRecord.status, func.count())
        .where(ClaimRecord.status.in_(ATTENTION))
        .group_by(ClaimRecord.status)
    ).all()
    found = {status: int(count) for status, count in rows}
    return {status: found.get(status, 0) for status in ATTENTION}


@dataclass
class AuthorizationView:
    auth: Authorization
    used: int
    left: int | None
    expires_soon: bool
    expired: bool


def client_picture(
    work: UnitOfWork, account: Account, client: Client, *, today: dt.date
) -> dict[str, Any]:
    """Everything the client page shows: policies, authorizations, sessions, claims, ledger."""
    auths = list(
        work.db.execute(
            select(Authorization)
            .where(Authorization.client_id == client.id)
            .order_by(Authorization.start_date.desc())
        ).scalars()
    )
    used = dict(
        work.db.execute(
            select(AuthorizationUse.authorization_id, func.sum(AuthorizationUse.units))
            .where(AuthorizationUse.authorization_id.in_([a.id for a in auths]))
            .group_by(AuthorizationUse.authorization_id)
        ).all()
    )
    auth_views = [
        AuthorizationView(
            auth=a,
            used=int(used.get(a.id) or 0),
            left=None if a.units_approved is None else a.units_approved - int(used.get(a.id) or 0),
            expires_soon=today <= a.end_date <= today + dt.timedelta(days=14),
            expired=a.end_date < today,
        )
        for a in auths
    ]
    sessions_q = (
        select(TherapySession)
        .where(TherapySession.client_id == client.id)
        .order_by(TherapySession.date_of_service.desc(), TherapySession.id.desc())
        .limit(100)
    )
    if not account.sees_all_clients:
        sessions_q = sessions_q.where(TherapySession.provider_id == (account.provider_id or -1))
    sessions = list(work.db.execute(sessions_q).scalars())
    picture: dict[str, Any] = {
        "client": client,
        "policies": client.policies,
        "authorizations": auth_views,
        "plans": plans_of_care.plan_views(work, client_id=client.id, today=today),
        "sessions": sessions,
        "claims": [],
        "ledger": [],
        "balance": Balance(),
    }
    if account.sees_all_clients:
        picture["claims"] = list(
            work.db.execute(
                select(ClaimRecord)
                .where(ClaimRecord.client_id == client.id)
                .order_by(ClaimRecord.date_of_service.desc(), ClaimRecord.id.desc())
                .limit(100)
            ).scalars()
        )
        entries = list(
            work.db.execute(
                select(LedgerEntry)
                .where(LedgerEntry.client_id == client.id)
                .order_by(LedgerEntry.id)
            ).scalars()
        )
        balance = Balance()
        for entry in entries:
            balance = balance + effect(
                EntryKind(entry.kind), entry.amount_cents, Responsibility(entry.responsibility)
            )
        picture["ledger"] = entries
        picture["balance"] = balance
        work.audit("read", "ledger", client.id)
    return picture
