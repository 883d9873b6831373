"""Files that belong to a transaction: written under a temporary name, renamed into place
only when the transaction commits and removed when it rolls back, so a failed batch (an
837P submission, a statement run) leaves no file behind and a committed one leaves all."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_PENDING = "therabill_files_on_commit"


def publish_on_commit(db: Session, pending: list[tuple[Path, Path]]) -> None:
    """Rename each ``(temporary, target)`` after ``db`` commits (then sync the directory, so
    the names survive a crash); remove the temporary files after a rollback.

    The files belong to the innermost transaction open now, savepoints included: they are
    removed when it or a transaction around it rolls back (one client's refused inquiry in a
    batch, or the whole batch), and renamed only when the outermost one commits. SQLAlchemy
    sends ``after_commit`` for a savepoint's release too, so a savepoint's files are not
    published when it is released: its transaction may still roll back."""
    own = db.get_nested_transaction() or db.get_transaction()
    if own is None:
        raise RuntimeError("publish_on_commit needs a transaction")
    chain: list[SessionTransaction] = []
    walk: SessionTransaction | None = own
    while walk is not None:
        chain.append(walk)
        walk = walk.parent
    groups: list[tuple[list[SessionTransaction], list[tuple[Path, Path]]]] | None = db.info.get(
        _PENDING
    )
    if groups is None:
        groups = db.info[_PENDING] = []
        event.listen(db, "after_commit", _committed)
        event.listen(db, "after_soft_rollback", _rolled_back)
    groups.append((chain, pending))


def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: its transaction goes on
        return
    groups = session.info.get(_PENDING) or []
    published = [pair for _, pending in groups for pair in pending]
    groups.clear()
    for temporary, target in published:
        temporary.replace(target)
    for folder in {target.parent for _, target in published}:
        sync_directory(folder)


def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    groups = session.info.get(_PENDING) or []
    kept = []
    for chain, pending in groups:
        if any(t is previous for t in chain):
            for temporary, _ in pending:
                temporary.unlink(missing_ok=True)
        else:
            kept.append((chain, pending))
    groups[:] = kept


def sync_directory(path: Path) -> None:
    """fsync a directory so the renames in it are durable (best effort: not every file
    system allows it)."""
    with contextlib.suppress(OSError):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
