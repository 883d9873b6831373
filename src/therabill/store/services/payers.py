"""Payers the practice bills, each tied to a payer profile (the payer's rules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from therabill.errors import InvalidInput
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
    payer = Payer(name=display, profile_id=found.id, payer_id=payer_id)
    work.db.add(payer)
    work.db.flush()
    work.audit("create", "payer", payer.id)
    return payer


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
