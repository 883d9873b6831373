"""Which records a login may see, in the pages, the API and the services that list records:
therapists their own clients and sessions, others all.

A therapist's clients are those on the caseload of the provider the login is linked to
(client_providers: assigned by a biller, or added by the therapist) and those with a session
by that provider (seen before any caseload was kept). A record outside that set is reported
as not found, so ids cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import BindParameter, ColumnElement, Integer, Select, bindparam, exists, or_, select

from therabill.errors import InvalidInput, NotFound
from therabill.store.models import (
    Authorization,
    CaseloadEntry,
    ClaimRecord,
    Client,
    Policy,
    Provider,
    TherapySession,
)
from therabill.store.services.context import UnitOfWork
from therabill.store.services.users import Account


def own_client_clause(account: Account) -> ColumnElement[bool]:
    """A WHERE clause on Client limiting a therapist to their caseload and clients they have
    seen."""
    return _own_clients(account.provider_id or -1)


def _own_clients(provider_id: int | BindParameter[int]) -> ColumnElement[bool]:
    return or_(
        exists().where(
            CaseloadEntry.client_id == Client.id, CaseloadEntry.provider_id == provider_id
        ),
        exists().where(
            TherapySession.client_id == Client.id, TherapySession.provider_id == provider_id
        ),
    )


def _client_seen(all_clients: bool) -> Select[int]:
    query = select(Client.id).where(
        Client.practice_id == bindparam("practice"), Client.id == bindparam("client")
    )
    if not all_clients:
        query = query.where(_own_clients(bindparam("provider", type_=Integer)))
    return query


# Built once, run as Core statements on the transaction's connection naming the practice
# themselves (the live check and the API's scrub ask on every request; loading the client
# and provider as ORM objects cost more than the rest of the check's reads together).
_CLIENT_SEEN = {sees_all: _client_seen(sees_all) for sees_all in (True, False)}
_PROVIDER_FOUND = select(Provider.id).where(
    Provider.practice_id == bindparam("practice"), Provider.id == bindparam("provider")
)


def visible_clients(account: Account) -> Select[Client]:
    query = select(Client)
    if not account.sees_all_clients:
        query = query.where(own_client_clause(account))
    return query


def client_for(work: UnitOfWork, account: Account, client_id: int) -> Client:
    """The client, if this user may see them; audited as a read."""
    found = work.db.execute(
        visible_clients(account).where(Client.id == client_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound()
    work.audit("read", "client", client_id)
    return found


def client_id_for(work: UnitOfWork, account: Account, client_id: int) -> int:
    """:func:`client_for` without loading the client: ``client_id`` if this user may see
    them (one statement), audited as a read; not found otherwise."""
    if work.practice_id is None:  # before the first practice: nothing to name
        return client_for(work, account, client_id).id
    values = {"practice": work.practice_id, "client": client_id}
    if not account.sees_all_clients:
        values["provider"] = account.provider_id or -1
    seen = work.db.connection().execute(_CLIENT_SEEN[account.sees_all_clients], values).first()
    if seen is None:
        raise NotFound()
    work.audit("read", "client", client_id)
    return client_id


def session_for(work: UnitOfWork, account: Account, session_id: int) -> TherapySession:
    found = work.db.get(TherapySession, session_id)
    if found is None or (not account.sees_all_clients and found.provider_id != account.provider_id):
        raise NotFound()
    work.audit("read", "session", session_id)
    return found


def claim_for(work: UnitOfWork, account: Account, claim_id: int) -> ClaimRecord:
    found = work.db.get(ClaimRecord, claim_id)
    if found is None or not account.sees_all_clients:
        raise NotFound()
    work.audit("read", "claim", claim_id)
    return found


def provider_for(
    work: UnitOfWork, account: Account, provider_id: int | None, *, field: str = "provider_id"
) -> Provider | None:
    """The provider a session is entered for: the one chosen, else a therapist's own. A
    therapist choosing another provider gets not found (whether or not it exists); anyone
    choosing an unknown one is told so, naming ``field``."""
    chosen = _chosen(account, provider_id)
    if chosen is None:
        return None
    found = work.db.get(Provider, chosen)
    if found is None:
        raise InvalidInput(f"no provider {chosen}", field=field)
    return found


def provider_id_for(
    work: UnitOfWork, account: Account, provider_id: int | None, *, field: str = "provider_id"
) -> int | None:
    """:func:`provider_for` without loading the provider: the id chosen (one statement)."""
    chosen = _chosen(account, provider_id)
    if chosen is None:
        return None
    if work.practice_id is None:  # before the first practice: nothing to name
        provider_for(work, account, chosen, field=field)
        return chosen
    values = {"practice": work.practice_id, "provider": chosen}
    if work.db.connection().execute(_PROVIDER_FOUND, values).first() is None:
        raise InvalidInput(f"no provider {chosen}", field=field)
    return chosen


def _chosen(account: Account, provider_id: int | None) -> int | None:
    """The provider chosen, else a therapist's own; not found for a therapist choosing
    another."""
    chosen = provider_id or (None if account.sees_all_clients else account.provider_id)
    if chosen is not None and not account.sees_all_clients and chosen != account.provider_id:
        raise NotFound()
    return chosen


def providers_to_choose(work: UnitOfWork, account: Account) -> list[Provider]:
    """The active providers a session may be entered for: a therapist only themself."""
    query = select(Provider).where(Provider.active.is_(True)).order_by(Provider.last_name)
    if not account.sees_all_clients:
        query = query.where(Provider.id == (account.provider_id or -1))
    return list(work.db.execute(query).scalars())


def policy_for(work: UnitOfWork, account: Account, policy_id: int) -> Policy:
    """A policy of a client this user may see (a therapist sees their clients' insurance);
    not found otherwise. Audited as a read of the policy."""
    found = work.db.get(Policy, policy_id)
    if found is None:
        raise NotFound()
    client_for(work, account, found.client_id)
    work.audit("read", "policy", policy_id)
    return found


def authorization_for(work: UnitOfWork, account: Account, auth_id: int) -> Authorization:
    """An authorization of a client this user may see; not found otherwise."""
    found = work.db.get(Authorization, auth_id)
    if found is None:
        raise NotFound()
    client_for(work, account, found.client_id)
    return found
