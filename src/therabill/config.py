"""Where therabill keeps the practice's own files.

``THERABILL_HOME`` overrides the per-user data directory (tests and multi-practice setups use
it); nothing here touches the network or the package's own data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The directory for the practice's database, imported descriptors and outbox (created
    when missing)."""
    path = data_dir_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir_path() -> Path:
    """Where :func:`data_dir` is, without creating it (for look-ups made on every request)."""
    override = os.environ.get("THERABILL_HOME")
    return Path(override) if override else Path(platformdirs.user_data_dir("therabill"))


def descriptor_file() -> Path:
    """A user's licensed CPT descriptor file, once imported with ``therabill codes import``."""
    return data_dir() / "descriptors.csv"
