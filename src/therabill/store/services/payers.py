"""Payers the practice bills, each tied to a payer profile (the payer's rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from therabill.errors import InvalidInput, NotFound
from therabill.store.models import Payer
from therabill.store.services import profiles
from therabill.store.services.context import UnitOfWork
from therabill.store.services.locations import checked_address


@dataclass(frozen=True, slots=True)
class MailingAddress:
    """Where the payer takes paper claims: the CMS-1500's carrier block (NUCC 1500 Reference
    Instruction Manual 02/12, "Carrier Block": 1st line the name, 2nd the first address line,
    3rd the second if needed, 4th city, state and ZIP). All empty clears it."""

    address: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


def add_payer(
    *, work: UnitOfWork, profile: str, name: str | None = None, payer_id: str | None = None,
    mailing: MailingAddress | None = None,
) -> Payer:  # fmt: skip
    """Add a payer from a profile; ``name`` defaults to the profile's name."""
    found = profiles.require_profile(profile)
    display = (name or found.name).strip()
    if work.db.execute(select(Payer.id).where(func.lower(Payer.name) == display.lower())).first():
        raise InvalidInput(f"a payer named {display!r} already exists", field="name")
    if not display or len(display) > 200:
        raise InvalidInput("give a name of 1-200 characters", field="name")
    payer = Payer(name=display, profile_id=found.id, payer_id=_payer_id(payer_id))
    if mailing is not None:
        _set_mailing(payer, mailing)
    work.db.add(payer)
    work.db.flush()
    work.audit("create", "payer", payer.id)
    return payer


def edit_payer(
    *, work: UnitOfWork, payer: int, name: str | None = None, payer_id: str | None = None,
    mailing: MailingAddress | None = None,
) -> Payer:  # fmt: skip
    """Rename a payer, set its electronic payer id (``""`` clears it) or its mailing address
    for paper claims. The profile stays: a payer on another profile is a new payer, so claims
    already built keep their rules."""
    found = work.db.get(Payer, payer)
    if found is None:
        raise InvalidInput(f"no payer {payer}", field="payer")
    changed = []
    if name is not None:
        display = name.strip()
        if not display:
            raise InvalidInput("is required", field="name")
        if len(display) > 200:
            raise InvalidInput("is longer than 200 characters", field="name")
        if work.db.execute(
            select(Payer.id).where(func.lower(Payer.name) == display.lower(), Payer.id != payer)
        ).first():
            raise InvalidInput(f"a payer named {display!r} already exists", field="name")
        if display != found.name:
            found.name = display
            changed.append("name")
    if payer_id is not None:
        clean = _payer_id(payer_id)
        if clean != found.payer_id:
            found.payer_id = clean
            changed.append("payer_id")
    if mailing is not None and _set_mailing(found, mailing):
        changed.append("address")
    work.db.flush()
    work.audit("change", "payer", found.id, ",".join(changed) or "nothing changed")
    return found


def _set_mailing(payer: Payer, mailing: MailingAddress) -> bool:
    """Store the checked address on ``payer``; True when it changed."""
    before = mailing_lines(payer)
    parts = (mailing.address, mailing.address2, mailing.city, mailing.state, mailing.postal_code)
    if not any(part.strip() for part in parts):
        payer.address = payer.address2 = payer.city = payer.state = payer.postal_code = None
    else:
        street, town, state, postal = checked_address(
            mailing.address, mailing.city, mailing.state, mailing.postal_code, "payer"
        )
        second = mailing.address2.strip()
        if len(second) > 55:
            raise InvalidInput("at most 55 characters (837P N302)", field="payer.address2")
        payer.address, payer.address2 = street, second or None
        payer.city, payer.state, payer.postal_code = town, state, postal
    return mailing_lines(payer) != before


def mailing_lines(payer: Payer) -> tuple[str, ...]:
    """The carrier block's lines under the name: address, second line if any, then
    "CITY, ST ZIP" (NUCC 1500 manual, "Carrier Block"); empty without an address."""
    if not payer.address:
        return ()
    place = f"{payer.city}, {payer.state} {payer.postal_code}"
    return tuple(line for line in (payer.address, payer.address2, place) if line)


def _payer_id(text: str | None) -> str | None:
    """The payer's EDI id as the 837P carries it (2010BB NM109: 2-80 characters)."""
    clean = (text or "").strip()
    if not clean:
        return None
    if not re.fullmatch(r"[A-Za-z0-9-]{2,20}", clean):
        raise InvalidInput(f"{clean!r} is not an electronic payer id", field="payer_id")
    return clean


def known_payer(work: UnitOfWork, payer: int) -> Payer:
    """The payer a route names by id: 404 (``NotFound``) when there is none."""
    found = work.db.get(Payer, payer)
    if found is None:
        raise NotFound()
    return found


def list_payers(*, work: UnitOfWork) -> list[Payer]:
    return list(work.db.execute(select(Payer).order_by(Payer.name)).scalars())


def payer_dict(payer: Payer) -> dict[str, Any]:
    profile = profiles.payer_profiles().get(payer.profile_id)
    return {
        "id": payer.id,
        "name": payer.name,
        "profile": payer.profile_id,
        "payer_id": payer.payer_id,
        "mailing_address": list(mailing_lines(payer)),
        "unit_rule": str(profile.unit_rule) if profile else None,
    }
