"""Group commit for the audit entries of reads.

Every read of client data is audited, and no answer may leave before its audit entry is
durable. One write transaction per request would make every page view queue for the
database's write lock (SQLite has one writer at a time) and pay a commit each. Instead the
requests hand their entries to an :class:`AuditBatcher`: one request at a time writes, and it
writes everything handed in since the last write in one transaction; each request waits for
the commit that holds its entries. This is the group commit databases use for their own logs
(DeWitt et al., "Implementation techniques for main memory database systems", SIGMOD 1984;
PostgreSQL's ``commit_delay``), without a delay: a batch is whatever arrived while the
previous one was being written (the leader/follower form: whoever gets the writer's lock
next writes for everyone waiting).

It blocks, so it runs in the worker threads that serve the routes (FastAPI's threadpool),
never on the event loop: while one batch waits for the database, the loop goes on serving.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from therabill.store.audit import AuditEvent


class AuditBatcher:
    """Group commit of read-audit entries for the requests of one web process."""

    def __init__(self, write: Callable[[Sequence[AuditEvent]], None]) -> None:
        self._write = write
        self._queue = threading.Lock()  # guards _waiting
        self._writer = threading.Lock()  # one batch written at a time
        self._waiting: list[tuple[Sequence[AuditEvent], Future[None]]] = []
        self.batches = 0  # transactions written (tests and the benchmark read these)
        self.entries = 0

    @property
    def waiting(self) -> int:
        """Requests whose entries are handed in but not yet being written."""
        with self._queue:
            return len(self._waiting)

    def record(self, events: Sequence[AuditEvent]) -> None:
        """Return once ``events`` are committed; raise what the write raised if not.
        Blocks: call it from a worker thread."""
        if not events:
            return
        done: Future[None] = Future()
        with self._queue:
            self._waiting.append((events, done))
        with self._writer:
            if not done.done():  # else an earlier writer took ours along
                self._flush()
        done.result()

    def _flush(self) -> None:
        with self._queue:
            batch, self._waiting = self._waiting, []
        events = [event for entries, _ in batch for event in entries]
        try:
            self._write(events)
        except Exception as exc:  # every waiter learns its entries were not written
            for _, done in batch:
                done.set_exception(exc)
            return
        self.batches += 1
        self.entries += len(events)
        for _, done in batch:
            done.set_result(None)
