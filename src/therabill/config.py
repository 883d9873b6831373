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


def practice_folder(practice_id: int | None) -> Path:
    """The folder of one practice's own files: its outbox (837P and 270 files), inbox (what
    the clearinghouse sent back) and statements. The installation's first practice keeps
    them in the data directory itself, where a single practice always had them; each
    practice added after has ``practices/<id>`` (created when missing), so one practice's
    claims are never sent, downloaded or fetched as another's."""
    root = data_dir()
    if practice_id is None or practice_id == FIRST_PRACTICE:
        return root
    path = root / "practices" / str(practice_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


FIRST_PRACTICE = 1  # the practice ``therabill init`` makes


def descriptor_file() -> Path:
    """A user's licensed CPT descriptor file, once imported with ``therabill codes import``."""
    return data_dir() / "descriptors.csv"
