"""Read-only views the pages need that the store's services do not offer as one call:
the dashboard's figures, aging buckets, a client's whole picture. Every read of client data
goes through a :class:`Work`, so it is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

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


def bucket_of(days: int) -> str:
    """Aging bucket for a balance ``days`` after its date of service."""
    for limit, name in zip((30, 60, 90, 120), BUCKETS, strict=False):
        if days <= limit:
            return name
    return BUCKETS[-1]


@dataclass
class Aging:
    """Money owed, by who owes it and how old it is (cents)."""

    by_payer: dict[str, dict[str, int]] = field(default_factory=dict)
    by_client: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))


def aging(work: Work, *, today: dt.date, top_clients: int = 10) -> Aging:
    """Insurance balances by payer and patient balances by client, in aging buckets."""
    rows = work.db.execute(
        select(
            Claim.payer_id,
            Claim.client_id,
            Claim.date_of_service,
            LedgerEntry.kind,
            LedgerEntry.responsibility,
            func.sum(LedgerEntry.amount_cents),
        )
        .join(Claim, Claim.id == LedgerEntry.claim_id)
        .group_by(
            Claim.payer_id,
            Claim.client_id,
            Claim.date_of_service,
            LedgerEntry.kind,
            LedgerEntry.responsibility,
        )
    ).all()
    payer_owes: dict[tuple[int, str], int] = defaultdict(int)
    client_owes: dict[tuple[int, str], int] = defaultdict(int)
    for payer_id, client_id, day, kind, resp, amount in rows:
        change: Balance = effect(EntryKind(kind), int(amount or 0), Responsibility(resp))
        bucket = bucket_of((today - day).days)
        payer_owes[(payer_id, bucket)] += change.insurance_cents
        client_owes[(client_id, bucket)] += change.patient_cents
    result = Aging()
    names = dict(work.db.execute(select(Payer.id, Payer.name)).tuples().all())
    for (payer_id, bucket), cents in payer_owes.items():
        if cents:
            row = result.by_payer.setdefault(
                names.get(payer_id, str(payer_id)), dict.fromkeys(BUCKETS, 0)
            )
            row[bucket] += cents
            result.totals[bucket] += cents
    per_client: dict[int, dict[str, int]] = {}
    for (client_id, bucket), cents in client_owes.items():
        if cents:
            per_client.setdefault(client_id, dict.fromkeys(BUCKETS, 0))[bucket] += cents
    biggest = sorted(per_client.items(), key=lambda kv: -sum(kv[1].values()))[:top_clients]
    if biggest:
        clients = {
            c.id: c.display_name
            for c in work.db.execute(
                select(Client).where(Client.id.in_([cid for cid, _ in biggest]))
            ).scalars()
        }
        for cid, buckets in biggest:
            result.by_client[clients.get(cid, f"#{cid}")] = buckets
    work.audit("list", "aging", "practice")
    return result


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
