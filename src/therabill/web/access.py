"""Which records a user may see: therapists their own clients and sessions, others all.

A therapist's clients are those with a session by the provider the login is linked to. A
record outside that set is reported as not found, so ids cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, select

from therabill.store.models import Claim, Client, TherapySession
from therabill.store.services import Work
from therabill.web.accounts import Account
from therabill.web.deps import NotFound


def own_client_clause(account: Account) -> ColumnElement[bool]:
    """A WHERE clause on Client limiting a therapist to clients they have seen."""
    return exists().where(
        TherapySession.client_id == Client.id,
        TherapySession.provider_id == (account.provider_id or -1),
    )


def visible_clients(account: Account) -> Select[Client]:
    query = select(Client)
    if not account.sees_all_clients:
        query = query.where(own_client_clause(account))
    return query


def client_for(work: Work, account: Account, client_id: int) -> Client:
    """The client, if this user may see them; audited as a read."""
    found = work.db.execute(
        visible_clients(account).where(Client.id == client_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound()
    work.audit("read", "client", client_id)
    return found


def session_for(work: Work, account: Account, session_id: int) -> TherapySession:
    found = work.db.get(TherapySession, session_id)
    if found is None or (not account.sees_all_clients and found.provider_id != account.provider_id):
        raise NotFound()
    work.audit("read", "session", session_id)
    return found


def claim_for(work: Work, account: Account, claim_id: int) -> Claim:
    found = work.db.get(Claim, claim_id)
    if found is None or not account.sees_all_clients:
        raise NotFound()
    work.audit("read", "claim", claim_id)
    return found
