"""API tokens: a bearer secret per use (a script, a clearinghouse sync) that acts as one user.

The token is shown once; the database keeps only its SHA-256, like a login session's secret.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, insert, select

from therabill.store.services.context import Store, UnitOfWork
from therabill.store.services.login_sessions import digest
from therabill.store.services.users import Account, load_account
from therabill.store.web_tables import utcnow, web_api_tokens

PREFIX = "tb_"


def issue_token(work: UnitOfWork, *, user_id: int, name: str) -> str:
    """A new API token for ``user_id`` (returned once, audited)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    work.db.execute(
        insert(web_api_tokens).values(
            token_hash=digest(secret), user_id=user_id, name=name[:80], created_at=utcnow()
        )
    )
    work.audit("create", "api_token", user_id, name[:40])
    return secret


def token_user(conn: Connection, secret: str) -> int | None:
    """The user of a live API token (looked up on ``conn``, a read-only connection)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = conn.execute(
        select(web_api_tokens.c.user_id).where(
            web_api_tokens.c.token_hash == digest(secret),
            web_api_tokens.c.revoked_at.is_(None),
        )
    ).first()
    return None if row is None else int(row.user_id)


def token_account(store: Store, secret: str) -> Account | None:
    """The account an API request acts as; ``None`` for an unknown or revoked token or a
    disabled account. One read-only connection, no write lock."""
    with store.reader.connect() as conn:
        user_id = token_user(conn, secret)
        return None if user_id is None else load_account(conn, user_id)
