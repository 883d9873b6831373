"""The 835 poster keeps the ledger's report sums, its seal queue and the client revisions of
its rows itself, in one statement per batch (store/bulk_writes.py on SQLite, statement
triggers and ``unnest`` inserts on PostgreSQL): the sums equal a recount from the rows and the
sums the row triggers write for the same 835, every entry is sealed, and the revision moves
for the client posted to and no other."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from db_backends import postgres_database
from posting_fixtures import BULK_DAY, HARBOUR, first_of_each, submitted_claims
from therabill.store import audit, bulk_writes, factories, ledger_insert, report_sums
from therabill.store.services import Store, open_store, remittances
from therabill.x12.remittance_835.builder import write_835

COUNT = 23  # claims of 2 lines, some with a copay, some with a denied line
LEDGER_SUMS = bulk_writes.LEDGER_SUMS


def _post(store: Store, data: bytes) -> remittances.PostingResult:
    with store.transaction(actor="tester") as work:
        return remittances.post_remittance(work=work, data=data, file_name="kept.835")


def _revisions(store: Store) -> dict[int, int]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT client_id, revision FROM client_revisions"))
        return {int(client): int(revision) for client, revision in rows}


def _sums(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(
            tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}")).all()
        )
        for table in LEDGER_SUMS
    }


def test_a_posting_keeps_the_sums_the_seals_and_the_revisions(
    bulk: tuple[Store, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = bulk
    answers = submitted_claims(store, ids, COUNT)
    other = next(c for c in _revisions(store) if c not in (0, ids["client"]))
    before = _revisions(store)
    monkeypatch.setattr(remittances, "BATCH", 4)  # 6 batches: sums added to sums kept
    data = write_835(answers, trace="EFT-KEPT", paid_on=BULK_DAY + dt.timedelta(days=20))
    result = _post(store, data.encode())
    assert (result.outcome, result.claims_posted, result.exceptions) == ("posted", COUNT, [])
    with store.engine.connect() as connection:
        assert report_sums.differences(connection) == {}
        entries = connection.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
        waiting = connection.execute(text("SELECT count(*) FROM ledger_unsealed")).scalar_one()
    assert entries > 2 * COUNT and waiting == 0
    with store.transaction(actor="tester") as work:
        verified = audit.verify(work.db)  # every entry sealed, none twice
        assert verified.ok, verified.problems
    after = _revisions(store)
    assert after[ids["client"]] != before.get(ids["client"])
    assert after[other] == before[other]


def test_the_sums_are_those_the_row_triggers_write(
    home: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same 835 posted into two equal practices, once as the poster writes it and once
    with every row through the triggers (SQLite: the bulk writer never says it keeps them;
    PostgreSQL: an ``executemany``, each row its own statement): the same sum rows."""
    kept: dict[str, list[tuple[Any, ...]]] = {}
    with contextlib.ExitStack() as stack:
        if db_url.startswith("sqlite"):
            twin = f"sqlite:///{tmp_path / 'twin.sqlite3'}"
        else:
            twin = stack.enter_context(contextlib.contextmanager(postgres_database)())
        for way, url in (("poster", db_url), ("triggers", twin)):
            store = open_store(url)
            factories.set_up_practice(store, HARBOUR)
            answers = submitted_claims(store, first_of_each(store), COUNT)
            paid_on = BULK_DAY + dt.timedelta(days=20)
            data = write_835(answers, trace="EFT-TWIN", paid_on=paid_on)
            with monkeypatch.context() as patch:
                patch.setattr(remittances, "BATCH", 5)
                if way == "triggers":
                    patch.setattr(remittances.bulk_writes, "insert_ledger", _through_triggers)
                    patch.setattr(remittances.bulk_writes, "REVISED", ())
                    patch.setattr(remittances.ledger_insert, "insert_entries", _row_by_row)
                    patch.setattr(remittances.ledger_insert, "insert_rows", _rows_by_row)
                assert _post(store, data.encode()).claims_posted == COUNT
            with store.engine.connect() as connection:
                assert report_sums.differences(connection) == {}
                sums = _sums(connection)
            store.dispose()
            assert all(sums.values()), sums
            if way == "poster":
                kept = sums
            else:
                assert sums == kept


def _through_triggers(connection: Connection, columns: Any, rows: list[Any]) -> None:
    marks = ", ".join(["?"] * len(columns))
    connection.exec_driver_sql(
        f"INSERT INTO ledger_entries ({', '.join(columns)}) VALUES ({marks})", rows
    )


def _rows_by_row(connection: Connection, table: str, columns: Any, rows: Any) -> None:
    if rows:
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        connection.exec_driver_sql(sql, list(rows))


def _row_by_row(connection: Connection, entries: Any) -> None:
    _rows_by_row(connection, "ledger_entries", remittances.LEDGER_COLUMNS, entries)


def test_the_triggers_keep_the_sums_when_the_writer_does_not(
    bulk: tuple[Store, dict[str, int]], db_url: str
) -> None:
    """Every other writer's entries are kept by the triggers: the function answers 0 unless
    the bulk writer is inside its insert, and again after an insert that failed (which left
    none of its rows)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the bulk writer's gate is SQLite's")
    store, ids = bulk
    row = ("charge", 1000, "patient", ids["client"], None, None, None, "2026-10-05",
           "2026-10-05 09:00:00.000000", "tester", "", "", None)  # fmt: skip
    with store.engine.begin() as connection:
        with pytest.raises(IntegrityError):
            bad = (*row[:3], None, *row[4:])  # no client: NOT NULL
            bulk_writes.insert_ledger(connection, remittances.LEDGER_COLUMNS, [row, bad])
        assert connection.execute(text(f"SELECT {bulk_writes.FUNCTION}()")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM ledger_entries")).scalar() == 0
    with store.engine.begin() as connection:
        marks = ", ".join(["?"] * len(row))
        connection.exec_driver_sql(
            f"INSERT INTO ledger_entries ({', '.join(remittances.LEDGER_COLUMNS)}) "
            f"VALUES ({marks})",
            row,
        )
        assert report_sums.differences(connection) == {}
        owed = connection.execute(
            text("SELECT patient_cents FROM client_balances WHERE client_id = :c"),
            {"c": ids["client"]},
        ).scalar()
        queued = connection.execute(text("SELECT count(*) FROM ledger_unsealed")).scalar()
    assert (owed, queued) == (1000, 1)


def test_a_bulk_insert_is_queued_for_the_seal_as_its_runs(
    bulk: tuple[Store, dict[str, int]], db_url: str
) -> None:
    """The poster's bulk insert of ledger entries (one ``INSERT … unnest`` on PostgreSQL, the
    bulk writer's ``executemany`` on SQLite) queues them for the seal as their run of ids,
    one queue row and not one per entry (migration 0050); the seal covers each of them."""
    store, ids = bulk
    sqlite = db_url.startswith("sqlite")
    day = "2026-10-05" if sqlite else dt.date(2026, 10, 5)
    at = "2026-10-05 09:00:00.000000" if sqlite else dt.datetime(2026, 10, 5, 9, tzinfo=dt.UTC)
    entries = [
        ("charge", 100 + n, "patient", ids["client"], None, None, None, day, at, "tester",
         f"entry {n}", "", None)
        for n in range(40)
    ]  # fmt: skip
    with store.transaction(actor="tester") as work:
        connection = work.db.connection()
        if sqlite:
            bulk_writes.insert_ledger(connection, remittances.LEDGER_COLUMNS, entries)
        else:
            ledger_insert.insert_entries(connection, entries)
        first, last = connection.execute(text("SELECT min(id), max(id) FROM ledger_entries")).one()
        queued = connection.execute(text("SELECT entry_id, last_id FROM ledger_unsealed")).all()
        assert [tuple(q) for q in queued] == [(first, last)] and last - first == 39
        work.audit("test", "ledger", first, "40 entries")
    with store.engine.connect() as connection:
        waiting = connection.execute(text("SELECT count(*) FROM ledger_unsealed")).scalar_one()
        details = (
            connection.execute(text("SELECT detail FROM audit_log WHERE action = 'seal'"))
            .scalars()
            .all()
        )
    assert waiting == 0 and [d.split(" ")[1:3] for d in details] == [["n=40", f"{first}-{last}"]]
    with store.transaction(actor="tester") as work:
        verified = audit.verify(work.db)
        assert verified.ok, verified.problems
