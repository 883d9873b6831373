"""The add/edit client form: read it, check it with the store's own client checks, save it in
one transaction (details, caseload) or say what is wrong beside each field; and the form that
adds an insurance policy (the store's add_policy) on the edit page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from starlette.datastructures import FormData

from therabill.errors import InvalidInput, TherabillError
from therabill.store.models import Client, Payer, Provider
from therabill.store.services import UnitOfWork, lookup
from therabill.store.services.caseload import add_to_caseload, set_caseload
from therabill.store.services.clients import (
    CLIENT_COLUMNS,
    MAX_LENGTHS,
    add_client,
    add_policy,
    read_client,
    update_client,
)
from therabill.store.services.users import Account

# Every field the form has, with the longest text a browser lets through (the server checks
# again: MAX_LENGTHS and read_client).
FIELDS = {name: MAX_LENGTHS.get(name, 200) for name in CLIENT_COLUMNS}
FIELDS["address"] = 400


@dataclass(slots=True)
class ClientForm:
    """What was typed (shown again when something is wrong) and what is wrong, by field."""

    values: dict[str, str] = field(default_factory=dict)
    provider_ids: set[int] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)


def form_of(client: Client, providers: list[Provider]) -> ClientForm:
    """The form filled in from a stored client."""
    values = {name: getattr(client, name) or "" for name in CLIENT_COLUMNS}
    values["birth_date"] = client.birth_date.isoformat()
    return ClientForm(values=values, provider_ids={p.id for p in providers})


def read_form(form: FormData) -> ClientForm:
    read = ClientForm()
    for name, longest in FIELDS.items():
        value = form.get(name, "")
        # One more than allowed is kept, so the length check can say it was too long.
        read.values[name] = value.strip()[: longest + 1] if isinstance(value, str) else ""
    for value in form.getlist("providers"):
        if isinstance(value, str) and value.isdigit() and len(value) < 10:
            read.provider_ids.add(int(value))
        else:
            read.errors["providers"] = "choose providers from the list"
    return read


def providers_to_choose(work: UnitOfWork, account: Account, form: ClientForm) -> list[Provider]:
    """Billers and admins assign any active provider (and keep those already ticked, active
    or not, so saving does not drop them unseen); a therapist assigns no one."""
    if not account.sees_all_clients:
        return []
    return list(
        work.db.execute(
            select(Provider)
            .where(or_(Provider.active.is_(True), Provider.id.in_(form.provider_ids)))
            .order_by(Provider.last_name, Provider.first_name)
        ).scalars()
    )


def save_client(work: UnitOfWork, account: Account, form: ClientForm, client_id: int | None) -> int:
    """Add (``client_id`` None) or change a client; raise InvalidInput naming the field.

    A therapist's new client goes on their own caseload; a therapist cannot change caseloads.
    Runs inside the caller's transaction, so a failure leaves nothing written.
    """
    data, problems = read_client(form.values)
    if problems or data is None:
        raise problems[0]
    if client_id is None:
        if not account.sees_all_clients and account.provider_id is None:
            raise InvalidInput("your login is not linked to a provider", field="providers")
        client_id = add_client(work=work, data=data).id
        if account.sees_all_clients:
            set_caseload(work=work, client_id=client_id, provider_ids=form.provider_ids)
        else:
            assert account.provider_id is not None
            add_to_caseload(work=work, client_id=client_id, provider_id=account.provider_id)
    else:
        update_client(work=work, client_id=client_id, data=data)
        if account.sees_all_clients:
            set_caseload(work=work, client_id=client_id, provider_ids=form.provider_ids)
    return client_id


def check_form(form: ClientForm) -> bool:
    """Every field checked up front, so the page shows all the problems at once."""
    _data, problems = read_client(form.values)
    for problem in problems:
        form.errors.setdefault(problem.field or "form", problem.message)
    return not form.errors


def note_error(form: ClientForm, exc: TherabillError) -> None:
    form.errors.setdefault(exc.field or "form", exc.message)


POLICY_FIELDS = {
    "payer": 12,
    "member_id": 40,
    "group_number": 40,
    "priority": 10,
    "relationship": 10,
    "subscriber_first_name": 100,
    "subscriber_last_name": 100,
    "subscriber_birth_date": 10,
    "start_date": 10,
    "end_date": 10,
}
POLICY_DATES = ("subscriber_birth_date", "start_date", "end_date")


@dataclass(slots=True)
class PolicyForm:
    """A policy being added, as typed, and what is wrong with it by field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_policy_form(form: FormData) -> PolicyForm:
    read = PolicyForm()
    for name, longest in POLICY_FIELDS.items():
        value = form.get(name, "")
        read.values[name] = value.strip()[: longest + 1] if isinstance(value, str) else ""
    return read


def save_policy(work: UnitOfWork, client_id: int, form: PolicyForm) -> None:
    """Add the policy with the store's add_policy (its checks); dates are read first, so each
    bad date is named beside its field; raise InvalidInput naming the first other problem."""
    dates: dict[str, dt.date | None] = {}
    for name in POLICY_DATES:
        text = form.values.get(name, "")
        try:
            dates[name] = lookup.date(text, name) if text else None
        except InvalidInput as exc:
            form.errors[name] = exc.message
    if form.errors:
        raise InvalidInput(next(iter(form.errors.values())), field=next(iter(form.errors)))
    payer_id = form.values.get("payer", "")
    if not payer_id.isdigit():
        raise InvalidInput("choose the payer", field="payer")
    add_policy(
        work=work,
        client_id=client_id,
        payer=payer_id,
        member_id=form.values.get("member_id", ""),
        priority=form.values.get("priority", "") or "primary",
        group_number=form.values.get("group_number") or None,
        relationship=form.values.get("relationship", "") or "self",
        subscriber_first_name=form.values.get("subscriber_first_name") or None,
        subscriber_last_name=form.values.get("subscriber_last_name") or None,
        subscriber_birth_date=dates["subscriber_birth_date"],
        start_date=dates["start_date"],
        end_date=dates["end_date"],
    )


def payers_to_choose(work: UnitOfWork) -> list[Payer]:
    return list(work.db.execute(select(Payer).order_by(Payer.name)).scalars())
