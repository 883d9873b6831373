"""Practices as tenants: which practice a transaction works for, and how the database holds
every transaction to it.

Every practice-owned row carries ``practice_id`` (migration 0029). On PostgreSQL each
transaction names its practice in the transaction-local setting ``therabill.practice_id``
(``set_config(name, value, true)``: https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-SET),
and row-level security policies on every practice-owned table show and accept only that
practice's rows (https://www.postgresql.org/docs/current/ddl-rowsecurity.html): a query that
forgets its ``WHERE practice_id = …`` still cannot read or write another practice's rows. The
column's default is the same setting, so set-based inserts need no change. With the setting
unset every policy compares with NULL: nothing is visible and nothing can be written.

On SQLite one installation is one practice, as before: the column's default is that practice.

Which practice: :func:`practice_scope` sets it for a block (the web per request from the
logged-in user's chosen practice, the CLI from ``--practice`` / ``THERABILL_PRACTICE``);
without a scope the store uses the installation's only practice (and none when there are
several: PostgreSQL then shows nothing, which fails closed).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, Pool, event, text

from therabill.config import PRACTICE_IN_SCOPE

PRACTICE_SETTING = "therabill.practice_id"
PRACTICE_ENV = "THERABILL_PRACTICE"

# Tables that hold no practice's data: the installation's own (practices, users and their
# memberships, login sessions and tokens, which a user holds across practices). Every other
# table has ``practice_id`` and, on PostgreSQL, the row-level security policy below; a test
# (tests/store/test_tenancy.py) holds every table, present and future, to that.
GLOBAL_TABLES = frozenset(
    {
        "alembic_version",
        "practice",
        "practice_members",
        "users",
        "web_sessions",
        "web_api_tokens",
        "web_login_failures",
        "web_accounts",
        "web_mfa",
        "web_mfa_recovery",
        "web_flashes",
        "x12_installation_numbers",  # control numbers unique across practices (models/edi.py)
    }
)
POLICY = "practice_isolation"
POLICY_TEST = f"practice_id = NULLIF(current_setting('{PRACTICE_SETTING}', true), '')::integer"
COLUMN_DEFAULT = f"(current_setting('{PRACTICE_SETTING}'))::integer"

log = logging.getLogger(__name__)

_scope: ContextVar[int | None] = PRACTICE_IN_SCOPE  # kept in config: the files follow it


@contextmanager
def practice_scope(practice_id: int | None) -> Iterator[None]:
    """Run the block's transactions for ``practice_id`` (None: the store's default)."""
    token = _scope.set(practice_id)
    try:
        yield
    finally:
        _scope.reset(token)


def choose_practice(practice_id: int) -> None:
    """For the rest of this process (the CLI's ``--practice``): work for ``practice_id``."""
    _scope.set(practice_id)


def scoped_practice() -> int | None:
    """The practice set by the innermost :func:`practice_scope`, if any."""
    return _scope.get()


_INFO = "therabill_practice"  # Connection.info: the practice the open transaction is for
_ONLY = "(SELECT min(id)::text FROM practice HAVING count(*) = 1)"
_with_practice_table: weakref.WeakSet[Pool] = weakref.WeakSet()
_sqlite_practice: weakref.WeakKeyDictionary[Pool, int] = weakref.WeakKeyDictionary()


def _has_practice_table(connection: Connection) -> bool:
    pool = connection.engine.pool
    if pool in _with_practice_table:
        return True
    if connection.dialect.name == "postgresql":
        found = connection.exec_driver_sql("SELECT to_regclass('practice') IS NOT NULL").scalar()
    else:
        found = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'practice'"
        ).first()
    if found:
        _with_practice_table.add(pool)
    return bool(found)


def set_practice(connection: Connection, practice_id: int | None) -> int | None:
    """Name the transaction's practice on PostgreSQL (transaction-local, so the pool's next
    user starts without it; None: the installation's only practice, or none when it has
    several) and return it. SQLite: nothing to set."""
    if connection.dialect.name != "postgresql":
        return practice_id
    if practice_id is None and _has_practice_table(connection):
        value = connection.exec_driver_sql(
            f"SELECT set_config(%(name)s, COALESCE({_ONLY}, ''), true)",
            {"name": PRACTICE_SETTING},
        ).scalar()
    else:
        value = connection.exec_driver_sql(
            "SELECT set_config(%(name)s, %(value)s, true)",
            {"name": PRACTICE_SETTING, "value": "" if practice_id is None else str(practice_id)},
        ).scalar()
    found = int(value) if value else None
    connection.info[_INFO] = found
    return found


def _on_begin(connection: Connection) -> None:
    set_practice(connection, _scope.get())


def _on_end(connection: Connection) -> None:
    connection.info.pop(_INFO, None)  # the setting ended with the transaction


def install(engine: Engine) -> None:
    """Every PostgreSQL transaction on ``engine`` (ORM sessions and plain connections alike)
    starts by naming its practice: the current scope's, else the only one."""
    if engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _on_begin)
        event.listen(engine, "commit", _on_end)
        event.listen(engine, "rollback", _on_end)


def current_practice(connection: Connection) -> int | None:
    """The practice the open transaction on ``connection`` works for (None: no practice yet,
    or several and no scope)."""
    scoped = _scope.get()
    if connection.dialect.name == "postgresql":
        found = connection.info.get(_INFO)
        if found is None and scoped is None:  # a practice made in this very transaction
            found = set_practice(connection, None)
        return found if isinstance(found, int) else None
    if scoped is not None:
        return scoped
    pool = connection.engine.pool
    cached = _sqlite_practice.get(pool)
    if cached is None and _has_practice_table(connection):
        cached = only_practice(connection)
        if cached is not None:
            _sqlite_practice[pool] = cached
    return cached


def transaction_practice(connection: Connection) -> int | None:
    """The practice the open transaction works for, without asking the database (what
    :func:`current_practice` would answer; None when it would have to look)."""
    if connection.dialect.name == "postgresql":
        found = connection.info.get(_INFO)
        return found if isinstance(found, int) else None
    return current_practice(connection)


def practice_default(context: Any) -> int | None:
    """Column default of ``practice_id`` for ORM and Core inserts: the transaction's practice
    (NULL when there is none, which the NOT NULL column refuses)."""
    return current_practice(context.connection)


def only_practice(connection: Connection) -> int | None:
    """The installation's practice when it has exactly one, else None."""
    rows = connection.execute(text("SELECT id FROM practice ORDER BY id LIMIT 2")).all()
    return int(rows[0][0]) if len(rows) == 1 else None


def bypasses_row_security(connection: Connection) -> bool:
    """Whether the connected PostgreSQL role skips row-level security: a superuser or a role
    with BYPASSRLS sees every practice's rows whatever the policies say."""
    if connection.dialect.name != "postgresql":
        return False
    row = connection.exec_driver_sql(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).first()
    return bool(row and row[0])


ROLE_WARNING = (
    "therabill is connected to PostgreSQL as a superuser or a BYPASSRLS role: row-level "
    "security does not apply to it, so practices are kept apart only by therabill's own "
    "queries. Serve as a plain role (see docs/tenants.md)."
)


def warn_if_bypassing(engine: Engine) -> bool:
    """Log :data:`ROLE_WARNING` when the engine's role bypasses row-level security; True then."""
    with engine.connect() as connection:
        bypass = bypasses_row_security(connection)
    if bypass:
        log.warning(ROLE_WARNING)
    return bypass


def owned_tables(names: Any) -> list[str]:
    """The practice-owned tables among ``names``: every one not in :data:`GLOBAL_TABLES`."""
    return sorted(n for n in names if n not in GLOBAL_TABLES)
