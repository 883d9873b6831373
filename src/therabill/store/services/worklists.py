"""The biller's day: the work queues of the dashboard (each a count and the list it opens),
and the two lists they open that are not claims: clients (with payer, balances, last visit
and authorization left) and sessions. Every list is one page at a time
(``store.services.paging``); every count is one SQL count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from therabill.scrub.rules.plan_of_care import RECERTIFY_WARNING_DAYS
from therabill.store import revisions
from therabill.store.models import (
    Authorization,
    AuthorizationUse,
    ClaimRecord,
    Client,
    ClientBalance,
    Denial,
    LedgerEntry,
    Payer,
    PlanOfCare,
    Policy,
    Provider,
    RemittanceException,
    TherapySession,
)
from therabill.store.services import caches
from therabill.store.services.access import own_client_clause
from therabill.store.services.caches import Stamped
from therabill.store.services.clients import escape_like
from therabill.store.services.context import UnitOfWork
from therabill.store.services.paging import AnyPage, PageRequest, SortKey, fetch_page
from therabill.store.services.reports import _coefficients
from therabill.store.services.users import Account

AUTH_WARNING_DAYS = 14  # an authorization ending this soon needs a new one asked for
AUTH_LOW_UNITS = 2  # ... and so does one with this few units left (the client page agrees)
WATCHES = ("authorizations", "certifications", "statements")


@dataclass(frozen=True, slots=True)
class WorkQueue:
    """One tile of the dashboard: how much work waits, where it is, what it means."""

    key: str
    label: str
    count: int
    href: str
    hint: str
    tone: str = "due"  # "due" (work waiting), "bad" (money at risk)


def _patient_share() -> ColumnElement[int]:
    """Per ledger entry, the change of what the client owes (``therabill.ledger.effect``)."""
    return _coefficients()[1]


def _insurance_share() -> ColumnElement[int]:
    return _coefficients()[0]


def _owed_by_client() -> ColumnElement[int]:
    return (
        select(func.coalesce(func.sum(_patient_share()), 0))
        .where(LedgerEntry.client_id == Client.id)
        .correlate(Client)
        .scalar_subquery()
    )


def _owed_by_insurers() -> ColumnElement[int]:
    return (
        select(func.coalesce(func.sum(_insurance_share()), 0))
        .where(LedgerEntry.client_id == Client.id)
        .correlate(Client)
        .scalar_subquery()
    )


def _used_units() -> Any:
    return (
        select(
            AuthorizationUse.authorization_id.label("auth_id"),
            func.sum(AuthorizationUse.units).label("used"),
        )
        .group_by(AuthorizationUse.authorization_id)
        .subquery()
    )


def _running_out(today: dt.date) -> ColumnElement[bool]:
    """The client has an authorization in force today that ends within
    ``AUTH_WARNING_DAYS`` or has ``AUTH_LOW_UNITS`` units or fewer left."""
    used = _used_units()
    return exists(
        select(Authorization.id)
        .outerjoin(used, used.c.auth_id == Authorization.id)
        .where(
            Authorization.client_id == Client.id,
            Authorization.start_date <= today,
            Authorization.end_date >= today,
            or_(
                Authorization.end_date <= today + dt.timedelta(days=AUTH_WARNING_DAYS),
                and_(
                    Authorization.units_approved.is_not(None),
                    Authorization.units_approved - func.coalesce(used.c.used, 0) <= AUTH_LOW_UNITS,
                ),
            ),
        )
    )


def _certification_due(today: dt.date) -> ColumnElement[bool]:
    """A plan of care in force that still waits for the certifier's signature, or runs out
    within the recertification warning (Medicare Benefit Policy Manual, ch. 15, §220.1.3)."""
    return exists(
        select(PlanOfCare.id).where(
            PlanOfCare.client_id == Client.id,
            PlanOfCare.end_date >= today,
            or_(
                PlanOfCare.certified_on.is_(None),
                PlanOfCare.end_date <= today + dt.timedelta(days=RECERTIFY_WARNING_DAYS),
            ),
        )
    )


def _statement_due() -> ColumnElement[bool]:
    """The client owes something and statements are not on hold for them. What a client owes
    is read from the kept balances (``client_balances``, summed by the database per ledger
    entry): one key look-up per client instead of a sum over their entries (1.7 s a
    dashboard at 10,000 clients and 500,000 sessions)."""
    owes = exists(
        select(ClientBalance.client_id).where(
            ClientBalance.client_id == Client.id, ClientBalance.patient_cents > 0
        )
    )
    return and_(Client.statement_hold.is_(False), owes)


def _watch(name: str, today: dt.date) -> ColumnElement[bool] | None:
    if name == "authorizations":
        return _running_out(today)
    if name == "certifications":
        return _certification_due(today)
    if name == "statements":
        return _statement_due()
    return None


def _statements_due(work: UnitOfWork) -> int:
    """How many clients :func:`_statement_due` picks, for a user who sees every client: the
    clients who owe (a range of the kept balances' index) less those on hold who owe (the
    few clients on hold). A tenth of the time of counting them client by client (10 ms at
    10,000 clients owing)."""
    owing = ClientBalance.patient_cents > 0
    everyone = select(func.count()).select_from(ClientBalance).where(owing)
    held = (
        select(func.count())
        .select_from(Client)
        .join(ClientBalance, ClientBalance.client_id == Client.id)
        .where(Client.statement_hold.is_(True), owing)
    )
    return _count(work, everyone) - _count(work, held)


def _count(work: UnitOfWork, query: Any) -> int:
    return int(work.db.execute(query).scalar_one())


def _clients_where(account: Account, condition: ColumnElement[bool]) -> Any:
    query = select(func.count()).select_from(Client).where(condition)
    if not account.sees_all_clients:
        query = query.where(own_client_clause(account))
    return query


# The slow counts of the dashboard's queues (over every session, claim, authorization, plan
# of care and client balance), by database and practice, day and who asks: kept while the
# practice's stamp (``revisions.practice_stamp``: every client's revision and the money
# figures' generation) stays the same, so a write by any worker or process is seen by the
# next dashboard.
KEPT_COUNTS: Stamped[tuple[tuple[str, int], ...]] = Stamped(
    "the dashboard's work queue counts", keys=256
)


def _slow_counts(work: UnitOfWork, account: Account, today: dt.date) -> dict[str, int]:
    """The queue counts that read what ``revisions.WATCHED`` and the ledger hold."""
    unbilled = (
        select(func.count()).select_from(TherapySession).where(TherapySession.claim_id.is_(None))
    )
    if not account.sees_all_clients:
        unbilled = unbilled.where(TherapySession.provider_id == (account.provider_id or -1))
    counts = {
        "unbilled": _count(work, unbilled),
        "certifications": _count(work, _clients_where(account, _certification_due(today))),
    }
    if account.sees_all_clients:
        counts |= {
            str(status): int(n)
            for status, n in work.db.execute(
                select(ClaimRecord.status, func.count())
                .where(ClaimRecord.status.in_(("draft", "ready", "corrected", "rejected")))
                .group_by(ClaimRecord.status)
            ).all()
        }
        counts["statements"] = _statements_due(work)
        counts["authorizations"] = _count(work, _clients_where(account, _running_out(today)))
    return counts


def _kept_counts(
    work: UnitOfWork, account: Account, today: dt.date, stamp: Hashable = None
) -> dict[str, int]:
    """:func:`_slow_counts`, kept under the practice's stamp (one statement when kept;
    ``stamp``: that stamp, read already this request)."""
    if work.practice_id is None:  # no practice yet: nothing to keep
        return _slow_counts(work, account, today)
    if stamp is None:
        stamp = revisions.practice_stamp(work.db.connection(), practice_id=work.practice_id)
    key = (
        caches.database_key(work.db.get_bind().engine.url),
        today,
        account.sees_all_clients,
        account.provider_id,
    )
    kept = KEPT_COUNTS.get(
        key, stamp, lambda: tuple(sorted(_slow_counts(work, account, today).items()))
    )
    return dict(kept)


def work_queues(
    work: UnitOfWork, account: Account, *, today: dt.date, stamp: Hashable = None
) -> list[WorkQueue]:
    """The dashboard's queues for ``account``: a therapist sees their own unbilled sessions
    and certifications; billers and admins see the whole practice's billing work. The slow
    counts are kept under the practice's stamp (:func:`_kept_counts`); the denials and
    remittance exceptions, which no stamp watches and a few rows answer, are counted each
    time. ``stamp``: the practice's stamp, read already this request."""
    kept = _kept_counts(work, account, today, stamp)
    queues = [
        WorkQueue(
            "unbilled",
            "Unbilled sessions",
            kept["unbilled"],
            "/sessions?billed=no",
            "Sessions no claim carries yet",
        )
    ]
    if account.sees_all_clients:
        open_denials = select(func.count()).select_from(Denial).where(Denial.status != "closed")
        # a denial is one reason on one line: the tile says how many claims they sit on too
        denied_claims = select(func.count(func.distinct(Denial.claim_id))).where(
            Denial.status != "closed"
        )
        on_claims = _count(work, denied_claims)
        exceptions = (
            select(func.count())
            .select_from(RemittanceException)
            .where(RemittanceException.resolved_at.is_(None))
        )
        queues += [
            WorkQueue(
                "drafts",
                "Drafts with errors",
                kept.get("draft", 0),
                "/claims?status=draft",
                "Fix what the check found, then submit",
                "bad",
            ),
            WorkQueue(
                "ready",
                "Ready to submit",
                kept.get("ready", 0) + kept.get("corrected", 0),
                "/claims?status=ready",
                "Checked and clean: send them",
            ),
            WorkQueue(
                "rejected",
                "Rejected",
                kept.get("rejected", 0),
                "/claims?status=rejected",
                "The payer refused them at the door",
                "bad",
            ),
            WorkQueue(
                "denials",
                "Denials",
                _count(work, open_denials),
                "/denials",
                f"On {on_claims:,} claim{'' if on_claims == 1 else 's'}: appeal, correct, "
                "transfer or write off"
                if on_claims
                else "Appeal, correct, transfer or write off",
                "bad",
            ),
            WorkQueue(
                "exceptions",
                "Remittance exceptions",
                _count(work, exceptions),
                "/remittances#exceptions",
                "Paid claims the 835 could not match",
            ),
            WorkQueue(
                "statements",
                "Statements due",
                kept["statements"],
                "/clients?watch=statements",
                "Clients who owe a balance",
            ),
            WorkQueue(
                "authorizations",
                "Authorizations running out",
                kept["authorizations"],
                "/clients?watch=authorizations",
                f"Ending within {AUTH_WARNING_DAYS} days or {AUTH_LOW_UNITS} units left",
            ),
        ]
    queues.append(
        WorkQueue(
            "certifications",
            "Certifications due",
            kept["certifications"],
            "/clients?watch=certifications",
            "Plans of care to sign or recertify",
        )
    )
    work.audit("list", "work_queues", "dashboard")
    return queues


@dataclass(frozen=True, slots=True)
class ClientFilter:
    watch: str = ""  # one of WATCHES, or "" for every client
    text: str = ""  # part of a name or chart number (from a POST search, never a URL)


def client_page(
    work: UnitOfWork, account: Account, wanted: ClientFilter, page: PageRequest, *, today: dt.date
) -> tuple[AnyPage, list[dict[str, Any]]]:
    """One page of clients with their primary payer, last visit, what they and their
    insurers owe (billers and admins only) and the authorization in force."""
    payer = (
        select(Payer.name)
        .join(Policy, Policy.payer_id == Payer.id)
        .where(Policy.client_id == Client.id)
        .order_by((Policy.priority != "primary"), Policy.id.desc())
        .limit(1)
        .correlate(Client)
        .scalar_subquery()
        .label("payer")
    )
    last_visit = (
        select(func.max(TherapySession.date_of_service))
        .where(TherapySession.client_id == Client.id)
        .correlate(Client)
        .scalar_subquery()
        .label("last_visit")
    )
    columns: list[Any] = [Client, payer, last_visit]
    sorts: dict[str, SortKey] = {
        "client": Client.last_name,
        "chart": Client.chart_number,
        "born": Client.birth_date,
        "payer": payer,
        "last_visit": last_visit,
    }
    sums: tuple[str, ...] = ()
    if account.sees_all_clients:
        client_owes = _owed_by_client().label("client_owes")
        insurers_owe = _owed_by_insurers().label("insurers_owe")
        columns += [client_owes, insurers_owe]
        sorts |= {"client_owes": client_owes, "insurers_owe": insurers_owe}
        sums = ("client_owes", "insurers_owe")
    query = select(*columns)
    if not account.sees_all_clients:
        query = query.where(own_client_clause(account))
    condition = _watch(wanted.watch, today)
    if condition is not None:
        query = query.where(condition)
    for word in wanted.text.strip().split()[:3]:
        like = f"%{escape_like(word.lower())}%"
        query = query.where(
            func.lower(Client.last_name).like(like, escape="\\")
            | func.lower(Client.first_name).like(like, escape="\\")
            | func.lower(func.coalesce(Client.chart_number, "")).like(like, escape="\\")
        )
    found = fetch_page(
        work.db,
        query,
        page,
        sorts=sorts,
        default="client",
        tiebreak=[Client.first_name, Client.id],
        sums=sums,
    )
    work.audit("list", "client", wanted.watch or "*", f"{len(found.rows)} rows")
    clients = [row[0] for row in found.rows]
    left = _authorization_left(work, [c.id for c in clients], today=today)
    rows = []
    for row in found.rows:
        client: Client = row[0]
        rows.append(
            {
                "id": client.id,
                "client": client.display_name,
                "client_url": f"/clients/{client.id}",
                "chart": client.chart_number or "",
                "born": client.birth_date,
                "payer": row[1] or "self-pay",
                "last_visit": row[2],
                "client_owes": int(row[3]) if account.sees_all_clients else None,
                "insurers_owe": int(row[4]) if account.sees_all_clients else None,
                "authorization": left.get(client.id, ""),
            }
        )
    return found, rows


def _authorization_left(
    work: UnitOfWork, client_ids: list[int], *, today: dt.date
) -> dict[int, str]:
    """Per client, the authorizations in force today in a few words: units (or visits)
    left and the last day, e.g. "6 units left, to 2026-12-31"."""
    if not client_ids:
        return {}
    used = _used_units()
    rows = work.db.execute(
        select(Authorization, func.coalesce(used.c.used, 0))
        .outerjoin(used, used.c.auth_id == Authorization.id)
        .where(
            Authorization.client_id.in_(client_ids),
            Authorization.start_date <= today,
            Authorization.end_date >= today,
        )
        .order_by(Authorization.end_date, Authorization.id)
    ).all()
    said: dict[int, list[str]] = {}
    for auth, units_used in rows:
        if auth.units_approved is not None:
            amount = f"{auth.units_approved - int(units_used)} units left"
        elif auth.visits_approved is not None:
            amount = f"{auth.visits_approved} visits"
        else:
            amount = "in force"
        said.setdefault(auth.client_id, []).append(f"{amount}, to {auth.end_date.isoformat()}")
    return {client_id: "; ".join(parts) for client_id, parts in said.items()}


@dataclass(frozen=True, slots=True)
class SessionFilter:
    billed: str = ""  # "no": not yet on a claim; "yes": on one; "": all
    provider_id: int | None = None


def session_page(
    work: UnitOfWork, account: Account, wanted: SessionFilter, page: PageRequest
) -> tuple[AnyPage, list[dict[str, Any]]]:
    """One page of sessions (a therapist: their own), with client, provider, codes and the
    claim that carries each."""
    query = (
        select(
            TherapySession,
            Client.last_name,
            Client.first_name,
            Provider.first_name,
            Provider.last_name,
        )
        .join(Client, Client.id == TherapySession.client_id)
        .join(Provider, Provider.id == TherapySession.provider_id)
        .options(selectinload(TherapySession.services))
    )
    conditions: list[ColumnElement[bool]] = []
    if not account.sees_all_clients:
        conditions.append(TherapySession.provider_id == (account.provider_id or -1))
    if wanted.billed == "no":
        conditions.append(TherapySession.claim_id.is_(None))
    elif wanted.billed == "yes":
        conditions.append(TherapySession.claim_id.is_not(None))
    if wanted.provider_id is not None:
        conditions.append(TherapySession.provider_id == wanted.provider_id)
    query = query.where(*conditions)
    found = fetch_page(
        work.db,
        query,
        page,
        sorts={
            "date": TherapySession.date_of_service,
            "client": Client.last_name,
            "provider": Provider.last_name,
        },
        default="date",
        tiebreak=[TherapySession.start_time, TherapySession.id],
        # the same sessions without the names: counted and paged by date on their own index
        alone=select(TherapySession.id).where(*conditions),
        alone_sorts=("date",),
    )
    work.audit("list", "session", wanted.billed or "*", f"{len(found.rows)} rows")
    return found, [
        {
            "id": s.id,
            "session": f"{s.date_of_service.isoformat()}"
            + (f" {s.start_time.strftime('%H:%M')}" if s.start_time else ""),
            "session_url": f"/sessions/{s.id}",
            "date": s.date_of_service,
            "client": f"{last}, {first}",
            "client_url": f"/clients/{s.client_id}",
            "provider": f"{p_first} {p_last}",
            "codes": ", ".join(f"{sv.code} ({sv.minutes} min)" for sv in s.services),
            "claim": f"#{s.claim_id}" if s.claim_id else "not billed",
            "claim_url": f"/claims/{s.claim_id}"
            if s.claim_id and account.sees_all_clients
            else None,
        }
        for s, last, first, p_first, p_last in found.rows
    ]
