"""The add/edit client form: read it, check it with the store's own client checks, save it in
one transaction (details, caseload) or say what is wrong beside each field."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from starlette.datastructures import FormData

from therabill.errors import InvalidInput, TherabillError
from therabill.store.models import Client, Provider
from therabill.store.services import Work
from therabill.store.services.caseload import add_to_caseload, set_caseload
from therabill.store.services.clients import (
    CLIENT_COLUMNS,
    MAX_LENGTHS,
    add_client,
    read_client,
    update_client,
)
from therabill.web.accounts import Account

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


def providers_to_choose(work: Work, account: Account) -> list[Provider]:
    """Billers and admins assign any active provider; a therapist assigns no one."""
    if not account.sees_all_clients:
        return []
    return list(
        work.db.execute(
            select(Provider)
            .where(Provider.active.is_(True))
            .order_by(Provider.last_name, Provider.first_name)
        ).scalars()
    )


def save_client(work: Work, account: Account, form: ClientForm, client_id: int | None) -> int:
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
