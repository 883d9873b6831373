"""Find a record by what a user types: an id, a chart number, an NPI, a payer name."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from stdnum import luhn

from therabill.errors import InvalidInput
from therabill.store.models import Authorization, ClaimRecord, Client, Payer, Provider
from therabill.store.services.context import UnitOfWork


def client(work: UnitOfWork, ref: str | int) -> Client:
    """By id (``12``, ``#12``) or chart number."""
    text = str(ref).strip().lstrip("#")
    found = work.db.execute(select(Client).where(Client.chart_number == text)).scalar_one_or_none()
    if found is None and text.isdigit():
        found = work.db.get(Client, int(text))
    if found is None:
        raise InvalidInput(f"no client with id or chart number {text!r}", field="client")
    return found


def provider(work: UnitOfWork, ref: str | int) -> Provider:
    """By NPI or id."""
    text = str(ref).strip()
    found = work.db.execute(select(Provider).where(Provider.npi == text)).scalar_one_or_none()
    if found is None and text.isdigit() and len(text) < 10:
        found = work.db.get(Provider, int(text))
    if found is None:
        raise InvalidInput(f"no provider with NPI or id {text!r}", field="provider")
    return found


def payer(work: UnitOfWork, ref: str | int) -> Payer:
    """By id, name (any case) or payer profile id."""
    text = str(ref).strip()
    found = work.db.execute(
        select(Payer).where(func.lower(Payer.name) == text.lower())
    ).scalar_one_or_none()
    if found is None:
        found = work.db.execute(
            select(Payer).where(func.lower(Payer.profile_id) == text.lower()).limit(1)
        ).scalar_one_or_none()
    if found is None and text.isdigit():
        found = work.db.get(Payer, int(text))
    if found is None:
        raise InvalidInput(
            f"no payer named {text!r}; add it with: therabill payer add", field="payer"
        )
    return found


def claim(work: UnitOfWork, claim_id: int) -> ClaimRecord:
    found = work.db.get(ClaimRecord, claim_id)
    if found is None:
        raise InvalidInput(f"no claim {claim_id}", field="claim")
    return found


def authorization(work: UnitOfWork, auth_id: int) -> Authorization:
    found = work.db.get(Authorization, auth_id)
    if found is None:
        raise InvalidInput(f"no authorization {auth_id}", field="authorization")
    return found


def npi(value: str, field: str = "npi") -> str:
    """Ten digits whose Luhn check over the 80840 prefix holds (CMS NPI check digit,
    https://www.cms.gov/Regulations-and-Guidance/Administrative-Simplification/NationalProvIdentStand/Downloads/NPIcheckdigit.pdf)."""
    digits = value.strip()
    if not re.fullmatch(r"\d{10}", digits):
        raise InvalidInput(f"{value!r} is not ten digits", field=field)
    if not luhn.is_valid("80840" + digits):
        raise InvalidInput(f"{value!r} fails the NPI check digit", field=field)
    return digits


def date(value: str | dt.date, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


def time(value: str | dt.time | None, field: str) -> dt.time | None:
    if value is None or isinstance(value, dt.time):
        return value
    if not value.strip():
        return None
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a time (HH:MM)", field=field) from None
