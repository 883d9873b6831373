"""Service locations (schools, satellite offices) and the practice's pay-to address: where a
session took place and where payers send payments, when either is not the practice's own
address (837P loops 2310C and 2010AB; CMS-1500 box 32)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.identifiers.us_state import check_state
from therabill.store.models import Practice, ServiceLocation
from therabill.store.services import lookup
from therabill.store.services.context import UnitOfWork, require_text

ZIP = re.compile(r"[0-9]{5}(-?[0-9]{4})?")


def checked_address(
    line1: str, city: str, state: str, postal_code: str, field: str
) -> tuple[str, str, str, str]:
    """Street, city, state and ZIP as an 837P N3/N4 takes them, or the field at fault."""
    street = require_text(line1, f"{field}.address")
    town = require_text(city, f"{field}.city")
    if len(street) > 55:
        raise InvalidInput("at most 55 characters (837P N301)", field=f"{field}.address")
    if not 2 <= len(town) <= 30:
        raise InvalidInput("2 to 30 characters (837P N401)", field=f"{field}.city")
    code = check_state(state, f"{field}.state")
    if not ZIP.fullmatch(postal_code.strip()):
        raise InvalidInput(
            f"{postal_code!r} is not a ZIP code (12345 or 12345-6789)", field=f"{field}.zip"
        )
    return street, town, code, postal_code.strip()


def add_location(
    *,
    work: UnitOfWork,
    name: str,
    address: str,
    city: str,
    state: str,
    postal_code: str,
    npi: str | None = None,
) -> ServiceLocation:
    """A new place where sessions take place; its name is how sessions pick it."""
    title = require_text(name, "name")
    if len(title) > 60:
        raise InvalidInput("at most 60 characters (837P 2310C NM103)", field="name")
    if work.db.execute(select(ServiceLocation.id).where(ServiceLocation.name == title)).first():
        raise InvalidInput(f"a location named {title!r} already exists", field="name")
    street, town, st, zip_code = checked_address(address, city, state, postal_code, "location")
    location = ServiceLocation(
        name=title,
        npi=lookup.npi(npi, "npi") if npi and npi.strip() else None,
        address=street,
        city=town,
        state=st,
        postal_code=zip_code,
    )
    work.db.add(location)
    work.db.flush()
    work.audit("create", "service_location", location.id)
    return location


def list_locations(*, work: UnitOfWork, include_inactive: bool = False) -> list[ServiceLocation]:
    query = select(ServiceLocation).order_by(ServiceLocation.name)
    if not include_inactive:
        query = query.where(ServiceLocation.active)
    return list(work.db.execute(query).scalars())


def set_active(*, work: UnitOfWork, location_id: int, active: bool) -> ServiceLocation:
    """Retire a location (sessions already there keep it) or bring it back."""
    location = work.db.get(ServiceLocation, location_id)
    if location is None:
        raise InvalidInput(f"no service location {location_id}", field="location")
    location.active = active
    work.audit("update", "service_location", location.id)
    return location


def find_location(work: UnitOfWork, text: str) -> ServiceLocation:
    """An active location by its id or its exact name (as a session names it)."""
    clean = text.strip()
    query = select(ServiceLocation).where(ServiceLocation.active)
    if clean.isascii() and clean.isdigit():
        query = query.where(ServiceLocation.id == int(clean))
    else:
        query = query.where(ServiceLocation.name == clean)
    location = work.db.execute(query).scalar_one_or_none()
    if location is None:
        known = ", ".join(loc.name for loc in list_locations(work=work)) or "none yet"
        raise InvalidInput(
            f"no active service location {clean!r} (known: {known}); add one with: "
            "therabill location add",
            field="location",
        )
    return location


def location_dict(location: ServiceLocation) -> dict[str, Any]:
    return {
        "id": location.id,
        "name": location.name,
        "npi": location.npi,
        "address": location.address,
        "city": location.city,
        "state": location.state,
        "postal_code": location.postal_code,
        "active": location.active,
    }


def set_pay_to(
    *, work: UnitOfWork, address: str, city: str, state: str, postal_code: str
) -> Practice:
    """The practice's pay-to address (all four empty: payments go to the billing address).
    A post office or lock box is fine here, unlike the billing address."""
    from therabill.store.services.practice import practice_row

    practice = practice_row(work)
    if not any(part.strip() for part in (address, city, state, postal_code)):
        practice.pay_to_address = practice.pay_to_city = None
        practice.pay_to_state = practice.pay_to_postal_code = None
    else:
        (
            practice.pay_to_address,
            practice.pay_to_city,
            practice.pay_to_state,
            practice.pay_to_postal_code,
        ) = checked_address(address, city, state, postal_code, "pay_to")
    work.audit("update", "practice", practice.id)
    return practice
