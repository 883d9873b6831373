"""Server-side login sessions, API tokens and login throttling.

The browser holds a random 256-bit secret; the database holds its SHA-256. A session ends when
the user logs out, after ``idle`` without a request, or ``absolute`` after login, and an ended
session is refused whatever the cookie says (Starlette's signed-cookie SessionMiddleware
could not revoke one). Failed logins are counted per username and per address; after
``MAX_FAILURES`` within ``FAILURE_WINDOW`` further attempts are refused until the window
passes (OWASP Authentication Cheat Sheet, "Protect against automated attacks").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from therabill.store.engine import read_only
from therabill.store.web_tables import (
    aware,
    utcnow,
    web_api_tokens,
    web_login_failures,
    web_sessions,
)

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)
TOUCH_EVERY = dt.timedelta(seconds=30)  # write last_seen at most this often per session


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginSession:
    user_id: int
    csrf_token: str
    id_hash: str


def start_session(engine: Engine, user_id: int) -> tuple[str, LoginSession]:
    """A new session for ``user_id``; returns the cookie secret and the session."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    found = LoginSession(user_id, secrets.token_urlsafe(32), _digest(secret))
    with engine.begin() as conn:
        conn.execute(
            insert(web_sessions).values(
                id_hash=found.id_hash,
                user_id=user_id,
                csrf_token=found.csrf_token,
                created_at=now,
                last_seen_at=now,
                ended_at=None,
            )
        )
    return secret, found


def find_session(
    engine: Engine,
    reader: Connection,
    secret: str,
    *,
    idle: dt.timedelta,
    absolute: dt.timedelta,
) -> LoginSession | None:
    """The live session for ``secret``, touched; ``None`` (and ended) when it has expired.
    Looked up on ``reader`` (a read-only connection: no write lock); ``engine`` writes the
    touch and the end."""
    if not secret or len(secret) > 100:
        return None
    key = _digest(secret)
    now = utcnow()
    row = reader.execute(select(web_sessions).where(web_sessions.c.id_hash == key)).first()
    if row is None or row.ended_at is not None:
        return None
    last_seen = aware(row.last_seen_at)
    if now - last_seen > idle or now - aware(row.created_at) > absolute:
        end_session(engine, secret)
        return None
    if now - last_seen > TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(
                update(web_sessions).where(web_sessions.c.id_hash == key).values(last_seen_at=now)
            )
    return LoginSession(row.user_id, row.csrf_token, key)


def end_session(engine: Engine, secret: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.id_hash == _digest(secret), web_sessions.c.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_all_sessions(conn: Connection, user_id: int) -> None:
    """Log a user out everywhere (password changed, account disabled)."""
    conn.execute(
        update(web_sessions)
        .where(web_sessions.c.user_id == user_id, web_sessions.c.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def login_refused(engine: Engine, username: str, remote: str) -> bool:
    """Whether too many recent failures block another try for this user or address."""
    since = utcnow() - FAILURE_WINDOW
    with read_only(engine).connect() as conn:
        by_user = conn.execute(
            select(func.count())
            .select_from(web_login_failures)
            .where(web_login_failures.c.username == username[:80], web_login_failures.c.at > since)
        ).scalar_one()
        by_remote = conn.execute(
            select(func.count())
            .select_from(web_login_failures)
            .where(web_login_failures.c.remote == remote[:64], web_login_failures.c.at > since)
        ).scalar_one()
    return by_user >= MAX_FAILURES or by_remote >= MAX_FAILURES_PER_ADDRESS


def record_failure(engine: Engine, username: str, remote: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(web_login_failures).values(
                username=username[:80], remote=remote[:64], at=utcnow()
            )
        )
        conn.execute(
            delete(web_login_failures).where(web_login_failures.c.at < utcnow() - FAILURE_WINDOW)
        )


def clear_failures(engine: Engine, username: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(web_login_failures).where(web_login_failures.c.username == username[:80])
        )


def issue_token(conn: Connection, user_id: int, name: str) -> str:
    """A new API token (shown once); the database keeps only its hash."""
    secret = "tb_" + secrets.token_urlsafe(32)
    conn.execute(
        insert(web_api_tokens).values(
            token_hash=_digest(secret), user_id=user_id, name=name[:80], created_at=utcnow()
        )
    )
    return secret


def token_user(conn: Connection, secret: str) -> int | None:
    """The user of a live API token (looked up on ``conn``, a read-only connection)."""
    if not secret.startswith("tb_") or len(secret) > 100:
        return None
    row = conn.execute(
        select(web_api_tokens.c.user_id).where(
            web_api_tokens.c.token_hash == _digest(secret),
            web_api_tokens.c.revoked_at.is_(None),
        )
    ).first()
    return None if row is None else int(row.user_id)
