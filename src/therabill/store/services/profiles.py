"""Payer profiles (each insurer's rules) as the store needs them: the unit rule and fees."""

from __future__ import annotations

import os
from functools import lru_cache

from therabill.config import data_dir_path
from therabill.errors import InvalidInput
from therabill.payers import PayerProfile, load_payer_profiles
from therabill.units import UnitRule

Stamp = tuple[str, tuple[tuple[str, int, int], ...]]


def profiles_stamp() -> Stamp:
    """The practice's profile files as they are now: folder, and each file's name, change
    time and size. A profile saved by another worker process (``therabill serve`` runs
    several) changes it, so every process sees the new profile on its next request."""
    folder = data_dir_path() / "payers"
    try:
        with os.scandir(folder) as entries:
            files = sorted(
                (e.name, e.stat().st_mtime_ns, e.stat().st_size)
                for e in entries
                if e.name.endswith(".toml")
            )
    except (FileNotFoundError, NotADirectoryError):
        files = []
    return str(folder), tuple(files)


def payer_profiles() -> dict[str, PayerProfile]:
    """Shipped profiles plus the practice's own (``<data dir>/payers``), keyed by id; read
    again whenever :func:`profiles_stamp` changes."""
    return _load(profiles_stamp())


@lru_cache(maxsize=4)
def _load(_stamp: Stamp) -> dict[str, PayerProfile]:
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
