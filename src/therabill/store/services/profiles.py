"""Payer profiles (each insurer's rules) as the store needs them: the unit rule and fees."""

from __future__ import annotations

import os
from functools import cache

from therabill.errors import InvalidInput
from therabill.payers import PayerProfile, load_payer_profiles
from therabill.units import UnitRule


def payer_profiles() -> dict[str, PayerProfile]:
    """Shipped profiles plus the practice's own (``<data dir>/payers``), keyed by id."""
    # Kept per data directory (tests switch it); read from the environment, not data_dir(),
    # which creates the directory: a file-system call on every live check otherwise.
    return _load(os.environ.get("THERABILL_HOME", ""))


@cache
def _load(_home: str) -> dict[str, PayerProfile]:
    return load_payer_profiles(None)


def require_profile(profile_id: str) -> PayerProfile:
    profiles = payer_profiles()
    key = profile_id.strip()
    for candidate in (key, key.upper(), key.lower()):
        if candidate in profiles:
            return profiles[candidate]
    known = ", ".join(sorted(profiles)) or "none installed"
    raise InvalidInput(f"no payer profile {profile_id!r}; known: {known}", field="profile")


def unit_rule(profile_id: str) -> UnitRule:
    """The payer's unit rule; CMS's 8-minute rule when the profile is missing."""
    profile = payer_profiles().get(profile_id)
    return profile.unit_rule if profile is not None else UnitRule.CMS
