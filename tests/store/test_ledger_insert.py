"""The PostgreSQL bulk ledger insert names every column an entry has: a column it left out
would silently take its default on every charge a build or a posting writes."""

from __future__ import annotations

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
