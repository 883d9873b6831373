"""Payer profiles: each insurer's rules as a TOML data file (docs/payer-profiles.md)."""

from therabill.payers.loader import (
    default_payers_dir,
    load_payer_profiles,
    parse_payer_profile,
    profiles_in_dir,
    shipped_profiles,
)
from therabill.payers.profile import ALL_CODES, PayerProfile

__all__ = [
    "ALL_CODES",
    "PayerProfile",
    "default_payers_dir",
    "load_payer_profiles",
    "parse_payer_profile",
    "profiles_in_dir",
    "shipped_profiles",
]
