"""Payers the practice bills, each tied to a payer profile (the payer's rules)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from therabill.errors import InvalidInput, NotFound
from therabill.store.models import Payer
from therabill.store.services import profiles
from therabill.store.services.context import UnitOfWork


def add_payer(
    *, work: UnitOfWork, profile: str, name: str | None = None, payer_id: str | None = None
) -> Payer:
    """Add a payer from a profile; ``name`` defaults to the profile's name."""
    found = profiles.require_profile(profile)
    display = (name or found.name).strip()
    if work.db.execute(select(Payer.id).where(func.lower(Payer.name) == display.lower())).first():
        raise InvalidInput(f"a payer named {display!r} already exists", field="name")
    if not display or len(display) > 200:
        raise InvalidInput("give a name of 1-200 characters", field="name")
    payer = Payer(name=display, profile_id=found.id, payer_id=_payer_id(payer_id))
    work.db.add(payer)
    work.db.flush()
    work.audit("create", "payer", payer.id)
    return payer


def edit_payer(
    *, work: UnitOfWork, payer: int, name: str | None = None, payer_id: str | None = None
) -> Payer:
    """Rename a payer or set its electronic payer id (``""`` clears it). The profile stays:
    a payer on another profile is a new payer, so claims already built keep their rules."""
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
    work.db.flush()
    work.audit("change", "payer", found.id, ",".join(changed) or "nothing changed")
    return found


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
        "unit_rule": str(profile.unit_rule) if profile else None,
    }
