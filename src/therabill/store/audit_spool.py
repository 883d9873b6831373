"""SQLite: the audit entries of reads, kept on disk beside the database while a long job
holds the write lock, and added to the chain when the lock is free again.

Every read of client data is audited before its answer leaves, and on SQLite an audit entry
is a write: it needs the database's one write lock. A background job (a month's claims build,
a statement run) holds that lock for its whole run, because it commits all or nothing. Without
this spool every page a biller opened meanwhile would wait for the job and then fail.

So a read whose entries cannot get the lock within :data:`WAIT_MS` appends them to
``<database>-audit-spool`` instead: one line each, written and fsynced before the answer
leaves (as durable as a commit), each with an HMAC under the audit key so a changed line is
noticed. The next transaction that records reads takes the spool's lines first, in the order
they were written, into the hash chain with the time the read happened, and empties the file
after its commit. An ``flock`` keeps the appends of several web processes and the taking
apart.

If the process stops between that commit and emptying the file, the lines are taken again
next time: a read is then recorded twice, never lost. A line whose HMAC does not match is
recorded as an ``altered`` entry that carries the line, so the change is in the chain too.
PostgreSQL needs none of this: its row locks let the entries commit beside a running job.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from therabill.store.audit import SYSTEM_ACTOR, AuditEvent, event_fields
from therabill.store.audit_key import audit_key
from therabill.store.beside import beside_database
from therabill.store.models import utcnow

WAIT_MS = 1_000
"""How long a read's audit entries wait for SQLite's write lock before going to the spool:
well over a group commit's few milliseconds, well under a page a biller waits for."""

SUFFIX = "-audit-spool"  # the spool is the database file's name with this after it

ALTERED = "altered"  # the action of an entry recording a spool line whose HMAC failed


def path(engine: Engine) -> Path | None:
    """The spool file of a SQLite database file (None: PostgreSQL, or in memory)."""
    return beside_database(engine, SUFFIX)


def pending(engine: Engine) -> bool:
    """Whether the spool holds lines not yet in the chain (one ``stat``)."""
    place = path(engine)
    if place is None:
        return False
    try:
        return place.stat().st_size > 0
    except FileNotFoundError:
        return False


def count(engine: Engine) -> int:
    """How many entries wait in the spool (read a block at a time)."""
    place = path(engine)
    if place is None:
        return 0
    try:
        with place.open("rb") as spooled:
            return sum(block.count(b"\n") for block in iter(lambda: spooled.read(1 << 16), b""))
    except FileNotFoundError:
        return 0


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _line(key: bytes, event: AuditEvent, at: dt.datetime) -> bytes:
    when = event.at or at
    body = json.dumps(
        [event.practice_id, when.isoformat(timespec="microseconds"), *event_fields(event)],
        ensure_ascii=False,
        separators=(",", ":"),
    )  # one line: json.dumps escapes every newline in the strings
    return f"{_mac(key, body)} {body}\n".encode()


def spool(engine: Engine, events: Sequence[AuditEvent]) -> None:
    """Append ``events`` to the spool and fsync it; returns once they are durable."""
    place = path(engine)
    if place is None:
        raise ValueError("only a SQLite database file has an audit spool")
    key = audit_key()
    at = utcnow()
    data = b"".join(_line(key, event, at) for event in events)
    created = not place.exists()
    fd = os.open(place, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:  # a regular file takes it in one write; loop for the rule's sake
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the flock
    if created:  # the new file's name must survive a crash too
        directory = os.open(place.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _event(key: bytes, number: int, raw: bytes) -> AuditEvent:
    text = raw.decode("utf-8", errors="replace").rstrip("\n")
    mac, _, body = text.partition(" ")
    try:
        if not hmac.compare_digest(mac, _mac(key, body)):
            raise ValueError("HMAC")
        practice_id, when, actor, action, entity, entity_id, detail = json.loads(body)
        at = dt.datetime.fromisoformat(when)
        return AuditEvent(
            str(actor),
            str(action),
            str(entity),
            str(entity_id),
            str(detail),
            None if practice_id is None else int(practice_id),
            at,
        )
    except ValueError:  # also json's and fromisoformat's errors, and a wrong field count
        return AuditEvent(SYSTEM_ACTOR, ALTERED, "audit-spool", str(number), text[:2000])


@contextmanager
def taken(engine: Engine) -> Iterator[Taking]:
    """Hold the spool while a write transaction takes its lines into the chain: call
    :meth:`Taking.events` inside the transaction, :meth:`Taking.done` after its commit."""
    taking = Taking(path(engine))
    try:
        yield taking
    finally:
        taking.release()


class Taking:
    """The spool's lines for one transaction; the file is locked from the first read until
    released, so a line appended meanwhile waits and is not emptied away unread."""

    def __init__(self, place: Path | None) -> None:
        self._place = place
        self._fd: int | None = None

    def events(self) -> list[AuditEvent]:
        """The spooled entries, oldest first (the file stays locked until released)."""
        if self._place is None or self._fd is not None:
            return []
        try:
            self._fd = os.open(self._place, os.O_RDWR)
        except FileNotFoundError:
            return []
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        key = audit_key()
        found: list[AuditEvent] = []
        with os.fdopen(os.dup(self._fd), "rb") as lines:  # streamed, one line at a time
            for number, raw in enumerate(lines, start=1):
                if raw.strip():
                    found.append(_event(key, number, raw))
        return found

    def done(self) -> None:
        """After the commit that holds the lines: empty the file."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.fsync(self._fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
