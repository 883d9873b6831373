"""Pages and API calls that only read: a lock-free read transaction, audited before the
answer leaves (the entries go through the app's :class:`~therabill.web.audit_batch.AuditBatcher`,
many requests' in one transaction).

The database work blocks, so routes that read are plain ``def`` functions: FastAPI runs them
in its threadpool and the event loop stays free for other requests. ``reading`` refuses to
run on the event loop, so a route that forgot it fails its tests instead of stalling the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from therabill.store.services import UnitOfWork
from therabill.store.services.users import Account
from therabill.web.context import WebContext


class BlockingOnEventLoop(RuntimeError):
    """Database work was started on the event loop (make the route a plain ``def``)."""


def off_the_event_loop() -> None:
    """Raise :class:`BlockingOnEventLoop` when called on a thread running an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise BlockingOnEventLoop("blocking database work on the event loop")


@contextmanager
def reading(ctx: WebContext, account: Account) -> Iterator[UnitOfWork]:
    """``with reading(ctx, account) as work:`` — read and render; audited on the way out,
    and the answer waits for the commit. In a plain ``def`` route only."""
    off_the_event_loop()
    with ctx.audit.reading() as hand_in:  # in flight: the audit's writer may wait for it
        with ctx.store.reading(actor=account.username, audit_later=True) as work:
            yield work
        hand_in(work.events)
