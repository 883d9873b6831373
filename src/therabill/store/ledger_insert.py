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

from collections.abc import Sequence
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

_SQL = "therabill_ledger_unnest"  # Connection.info: the statement, made once per connection


def insert_entries(connection: Connection, entries: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``entries`` (tuples in :data:`COLUMNS` order) on PostgreSQL, a statement per
    :data:`ROWS_PER_STATEMENT`."""
    if connection.dialect.name != "postgresql":
        raise ValueError("insert_entries is PostgreSQL's; SQLite's sums are kept per row")
    if not entries:
        return
    sql = connection.info.get(_SQL)
    if sql is None:
        types: dict[str, str] = dict(
            connection.exec_driver_sql(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = 'ledger_entries'::regclass AND attnum > 0"
            ).all()
        )
        arrays = ", ".join(f"%s::{types[name]}[]" for name in COLUMNS)
        sql = f"INSERT INTO ledger_entries ({', '.join(COLUMNS)}) SELECT * FROM unnest({arrays})"
        connection.info[_SQL] = sql
    for start in range(0, len(entries), ROWS_PER_STATEMENT):
        chunk = entries[start : start + ROWS_PER_STATEMENT]
        connection.exec_driver_sql(sql, tuple(list(c) for c in zip(*chunk, strict=True)))
