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
statistics and plans by them: its test below checks that it has them for what a posting reads
back of the rows it writes (``store.planner_statistics``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from typing import Any

import pytest
from sqlalchemy import event

from db_backends import ROLE_ENV
from posting_fixtures import BULK_DAY, submitted_claims
from therabill.store.services import Store, remittances
from therabill.store.services.context import UnitOfWork
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


def test_postgres_plans_a_posting_by_the_rows_it_posts(
    bulk: tuple[Store, dict[str, int]], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL plans each query by its estimate of the rows it reads: a posting's look-ups
    of the rows it has just written in its own transaction must be estimated from statistics,
    or the planner takes ``practice_id = 1`` for a few rows and ``claim_id = ANY (…)`` for
    most of the table, and reads every row of the practice once per batch (sequential scans
    that grow with the file: docs/performance.md). Every scan of a growing table in the plans
    of the posting's queries, run again (``EXPLAIN ANALYZE``) in its transaction before it
    commits, must estimate its rows within a factor of ten of what it read (a search by the
    primary key reads what it asks for whatever the estimate: left out). At this size a
    sequential scan is the cheapest plan whatever the estimate, so the test reads the
    estimates, not the scans; without statistics they miss by more (an index led by the
    practice estimated at one row and reading 40)."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's planner statistics (SQLite's plans: the test above)")
    if os.environ.get(ROLE_ENV):
        pytest.skip("a role that does not own the tables cannot ANALYZE them (PostgreSQL 15)")
    monkeypatch.setattr(remittances, "BATCH", 20)
    store, ids = bulk
    answers = submitted_claims(store, ids, 120)
    data = write_835(answers, trace="EFT-PG-PLANS", paid_on=BULK_DAY + dt.timedelta(days=20))
    seen: dict[str, Any] = {}

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            seen[statement] = parameters  # the last batch's, the tables at their largest

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with store.transaction(actor="biller") as work:
            posted = remittances.post_remittance(work=work, data=data.encode(), file_name="p.835")
            event.remove(store.engine, "before_cursor_execute", capture)
            problems = [
                problem
                for statement, parameters in seen.items()
                for problem in _misestimated(work, statement, parameters)
            ]
    finally:
        if event.contains(store.engine, "before_cursor_execute", capture):
            event.remove(store.engine, "before_cursor_execute", capture)
    assert posted.claims_posted == 120
    assert len(seen) > 20
    assert not problems, "\n".join(problems)


def _misestimated(work: UnitOfWork, statement: str, parameters: Any) -> list[str]:
    """The scans of growing tables in ``statement``'s plan whose estimate of their rows is
    off by more than ten times (and more than ten rows)."""
    if "pg_" in statement or "FOR UPDATE" in statement.upper():
        return []
    cursor = work.db.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("SAVEPOINT plan_check")
    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters)
    (plan,) = cursor.fetchone()
    cursor.execute("ROLLBACK TO SAVEPOINT plan_check")
    found = []
    nodes = [(json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name") not in GROWING:
            continue
        if str(node.get("Index Name", "")).startswith("pk_"):
            continue  # by its primary key: only the rows asked for, whatever the estimate
        estimated, actual = node["Plan Rows"], node["Actual Rows"]
        if max(estimated, actual) > 10 * min(estimated, actual) + 10:
            found.append(
                f"{node['Node Type']} on {node['Relation Name']}: estimated {estimated} rows, "
                f"read {actual}\n    {' '.join(statement.split())[:300]}"
            )
    return found
