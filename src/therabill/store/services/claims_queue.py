"""The claims queue: claims filtered by status, payer, provider and client, one page at a
time, with each claim's age, what is still owed on it and why it needs attention."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from therabill.claims.status import NEEDS_ATTENTION, ClaimStatus
from therabill.store.models import (
    ClaimRecord,
    ClaimStatusChange,
    Client,
    Payer,
    Provider,
)
from therabill.store.services.context import UnitOfWork
from therabill.store.services.paging import AnyPage, PageRequest, SortKey, fetch_page
from therabill.store.services.reports import owed_on_claim

PAGE = 200
API_KEYS = (
    "id",
    "client_id",
    "client",
    "payer",
    "provider",
    "date_of_service",
    "status",
    "total_charge_cents",
    "errors",
)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: str = ""  # a ClaimStatus value, "attention", or "" for all
    payer_id: int | None = None
    provider_id: int | None = None
    client_id: int | None = None


def _conditions(wanted: QueueFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.status == "attention":
        conditions.append(ClaimRecord.status.in_(sorted(s.value for s in NEEDS_ATTENTION)))
    elif wanted.status:
        conditions.append(ClaimRecord.status == ClaimStatus(wanted.status).value)
    if wanted.payer_id is not None:
        conditions.append(ClaimRecord.payer_id == wanted.payer_id)
    if wanted.provider_id is not None:
        conditions.append(ClaimRecord.provider_id == wanted.provider_id)
    if wanted.client_id is not None:
        conditions.append(ClaimRecord.client_id == wanted.client_id)
    return conditions


def queue_page(
    work: UnitOfWork, wanted: QueueFilter, page: PageRequest, *, today: dt.date
) -> tuple[AnyPage, list[dict[str, Any]]]:
    """One page of the claims matching ``wanted``, sorted as ``page`` asks (by ``date``,
    ``claim``, ``client``, ``payer``, ``provider``, ``status``, ``charge`` or ``balance``),
    with the count and the charge and balance totals of every matching claim."""
    balance = owed_on_claim().label("balance")
    query = (
        select(
            ClaimRecord,
            Client.last_name,
            Client.first_name,
            Payer.name,
            Provider.first_name,
            Provider.last_name,
            ClaimRecord.total_charge_cents.label("charge"),
            balance,
        )
        .join(Client, Client.id == ClaimRecord.client_id)
        .join(Payer, Payer.id == ClaimRecord.payer_id)
        .join(Provider, Provider.id == ClaimRecord.provider_id)
    )
    conditions = _conditions(wanted)
    query = query.where(*conditions)
    # the same claims without the names: counted, summed and paged by their own index
    alone = select(ClaimRecord.id, ClaimRecord.total_charge_cents.label("charge"), balance)
    alone = alone.where(*conditions)
    sorts: dict[str, SortKey] = {
        "claim": ClaimRecord.id,
        "date": ClaimRecord.date_of_service,
        "client": Client.last_name,
        "payer": Payer.name,
        "provider": Provider.last_name,
        "status": ClaimRecord.status,
        "charge": ClaimRecord.total_charge_cents,
        "balance": balance,
    }
    found = fetch_page(
        work.db,
        query,
        page,
        sorts=sorts,
        default="date",
        tiebreak=[ClaimRecord.id],
        sums=("charge", "balance"),
        alone=alone,
        alone_sorts=("claim", "date", "status", "charge", "balance"),
    )
    work.audit("list", "claim", "queue", f"{len(found.rows)} rows")
    reasons = _reasons(work, [row[0] for row in found.rows])
    return found, [
        {
            "id": claim.id,
            "claim": f"#{claim.id}",
            "claim_url": f"/claims/{claim.id}",
            "client_id": claim.client_id,
            "client": f"{last}, {first}",
            "client_url": f"/clients/{claim.client_id}",
            "payer": payer,
            "provider": f"{p_first} {p_last}",
            "date_of_service": claim.date_of_service,
            "date": claim.date_of_service,
            "age": (today - claim.date_of_service).days,
            "status": claim.status,
            "total_charge_cents": claim.total_charge_cents,
            "charge": claim.total_charge_cents,
            "balance": int(owed or 0),
            "errors": reasons[claim.id][0],
            "reason": reasons[claim.id][1],
            "submittable": claim.status in ("ready", "corrected") and not reasons[claim.id][0],
        }
        for claim, last, first, payer, p_first, p_last, _charge, owed in found.rows
    ]


# Why a clean claim is in the queue at all: it waits to be sent (no row is left blank).
CLEAN = {
    "ready": "Checked and clean: submit it",
    "corrected": "Corrected and clean: submit it again",
}


def _reasons(work: UnitOfWork, claims: list[ClaimRecord]) -> dict[int, tuple[int, str]]:
    """Per claim: its error count and why it needs a look, in a biller's words: the first
    error the check found, else what the payer said when the claim last changed status."""
    said: dict[int, str] = {}
    moved = [c.id for c in claims if c.status in ("rejected", "denied", "partly_paid")]
    if moved:
        latest = (
            select(ClaimStatusChange.claim_id, func.max(ClaimStatusChange.id).label("last"))
            .where(ClaimStatusChange.claim_id.in_(moved))
            .group_by(ClaimStatusChange.claim_id)
            .subquery()
        )
        said = dict(
            work.db.execute(
                select(ClaimStatusChange.claim_id, ClaimStatusChange.reason).join(
                    latest,
                    and_(
                        latest.c.claim_id == ClaimStatusChange.claim_id,
                        latest.c.last == ClaimStatusChange.id,
                    ),
                )
            ).all()
        )
    result: dict[int, tuple[int, str]] = {}
    for claim in claims:
        errors = [f for f in json.loads(claim.findings_json) if f.get("severity") == "error"]
        if errors:
            first = str(errors[0].get("message", ""))
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            result[claim.id] = (len(errors), first + more)
        else:
            result[claim.id] = (0, said.get(claim.id, "") or CLEAN.get(claim.status, ""))
    return result


def queue(work: UnitOfWork, wanted: QueueFilter) -> tuple[list[dict[str, Any]], int]:
    """Up to ``PAGE`` claims, newest first, and how many match in all (the API's list)."""
    found, rows = queue_page(
        work,
        wanted,
        PageRequest(sort="claim", descending=True, per_page=PAGE),
        today=dt.date.today(),
    )
    return [{key: row[key] for key in API_KEYS} for row in rows], found.total


def filter_choices(work: UnitOfWork) -> dict[str, Any]:
    return {
        "statuses": [s.value for s in ClaimStatus],
        "payers": work.db.execute(select(Payer.id, Payer.name).order_by(Payer.name)).all(),
        "providers": work.db.execute(
            select(Provider.id, Provider.first_name, Provider.last_name).order_by(
                Provider.last_name
            )
        ).all(),
    }
