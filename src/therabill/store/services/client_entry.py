"""Adding and changing a client as someone types it, on the page's form or in the API's JSON:
every field checked by the store's client checks, details and caseload saved in the caller's
transaction, and an insurance policy added with its dates read field by field.

The web app only reads its form into plain values; the checks and the save are here, so the
page and the API cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from sqlalchemy import or_, select

from therabill.errors import InvalidInput
from therabill.store.models import Client, Payer, Provider
from therabill.store.services import lookup
from therabill.store.services.caseload import add_to_caseload, set_caseload
from therabill.store.services.clients import (
    POLICY_FIELDS,
    ClientInput,
    add_client,
    add_policy,
    read_client,
    update_client,
)
from therabill.store.services.context import UnitOfWork
from therabill.store.services.users import Account

POLICY_DATES = ("subscriber_birth_date", "start_date", "end_date")


def check_client(values: Mapping[str, str]) -> list[InvalidInput]:
    """Every problem with a client's fields, each naming its field (none: it can be saved)."""
    _data, problems = read_client(values)
    return problems


def save_client(
    work: UnitOfWork,
    *,
    account: Account,
    values: Mapping[str, str],
    provider_ids: set[int],
    client_id: int | None,
) -> int:
    """Add (``client_id`` None) or change a client; raise InvalidInput naming the field.

    Billers and admins set the caseload (``provider_ids``); a therapist's new client goes on
    their own caseload, and a therapist cannot change caseloads. Billers and admins assign
    chart numbers too (``_keep_chart_number``). Runs inside the caller's transaction, so a
    failure leaves nothing written.
    """
    data, problems = read_client(values)
    if problems or data is None:
        raise problems[0]
    if not account.sees_all_clients:
        data = _keep_chart_number(work, data, client_id)
    if client_id is None:
        if not account.sees_all_clients and account.provider_id is None:
            raise InvalidInput("your login is not linked to a provider", field="providers")
        client_id = add_client(work=work, data=data).id
        if account.sees_all_clients:
            set_caseload(work=work, client_id=client_id, provider_ids=provider_ids)
        else:
            assert account.provider_id is not None
            add_to_caseload(work=work, client_id=client_id, provider_id=account.provider_id)
    else:
        update_client(work=work, client_id=client_id, data=data)
        if account.sees_all_clients:
            set_caseload(work=work, client_id=client_id, provider_ids=provider_ids)
    return client_id


def _keep_chart_number(work: UnitOfWork, data: ClientInput, client_id: int | None) -> ClientInput:
    """A therapist's client keeps the chart number billing gave it (none for a new one).

    Chart numbers are unique across the practice, so "chart number C-7 is taken" would tell
    a therapist that a client they may not see exists, one guess at a time (issue 14).
    Refusing any number a therapist sends, taken or free, tells them nothing."""
    current = None
    if client_id is not None:
        found = work.db.get(Client, client_id)
        current = found.chart_number if found is not None else None
    if data.chart_number and data.chart_number != current:
        raise InvalidInput(
            "is assigned by billing staff; leave it empty and a biller will add it",
            field="chart_number",
        )
    return dataclasses.replace(data, chart_number=current)


def providers_to_choose(work: UnitOfWork, account: Account, ticked: set[int]) -> list[Provider]:
    """Billers and admins assign any active provider (and keep those already ticked, active
    or not, so saving does not drop them unseen); a therapist assigns no one."""
    if not account.sees_all_clients:
        return []
    return list(
        work.db.execute(
            select(Provider)
            .where(or_(Provider.active.is_(True), Provider.id.in_(ticked)))
            .order_by(Provider.last_name, Provider.first_name)
        ).scalars()
    )


def payers_to_choose(work: UnitOfWork) -> list[Payer]:
    return list(work.db.execute(select(Payer).order_by(Payer.name)).scalars())


def policy_dates(values: Mapping[str, str]) -> tuple[dict[str, dt.date | None], list[InvalidInput]]:
    """The policy's dates as typed, and a problem for each that is not a date."""
    dates: dict[str, dt.date | None] = {}
    problems: list[InvalidInput] = []
    for name in POLICY_DATES:
        text = values.get(name, "")
        try:
            dates[name] = lookup.date(text, name) if text else None
        except InvalidInput as exc:
            problems.append(exc)
    return dates, problems


def save_policy(work: UnitOfWork, *, client_id: int, values: Mapping[str, str]) -> None:
    """Add a policy with the store's add_policy (its checks); raise InvalidInput naming the
    field of the first problem, dates first."""
    dates, problems = policy_dates(values)
    if problems:
        raise problems[0]
    payer_id = values.get("payer", "")
    if not payer_id.isdigit():
        raise InvalidInput("choose the payer", field="payer")
    add_policy(
        work=work,
        client_id=client_id,
        payer=payer_id,
        member_id=values.get("member_id", ""),
        priority=values.get("priority", "") or "primary",
        group_number=values.get("group_number") or None,
        relationship=values.get("relationship", "") or "self",
        subscriber_first_name=values.get("subscriber_first_name") or None,
        subscriber_last_name=values.get("subscriber_last_name") or None,
        subscriber_birth_date=dates["subscriber_birth_date"],
        subscriber_sex=(values.get("subscriber_sex") or "").upper() or None,
        subscriber_address=values.get("subscriber_address") or None,
        subscriber_city=values.get("subscriber_city") or None,
        subscriber_state=values.get("subscriber_state") or None,
        subscriber_postal_code=values.get("subscriber_postal_code") or None,
        start_date=dates["start_date"],
        end_date=dates["end_date"],
    )


def policy_changes(values: Mapping[str, str]) -> dict[str, object]:
    """A policy's fields as typed on its page, in ``edit_policy``'s terms (dates read, empty
    text clears an optional field); raise naming the first date that is not one."""
    dates, problems = policy_dates(values)
    if problems:
        raise problems[0]
    changes: dict[str, object] = {
        name: values[name] for name in POLICY_FIELDS if name in values and name not in dates
    }
    changes.update({name: dates[name] for name in POLICY_DATES if name in values})
    return changes
