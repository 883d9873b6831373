"""Read-only views the pages need that the store's services do not offer as one call:
the dashboard's figures, aging buckets, a client's whole picture. Every read of client data
goes through a :class:`Work`, so it is audited.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, create_engine, func, select
from sqlalchemy.orm import Session

from therabill.store.ledger_math import Balance, EntryKind, Responsibility, effect
from therabill.store.models import (
    Authorisation,
    AuthorisationUse,
    Claim,
    Client,
    LedgerEntry,
    Payer,
    Provider,
    TherapySession,
)
from therabill.store.services import Work
from therabill.web.access import own_client_clause
from therabill.web.accounts import Account

BUCKETS = ("0–30", "31–60", "61–90", "91–120", "over 120")
ATTENTION = ("draft", "rejected", "denied")


@dataclass
class Aging:
    """Money owed, by who owes it and how old it is (cents)."""

    by_payer: dict[str, dict[str, int]] = field(default_factory=dict)
    as_of: str = ""
    by_client: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))


def _coefficients() -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Per-entry change of what the insurer and the client owe, as SQL: the ledger's own
    ``effect()`` evaluated for one cent of every (kind, responsibility), so the arithmetic
    stays in ``ledger_math`` and the database only multiplies and sums."""
    insurance: list[tuple[ColumnElement[bool], int]] = []
    patient: list[tuple[ColumnElement[bool], int]] = []
    for kind in EntryKind:
        for resp in Responsibility:
            unit = effect(kind, 1, resp)
            match = and_(LedgerEntry.kind == kind.value, LedgerEntry.responsibility == resp.value)
            if unit.insurance_cents:
                insurance.append((match, unit.insurance_cents))
            if unit.patient_cents:
                patient.append((match, unit.patient_cents))

    def expression(pairs: list[tuple[ColumnElement[bool], int]]) -> ColumnElement[int]:
        return case(*[(match, LedgerEntry.amount_cents * sign) for match, sign in pairs], else_=0)

    return expression(insurance), expression(patient)


def _bucket(today: dt.date) -> ColumnElement[str]:
    limits = [today - dt.timedelta(days=days) for days in (30, 60, 90, 120)]
    return case(
        *[(Claim.date_of_service >= day, name) for day, name in zip(limits, BUCKETS, strict=False)],
        else_=BUCKETS[-1],
    )


_AGING_CACHE: dict[str, tuple[float, dt.date, Aging]] = {}
_REFRESHING: set[str] = set()
_LOCK = threading.Lock()
_READERS: dict[str, Engine] = {}
AGING_TTL_SECONDS = 30.0


def _reader(engine: Engine) -> Engine:
    """An engine for reading the whole ledger without holding the write lock: the store's
    SQLite engine starts every transaction with BEGIN IMMEDIATE, which would stall every
    other request while the sums run; a plain (deferred) read transaction in WAL mode
    blocks no writer. PostgreSQL readers never block writers, so its engine is used as is."""
    if engine.dialect.name != "sqlite":
        return engine
    key = str(engine.url)
    with _LOCK:
        if key not in _READERS:
            _READERS[key] = create_engine(engine.url, connect_args={"timeout": 30})
        return _READERS[key]


def aging(store_engine: Engine, *, today: dt.date, top_clients: int = 10) -> Aging:
    """Insurance balances by payer and the largest client balances, in aging buckets.

    Practice-wide figures, the same for every biller, so they are kept: fresh for
    ``AGING_TTL_SECONDS``, then served while a background thread sums them again (the
    dashboard never waits for the whole ledger twice); ``as_of`` says when they were summed.
    Called outside the request's transaction; the caller audits the read."""
    engine = _reader(store_engine)
    key = str(engine.url)
    with _LOCK:
        cached = _AGING_CACHE.get(key)
        stale = cached is None or cached[1] != today
        if cached is not None and cached[1] == today:
            if time.monotonic() - cached[0] < AGING_TTL_SECONDS:
                return cached[2]
            if key not in _REFRESHING:
                _REFRESHING.add(key)
                threading.Thread(
                    target=_refresh, args=(engine, key, today, top_clients), daemon=True
                ).start()
            return cached[2]
    assert stale
    return _refresh(engine, key, today, top_clients)


def _refresh(engine: Engine, key: str, today: dt.date, top_clients: int) -> Aging:
    try:
        with Session(engine) as db:
            result = _sum_aging(db, today=today, top_clients=top_clients)
        with _LOCK:
            _AGING_CACHE[key] = (time.monotonic(), today, result)
        return result
    finally:
        with _LOCK:
            _REFRESHING.discard(key)


def _sum_aging(db: Session, *, today: dt.date, top_clients: int) -> Aging:
    insurance, patient = _coefficients()
    bucket = _bucket(today).label("bucket")
    result = Aging()
    names = dict(db.execute(select(Payer.id, Payer.name)).tuples().all())
    for payer_id, name, cents in db.execute(
        select(Claim.payer_id, bucket, func.sum(insurance))
        .join(Claim, Claim.id == LedgerEntry.claim_id)
        .group_by(Claim.payer_id, bucket)
    ).tuples():
        if cents:
            row = result.by_payer.setdefault(
                names.get(payer_id, str(payer_id)), dict.fromkeys(BUCKETS, 0)
            )
            row[name] += int(cents)
            result.totals[name] += int(cents)
    owed = func.sum(patient).label("owed")
    biggest = [
        int(client_id)
        for client_id, _ in db.execute(
            select(LedgerEntry.client_id, owed)
            .group_by(LedgerEntry.client_id)
            .having(owed > 0)
            .order_by(owed.desc())
            .limit(top_clients)
        ).tuples()
    ]
    if biggest:
        clients = {
            c.id: c.display_name
            for c in db.execute(select(Client).where(Client.id.in_(biggest))).scalars()
        }
        rows: dict[int, dict[str, int]] = {cid: dict.fromkeys(BUCKETS, 0) for cid in biggest}
        for client_id, name, cents in db.execute(
            select(LedgerEntry.client_id, bucket, func.sum(patient))
            .join(Claim, Claim.id == LedgerEntry.claim_id)
            .where(LedgerEntry.client_id.in_(biggest))
            .group_by(LedgerEntry.client_id, bucket)
        ).tuples():
            rows[client_id][name] += int(cents or 0)
        for cid in biggest:
            result.by_client[clients.get(cid, f"#{cid}")] = rows[cid]
    result.as_of = dt.datetime.now().strftime("%H:%M:%S")
    return result


def forget_aging() -> None:
    """Mark the kept figures stale (after building, submitting or posting): the next visit
    shows them once more and has them summed again in the background."""
    with _LOCK:
        for key, (_, day, figures) in list(_AGING_CACHE.items()):
            _AGING_CACHE[key] = (-AGING_TTL_SECONDS, day, figures)


def todays_sessions(work: Work, account: Account, *, today: dt.date) -> list[dict[str, Any]]:
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
    work.audit("list", "session", f"date={today.isoformat()}")
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


def unbilled_count(work: Work, account: Account) -> int:
    query = (
        select(func.count()).select_from(TherapySession).where(TherapySession.claim_id.is_(None))
    )
    if not account.sees_all_clients:
        query = query.where(TherapySession.provider_id == (account.provider_id or -1))
    return int(work.db.execute(query).scalar_one())


def attention_counts(work: Work) -> dict[str, int]:
    rows = work.db.execute(
        select(Claim.status, func.count()).where(Claim.status.in_(ATTENTION)).group_by(Claim.status)
    ).all()
    found = {status: int(count) for status, count in rows}
    return {status: found.get(status, 0) for status in ATTENTION}


def search_clients(work: Work, account: Account, text: str, *, limit: int = 50) -> list[Client]:
    query = select(Client).order_by(Client.last_name, Client.first_name).limit(limit)
    if not account.sees_all_clients:
        query = query.where(own_client_clause(account))
    words = text.strip().split()
    for word in words[:3]:
        like = f"%{word.lower()}%"
        query = query.where(
            func.lower(Client.last_name).like(like)
            | func.lower(Client.first_name).like(like)
            | func.lower(func.coalesce(Client.chart_number, "")).like(like)
        )
    found = list(work.db.execute(query).scalars())
    work.audit("search", "client", f"results={len(found)}")
    return found


@dataclass
class AuthorisationView:
    auth: Authorisation
    used: int
    left: int | None
    expires_soon: bool
    expired: bool


def client_picture(
    work: Work, account: Account, client: Client, *, today: dt.date
) -> dict[str, Any]:
    """Everything the client page shows: policies, authorisations, sessions, claims, ledger."""
    auths = list(
        work.db.execute(
            select(Authorisation)
            .where(Authorisation.client_id == client.id)
            .order_by(Authorisation.start_date.desc())
        ).scalars()
    )
    used = dict(
        work.db.execute(
            select(AuthorisationUse.authorisation_id, func.sum(AuthorisationUse.units))
            .where(AuthorisationUse.authorisation_id.in_([a.id for a in auths]))
            .group_by(AuthorisationUse.authorisation_id)
        )
        .tuples()
        .all()
    )
    auth_views = [
        AuthorisationView(
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
        "authorisations": auth_views,
        "sessions": sessions,
        "claims": [],
        "ledger": [],
        "balance": Balance(),
    }
    if account.sees_all_clients:
        picture["claims"] = list(
            work.db.execute(
                select(Claim)
                .where(Claim.client_id == client.id)
                .order_by(Claim.date_of_service.desc(), Claim.id.desc())
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
