"""Posting works in chunks: a few hundred claims take a bounded number of SQL statements
(counted with a SQLAlchemy event listener), never one or more per claim. A timed test would
be flaky; this keeps the chunked shape of the poster from regressing (the speed itself is in
docs/performance.md, ``python -m bench posting``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select

from posting_fixtures import BULK_DAY, submitted_claims
from therabill.store import audit
from therabill.store.models import Denial, LedgerEntry
from therabill.store.services import Store, remittances
from therabill.x12.remittance_835.builder import write_835

# The statements a post may take whatever its size (checks, keys, audit, seal) and per chunk.
FIXED, PER_CHUNK = 40, 40


def statements_to_post(store: Store, data: bytes) -> tuple[int, remittances.PostingResult]:
    """Post ``data`` in one transaction; the SQL statements it sent (an executemany is one)."""
    sent = 0

    def count(*_: object) -> None:
        nonlocal sent
        sent += 1

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        with store.transaction(actor="tester") as work:
            result = remittances.post_remittance(work=work, data=data, file_name="many.835")
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return sent, result


@pytest.mark.parametrize("count", [300], ids=["300 claims"])
def test_posting_many_claims_takes_a_bounded_number_of_statements(
    bulk: tuple[Store, dict[str, int]], count: int
) -> None:
    store, ids = bulk
    answers = submitted_claims(store, ids, count)
    data = write_835(answers, trace="EFT-MANY", paid_on=BULK_DAY + dt.timedelta(days=20)).encode()
    sent, result = statements_to_post(store, data)
    assert (result.outcome, result.claims_posted, result.exceptions) == ("posted", count, [])
    assert result.denials_opened == count // 10
    chunks = -(-count // remittances.BATCH)
    assert sent <= FIXED + PER_CHUNK * chunks, f"{sent} statements for {count} claims"
    with store.transaction(actor="tester") as work:
        entries = work.db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
        denials = work.db.execute(select(func.count()).select_from(Denial)).scalar_one()
        assert audit.verify(work.db).ok
    assert denials == count // 10
    # per claim: 2 payments but the denied line's, 2 contractual write-downs, copays
    assert entries == 2 * count - count // 10 + 2 * count - count // 10 + -(-count // 3)
    again, second = statements_to_post(store, data)
    assert second.already_posted and again <= FIXED
