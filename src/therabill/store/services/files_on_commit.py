"""Files that belong to a transaction: written under a temporary name, renamed into place
only when the transaction commits and removed when it rolls back, so a failed batch (an
837P submission, a statement run) leaves no file behind and a committed one leaves all."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session


def publish_on_commit(db: Session, pending: list[tuple[Path, Path]]) -> None:
    """Rename each ``(temporary, target)`` after ``db`` commits (then sync the directory, so
    the names survive a crash); remove the temporary files after a rollback."""

    def publish(_session: Session) -> None:
        for temporary, target in pending:
            temporary.replace(target)
        if pending:
            sync_directory(pending[0][1].parent)
        pending.clear()

    def discard(_session: Session) -> None:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)
        pending.clear()

    event.listen(db, "after_commit", publish, once=True)
    event.listen(db, "after_rollback", discard, once=True)


def sync_directory(path: Path) -> None:
    """fsync a directory so the renames in it are durable (best effort: not every file
    system allows it)."""
    with contextlib.suppress(OSError):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
