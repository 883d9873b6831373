"""Payer profiles (each insurer's rules) as the store needs them: the unit rule and the fee."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from therabill.config import data_dir
from therabill.errors import InvalidInput
from therabill.units import UnitRule


def payer_profiles() -> dict[str, Any]:
    """Shipped profiles plus the practice's own (``<data dir>/payers``), keyed by id."""
    return _load(str(data_dir()))


@cache
def _load(_data_dir: str) -> dict[str, Any]:
    try:
        module = importlib.import_module("therabill.payers")
    except ModuleNotFoundError:
        return {}
    loaded: dict[str, Any] = module.load_payer_profiles(None)
    return loaded


def require_profile(profile_id: str) -> Any:
    profiles = payer_profiles()
    key = profile_id.strip()
    for candidate in (key, key.upper(), key.lower()):
        if candidate in profiles:
            return profiles[candidate]
    known = ", ".join(sorted(profiles)) or "none installed"
    raise InvalidInput(f"no payer profile {profile_id!r}; known: {known}", field="profile")


def unit_rule(profile_id: str) -> UnitRule:
    """The payer's unit rule; CMS's 8-minute rule when no profile says otherwise."""
    profile = payer_profiles().get(profile_id)
    rule = getattr(profile, "unit_rule", None)
    return UnitRule(str(rule)) if rule is not None else UnitRule.CMS
