"""Clients and their insurance policies. Reads are audited as well as changes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from therabill.errors import InvalidInput
from therabill.identifiers.us_state import check_state
from therabill.store.models import Client, Policy
from therabill.store.services import lookup
from therabill.store.services.access import own_client_clause
from therabill.store.services.context import UnitOfWork
from therabill.store.services.users import Account

PRIORITIES = ("primary", "secondary", "tertiary")
RELATIONSHIPS = ("self", "spouse", "child", "other")
SEXES = ("F", "M", "U")
ZIP = re.compile(r"\d{5}(-?\d{4})?")
EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension)\s*\d{1,6}\s*$", re.IGNORECASE)
CLIENT_COLUMNS = (
    "chart_number",
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "address",
    "city",
    "state",
    "postal_code",
    "phone",
    "email",
)
POLICY_COLUMNS = ("payer", "member_id", "group_number", "priority")


@dataclass(frozen=True, slots=True)
class ClientInput:
    """A client as typed or imported, already checked field by field."""

    first_name: str
    last_name: str
    birth_date: dt.date
    sex: str = "U"
    chart_number: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    email: str | None = None
    payer: str | None = None
    member_id: str | None = None
    group_number: str | None = None
    priority: str = "primary"


def phone_problem(text: str) -> str | None:
    """Why ``text`` is not a US telephone number, or None. The North American Numbering Plan's
    NXX-NXX-XXXX: ten digits (a leading 1 allowed), or the seven of a local number whose area
    code is not known (kept: other systems' exports have them), the area code and the
    exchange starting 2-9 (NANPA, "About the North American Numbering Plan"); an extension may
    follow ("x12"). CMS-1500 boxes 5 and 7 print the area code and the number apart, so a
    number without its area code is left off the form."""
    number = EXTENSION.sub("", text)
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if set(number) - set("0123456789 ()-.+") or len(digits) not in (7, 10):
        return "is not a US phone number (ten digits, e.g. 217-555-0100)"
    if digits[0] in "01" or (len(digits) == 10 and digits[3] in "01"):
        return "is not a US phone number: an area code and an exchange never start with 0 or 1"
    return None


def _opt(row: Mapping[str, str | None], key: str) -> str | None:
    value = row.get(key)
    return value.strip() or None if value is not None else None


# Longest value each text column holds (the models' String lengths), checked here so a long
# value is a message naming the field rather than a database error on PostgreSQL.
MAX_LENGTHS = {
    "chart_number": 40,
    "first_name": 100,
    "last_name": 100,
    "address": 400,
    "city": 100,
    "phone": 30,
    "email": 200,
    "member_id": 40,
    "group_number": 40,
}


def read_client(
    row: Mapping[str, str | None], *, today: dt.date | None = None
) -> tuple[ClientInput | None, list[InvalidInput]]:
    """Check every field of one client; the client when all are good, else every problem
    (a form shows each beside its field; an import reports the first)."""
    problems: list[InvalidInput] = []

    def bad(field: str, message: str) -> None:
        problems.append(InvalidInput(message, field=field))

    for name, longest in MAX_LENGTHS.items():
        value = _opt(row, name)
        if value and len(value) > longest:
            bad(name, f"is longer than {longest} characters")
    first = _opt(row, "first_name")
    last = _opt(row, "last_name")
    if not first:
        bad("first_name", "is required")
    if not last:
        bad("last_name", "is required")
    born: dt.date | None = None
    born_text = _opt(row, "birth_date")
    if not born_text:
        bad("birth_date", "is required")
    else:
        try:
            born = lookup.date(born_text, "birth_date")
        except InvalidInput as exc:
            problems.append(exc)
        else:
            if born > (today or dt.date.today()) or born.year < 1900:
                bad("birth_date", f"{born_text} is not a plausible birth date")
                born = None
    sex = (_opt(row, "sex") or "U").upper()[:1]
    if sex not in ("F", "M", "U"):
        bad("sex", "must be F, M or U")
    state = _opt(row, "state")
    if state:
        try:
            state = check_state(state)
        except InvalidInput as exc:
            problems.append(exc)
    postal = _opt(row, "postal_code")
    if postal and not re.fullmatch(r"\d{5}(-?\d{4})?", postal):
        bad("postal_code", f"{postal!r} is not a ZIP code")
    phone = _opt(row, "phone")
    if phone and len(phone) <= MAX_LENGTHS["phone"] and (why := phone_problem(phone)):
        bad("phone", why)
    email = _opt(row, "email")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        bad("email", "is not an email address")
    payer, member = _opt(row, "payer"), _opt(row, "member_id")
    if bool(payer) != bool(member):
        bad("member_id" if payer else "payer", "payer and member_id go together")
    priority = (_opt(row, "priority") or "primary").lower()
    if priority not in PRIORITIES:
        bad("priority", f"must be one of {', '.join(PRIORITIES)}")
    if problems or not first or not last or born is None:
        return None, problems
    client = ClientInput(
        first_name=first,
        last_name=last,
        birth_date=born,
        sex=sex,
        chart_number=_opt(row, "chart_number"),
        address=_opt(row, "address"),
        city=_opt(row, "city"),
        state=state.upper() if state else None,
        postal_code=postal,
        phone=_opt(row, "phone"),
        email=email,
        payer=payer,
        member_id=member,
        group_number=_opt(row, "group_number"),
        priority=priority,
    )
    return client, []


def client_input(row: Mapping[str, str | None], *, today: dt.date | None = None) -> ClientInput:
    """Check one client (a CSV row or the CLI's options); raise naming the first bad field."""
    client, problems = read_client(row, today=today)
    if problems:
        raise problems[0]
    assert client is not None
    return client


def _chart_number_free(
    work: UnitOfWork, chart_number: str | None, *, but: int | None = None
) -> None:
    if not chart_number:
        return
    query = select(Client.id).where(Client.chart_number == chart_number)
    if but is not None:
        query = query.where(Client.id != but)
    if work.db.execute(query).first():
        raise InvalidInput(f"chart number {chart_number!r} is taken", field="chart_number")


def add_client(*, work: UnitOfWork, data: ClientInput) -> Client:
    _chart_number_free(work, data.chart_number)
    client = Client(**{name: getattr(data, name) for name in CLIENT_COLUMNS})
    work.db.add(client)
    work.db.flush()
    work.audit("create", "client", client.id)
    if data.payer and data.member_id:
        add_policy(
            work=work,
            client_id=client.id,
            payer=data.payer,
            member_id=data.member_id,
            group_number=data.group_number,
            priority=data.priority,
        )
    return client


def update_client(*, work: UnitOfWork, client_id: int, data: ClientInput) -> Client:
    """Replace the client's own details (name, birth date, sex, address, phone, chart number)
    with ``data``; policies are not touched here (``add_policy``). The audit entry names the
    fields that changed, never their values."""
    client = work.db.get(Client, client_id)
    if client is None:
        raise InvalidInput(f"no client {client_id}", field="client")
    _chart_number_free(work, data.chart_number, but=client_id)
    changed = [name for name in CLIENT_COLUMNS if getattr(client, name) != getattr(data, name)]
    for name in changed:
        setattr(client, name, getattr(data, name))
    work.db.flush()
    work.audit("change", "client", client_id, ",".join(changed) or "nothing changed")
    return client


# The fields of a policy a biller sets, as ``add_policy``/``edit_policy`` name them.
POLICY_FIELDS = (
    "member_id",
    "priority",
    "group_number",
    "relationship",
    "subscriber_first_name",
    "subscriber_last_name",
    "subscriber_birth_date",
    "subscriber_sex",
    "subscriber_address",
    "subscriber_city",
    "subscriber_state",
    "subscriber_postal_code",
    "start_date",
    "end_date",
    "medicare_secondary_type",
)
# 837P SBR05 (X12 element 1336) when Medicare pays after another payer (005010X222A1 2000B):
# 12 working aged, 13 ESRD, 14 no-fault, 15 workers' comp, 16 federal agency, 41 black lung,
# 42 VA, 43 disabled, 47 other liability.
MEDICARE_SECONDARY_TYPES = ("12", "13", "14", "15", "16", "41", "42", "43", "47")


def _check_policy(values: Mapping[str, Any]) -> None:
    """What a policy must hold, whether added or changed; raise naming the field."""
    if values["priority"] not in PRIORITIES:
        raise InvalidInput(f"must be one of {', '.join(PRIORITIES)}", field="priority")
    if values["relationship"] not in RELATIONSHIPS:
        raise InvalidInput(f"must be one of {', '.join(RELATIONSHIPS)}", field="relationship")
    if values["relationship"] != "self" and not (
        values["subscriber_first_name"] and values["subscriber_last_name"]
    ):
        raise InvalidInput("name the subscriber when the client is not", field="subscriber")
    if not (values["member_id"] or "").strip():
        raise InvalidInput("is required", field="member_id")
    for name, longest in (
        ("member_id", 40),
        ("group_number", 40),
        ("subscriber_first_name", 100),
        ("subscriber_last_name", 100),
        ("subscriber_address", 200),
        ("subscriber_city", 100),
    ):
        value = values[name]
        if value and len(value.strip()) > longest:
            raise InvalidInput(f"is longer than {longest} characters", field=name)
    if values["subscriber_sex"] is not None and values["subscriber_sex"] not in SEXES:
        raise InvalidInput("must be F, M or U", field="subscriber_sex")
    if values["subscriber_state"]:
        check_state(values["subscriber_state"], "subscriber_state")
    if values["subscriber_postal_code"] and not ZIP.fullmatch(values["subscriber_postal_code"]):
        raise InvalidInput(
            "must be a US ZIP code (12345 or 12345-6789)", field="subscriber_postal_code"
        )
    msp = values.get("medicare_secondary_type")
    if msp and msp not in MEDICARE_SECONDARY_TYPES:
        raise InvalidInput(
            f"must be one of {', '.join(MEDICARE_SECONDARY_TYPES)} (why Medicare pays second)",
            field="medicare_secondary_type",
        )
    start, end = values["start_date"], values["end_date"]
    if start and end and end < start:
        raise InvalidInput("is before the start of coverage", field="end_date")


def add_policy(
    *,
    work: UnitOfWork,
    client_id: int,
    payer: str,
    member_id: str,
    priority: str = "primary",
    group_number: str | None = None,
    relationship: str = "self",
    subscriber_first_name: str | None = None,
    subscriber_last_name: str | None = None,
    subscriber_birth_date: dt.date | None = None,
    subscriber_sex: str | None = None,
    subscriber_address: str | None = None,
    subscriber_city: str | None = None,
    subscriber_state: str | None = None,
    subscriber_postal_code: str | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Policy:
    """Add a policy. When the client is not the subscriber (a child on a parent's policy),
    the subscriber's name is required; their birth date, sex and address are kept when given
    (CMS-1500 boxes 7 and 11a) but a claim does not need them (837P 2010BA sends N3/N4/DMG
    only when the patient is the subscriber)."""
    values = {
        "member_id": member_id,
        "priority": priority,
        "group_number": group_number,
        "relationship": relationship,
        "subscriber_first_name": subscriber_first_name,
        "subscriber_last_name": subscriber_last_name,
        "subscriber_birth_date": subscriber_birth_date,
        "subscriber_sex": subscriber_sex,
        "subscriber_address": subscriber_address,
        "subscriber_city": subscriber_city,
        "subscriber_state": subscriber_state,
        "subscriber_postal_code": subscriber_postal_code,
        "start_date": start_date,
        "end_date": end_date,
    }
    _check_policy(values)
    if work.db.get(Client, client_id) is None:  # the work's practice's client, not an id alone
        raise InvalidInput(f"no client {client_id}", field="client")
    policy = Policy(
        client_id=client_id,
        payer_id=lookup.payer(work, payer).id,
        member_id=member_id.strip(),
        group_number=group_number,
        priority=priority,
        relationship_to_subscriber=relationship,
        subscriber_first_name=subscriber_first_name,
        subscriber_last_name=subscriber_last_name,
        subscriber_birth_date=subscriber_birth_date,
        subscriber_sex=subscriber_sex,
        subscriber_address=subscriber_address,
        subscriber_city=subscriber_city,
        subscriber_state=subscriber_state.strip().upper() if subscriber_state else None,
        subscriber_postal_code=subscriber_postal_code,
        start_date=start_date,
        end_date=end_date,
    )
    work.db.add(policy)
    work.db.flush()
    work.audit("create", "policy", policy.id, f"client {client_id}")
    return policy


def policy_row(work: UnitOfWork, policy_id: int) -> Policy:
    found = work.db.get(Policy, policy_id)
    if found is None:
        raise InvalidInput(f"no policy {policy_id}", field="policy")
    return found


def _policy_values(policy: Policy) -> dict[str, Any]:
    return {
        "member_id": policy.member_id,
        "priority": policy.priority,
        "group_number": policy.group_number,
        "relationship": policy.relationship_to_subscriber,
        "subscriber_first_name": policy.subscriber_first_name,
        "subscriber_last_name": policy.subscriber_last_name,
        "subscriber_birth_date": policy.subscriber_birth_date,
        "subscriber_sex": policy.subscriber_sex,
        "subscriber_address": policy.subscriber_address,
        "subscriber_city": policy.subscriber_city,
        "subscriber_state": policy.subscriber_state,
        "subscriber_postal_code": policy.subscriber_postal_code,
        "start_date": policy.start_date,
        "end_date": policy.end_date,
        "medicare_secondary_type": policy.medicare_secondary_type,
    }


def edit_policy(*, work: UnitOfWork, policy_id: int, changes: Mapping[str, Any]) -> Policy:
    """Change the fields named in ``changes`` (keys from ``POLICY_FIELDS``; ``None`` or
    ``""`` clears an optional one), checked as a whole as when added. The payer is not
    changed here: a new payer is a new policy (end this one). The audit entry names the
    fields that changed, never their values."""
    unknown = sorted(set(changes) - set(POLICY_FIELDS))
    if unknown:
        raise InvalidInput(
            f"cannot be changed; change {', '.join(POLICY_FIELDS)}", field=unknown[0]
        )
    policy = policy_row(work, policy_id)
    now = _policy_values(policy)
    new = {
        **now,
        **{k: (v.strip() or None) if isinstance(v, str) else v for k, v in changes.items()},
    }
    if new["priority"] is None:
        new["priority"] = "primary"
    if new["relationship"] is None:
        new["relationship"] = "self"
    for name in ("subscriber_sex", "subscriber_state"):
        if new[name]:
            new[name] = new[name].upper()
    _check_policy(new)
    changed = [name for name in POLICY_FIELDS if new[name] != now[name]]
    for name in changed:
        setattr(policy, "relationship_to_subscriber" if name == "relationship" else name, new[name])
    work.db.flush()
    work.audit("change", "policy", policy.id, ",".join(changed) or "nothing changed")
    return policy


def end_policy(*, work: UnitOfWork, policy_id: int, on: dt.date) -> Policy:
    """End the coverage on ``on`` (its last day): sessions after it are no longer billed to
    this payer. A later end is a change of dates (``edit_policy``)."""
    policy = policy_row(work, policy_id)
    if policy.start_date and on < policy.start_date:
        raise InvalidInput(f"is before the coverage starts ({policy.start_date})", field="on")
    if policy.end_date and on > policy.end_date:
        raise InvalidInput(
            f"is after coverage already ends ({policy.end_date}); change the dates instead",
            field="on",
        )
    policy.end_date = on
    work.db.flush()
    work.audit("end", "policy", policy.id, on.isoformat())
    return policy


def policy_dict(policy: Policy) -> dict[str, Any]:
    """A policy as the CLI's JSON, the API and the pages show it (subscriber included)."""
    return {
        "id": policy.id,
        "client_id": policy.client_id,
        "payer_id": policy.payer_id,
        "payer": policy.payer.name,
        "member_id": policy.member_id,
        "group_number": policy.group_number,
        "priority": policy.priority,
        "relationship": policy.relationship_to_subscriber,
        "subscriber": {
            "first_name": policy.subscriber_first_name,
            "last_name": policy.subscriber_last_name,
            "birth_date": _iso(policy.subscriber_birth_date),
            "sex": policy.subscriber_sex,
            "address": policy.subscriber_address,
            "city": policy.subscriber_city,
            "state": policy.subscriber_state,
            "postal_code": policy.subscriber_postal_code,
        },
        "start_date": _iso(policy.start_date),
        "end_date": _iso(policy.end_date),
        "medicare_secondary_type": policy.medicare_secondary_type,
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def escape_like(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern: a typed ``%`` or ``_`` is a
    character, not a wildcard (the pattern's escape character is a backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clients(
    work: UnitOfWork, account: Account | None, text: str, *, limit: int = 50
) -> list[Client]:
    """Clients by name, each typed word (up to three) found in the last or first name or the
    chart number; only those ``account`` may see (``None``: the practice's own command line,
    which sees every client). The pages, the API and ``therabill client list`` all use it."""
    query = select(Client).order_by(Client.last_name, Client.first_name, Client.id).limit(limit)
    if account is not None and not account.sees_all_clients:
        query = query.where(own_client_clause(account))
    for word in text.strip().split()[:3]:
        like = f"%{escape_like(word.lower())}%"
        query = query.where(
            func.lower(Client.last_name).like(like, escape="\\")
            | func.lower(Client.first_name).like(like, escape="\\")
            | func.lower(func.coalesce(Client.chart_number, "")).like(like, escape="\\")
        )
    found = list(work.db.execute(query).scalars())
    work.audit("search", "client", f"results={len(found)}")
    return found


def list_clients(*, work: UnitOfWork, search: str | None = None, limit: int = 200) -> list[Client]:
    """Every client, or those matching ``search`` (see :func:`search_clients`)."""
    return search_clients(work, None, search or "", limit=limit)


def show_client(*, work: UnitOfWork, client: str | int) -> Client:
    found = lookup.client(work, client)
    work.audit("read", "client", found.id)
    return found


def primary_policy(client: Client, day: dt.date) -> Policy | None:
    """The client's policy that pays first on ``day`` (primary before secondary)."""
    active = [p for p in client.policies if p.covers(day)]
    active.sort(key=lambda p: PRIORITIES.index(p.priority))
    return active[0] if active else None


def client_dict(client: Client, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": client.id,
        "chart_number": client.chart_number,
        "name": client.display_name,
        "birth_date": client.birth_date.isoformat(),
    }
    if full:
        out.update(
            sex=client.sex,
            address=client.address,
            city=client.city,
            state=client.state,
            postal_code=client.postal_code,
            phone=client.phone,
            email=client.email,
            policies=[
                {
                    "id": p.id,
                    "payer": p.payer.name,
                    "member_id": p.member_id,
                    "group_number": p.group_number,
                    "priority": p.priority,
                    "relationship": p.relationship_to_subscriber,
                    "start_date": p.start_date.isoformat() if p.start_date else None,
                    "end_date": p.end_date.isoformat() if p.end_date else None,
                }
                for p in client.policies
            ],
        )
    return out
