"""Login sessions of the web app (who is logged in, in which browser) and login throttling;
not therapy sessions, which are ``store.services.sessions``.

The browser holds a random 256-bit secret; the database holds its SHA-256. A session ends when
the user logs out, after ``idle`` without a request, or ``absolute`` after login, and an ended
session is refused whatever the cookie says (Starlette's signed-cookie SessionMiddleware
could not revoke one).

Failed logins are counted per user name within ``FAILURE_WINDOW``. After ``FREE_TRIES`` each
further failure makes the next try wait longer (1, 2, 4 … seconds, at most ``MAX_DELAY``): a
try before then is answered "wait" without checking the password, so guessing slows to one
try a minute while the real user, from anywhere, waits at most that minute rather than being
locked out (OWASP Authentication Cheat Sheet, "Account lockout": an exponential delay
instead of a lockout an attacker can use to deny service). Behind a configured proxy
(``by_address``), where the client's address can be believed, an address with
``MAX_FAILURES_PER_ADDRESS`` failures in the window is refused until it passes. Every failure
is in the audit log, and so is each delay it starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    String,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import OperationalError

from therabill.store import audit_spool
from therabill.store.beside import beside_database
from therabill.store.engine import impatient, read_only
from therabill.store.models import PracticeMember, User
from therabill.store.services import mfa
from therabill.store.services.context import Store
from therabill.store.services.users import (
    Account,
    account_columns,
    account_from_rows,
    check_password,
    load_account,
)
from therabill.store.web_tables import aware, utcnow, web_login_failures, web_sessions

log = logging.getLogger(__name__)

FREE_TRIES = 3
MAX_DELAY = 60
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
    stage: str = ""  # "mfa": the second factor is still due
    practice_id: int | None = None  # the practice chosen (None: the user's only one)


class LoginOutcome(StrEnum):
    LOGGED_IN = "logged in"
    SECOND_FACTOR = "second factor due"
    WRONG = "wrong user name or password"
    THROTTLED = "too many failed attempts"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    account: Account | None = None
    secret: str = ""  # the cookie's value, when logged in
    wait: int = 0  # THROTTLED: seconds before the next try


def delay_after(failures: int) -> int:
    """Seconds the next try waits after ``failures`` recent failures: none for the first
    ``FREE_TRIES`` (typing slips), then doubling up to ``MAX_DELAY``."""
    if failures < FREE_TRIES:
        return 0
    return int(min(2 ** (failures - FREE_TRIES), MAX_DELAY))


def log_in(
    store: Store, *, username: str, password: str, remote: str, by_address: bool = False
) -> LoginResult:
    """Check a user name and password: a new login session when they match (audited; at the
    second-factor stage for a user with an authenticator), a failure counted and audited
    when not, nothing checked while a delay from recent failures runs."""
    name = username.strip()
    wait = login_wait(store.engine, name, remote, by_address=by_address)
    if wait:
        return LoginResult(LoginOutcome.THROTTLED, wait=wait)
    with store.reader.connect() as conn:
        row = conn.execute(select(User.id, User.password_hash).where(User.username == name)).first()
    account = None
    if check_password(row.password_hash if row else None, password) and row is not None:
        with store.reader.connect() as conn:
            account = load_account(conn, row.id)
    if account is None:
        failures = record_failure(store.engine, name, remote)
        delay = delay_after(failures)
        detail = f"from {remote[:64] or '?'}; {failures} in {FAILURE_WINDOW.seconds // 60} min"
        for practice_id in _practices_of(store, row.id if row else None):
            with store.transaction(actor="-", practice=practice_id) as work:
                if work.practice_id is None:
                    continue  # a name no practice knows, among several: counted, not chained
                work.audit("login-failed", "user", row.id if row else "unknown", detail)
                if delay:
                    work.audit("login-delayed", "user", row.id if row else "unknown", f"{delay} s")
        return LoginResult(LoginOutcome.WRONG)
    clear_failures(store.engine, name)
    stage = "mfa" if account.mfa_enrolled else ""
    secret, _found = start_session(store.engine, account.id, stage=stage)
    for practice_id in _practices_of(store, account.id, account.practice_id):
        with store.transaction(actor=account.username, practice=practice_id) as work:
            work.audit("login", "user", account.id, "second factor due" if stage else "")
    if stage:
        return LoginResult(LoginOutcome.SECOND_FACTOR, account, secret)
    return LoginResult(LoginOutcome.LOGGED_IN, account, secret)


def _practices_of(store: Store, user_id: int | None, chosen: int | None = None) -> list[int | None]:
    """Whose audit chains a login event of ``user_id`` goes into: the practice chosen, else
    every practice the user belongs to (before a user of several has chosen one), else the
    installation's only practice (None: the store's default). Each practice's chain is its
    own (docs/tenants.md), and a login is no practice's until one is chosen."""
    if chosen is not None:
        return [chosen]
    if user_id is None:
        return [None]
    with store.reader.connect() as conn:
        found = conn.execute(
            select(PracticeMember.practice_id)
            .where(PracticeMember.user_id == user_id)
            .order_by(PracticeMember.practice_id)
        ).scalars()
        return [int(p) for p in found] or [None]


MAX_CODE_FAILURES = 5


def second_factor(
    store: Store, *, secret: str, code: str, remote: str, session: LoginSession, account: Account
) -> LoginResult:
    """Check the second factor of a session at the "mfa" stage: a new full session (a new
    secret, the old one ended, so a cookie seen before cannot ride along) when the code is
    right; a failure counted against the user name when not, and after
    ``MAX_CODE_FAILURES`` the session ends, back to the password (and its delays)."""
    if session.stage != "mfa":
        return LoginResult(LoginOutcome.WRONG)
    first, *_ = _practices_of(store, account.id, account.practice_id)
    with store.transaction(actor=account.username, practice=first) as work:
        passed = mfa.check_code(work, user_id=account.id, code=code)
    if not passed:
        failures = record_failure(store.engine, account.username, remote)
        if failures >= MAX_CODE_FAILURES:
            end_session(store.engine, secret)
            return LoginResult(LoginOutcome.THROTTLED, wait=delay_after(failures))
        return LoginResult(LoginOutcome.WRONG, account)
    clear_failures(store.engine, account.username)
    end_session(store.engine, secret)
    fresh, _found = start_session(store.engine, account.id)
    return LoginResult(LoginOutcome.LOGGED_IN, account, fresh)


def log_out(store: Store, *, secret: str, account: Account) -> None:
    """End the login session of ``secret`` (audited)."""
    end_session(store.engine, secret)
    for practice_id in _practices_of(store, account.id, account.practice_id):
        with store.transaction(actor=account.username, practice=practice_id) as work:
            work.audit("logout", "user", account.id)


# Built once: every page request looks its login session and account up in this one
# statement (one row per practice the user belongs to).
_SESSION_AND_ACCOUNT = account_columns(select(*web_sessions.c), web_sessions.c.user_id).where(
    web_sessions.c.id_hash == bindparam("key", type_=String)
)


def logged_in(
    store: Store, secret: str, *, idle: dt.timedelta, absolute: dt.timedelta
) -> tuple[LoginSession, Account] | None:
    """The live login session of ``secret`` and its account; ``None`` when the session has
    ended or expired or the account is disabled. Read on one read-only connection, in one
    statement (the session and its account), prebuilt."""
    if not secret or len(secret) > 100:
        return None
    key = digest(secret)
    with store.reader.connect() as conn:  # one connection, no write lock
        rows = conn.execute(_SESSION_AND_ACCOUNT, {"key": key}).all()
        found = _still_live(store.engine, rows[0] if rows else None, key, idle, absolute)
        account = None if found is None else account_from_rows(conn, rows, found.practice_id)
    if found is None or account is None:
        return None
    return found, account


def choose_practice(store: Store, *, secret: str, account: Account, practice_id: int) -> bool:
    """Switch the login session of ``secret`` to ``practice_id`` when the user belongs to
    it (audited in both practices' chains); False when they do not."""
    with store.reader.connect() as conn:
        target = load_account(conn, account.id, practice_id)
    if target is None:
        return False
    with store.engine.begin() as conn:
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.id_hash == digest(secret))
            .values(practice_id=practice_id)
        )
    if account.practice_id is not None:
        with store.transaction(actor=account.username, practice=account.practice_id) as work:
            work.audit("switch", "practice", practice_id)
    with store.transaction(actor=account.username, practice=practice_id) as work:
        work.audit("switch", "practice", practice_id)
    return True


def start_session(engine: Engine, user_id: int, *, stage: str = "") -> tuple[str, LoginSession]:
    """A new session for ``user_id``; returns the cookie secret and the session."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    found = LoginSession(user_id, secrets.token_urlsafe(32), digest(secret), stage)
    with engine.begin() as conn:
        conn.execute(
            insert(web_sessions).values(
                id_hash=found.id_hash,
                user_id=user_id,
                csrf_token=found.csrf_token,
                created_at=now,
                last_seen_at=now,
                ended_at=None,
                stage=stage,
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
    row = reader.execute(select(web_sessions).where(web_sessions.c.id_hash == key)).first()
    return _still_live(engine, row, key, idle, absolute)


def _still_live(
    engine: Engine, row: Row[Any] | None, key: str, idle: dt.timedelta, absolute: dt.timedelta
) -> LoginSession | None:
    """The session of ``row`` (its ``web_sessions`` columns), touched; ``None`` (and ended)
    when it has expired."""
    now = utcnow()
    if row is None or row.ended_at is not None:
        return None
    written = aware(row.last_seen_at)
    last_seen = written
    if now - written > TOUCH_EVERY:  # a touch put off while a job held the lock counts too
        last_seen = max(written, _put_off_touch(engine, key) or written)
    if now - last_seen > idle or now - aware(row.created_at) > absolute:
        with _unless_busy(engine, key, None):  # expired either way; ended by a later look
            _end(impatient(engine, 0), key)
        return None
    if now - written > TOUCH_EVERY:
        # not waiting for SQLite's write lock: if it is taken, the time is kept in a file
        # beside the database until a later request can write it
        with _unless_busy(engine, key, now), impatient(engine, 0).begin() as conn:
            conn.execute(
                update(web_sessions).where(web_sessions.c.id_hash == key).values(last_seen_at=now)
            )
            _forget_touch(engine, key)  # the lock is ours: the row has the newer time
    return LoginSession(row.user_id, row.csrf_token, key, row.stage or "", row.practice_id)


def _touch_file(engine: Engine, key: str) -> Path | None:
    """Where a last-seen time waits while SQLite's write lock is taken (None: PostgreSQL)."""
    return beside_database(engine, f"{audit_spool.SUFFIX}-touch-{key[:32]}")


def _put_off_touch(engine: Engine, key: str) -> dt.datetime | None:
    touch = _touch_file(engine, key)
    try:
        return None if touch is None else dt.datetime.fromtimestamp(touch.stat().st_mtime, dt.UTC)
    except FileNotFoundError:
        return None


def _forget_touch(engine: Engine, key: str) -> None:
    touch = _touch_file(engine, key)
    if touch is not None:
        touch.unlink(missing_ok=True)


@contextmanager
def _unless_busy(engine: Engine, key: str, now: dt.datetime | None) -> Iterator[None]:
    """Put off a write that can wait when SQLite's write lock is taken (a long job runs),
    keeping the last-seen time ``now`` in a file meanwhile, so a biller at work through a
    long job is not logged out as idle: never a page that waits for the job."""
    try:
        yield
    except OperationalError as exc:
        if "locked" not in str(exc.orig):
            raise
        touch = _touch_file(engine, key)
        if now is not None and touch is not None:
            touch.touch(mode=0o600)
            os.utime(touch, (now.timestamp(), now.timestamp()))
        log.info("login session write put off: the database is busy")


def end_session(engine: Engine, secret: str) -> None:
    _end(engine, digest(secret))


def _end(engine: Engine, key: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.id_hash == key, web_sessions.c.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def login_wait(engine: Engine, username: str, remote: str, *, by_address: bool = False) -> int:
    """Seconds before this user name may try again (0: now), from its recent failures, and,
    with ``by_address``, from the address's."""
    now = utcnow()
    since = now - FAILURE_WINDOW
    with read_only(engine).connect() as conn:
        count, last = conn.execute(
            select(func.count(), func.max(web_login_failures.c.at)).where(
                web_login_failures.c.username == username[:80], web_login_failures.c.at > since
            )
        ).one()
        by_remote, first = (
            conn.execute(
                select(func.count(), func.min(web_login_failures.c.at)).where(
                    web_login_failures.c.remote == remote[:64], web_login_failures.c.at > since
                )
            ).one()
            if by_address
            else (0, None)
        )
    wait = 0.0
    if count and last is not None:
        wait = delay_after(count) - (now - aware(last)).total_seconds()
    if by_remote >= MAX_FAILURES_PER_ADDRESS and first is not None:
        wait = max(wait, (aware(first) + FAILURE_WINDOW - now).total_seconds())
    return max(0, int(wait + 0.999))


def record_failure(engine: Engine, username: str, remote: str) -> int:
    """Count a failure; returns this user name's failures within the window."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(web_login_failures).values(username=username[:80], remote=remote[:64], at=now)
        )
        conn.execute(
            delete(web_login_failures).where(web_login_failures.c.at < now - FAILURE_WINDOW)
        )
        count: int = conn.execute(
            select(func.count()).where(web_login_failures.c.username == username[:80])
        ).scalar_one()
    return count


def clear_failures(engine: Engine, username: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(web_login_failures).where(web_login_failures.c.username == username[:80])
        )
