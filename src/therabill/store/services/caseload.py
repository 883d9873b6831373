"""Caseloads: which providers work with a client.

A therapist's login sees the clients on their caseload and the clients they have a session
with, so a client put on a therapist's caseload can be chosen for a first session. Provider
ids only go to the audit log, never a client's details.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from therabill.errors import InvalidInput
from therabill.store.models import CaseloadEntry, Client, Provider
from therabill.store.services.context import UnitOfWork


def caseload_providers(*, work: UnitOfWork, client_id: int) -> list[Provider]:
    """The providers whose caseload holds the client, by name."""
    return list(
        work.db.execute(
            select(Provider)
            .join(CaseloadEntry, CaseloadEntry.provider_id == Provider.id)
            .where(CaseloadEntry.client_id == client_id)
            .order_by(Provider.last_name, Provider.first_name, Provider.id)
        ).scalars()
    )


def set_caseload(*, work: UnitOfWork, client_id: int, provider_ids: Iterable[int]) -> None:
    """Make exactly ``provider_ids`` the client's providers (added and removed as needed)."""
    if work.db.get(Client, client_id) is None:
        raise InvalidInput(f"no client {client_id}", field="client")
    wanted = set(provider_ids)
    known = set(work.db.execute(select(Provider.id).where(Provider.id.in_(wanted))).scalars())
    if wanted - known:
        missing = ", ".join(str(i) for i in sorted(wanted - known))
        raise InvalidInput(f"no provider {missing}", field="providers")
    current = set(
        work.db.execute(
            select(CaseloadEntry.provider_id).where(CaseloadEntry.client_id == client_id)
        ).scalars()
    )
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if removed:
        work.db.execute(
            delete(CaseloadEntry).where(
                CaseloadEntry.client_id == client_id, CaseloadEntry.provider_id.in_(removed)
            )
        )
    work.db.add_all(CaseloadEntry(client_id=client_id, provider_id=p) for p in added)
    work.db.flush()
    if added or removed:
        work.audit(
            "change",
            "caseload",
            client_id,
            f"added={','.join(map(str, added))} removed={','.join(map(str, removed))}",
        )


def add_to_caseload(*, work: UnitOfWork, client_id: int, provider_id: int) -> None:
    """Put the client on one provider's caseload (nothing changes if they are on it)."""
    current = {p.id for p in caseload_providers(work=work, client_id=client_id)}
    set_caseload(work=work, client_id=client_id, provider_ids=current | {provider_id})
