"""Planner statistics for tables a long PostgreSQL transaction fills before it reads them.

PostgreSQL plans by the statistics ``ANALYZE`` keeps (autovacuum runs it after commits). A
table without any, a new installation's or one filled by a transaction still running (an
835 posting is one), gets the planner's defaults: ``practice_id = 1`` looks like a few dozen
rows and ``claim_id = ANY (…500 ids…)`` like nine tenths of the table, so each batch's
look-ups read every row of the practice (a sequential scan, or an index on the practice
alone): the server's share of a posting grew faster than its file (docs/performance.md).

``ANALYZE`` may run inside a transaction and counts the rows that transaction inserted.
:func:`analyze_unplanned` runs it, once the transaction's first rows are in, on those of the
tables that have no statistics at all (a table with statistics keeps them: their proportions
scale with its size). It holds a lock that another ``ANALYZE`` of the table (autovacuum's,
or another posting's) waits for until this transaction ends, so it waits at most
:data:`LOCK_WAIT` for it and leaves a busy table alone. A role that does not own the table
(the plain role a deployment with row-level security serves as: docs/tenants.md) cannot
analyze it on PostgreSQL 15: PostgreSQL skips it with a warning, and the posting goes on
with the defaults until autovacuum analyzes the committed rows (PostgreSQL 17 has a MAINTAIN
privilege to grant for it).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

LOCK_WAIT = "50ms"


def unplanned(connection: Connection, tables: Sequence[str]) -> list[str]:
    """Those of ``tables`` never analyzed (``reltuples`` -1), or analyzed while empty (0):
    without statistics. (Not read from ``pg_stats``, which hides a table's statistics from a
    role its row-level security applies to.)"""
    rows = connection.exec_driver_sql(
        "SELECT t FROM unnest(%s::text[]) AS t JOIN pg_class c ON c.oid = to_regclass(t) "
        "WHERE c.reltuples <= 0",
        (list(tables),),
    ).all()
    return sorted(str(r[0]) for r in rows)


def analyze_unplanned(connection: Connection, tables: Sequence[str]) -> list[str]:
    """``ANALYZE`` each of ``tables`` that has no statistics, in the connection's transaction
    (PostgreSQL; see the module docstring); the tables analyzed."""
    if connection.dialect.name != "postgresql":
        raise ValueError("analyze_unplanned is PostgreSQL's")
    done = []
    for table in unplanned(connection, tables):
        before = connection.exec_driver_sql("SHOW lock_timeout").scalar_one()
        try:
            with connection.begin_nested():
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
                connection.exec_driver_sql(f'ANALYZE "{table}"')
        except DBAPIError:  # the table is being analyzed by someone else: left as it is
            pass
        else:
            done.append(table)
        finally:
            connection.exec_driver_sql(f"SELECT set_config('lock_timeout', '{before}', true)")
    return done
