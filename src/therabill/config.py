"""Where therabill keeps the practice's own files.

``THERABILL_HOME`` overrides the per-user data directory (tests and multi-practice setups use
it); nothing here touches the network or the package's own data.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
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
    the clearinghouse sent back), statements and payer profiles and fee schedules. The
    installation's first practice keeps them in the data directory itself, where a single
    practice always had them; each practice added after has ``practices/<id>`` (created
    when missing), so one practice's claims are never sent, downloaded or fetched as
    another's, and one practice's payer settings never change another's."""
    path = practice_folder_path(practice_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def practice_folder_path(practice_id: int | None) -> Path:
    """Where :func:`practice_folder` is, without creating it (for look-ups on every
    request)."""
    root = data_dir_path()
    if practice_id is None or practice_id == FIRST_PRACTICE:
        return root
    return root / "practices" / str(practice_id)


FIRST_PRACTICE = 1  # the practice ``therabill init`` makes

PRACTICE_IN_SCOPE: ContextVar[int | None] = ContextVar("therabill_practice", default=None)
"""The practice this request, command or job works for (set by
``therabill.store.tenancy.practice_scope``; None: the installation's only one). Here, not in
the store, so the payer profile loader finds the practice's own folder without the store."""


def payers_folder() -> Path:
    """The practice in scope's own payer profiles and fee schedules (``payers`` in its
    folder; not created): a profile saved or a fee schedule imported by one practice's
    admin changes nothing for another practice."""
    return practice_folder_path(PRACTICE_IN_SCOPE.get()) / "payers"


def descriptor_file() -> Path:
    """A user's licensed CPT descriptor file, once imported with ``therabill codes import``."""
    return data_dir() / DESCRIPTORS


def descriptor_path() -> Path:
    """Where :func:`descriptor_file` is, without creating the data directory (for look-ups
    made on every request)."""
    return data_dir_path() / DESCRIPTORS


DESCRIPTORS = "descriptors.csv"
