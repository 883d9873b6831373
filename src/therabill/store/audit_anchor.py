"""The audit log's head, written outside the database after every commit.

A keyed chain (:mod:`therabill.store.audit_key`) cannot be re-hashed without the key, but
entries cut from its end leave a shorter chain that still checks out. So after each commit
that adds entries, the new head (sequence number and hash) is appended as one line to
``audit-anchor.log`` in the data directory (``THERABILL_AUDIT_ANCHOR`` moves it, e.g. to a
file shipped to a log server); ``therabill audit verify`` compares every line with the chain.

Lines name the database they belong to by a digest of its URL (never the URL or a password),
so one data directory can hold several databases' heads. ``therabill restore`` writes a
``restored`` line: the restored database legitimately ends where its backup did, and lines
for later entries, made before the restore, no longer apply.

Each line is written with one ``write`` on a file opened for appending, which POSIX keeps
whole when several processes append at once (https://pubs.opengroup.org/onlinepubs/9699919799/functions/write.html).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from therabill.config import data_dir_path

ANCHOR_ENV = "THERABILL_AUDIT_ANCHOR"
ANCHOR_FILE = "audit-anchor.log"
RESTORED = "restored"

log = logging.getLogger(__name__)


def anchor_path() -> Path:
    override = os.environ.get(ANCHOR_ENV, "").strip()
    return Path(override) if override else data_dir_path() / ANCHOR_FILE


def database_id(url: URL, practice_id: int | None = None) -> str:
    """A stable name for one practice's chain in one database: a digest of its URL without the
    password, and of the practice unless it is practice 1 (every database made before
    practices had that one only, so its lines written then still count)."""
    plain = url.set(password=None).render_as_string(hide_password=False)
    if practice_id not in (None, 1):
        plain += f"#practice={practice_id}"
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str
    practice_id: int | None = None  # whose chain (each practice has one)


HEADS = (
    "SELECT a.practice_id, a.seq, a.hash FROM audit_log a WHERE a.seq = "
    "(SELECT max(b.seq) FROM audit_log b WHERE b.practice_id = a.practice_id)"
)
"""Each practice's newest audit entry (its chain's head)."""


def record(url: URL, head: Head, *, restored: bool = False) -> None:
    """Append ``head`` for the database at ``url``. Called after the commit: a failure to
    write is logged, not raised (the user's change is already saved)."""
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    mark = f" {RESTORED}" if restored else ""
    line = f"{database_id(url, head.practice_id)} {head.seq} {head.hash} {at}{mark}\n".encode(
        "ascii"
    )
    path = anchor_path()
    try:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except FileNotFoundError:  # its folder first (once, not at every commit)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        log.error("could not write the audit anchor to %s: %s", path, exc.strerror)


def heads(url: URL, practice_id: int | None = None) -> dict[int, str]:
    """Every anchored head of the database at ``url`` that still applies: sequence → hash.
    A ``restored`` line drops the heads after its own made before it."""
    path = anchor_path()
    found: dict[int, str] = {}
    if not path.exists():
        return found
    me = database_id(url, practice_id)
    with path.open("r", encoding="ascii", errors="replace") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 3 or parts[0] != me or not parts[1].isdigit():
                continue
            seq = int(parts[1])
            if len(parts) > 4 and parts[4] == RESTORED:
                found = {s: h for s, h in found.items() if s < seq}
            found[seq] = parts[2]
    return found
