"""Many ledger entries in one statement on PostgreSQL.

The ledger's report sums (``report_sums``) are kept by statement triggers on PostgreSQL: each
INSERT statement adds its rows to the sums once. A driver's ``executemany`` sends one
statement per row, so a claims build or an 835 posting of thousands of entries updated the
same few sum rows (the day and code, the client's balance) thousands of times in one
transaction: 121 s of server time for 56,000 entries, measured on 2026-12-07. One ``INSERT …
SELECT FROM unnest(…)`` of one array per column sends :data:`ROWS_PER_STATEMENT` entries in
one statement (and psycopg dumps 13 arrays, not 13 values a row). Columns left out take their
defaults (the practice from the transaction's setting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

COLUMNS = (
    "kind",
    "amount_cents",
    "responsibility",
    "client_id",
    "claim_line_id",
    "claim_id",
    "payer_id",
    "effective_date",
    "posted_at",
    "actor",
    "memo",
    "receipt",
    "reverses_id",
)
"""The columns of an entry, in the order :func:`insert_entries` takes its tuples. The same
as ``ledger_seal.SEALED_COLUMNS`` without the id, but not derived from it: the seal's list is
fixed forever, this one follows the table (tests/store/test_ledger_insert.py checks both)."""

ROWS_PER_STATEMENT = 5000

_SQL = "therabill_unnest"  # Connection.info: table → its statement, made once per connection
_ZONED = "therabill_unnest_zoned"  # Connection.info: table → which columns are timestamptz


def insert_entries(connection: Connection, entries: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``entries`` (tuples in :data:`COLUMNS` order) on PostgreSQL, a statement per
    :data:`ROWS_PER_STATEMENT`."""
    if connection.dialect.name != "postgresql":
        raise ValueError("insert_entries is PostgreSQL's; SQLite's sums are kept per row")
    insert_rows(connection, "ledger_entries", COLUMNS, entries)


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` on PostgreSQL with one
    ``INSERT … SELECT FROM unnest(…)`` per :data:`ROWS_PER_STATEMENT`: the table's statement
    triggers (the ledger's sums and seal queue, the client revisions of migration 0040) run
    once per statement, where an ``executemany`` runs them once per row."""
    if connection.dialect.name != "postgresql":
        raise ValueError("insert_rows is PostgreSQL's")
    if not rows:
        return
    made: dict[tuple[str, tuple[str, ...]], str] = connection.info.setdefault(_SQL, {})
    key = (table, tuple(columns))
    sql = made.get(key)
    if sql is None:
        types: dict[str, str] = dict(
            connection.exec_driver_sql(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0",
                (table,),
            ).all()
        )
        arrays = ", ".join(f"%s::{types[name]}[]" for name in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
        made[key] = sql
        connection.info.setdefault(_ZONED, {})[key] = tuple(
            types[name] == "timestamp with time zone" for name in columns
        )
    zoned = connection.info[_ZONED][key]
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        connection.exec_driver_sql(
            sql,
            tuple(
                array_text(column, zoned=z)
                for column, z in zip(zip(*chunk, strict=True), zoned, strict=True)
            ),
        )


_NONE = type(None)
_QUOTED: dict[type, Callable[[Any], str]] = {
    str: lambda v: '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"',
    dt.date: lambda v: v.isoformat(),
    bool: lambda v: "t" if v else "f",
}


def array_text(values: Sequence[Any], *, zoned: bool = False) -> str | list[Any]:
    """``values`` as the text of a PostgreSQL array (what ``array_in`` reads: ``{1,NULL,"a"}``)
    when they are all of one plain kind (whole numbers, text, dates, booleans; times only for
    a ``timestamptz`` column, ``zoned``, where an offset means what psycopg would send), else
    the list itself for psycopg to dump. psycopg dumps a list element by element in Python:
    for a posting's batch of 2,800 ledger entries that was about a quarter of the posting
    process's CPU on PostgreSQL; a joined text is about a tenth of that."""
    kinds = set(map(type, values))
    kinds.discard(_NONE)
    if len(kinds) > 1:
        return list(values)
    kind = kinds.pop() if kinds else int
    if kind is dt.datetime and zoned:
        quote: Callable[[Any], str] = dt.datetime.isoformat
    elif kind is int:
        quote = str
    elif kind in _QUOTED:
        quote = _QUOTED[kind]
    else:
        return list(values)
    if None in values:
        return "{" + ",".join("NULL" if v is None else quote(v) for v in values) + "}"
    return "{" + ",".join(map(quote, values)) + "}"


def set_column(
    connection: Connection, table: str, column: str, values: Sequence[tuple[int, Any]]
) -> None:
    """Set ``column`` of each (id, value) of ``table`` on PostgreSQL in one ``UPDATE … FROM
    unnest(…)`` (the last value given for an id wins, as in an ``executemany``)."""
    if connection.dialect.name != "postgresql":
        raise ValueError("set_column is PostgreSQL's")
    last = dict(values)
    if not last:
        return
    kind = connection.exec_driver_sql(
        "SELECT format_type(atttypid, NULL) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attname = %s",
        (table, column),
    ).scalar_one()
    connection.exec_driver_sql(
        f"UPDATE {table} SET {column} = v.value FROM unnest(%s::integer[], %s::{kind}[]) "
        f"AS v(id, value) WHERE {table}.id = v.id",
        (list(last), list(last.values())),
    )
