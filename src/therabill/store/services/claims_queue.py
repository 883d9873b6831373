"""The claims queue: claims filtered by status, payer and provider, with client names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select

from therabill.claims.status import NEEDS_ATTENTION, ClaimStatus
from therabill.store.models import ClaimRecord, Client, Payer, Provider
from therabill.store.services.context import UnitOfWork

PAGE = 200


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: str = ""  # a ClaimStatus value, "attention", or "" for all
    payer_id: int | None = None
    provider_id: int | None = None


def queue(work: UnitOfWork, wanted: QueueFilter) -> tuple[list[dict[str, Any]], int]:
    """Up to ``PAGE`` claims, newest first, and how many match in all."""
    query = (
        select(ClaimRecord, Client.last_name, Client.first_name, Payer.name, Provider.last_name)
        .join(Client, Client.id == ClaimRecord.client_id)
        .join(Payer, Payer.id == ClaimRecord.payer_id)
        .join(Provider, Provider.id == ClaimRecord.provider_id)
    )
    count = select(func.count()).select_from(ClaimRecord)
    conditions: list[ColumnElement[bool]] = []
    if wanted.status == "attention":
        conditions.append(ClaimRecord.status.in_(sorted(s.value for s in NEEDS_ATTENTION)))
    elif wanted.status:
        conditions.append(ClaimRecord.status == ClaimStatus(wanted.status).value)
    if wanted.payer_id is not None:
        conditions.append(ClaimRecord.payer_id == wanted.payer_id)
    if wanted.provider_id is not None:
        conditions.append(ClaimRecord.provider_id == wanted.provider_id)
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    rows = work.db.execute(query.order_by(ClaimRecord.id.desc()).limit(PAGE)).all()
    total = int(work.db.execute(count).scalar_one())
    work.audit("list", "claim", "queue", f"{len(rows)} rows")
    return [
        {
            "id": claim.id,
            "client_id": claim.client_id,
            "client": f"{last}, {first}",
            "payer": payer,
            "provider": provider,
            "date_of_service": claim.date_of_service,
            "status": claim.status,
            "total_charge_cents": claim.total_charge_cents,
            "errors": sum(
                1 for f in json.loads(claim.findings_json) if f.get("severity") == "error"
            ),
        }
        for claim, last, first, payer, provider in rows
    ], total


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
