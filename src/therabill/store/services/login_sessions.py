"""Login sessions of the web app (who is logged in, in which browser) and login throttling;
not therapy sessions, which are ``store.services.sessions``.

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
from enum import StrEnum

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from therabill.store.engine import read_only
from therabill.store.models import User
from therabill.store.services.context import Store
from therabill.store.services.users import Account, check_password, load_account
from therabill.store.web_tables import aware, utcnow, web_login_failures, web_sessions

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)
TOUCH_EVERY = dt.timedelta(seconds=30)  # write last_seen at most this often per session


def digest(secret: str) -> str:
    """What the database keeps of a secret the browser or an API client holds."""
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginSession:
    user_id: int
    csrf_token: str
    id_hash: str


class LoginOutcome(StrEnum):
    LOGGED_IN = "logged in"
    WRONG = "wrong user name or password"
    THROTTLED = "too many failed attempts"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    account: Account | None = None
    secret: str = ""  # the cookie's value, when logged in


def log_in(store: Store, *, username: str, password: str, remote: str) -> LoginResult:
    """Check a user name and password: a new login session when they match (audited), a
    failure counted when not, nothing tried while too many recent failures block it."""
    name = username.strip()
    if login_refused(store.engine, name, remote):
        return LoginResult(LoginOutcome.THROTTLED)
    with store.reader.connect() as conn:
        row = conn.execute(select(User.id, User.password_hash).where(User.username == name)).first()
    account = None
    if check_password(row.password_hash if row else None, password) and row is not None:
        with store.reader.connect() as conn:
            account = load_account(conn, row.id)
    if account is None:
        record_failure(store.engine, name, remote)
        return LoginResult(LoginOutcome.WRONG)
    clear_failures(store.engine, name)
    secret, _found = start_session(store.engine, account.id)
    with store.transaction(actor=account.username) as work:
        work.audit("login", "user", account.id)
    return LoginResult(LoginOutcome.LOGGED_IN, account, secret)


def log_out(store: Store, *, secret: str, account: Account) -> None:
    """End the login session of ``secret`` (audited)."""
    end_session(store.engine, secret)
    with store.transaction(actor=account.username) as work:
        work.audit("logout", "user", account.id)


def logged_in(
    store: Store, secret: str, *, idle: dt.timedelta, absolute: dt.timedelta
) -> tuple[LoginSession, Account] | None:
    """The live login session of ``secret`` and its account; ``None`` when the session has
    ended or expired or the account is disabled. Read on one read-only connection."""
    with store.reader.connect() as conn:  # one connection, no write lock
        found = find_session(store.engine, conn, secret, idle=idle, absolute=absolute)
        account = None if found is None else load_account(conn, found.user_id)
    if found is None or account is None:
        return None
    return found, account


def start_session(engine: Engine, user_id: int) -> tuple[str, LoginSession]:
    """A new session for ``user_id``; returns the cookie secret and the session."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    found = LoginSession(user_id, secrets.token_urlsafe(32), digest(secret))
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
    key = digest(secret)
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
            .where(web_sessions.c.id_hash == digest(secret), web_sessions.c.ended_at.is_(None))
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
