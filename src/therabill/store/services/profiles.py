"""Payer profiles (each insurer's rules) as the store needs them: the unit rule and fees; and
the practice's own copy of a profile, edited on the Payers page.

A saved profile is validated by the payer-profile loader first (the same checks as any
profile file), then written to the practice's payers directory (``<data dir>/payers``),
where it overrides the shipped one with the same id. Nothing else changes.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from therabill.errors import InvalidInput
from therabill.payers import PayerProfile
from therabill.payers.loader import default_payers_dir, parse_payer_profile
from therabill.store.services import caches
from therabill.store.services.context import UnitOfWork
from therabill.units import UnitRule


def payer_profiles() -> dict[str, PayerProfile]:
    """Shipped profiles plus the practice's own (``<data dir>/payers``), keyed by id; kept
    while the profile files stay the same (``caches``: a profile saved by any process is
    used by every process on its next look-up)."""
    return caches.payer_profiles()


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


def profile_text(profile: PayerProfile) -> str:
    """The TOML the profile was read from (shipped or the practice's own)."""
    if profile.path:
        path = Path(profile.path)
        if path.is_file():
            return path.read_text("utf-8")
    shipped = resources.files("therabill.payers").joinpath("data")
    for item in shipped.iterdir():
        if item.name.endswith(".toml"):
            text = item.read_text("utf-8")
            if parse_payer_profile(text, item.name).id == profile.id:
                return text
    raise InvalidInput(f"the file of payer profile {profile.id} cannot be found", field="profile")


def save_profile(work: UnitOfWork, *, profile_id: str, text: str) -> PayerProfile:
    """Validate ``text`` and store it as the practice's copy of ``profile_id`` (audited).
    Every process sees it on its next look-up: the cached profiles follow the files."""
    parsed = parse_payer_profile(text, f"{profile_id}.toml")
    if parsed.id != profile_id:
        raise InvalidInput(f"the id must stay {profile_id!r}", field="id")
    folder = default_payers_dir()
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch for ch in profile_id.lower() if ch.isalnum() or ch in "-_") or "payer"
    target = folder / f"{safe}.toml"
    temporary = target.with_suffix(".part")
    temporary.write_text(text, encoding="utf-8")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    temporary.replace(target)
    work.audit("update", "payer_profile", profile_id)
    return parsed
