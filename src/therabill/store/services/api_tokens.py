"""API tokens: a bearer secret per use (a script, a clearinghouse sync) that acts as one user.

The token is shown once; the database keeps only its SHA-256, like a login session's secret.
Each has a name, an expiry (90 days unless chosen: OWASP REST Security Cheat Sheet, "API
keys … revoke"; NIST SP 800-63B §7.1 asks that authenticators issued for a session be
revocable) and can be revoked by its user or an admin. A password reset, a password change
and disabling the user revoke them all (``users.log_out_everywhere``). Each function takes
a login of the work's practice (``users.practice_user``): another practice's login and its
tokens are not found, whatever id an edge passes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import String, bindparam, insert, select, update

from therabill.errors import InvalidInput, NotFound
from therabill.store.models import User
from therabill.store.services.context import Store, UnitOfWork
from therabill.store.services.login_sessions import digest
from therabill.store.services.users import (
    Account,
    account_columns,
    account_from_rows,
    in_practice,
    practice_user,
)
from therabill.store.web_tables import aware, utcnow, web_api_tokens

PREFIX = "tb_"
DEFAULT_DAYS = 90
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class TokenRow:
    """One token as its list shows it (never the secret)."""

    id: int
    username: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "live" if self.live else "expired"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "state": self.state,
        }


def issue_token(work: UnitOfWork, *, user_id: int, name: str, days: int = DEFAULT_DAYS) -> str:
    """A new API token for ``user_id`` that ends after ``days`` (returned once, audited)."""
    name = name.strip()
    if not name or len(name) > 80:
        raise InvalidInput("give the token a name (1–80 characters)", field="name")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"must be 1 to {MAX_DAYS} days", field="days")
    practice_user(work, user_id)
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    work.db.execute(
        insert(web_api_tokens).values(
            token_hash=digest(secret),
            user_id=user_id,
            name=name,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
            practice_id=work.practice_id,  # the token works for the practice it was made in
        )
    )
    work.audit("create", "api_token", user_id, f"{days} days")
    return secret


def list_tokens(work: UnitOfWork, *, user_id: int | None = None) -> list[TokenRow]:
    """Tokens, newest first: one user's, or (``None``) those of the work's practice
    (audited)."""
    query = (
        select(web_api_tokens, User.username)
        .join(User, User.id == web_api_tokens.c.user_id)
        .order_by(web_api_tokens.c.id.desc())
    )
    if user_id is not None:
        practice_user(work, user_id)
        query = query.where(web_api_tokens.c.user_id == user_id)
    elif work.practice_id is not None:
        query = query.where(web_api_tokens.c.practice_id == work.practice_id)
    rows = work.db.execute(query).all()
    work.audit("list", "api_token", "*" if user_id is None else user_id)
    return [
        TokenRow(
            id=row.id,
            username=row.username,
            name=row.name,
            created_at=aware(row.created_at),
            expires_at=aware(row.expires_at),
            revoked_at=aware(row.revoked_at) if row.revoked_at else None,
        )
        for row in rows
    ]


def revoke_token(work: UnitOfWork, *, token_id: int, user_id: int | None = None) -> None:
    """Revoke one token; with ``user_id``, only if it is that user's (else not found, so a
    user cannot learn which ids exist)."""
    query = select(web_api_tokens.c.user_id).where(web_api_tokens.c.id == token_id)
    if user_id is not None:
        query = query.where(web_api_tokens.c.user_id == user_id)
    owner = work.db.execute(query).scalar_one_or_none()
    if owner is None or not in_practice(work, owner):
        raise NotFound(f"no API token {token_id}")
    work.db.execute(
        update(web_api_tokens)
        .where(web_api_tokens.c.id == token_id, web_api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    work.audit("revoke", "api_token", owner, str(token_id))


# Built once: every API request looks its token and account up in this one statement (one
# row per practice the user belongs to).
_TOKEN_AND_ACCOUNT = account_columns(
    select(web_api_tokens.c.expires_at, web_api_tokens.c.practice_id.label("token_practice")),
    web_api_tokens.c.user_id,
).where(
    web_api_tokens.c.token_hash == bindparam("token_hash", type_=String),
    web_api_tokens.c.revoked_at.is_(None),
)


def token_account(store: Store, secret: str) -> Account | None:
    """The account an API request acts as, for the practice its token works for; ``None``
    for an unknown, expired or revoked token or a disabled account. One read-only
    connection, no write lock, one statement (the token and its account)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    with store.reader.connect() as conn:
        rows = conn.execute(_TOKEN_AND_ACCOUNT, {"token_hash": digest(secret)}).all()
        if not rows or aware(rows[0].expires_at) <= utcnow():
            return None
        return account_from_rows(conn, rows, rows[0].token_practice)
