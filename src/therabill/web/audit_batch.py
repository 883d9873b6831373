"""Group commit for the audit entries of reads.

Every read of client data is audited, and no answer may leave before its audit entry is
durable. One write transaction per request would make every page view queue for the
database's write lock (SQLite has one writer at a time) and pay a commit each. Instead the
requests hand their entries to an :class:`AuditBatcher`: one request at a time writes, and it
writes everything handed in since the last write in one transaction; each request waits for
the commit that holds its entries. This is the group commit databases use for their own logs
(DeWitt et al., "Implementation techniques for main memory database systems", SIGMOD 1984),
in the leader/follower form: whoever gets the writer's lock next writes for everyone waiting.

With a commit delay, as PostgreSQL's ``commit_delay`` with ``commit_siblings``: the request
that is about to write first waits, at most ``delay`` seconds, while other requests of this
process are still inside their read (counted by :meth:`AuditBatcher.reading`), so that their
entries join its transaction instead of paying one of their own. A request alone (no other
read in flight) writes at once: no latency is added under a light load. The delay changes
only how many entries share a transaction: each answer still waits for the commit that
holds its entries, and the chain is the same chain.

It blocks, so it runs in the worker threads that serve the routes (FastAPI's threadpool),
never on the event loop: while one batch waits for the database, the loop goes on serving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager

from therabill.store.audit import AuditEvent

COMMIT_DELAY = 0.004
"""Seconds a writer waits at most for reads in flight (a fraction of a commit's fsync)."""


class AuditBatcher:
    """Group commit of read-audit entries for the requests of one web process."""

    def __init__(
        self, write: Callable[[Sequence[AuditEvent]], None], *, delay: float = COMMIT_DELAY
    ) -> None:
        self._write = write
        self._delay = delay
        self._queue = threading.Condition(threading.Lock())  # guards _waiting, _reading
        self._writer = threading.Lock()  # one batch written at a time
        self._waiting: list[tuple[Sequence[AuditEvent], Future[None]]] = []
        self._reading = 0  # reads in flight whose entries are not handed in yet
        self.batches = 0  # transactions written (tests and the benchmark read these)
        self.entries = 0

    @property
    def waiting(self) -> int:
        """Requests whose entries are handed in but not yet being written."""
        with self._queue:
            return len(self._waiting)

    @property
    def in_flight(self) -> int:
        """Reads inside :meth:`reading` that have not handed their entries in yet."""
        with self._queue:
            return self._reading

    @contextmanager
    def reading(self) -> Iterator[Callable[[Sequence[AuditEvent]], None]]:
        """``with batcher.reading() as hand_in:`` around a read whose entries are then
        recorded by ``hand_in(events)`` (which returns once they are committed). While inside,
        the read counts as in flight: a writer waits for it (at most the delay)."""
        with self._queue:
            self._reading += 1
        counted = True

        def hand_in(events: Sequence[AuditEvent]) -> None:
            nonlocal counted
            counted = False
            self._record(events, counted=True)

        try:
            yield hand_in
        finally:
            if counted:  # the read failed, or handed nothing in: no longer in flight
                self._leave()

    def record(self, events: Sequence[AuditEvent]) -> None:
        """Return once ``events`` are committed; raise what the write raised if not.
        Blocks: call it from a worker thread."""
        self._record(events, counted=False)

    def _leave(self) -> None:
        with self._queue:
            self._reading -= 1
            if self._reading == 0:
                self._queue.notify_all()

    def _record(self, events: Sequence[AuditEvent], *, counted: bool) -> None:
        if not events:
            if counted:
                self._leave()
            return
        done: Future[None] = Future()
        with self._queue:
            self._waiting.append((events, done))
            if counted:
                self._reading -= 1
                if self._reading == 0:
                    self._queue.notify_all()
        with self._writer:
            if not done.done():  # else an earlier writer took ours along
                self._gather()
                self._flush()
        done.result()

    def _gather(self) -> None:
        """The commit delay: while other reads are in flight, wait (at most the delay) for
        them to hand their entries in."""
        with self._queue:
            if not self._reading:
                return
            deadline = time.monotonic() + self._delay
            while self._reading:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._queue.wait(left)

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
