"""A statement run at size: who owes comes from one grouped SQL sum that agrees with the
ledger's own arithmetic for every kind and responsibility, chunks of clients give the same
statements as one pass, and a dry run (the Statements page's preview) records nothing."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from paper_fixtures import DAY
from sqlalchemy import func, select
from test_statements import _second_client, remitted

from clock import TODAY
from therabill.ledger import EntryKind, Responsibility, balance_of
from therabill.ledger.entries import EntryFacts
from therabill.store import factories
from therabill.store.models import Client, LedgerEntry, Statement, StatementRun
from therabill.store.services import Store, balances, statements


def test_the_sql_sum_agrees_with_the_ledger_for_every_kind(
    store: Store, practice: factories.ExamplePractice
) -> None:
    combos = list(itertools.product(EntryKind, Responsibility))
    with store.transaction() as work:
        client_id = work.db.execute(select(Client.id)).scalars().first()
        assert client_id is not None
        for n, (kind, who) in enumerate(combos):  # amounts 2**n: every term shows in the sum
            work.db.add(LedgerEntry(
                kind=kind.value, amount_cents=2**n, responsibility=who.value, client_id=client_id,
                effective_date=DAY, actor="t", memo="",
            ))  # fmt: skip
        work.db.flush()
        expected = balance_of(EntryFacts(k, 2**n, w) for n, (k, w) in enumerate(combos))
        assert balances.patient_balances(work) == {client_id: expected.patient_cents}
        assert (
            balances.patient_balances(work, [client_id], through=DAY - dt.timedelta(days=1)) == {}
        )
        assert balances.patient_balances(work, []) == {}


def test_chunks_make_the_same_statements_and_a_dry_run_records_nothing(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for chart in ("C-2", "C-3", "C-4", "C-5"):
        _second_client(store, chart)
    for n, chart in enumerate(("C-1", "C-2", "C-3", "C-4", "C-5")):
        remitted(store, DAY - dt.timedelta(days=n), client=chart, coinsurance=1000 + n)
    with store.transaction(actor="biller") as work:
        preview = statements.run_statements(work=work, through=TODAY, dry_run=True)
        assert work.db.execute(select(func.count()).select_from(StatementRun)).scalar() == 0
    assert [m["balance_cents"] for m in preview.made] == [1000, 1001, 1002, 1003, 1004]
    assert preview.made[0]["client_name"] == "Ada Example" and preview.made[0]["number"] is None
    monkeypatch.setattr(statements, "CHUNK", 2)
    heard: list[tuple[int, int]] = []
    with store.transaction(actor="biller") as work:
        done = statements.run_statements(
            work=work, through=TODAY, folder=tmp_path / "out",
            progress=lambda d, t: heard.append((d, t)),
        )  # fmt: skip
    assert heard == [(2, 5), (4, 5), (5, 5)]  # a job's progress, chunk by chunk
    with store.read_sessions() as db:
        rows = list(db.execute(select(Statement).order_by(Statement.id)).scalars())
    assert [m["balance_cents"] for m in done.made] == [1000, 1001, 1002, 1003, 1004]
    assert [r.number for r in rows] == [m["number"] for m in done.made]
    assert all(r.number == f"S-{TODAY:%Y%m}-{r.id:06d}" for r in rows)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{r.number}.pdf" for r in rows
    )
    with store.transaction(actor="biller") as work:
        again = statements.run_statements(work=work, through=TODAY, dry_run=True)
    assert again.made == [] and again.already == 5
