"""Posting an 835 reads only its own rows: every query the poster and its underpayment
check run is answered on SQLite by a search of its own ids, never by reading every row of the
practice (issue 17: posting grew faster than the file; migration 0049).

SQLite keeps no statistics in a therabill database, and every query names the practice
(``therabill.store.models.base._name_the_practice``): then ``practice_id = ?`` on an index led
by the practice looks to the planner like a narrow search, and for ``claim_id IN (…500 ids…)``
it read every claim line of the practice through ``ix_claim_lines_control_number``, once per
batch. Each query the posting runs is captured and its plan read (``EXPLAIN QUERY PLAN``): on
the tables that grow with the practice's claims, a search by the practice alone
(``SEARCH … USING … INDEX … (practice_id=?)``) or a scan is a failure. PostgreSQL keeps
statistics and plans by them; SQLite only here.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event

from posting_fixtures import BULK_DAY, submitted_claims
from therabill.store.services import Store, remittances
from therabill.x12.remittance_835.builder import write_835

GROWING = (
    "claims", "claim_lines", "remittance_claims", "remittance_lines", "remittance_adjustments",
    "denials", "ledger_entries", "sessions", "underpayments", "claim_status_changes",
)  # fmt: skip


def test_every_query_of_a_posting_searches_its_own_rows(
    bulk: tuple[Store, dict[str, int]], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the SQLite planner (PostgreSQL plans by its statistics)")
    monkeypatch.setattr(remittances, "BATCH", 4)
    store, ids = bulk
    answers = submitted_claims(store, ids, 9)
    data = write_835(answers, trace="EFT-PLANS", paid_on=BULK_DAY + dt.timedelta(days=20))
    seen: dict[str, object] = {}

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            seen.setdefault(statement, parameters)

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with store.transaction(actor="biller") as work:
            posted = remittances.post_remittance(work=work, data=data.encode(), file_name="p.835")
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert posted.claims_posted == 9
    problems = []
    with store.engine.connect() as connection:
        for statement, parameters in seen.items():
            plan = [
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            ]
            bad = [step for step in plan if _reads_the_practice(step)]
            if bad:
                problems.append(f"{' '.join(statement.split())[:300]}\n    {bad}")
    assert len(seen) > 20  # the poster's and the check's queries were all seen
    assert not problems, "\n".join(problems)


def _reads_the_practice(step: str) -> bool:
    """A plan step that reads a growing table whole, or the practice's part of it."""
    found = re.match(r"^(SCAN|SEARCH) (\w+)", step)
    if found is None or found.group(2) not in GROWING:
        return False
    return found.group(1) == "SCAN" or step.rstrip().endswith("(practice_id=?)")
