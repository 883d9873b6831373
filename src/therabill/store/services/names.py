"""Names for ids, for lists that hold ids (the command line's tables): a biller reads
"Cruz, Carla", not client 24. One query per list, whatever its length."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from therabill.store.models import Client, Provider
from therabill.store.services.context import UnitOfWork


def client_names(work: UnitOfWork, ids: Iterable[int]) -> dict[int, str]:
    """``{id: "Last, First"}`` for the clients among ``ids``."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = work.db.execute(
        select(Client.id, Client.last_name, Client.first_name).where(Client.id.in_(wanted))
    ).all()
    return {cid: f"{last}, {first}" for cid, last, first in rows}


def provider_names(work: UnitOfWork, ids: Iterable[int]) -> dict[int, str]:
    """``{id: "First Last"}`` for the providers among ``ids``."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = work.db.execute(
        select(Provider.id, Provider.first_name, Provider.last_name).where(Provider.id.in_(wanted))
    ).all()
    return {pid: f"{first} {last}" for pid, first, last in rows}
