"""The PostgreSQL bulk ledger insert names every column an entry has: a column it left out
would silently take its default on every charge a build or a posting writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import create_engine

from therabill.store import ledger_insert, ledger_seal
from therabill.store.models import Base

FROM_THE_DATABASE = {"id", "practice_id"}  # the sequence, and the transaction's practice


def test_the_insert_names_every_column_of_an_entry() -> None:
    table = {column.name for column in Base.metadata.tables["ledger_entries"].columns}
    assert set(ledger_insert.COLUMNS) == table - FROM_THE_DATABASE
    assert len(set(ledger_insert.COLUMNS)) == len(ledger_insert.COLUMNS)


def test_the_insert_and_the_seal_cover_the_same_entry() -> None:
    """Kept as two lists on purpose: the seal's is fixed forever (seals already written must
    still check), the insert's follows the table. Today they agree but for the id."""
    sealed_but_the_id = tuple(c for c in ledger_seal.SEALED_COLUMNS if c != "id")
    assert sealed_but_the_id == ledger_insert.COLUMNS


def test_sqlite_keeps_its_sums_per_row_and_refuses_the_bulk_insert() -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as connection, pytest.raises(ValueError, match="PostgreSQL's"):
        ledger_insert.insert_entries(connection, [("charge",)])


def test_the_arrays_sent_as_text_arrive_as_the_values_given(db_url: str) -> None:
    """``array_text`` writes each column of a bulk insert as the text of an array: quotes,
    backslashes, braces, commas, empty text, the word NULL, non-ASCII, nulls, dates, times with
    their offset and booleans arrive as given; a column of mixed kinds (or decimals) is left to
    psycopg."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's bulk insert")
    moment = dt.datetime(2026, 12, 7, 23, 1, 2, 345678, tzinfo=dt.UTC)
    rows = [
        (1, 'say "hi"', dt.date(2026, 1, 2), moment, True, Decimal("1.25"), 7),
        (None, "back\\slash, {braces} ", None, moment.replace(microsecond=0), False, None, "x"),
        (-3, "", dt.date(1999, 12, 31), None, None, Decimal("0"), None),
        (
            2**40,
            "NULL",
            dt.date(2026, 12, 8),
            moment.astimezone(dt.timezone(dt.timedelta(hours=-5))),
            True,
            Decimal("-7"),
            8,
        ),
        (0, "café ☕ \t tab", None, None, None, None, None),
    ]
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "CREATE TEMP TABLE bulk_check (n bigint, t varchar(80), d date, "
                "at timestamptz, b boolean, m numeric(9, 2), mixed text, seq serial)"
            )
            columns = ("n", "t", "d", "at", "b", "m", "mixed")
            mixed = [(*r[:6], None if r[6] is None else str(r[6])) for r in rows]
            ledger_insert.insert_rows(connection, "bulk_check", columns, mixed)
            found = connection.exec_driver_sql(
                "SELECT n, t, d, at, b, m, mixed FROM bulk_check ORDER BY seq"
            ).all()
            connection.rollback()
    finally:
        engine.dispose()
    assert [tuple(r) for r in found] == mixed
    assert ledger_insert.array_text([1, None, 3]) == "{1,NULL,3}"
    assert ledger_insert.array_text([1, "a"]) == [1, "a"]  # mixed: psycopg dumps it
    assert ledger_insert.array_text([Decimal(1)]) == [Decimal(1)]
    assert ledger_insert.array_text([moment]) == [moment]  # a time for a column without zone
