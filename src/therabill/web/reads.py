"""Pages and API calls that only read: a lock-free read transaction, audited before the
answer leaves (the entries go through the app's :class:`~therabill.web.audit_batch.AuditBatcher`,
many requests' in one transaction)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from therabill.store.services import UnitOfWork
from therabill.store.services.users import Account
from therabill.web.context import WebContext


@asynccontextmanager
async def reading(ctx: WebContext, account: Account) -> AsyncIterator[UnitOfWork]:
    """``async with reading(ctx, account) as work:`` — read and render; audited on the way
    out, and the answer waits for the commit."""
    with ctx.store.reading(actor=account.username, audit_later=True) as work:
        yield work
    await ctx.audit.record(work.events)
