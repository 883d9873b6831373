"""The backup and restore drill (issue 14, item 4): a practice backed up while it is being
written restores into an empty database exactly as it stood at one commit — the audit log
verifies, every balance and every count matches — on SQLite and PostgreSQL; a database that
is not empty is never restored into."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db_backends import postgres_database
from posting_fixtures import HARBOUR, build_claim
from therabill.cli.main import app
from therabill.errors import InvalidInput, TherabillError
from therabill.ledger import EntryKind
from therabill.store import factories, migrate
from therabill.store.factories import PT_NPI
from therabill.store.models import Client, LedgerEntry
from therabill.store.services import Store, admin, ledger, open_store, restore

COUNTED = sorted(
    name
    for metadata in migrate.schema_metadata()
    for name in metadata.tables
    if name not in ("audit_log", "ledger_unsealed")
)

runner = CliRunner()


def snapshot(db: Session) -> dict[str, Any]:
    """Every table's row count and every balance (per client, claim and payer, by who owes)."""
    counts = {
        name: db.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in COUNTED
    }
    balances = {
        by: sorted(
            [
                tuple(row)
                for row in db.execute(
                    select(
                        column, LedgerEntry.responsibility, func.sum(LedgerEntry.amount_cents)
                    ).group_by(column, LedgerEntry.responsibility)
                )
            ],
            key=repr,
        )
        for by, column in (
            ("client", LedgerEntry.client_id),
            ("claim", LedgerEntry.claim_id),
            ("payer", LedgerEntry.payer_id),
        )
    }
    return {"counts": counts, "balances": balances}


@pytest.fixture
def target(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the same backend to restore into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        yield from postgres_database()


def test_a_practice_backed_up_while_written_restores_whole(
    store: Store, target: str, tmp_path: Path
) -> None:
    factories.set_up_practice(store, HARBOUR)
    build_claim(store, c97110=30, c97140=15)
    with store.sessions() as db:
        client_id = db.execute(select(Client.id).where(Client.chart_number == "C-1")).scalar_one()
    states: dict[int, dict[str, Any]] = {}  # by the ledger's length: the state each commit made
    written, stop = threading.Semaphore(0), threading.Event()
    failures: list[BaseException] = []

    def front_desk() -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                with store.transaction(actor="front-desk") as work:
                    factories.add_session(
                        work,
                        client="C-1",
                        provider=PT_NPI,
                        day=dt.date(2026, 10, 1) + dt.timedelta(days=n % 40),
                        services={"97110": 15 + n % 30},
                        start=dt.time(8 + n % 9, 0),
                    )
                    ledger.post_entry(
                        work=work,
                        kind=EntryKind.PATIENT_PAYMENT,
                        amount_cents=1000 + n,
                        client_id=client_id,
                        memo=f"copay {n}",
                    )
                    work.db.flush()
                    state = snapshot(work.db)
                    states[state["counts"]["ledger_entries"]] = state
                written.release()
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)
            written.release()

    writer = threading.Thread(target=front_desk)
    writer.start()
    for _ in range(3):
        written.acquire(timeout=60)
    backup = tmp_path / "practice.backup"
    try:
        admin.backup(store=store, path=backup, actor="admin")
        for _ in range(3):  # and it goes on being written after the copy
            written.acquire(timeout=60)
    finally:
        stop.set()
        writer.join(timeout=120)
    assert not failures, failures

    done = restore.restore(path=backup, url=target, actor="admin")
    assert done["audit"]["ok"], done["audit"]["problems"]
    assert done["audit"]["warnings"] == []
    restored = open_store(target)
    try:
        with restored.sessions() as db:
            now = snapshot(db)
        assert now == states[now["counts"]["ledger_entries"]]  # exactly one commit's state
        assert (
            3 <= now["counts"]["sessions"] < max(s["counts"]["sessions"] for s in states.values())
        )
        assert admin.verify_audit(store=restored).ok
        # the restored practice works on: a new entry is sealed and checks out
        with restored.transaction(actor="biller") as work:
            ledger.post_entry(
                work=work, kind=EntryKind.PATIENT_PAYMENT, amount_cents=500, client_id=client_id
            )
        assert admin.verify_audit(store=restored).ok
    finally:
        restored.dispose()

    with pytest.raises(TherabillError, match="is not empty"):
        restore.restore(path=backup, url=target)


def test_a_database_that_is_not_empty_is_refused(store: Store, tmp_path: Path) -> None:
    factories.set_up_practice(store, HARBOUR)
    backup = tmp_path / "practice.backup"
    admin.backup(store=store, path=backup)
    with pytest.raises(TherabillError, match=r"is not empty \(\d+ tables\)") as refused:
        restore.restore(path=backup, url=store.engine.url.render_as_string(hide_password=False))
    assert "new, empty database" in str(refused.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "neither a SQLite backup"), (b"ISA*00*...", "neither a SQLite backup")],
    ids=["empty-file", "an-835"],
)
def test_a_file_that_is_not_a_backup_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "not-a-backup"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        restore.restore(path=path, url=f"sqlite:///{tmp_path / 'new.sqlite3'}")


def test_a_backup_restored_under_another_key_says_to_put_the_key_back(
    store: Store, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factories.set_up_practice(store, HARBOUR)
    backup = tmp_path / "practice.backup"
    admin.backup(store=store, path=backup)
    monkeypatch.setenv("THERABILL_AUDIT_KEY", "a-new-machine-" + "k" * 32)
    with pytest.raises(TherabillError, match="put that key back"):
        restore.restore(path=backup, url=target)


def test_the_restore_command(
    store: Store, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factories.set_up_practice(store, HARBOUR)
    monkeypatch.setenv("THERABILL_DATABASE_URL", store.engine.url.render_as_string(False))
    backup = tmp_path / "practice.backup"
    made = runner.invoke(app, ["backup", str(backup)])
    assert made.exit_code == 0, made.output
    assert "Keep the audit key ($THERABILL_AUDIT_KEY) backed up too" in made.stdout
    refused = runner.invoke(app, ["restore", str(backup)])  # the practice's own database
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: the database ")
    assert "is not empty" in refused.stderr
    monkeypatch.setenv("THERABILL_DATABASE_URL", target)
    done = runner.invoke(app, ["restore", str(backup), "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["audit"]["ok"] and report["rows"]["clients"] == 2
    assert "Audit log intact" in runner.invoke(app, ["audit", "verify"]).stdout
