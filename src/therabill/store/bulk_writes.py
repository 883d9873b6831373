"""A bulk writer on SQLite that keeps, itself, what row triggers keep for every other writer.

SQLite has no statement triggers: each ledger entry the 835 poster inserts ran the report
sums' four row triggers (the same few sum rows, the payment's day and codes and one client's
balance, updated once per entry), the seal queue's (``ledger_unsealed``) and, for each
remittance claim, line and adjustment, the client revision's (``client_revisions``). Those
were about half of the ledger insert's CPU and a seventh of the whole posting (2026-12-07,
10,000 claims).

Since migration 0046 those SQLite triggers carry ``WHEN NOT therabill_bulk_writer()``: an
application-defined SQL function that :func:`register` gives every connection therabill opens
(``store.engine``), which answers 0, so the triggers fire as before, for every writer, unless
this connection's bulk writer has said, for the length of one insert (:func:`insert_ledger`,
:func:`insert_revised`), that it keeps them itself. The writer then adds the batch in one
grouped statement per sum (``report_sums.Sum.upsert_rows``, the same SQL PostgreSQL's
statement triggers run over their transition tables), one for the seal queue and one for the
revisions of the batch's clients: the same rows the triggers would have written (sums are
added, the queue holds the ids (as their runs since migration 0050), a revision is a new random number), checked by
``report_sums.differences`` in tests/store/test_bulk_writes.py.

A connection opened outside therabill (the ``sqlite3`` shell) has no such function: inserting
ledger entries or remittance rows from it fails with "no such function: therabill_bulk_writer"
instead of skipping the sums; the ledger is append-only and written by therabill alone, and
everything else (updates, deletes, every other table) is untouched. PostgreSQL keeps these per
statement (migrations 0039, 0040, 0046) and needs none of this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

FUNCTION = "therabill_bulk_writer"
GATE = f"NOT {FUNCTION}()"
"""The SQL condition of a trigger that stands aside while the bulk writer keeps its work."""
LEDGER_SUMS = ("ledger_day_sums", "service_day_sums", "client_sums", "client_balances")
GATED = ("ledger_entries",)
"""The bases whose report-sum insert triggers (and the seal queue's) stand aside."""
REVISED = ("remittance_claims", "remittance_lines", "remittance_adjustments")
"""The tables whose insert triggers move client revisions and stand aside for the writer."""
QUEUE_RUNS = (
    "INSERT INTO ledger_unsealed (entry_id, last_id) SELECT min(id), max(id) FROM (SELECT id, "
    "id - row_number() OVER (ORDER BY id) AS run FROM ledger_entries WHERE id > :last) AS ids "
    "GROUP BY run"
)
"""The seal queue's rows for the entries after ``:last``: one per run of consecutive ids."""
_FLAG = "therabill_bulk_writer"  # Connection.info: this connection's _Flag
_SUMS = "therabill_bulk_ledger_sums"  # Connection.info: the grouped statements, made once


class _Flag:
    """What :data:`FUNCTION` answers on one connection: 1 while its bulk writer keeps the
    sums, the seal queue and the revisions itself, else 0."""

    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on = 0

    def __call__(self) -> int:
        return self.on


def register(dbapi_connection: Any, info: dict[Any, Any]) -> None:
    """Give a new SQLite connection :data:`FUNCTION` (answering 0 until a bulk writer says
    otherwise); ``info`` is the pooled connection's ``info``, as ``Connection.info``."""
    flag = _Flag()
    dbapi_connection.create_function(FUNCTION, 0, flag)
    info[_FLAG] = flag


def _insert(connection: Connection, table: str, columns: Sequence[str], rows: list[Any]) -> None:
    marks = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    flag: _Flag = connection.info[_FLAG]
    # all or nothing: an executemany that fails at a row keeps the rows before it, which
    # nothing would then add to the sums if the caller went on to commit
    connection.exec_driver_sql("SAVEPOINT therabill_bulk_writer")
    flag.on = 1
    try:
        connection.exec_driver_sql(sql, rows)
    except BaseException:
        flag.on = 0
        connection.exec_driver_sql("ROLLBACK TO therabill_bulk_writer")
        connection.exec_driver_sql("RELEASE therabill_bulk_writer")
        raise
    flag.on = 0
    connection.exec_driver_sql("RELEASE therabill_bulk_writer")


def _last_id(connection: Connection, table: str) -> int:
    return int(connection.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0)


def insert_ledger(
    connection: Connection, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ledger entries (values ready for the driver) on SQLite with one ``executemany``,
    the sum and seal-queue triggers standing aside, then add them to the report sums and the
    seal queue in one statement each. The transaction holds SQLite's write lock (``BEGIN
    IMMEDIATE``) and the ledger is append-only: the new entries are exactly those after the
    largest id before the insert."""
    from therabill.store import report_sums  # it makes the triggers with GATE

    if not rows:
        return
    last = _last_id(connection, "ledger_entries")
    _insert(connection, "ledger_entries", columns, rows)
    statements = connection.info.get(_SUMS)
    if statements is None:
        new_rows = "(SELECT * FROM ledger_entries WHERE id > :last)"
        statements = [
            report_sums.dialect_sql(connection, total.upsert_rows(new_rows))
            for total in report_sums.sums(connection, LEDGER_SUMS)
        ]
        # the new entries' runs of ids (one, as a rule), as PostgreSQL's trigger queues them
        statements.append(text(QUEUE_RUNS))
        connection.info[_SUMS] = statements
    for statement in statements:
        connection.execute(statement, {"last": last})


def insert_revised(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    remittance_claims: tuple[int, int],
) -> None:
    """Insert rows of a :data:`REVISED` table on SQLite with one ``executemany``, the
    revision triggers standing aside, then move the revision of every client of the remittance
    claims with ids in ``remittance_claims`` (inclusive; every row inserted belongs to one of
    them, or is one) once: the clients the triggers would have moved, each to a new random
    number, as they would."""
    if table not in REVISED:
        raise ValueError(f"{table} is not a table whose revision triggers stand aside")
    if not rows:
        return
    _insert(connection, table, columns, rows)
    revise_clients(connection, remittance_claims)


REVISE = text(
    "INSERT INTO client_revisions (practice_id, client_id, revision) "
    "SELECT t.practice_id, t.client_id, random() FROM (SELECT DISTINCT rc.practice_id, "
    "c.client_id FROM remittance_claims AS rc JOIN claims AS c ON c.id = rc.claim_id "
    "WHERE rc.id BETWEEN :lo AND :hi) AS t WHERE t.client_id IS NOT NULL "
    "ON CONFLICT (practice_id, client_id) DO UPDATE SET revision = excluded.revision"
)


def revise_clients(connection: Connection, remittance_claims: tuple[int, int]) -> None:
    lo, hi = remittance_claims
    connection.execute(REVISE, {"lo": lo, "hi": hi})
