"""What each client owes, for many clients in one query: the ledger's patient bucket summed
in SQL. The CASE is written out from ``therabill.ledger.effect`` itself (every kind and
responsibility), so the database's sum and the Python sum cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, case, func, literal, select

from therabill.ledger import EntryKind, Responsibility, effect
from therabill.store.models import LedgerEntry
from therabill.store.services.context import UnitOfWork


def patient_change() -> ColumnElement[int]:
    """An entry's change to what the client owes (signed cents), as a SQL expression."""
    whens = []
    for kind in EntryKind:
        for who in Responsibility:
            sign = effect(kind, 1, who).patient_cents
            if sign:
                whens.append(
                    (
                        and_(
                            LedgerEntry.kind == kind.value, LedgerEntry.responsibility == who.value
                        ),
                        LedgerEntry.amount_cents * sign,
                    )
                )
    return case(*whens, else_=literal(0))


def patient_balances(
    work: UnitOfWork, client_ids: Iterable[int] | None = None, *, through: dt.date | None = None
) -> dict[int, int]:
    """Client id → what the client owes (negative: a credit), for the clients given or all
    clients with ledger entries, counting entries effective by ``through`` when given; one
    grouped query."""
    query = select(LedgerEntry.client_id, func.sum(patient_change())).group_by(
        LedgerEntry.client_id
    )
    if through is not None:
        query = query.where(LedgerEntry.effective_date <= through)
    if client_ids is not None:
        ids = list(client_ids)
        if not ids:
            return {}
        query = query.where(LedgerEntry.client_id.in_(ids))
    return {client_id: int(total or 0) for client_id, total in work.db.execute(query).all()}
