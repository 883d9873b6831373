"""The page side of one-time messages (store.services.flash_messages keeps them): the login
session's key comes from the request's cookie."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from therabill.store.services import Store, UnitOfWork, flash_messages
from therabill.store.services.login_sessions import digest
from therabill.web.deps import SESSION_COOKIE


def _session_key(request: Request) -> str:
    return digest(request.cookies.get(SESSION_COOKIE, ""))


def leave(work: UnitOfWork, request: Request, page: str, payload: dict[str, Any]) -> None:
    """Keep ``payload`` for the next ``page`` this login session opens."""
    flash_messages.leave(work, session_key=_session_key(request), page=page, payload=payload)


def take(store: Store, request: Request, page: str) -> dict[str, Any] | None:
    """The newest message left for ``page`` by this login session, removed as it is read."""
    return flash_messages.take(store, session_key=_session_key(request), page=page)
