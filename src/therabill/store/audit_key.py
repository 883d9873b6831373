"""The audit log's key: kept outside the database, so whoever can edit the database cannot
re-forge the chain.

Every audit entry's hash is an HMAC-SHA256 under this key (RFC 2104; Python's ``hmac``). The
key comes from ``THERABILL_AUDIT_KEY`` when it is set (at least 32 characters: several
servers sharing one PostgreSQL database need the same key), else from ``audit.key`` in the
data directory, created on first use with 32 random bytes (``secrets``) and mode 0600. Losing
the key loses the proof that the log is intact: back it up apart from the database backups.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from therabill.config import data_dir
from therabill.errors import TherabillError

KEY_ENV = "THERABILL_AUDIT_KEY"
KEY_FILE = "audit.key"
MIN_KEY_CHARS = 32


class AuditKeyError(TherabillError):
    """The configured audit key cannot be used."""


def key_path() -> Path:
    """Where the key file is (or will be): ``audit.key`` in the data directory."""
    return data_dir() / KEY_FILE


def key_source() -> str:
    """Where the key in use comes from, for messages (never the key itself)."""
    return f"${KEY_ENV}" if os.environ.get(KEY_ENV, "").strip() else str(key_path())


def _create(path: Path) -> None:
    """Write a new key file without a moment when it exists half-written or readable by
    others: a private temporary file, then a hard link that fails if another process won."""
    temp = path.with_name(f".{KEY_FILE}.{secrets.token_hex(6)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: use theirs
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def audit_key() -> bytes:
    """The key (bytes of its text): the environment's, else the key file's, created once."""
    text = os.environ.get(KEY_ENV, "").strip()
    if not text:
        path = key_path()
        if not path.exists():
            _create(path)
        text = path.read_text(encoding="utf-8").strip()
    if len(text) < MIN_KEY_CHARS:
        raise AuditKeyError(
            f"the audit key in {key_source()} is shorter than {MIN_KEY_CHARS} characters.",
            hint="Use the 64 hex characters of the key file therabill created.",
        )
    return text.encode("utf-8")


def fingerprint(key: bytes) -> str:
    """A short name for a key that reveals nothing of it (to tell two keys apart)."""
    return hmac.new(key, b"therabill audit key fingerprint", hashlib.sha256).hexdigest()[:12]
