"""The add/edit client form and the form that adds an insurance policy, as HTML forms: read
what was typed, and show what is wrong beside each field. The checks and the saves are the
store's (``store.services.client_entry``), shared with the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from therabill.errors import TherabillError
from therabill.store.models import Client, Provider
from therabill.store.services.client_entry import check_client
from therabill.store.services.clients import CLIENT_COLUMNS, MAX_LENGTHS

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


def check_form(form: ClientForm) -> bool:
    """Every field checked up front, so the page shows all the problems at once."""
    for problem in check_client(form.values):
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
    "subscriber_sex": 1,
    "subscriber_address": 200,
    "subscriber_city": 100,
    "subscriber_state": 2,
    "subscriber_postal_code": 10,
    "start_date": 10,
    "end_date": 10,
}


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
