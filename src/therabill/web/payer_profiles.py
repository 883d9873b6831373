"""Editing a payer profile from the web: the practice's own copy of the TOML file.

A saved profile is validated by the payer-profile loader first (the same checks as any
profile file), then written to the practice's payers directory (``<data dir>/payers``),
where it overrides the shipped one with the same id. Nothing else changes.
"""

from __future__ import annotations

import os
from pathlib import Path

from therabill.errors import InvalidInput
from therabill.payers import PayerProfile
from therabill.payers.loader import default_payers_dir, parse_payer_profile
from therabill.store.services import profiles
from therabill.web import preview


def profile_text(profile: PayerProfile) -> str:
    """The TOML the profile was read from (shipped or the practice's own)."""
    if profile.path:
        path = Path(profile.path)
        if path.is_file():
            return path.read_text("utf-8")
    from importlib import resources

    shipped = resources.files("therabill.payers").joinpath("data")
    for item in shipped.iterdir():
        if item.name.endswith(".toml"):
            text = item.read_text("utf-8")
            if parse_payer_profile(text, item.name).id == profile.id:
                return text
    raise InvalidInput(f"the file of payer profile {profile.id} cannot be found", field="profile")


def save_profile(profile_id: str, text: str) -> PayerProfile:
    """Validate ``text`` and store it as the practice's copy of ``profile_id``."""
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
    profiles._load.cache_clear()  # the store caches profiles per data directory
    preview.forget_scrub_context()
    return parsed
