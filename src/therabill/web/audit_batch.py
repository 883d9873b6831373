"""Group commit for the audit entries of reads.

Every read of client data is audited, and no answer may leave before its audit entry is
durable. One write transaction per request would make every page view queue for the
database's write lock (SQLite has one writer at a time) and pay a commit each. Instead the
requests of one event loop hand their entries to an :class:`AuditBatcher`, which writes
everything handed to it since its last write in one transaction, on the loop's next turn;
each request's answer waits for the commit that holds its entries. This is the group commit
databases use for their own logs (DeWitt et al., "Implementation techniques for main memory
database systems", SIGMOD 1984; PostgreSQL's ``commit_delay``), without a delay: a batch is
whatever arrived meanwhile.
It runs on the event loop itself, not a thread: a writer thread would wait for the GIL behind
the busy loop at every SQLite call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from therabill.store.audit import AuditEvent


class AuditBatcher:
    """Group commit of read-audit entries for the requests of one event loop."""

    def __init__(self, write: Callable[[Sequence[AuditEvent]], None]) -> None:
        self._write = write
        self._waiting: list[tuple[Sequence[AuditEvent], asyncio.Future[None]]] = []
        self.batches = 0  # transactions written (tests and the benchmark read these)
        self.entries = 0

    async def record(self, events: Sequence[AuditEvent]) -> None:
        """Return once ``events`` are committed; raise what the write raised if not."""
        if not events:
            return
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._flush)
        self._waiting.append((events, done))
        await done

    def _flush(self) -> None:
        batch, self._waiting = self._waiting, []
        events = [event for entries, _ in batch for event in entries]
        try:
            self._write(events)
        except Exception as exc:  # every waiter learns its entries were not written
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        self.batches += 1
        self.entries += len(events)
        for _, done in batch:
            if not done.done():  # a request cancelled meanwhile (client went away)
                done.set_result(None)
