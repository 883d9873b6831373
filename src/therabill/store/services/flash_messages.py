"""One-time messages for Post/Redirect/Get: an action leaves what it did for a login session,
the page it redirects to shows it once.

The message is kept in the database (web_flashes), not in the URL or a cookie, so no client
data reaches a URL, a log or the browser's history, and it works whichever worker serves the
next page. It belongs to the login session: the key is the session's id_hash (the SHA-256 of
the cookie secret, as web_sessions keeps it).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, insert, select

from therabill.store.services.context import Store, UnitOfWork
from therabill.store.web_tables import utcnow, web_flashes

KEEP = dt.timedelta(hours=1)  # a message nobody came back for is dropped after this


def leave(work: UnitOfWork, *, session_key: str, page: str, payload: dict[str, Any]) -> None:
    """Keep ``payload`` for the next ``page`` this login session opens (in ``work``'s
    transaction, so it is there exactly when what it reports was committed)."""
    now = utcnow()
    work.db.execute(delete(web_flashes).where(web_flashes.c.created_at < now - KEEP))
    work.db.execute(
        insert(web_flashes).values(
            session_hash=session_key, page=page, payload=json.dumps(payload), created_at=now
        )
    )


def take(store: Store, *, session_key: str, page: str) -> dict[str, Any] | None:
    """The newest message left for ``page`` by this login session, removed as it is read.

    Looked for on a plain read; only when there is one does a short write transaction remove
    it, so a page that only reads can show messages without writing each time."""
    mine = (web_flashes.c.session_hash == session_key) & (web_flashes.c.page == page)
    with store.reader.connect() as conn:  # no write lock to look
        row = conn.execute(
            select(web_flashes.c.payload).where(mine).order_by(web_flashes.c.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    with store.engine.begin() as conn:
        conn.execute(delete(web_flashes).where(mine))
    found: dict[str, Any] = json.loads(row.payload)
    return found
