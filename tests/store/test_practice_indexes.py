"""Each practice's lists and reports name the practice, and the database answers them from an
index led by ``practice_id`` (migration 0036): one practice's rows are one range of the index
however many practices share the database.

The SQL each service runs is captured and its plan read: PostgreSQL's ``EXPLAIN (FORMAT
JSON)``, connected as a plain role so row-level security applies as in a deployment, with
sequential scans priced out (``enable_seqscan = off``: a test database is small enough that a
table scan would win, and the question is whether an index led by the practice *can* answer);
SQLite's ``EXPLAIN QUERY PLAN``, where only a query that names the practice can search such an
index (``SEARCH … USING INDEX … (practice_id=? …``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from db_backends import drop_role, plain_role
from therabill.store import migrate, tenancy
from therabill.store.factories import PracticeSpec, build_one_claim, client, set_up_practice
from therabill.store.models import Client, Practice
from therabill.store.services import Store, claims_queue, open_store, report_pages, worklists
from therabill.store.services import denials as denials_service
from therabill.store.services import remittances as remittances_service
from therabill.store.services import reports as reports_service
from therabill.store.services.context import UnitOfWork
from therabill.store.services.paging import PageRequest
from therabill.store.services.users import Account, Role

TODAY = dt.date(2026, 11, 20)
BILLER = Account(1, "biller", "Biller", Role.BILLER, None)
CLIENT = client(payer="Acme Health Plan", member_id="M-1")

# (what a biller looks at, the table it lists, the service call)
LISTS: list[tuple[str, str, Callable[[UnitOfWork], object]]] = [
    ("claims needing attention", "claims", lambda w: claims_queue.queue_page(
        w, claims_queue.QueueFilter(status="attention"), PageRequest(), today=TODAY)),
    ("claims queue by date", "claims", lambda w: claims_queue.queue_page(
        w, claims_queue.QueueFilter(), PageRequest(sort="date"), today=TODAY)),
    ("clients by name", "clients", lambda w: worklists.client_page(
        w, BILLER, worklists.ClientFilter(), PageRequest(), today=TODAY)),
    ("sessions not billed", "sessions", lambda w: worklists.session_page(
        w, BILLER, worklists.SessionFilter(billed="no"), PageRequest())),
    ("today's sessions", "sessions", lambda w: reports_service.todays_sessions(
        w, BILLER, today=TODAY)),
    ("open denials", "denials", lambda w: denials_service.denials_page(
        w, denials_service.DenialFilter(), PageRequest(), today=TODAY)),
    ("open remittance exceptions", "remittance_exceptions",
     lambda w: remittances_service.exceptions_page(work=w, wanted=PageRequest())),
    ("authorization burn-down", "authorizations", lambda w: report_pages.build_report(
        w, "authorizations", today=TODAY)),
    ("revenue report", "ledger_day_sums", lambda w: report_pages.build_report(
        w, "revenue", today=TODAY)),
    ("client balances report", "client_balances", lambda w: report_pages.build_report(
        w, "aging-client", today=TODAY)),
]  # fmt: skip


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A practice with a claim, and on PostgreSQL a second practice beside it (the store is
    connected as a plain role there, so row-level security applies)."""
    postgres = db_url.startswith("postgresql")
    admin = open_store(db_url)
    migrate.upgrade(admin.engine)
    admin.dispose()
    role = f"therabill_app_{uuid.uuid4().hex[:10]}"
    url = db_url
    if postgres:
        url = plain_role(db_url, role)
    app = open_store(url)
    try:
        example = set_up_practice(app, PracticeSpec(clients=(CLIENT,)))
        build_one_claim(
            app, client=example.clients[0], provider=example.providers[0], day=TODAY,
            services={"97110": 30},
        )  # fmt: skip
        if postgres:
            with app.transaction(actor="admin") as work:
                other = Practice(name="Second office")
                work.db.add(other)
                work.db.flush()
                second = other.id
            with tenancy.practice_scope(second):
                set_up_practice(app, PracticeSpec(name="Second office", clients=(CLIENT,)))
        yield app
    finally:
        app.dispose()
        if postgres:
            drop_role(role, granted_in=db_url)


def _practice_led(connection: Any) -> dict[str, set[str]]:
    """Per table, the names of its indexes (primary and unique keys too) that start with
    ``practice_id``."""
    found: dict[str, set[str]] = {}
    schema = inspect(connection)
    for table in schema.get_table_names():
        names = {
            i["name"]
            for i in schema.get_indexes(table)
            if i["column_names"] and i["column_names"][0] == "practice_id"
        }
        names |= {
            u["name"]
            for u in schema.get_unique_constraints(table)
            if u["column_names"][0] == "practice_id"
        }
        primary = schema.get_pk_constraint(table)
        if primary["constrained_columns"][:1] == ["practice_id"]:
            names.add(primary["name"])
            if connection.dialect.name == "sqlite":
                names.add(f"sqlite_autoindex_{table}_1")
        found[table] = {str(n) for n in names if n}
    return found


def _captured(
    store: Store, action: Callable[[UnitOfWork], object], practice: int | None = 1
) -> list[tuple[str, Any]]:
    """The SELECTs ``action`` runs (the audit chain's own left out)."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "audit_log" not in sql:
            statements.append((sql, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with store.reading(actor="biller", practice=practice) as work:
            action(work)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    return statements


def _postgres_uses(plan: dict[str, Any], table: str, led: set[str], practice: int) -> list[str]:
    """Index nodes of ``plan`` over ``table`` through a practice-led index whose condition
    names the practice's id (not the policy's ``current_setting(…)``, which the planner
    cannot look up in the column's statistics)."""
    hits = []
    nodes = [plan]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name", table) != table or node.get("Index Name") not in led:
            continue
        if re.search(rf"\bpractice_id = {practice}\b", str(node.get("Index Cond", ""))):
            hits.append(f"{node['Node Type']} {node['Index Name']}: {node['Index Cond']}")
    return hits


@pytest.mark.parametrize("name, table, action", LISTS, ids=[name for name, _, _ in LISTS])
def test_a_practices_list_reads_an_index_led_by_the_practice(
    store: Store, name: str, table: str, action: Callable[[UnitOfWork], object]
) -> None:
    with store.engine.connect() as connection:
        led = _practice_led(connection)[table]
    assert led, f"{table} has no index led by practice_id"
    statements = [(s, p) for s, p in _captured(store, action) if f"FROM {table}" in s]
    assert statements, f"{name}: no query read {table}"
    practice_id = 1
    uses: list[str] = []
    postgres = store.engine.dialect.name == "postgresql"
    with store.reading(actor="biller", practice=practice_id) as work:
        connection = work.db.connection()
        if postgres:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for sql, params in statements:
            if postgres:
                plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", params).scalar()
                document = plan if isinstance(plan, list) else json.loads(plan)
                uses += _postgres_uses(document[0]["Plan"], table, led, practice_id)
            else:
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params):
                    detail = str(row[-1])
                    if detail.startswith(f"SEARCH {table} USING") and any(
                        f"INDEX {index} (practice_id=?" in detail for index in led
                    ):
                        uses.append(detail)
    assert uses, f"{name}: no query on {table} searched an index led by practice_id"


def test_every_practice_query_names_the_practice(db_url: str) -> None:
    """A query the ORM builds over a practice's table carries ``practice_id = <its
    practice>`` (in WHERE and in each join's ON), subqueries included; a transaction with no
    practice yet (before ``init`` makes one) adds nothing."""
    store = open_store(db_url)
    migrate.upgrade(store.engine)
    try:
        seen: list[str] = []
        event.listen(store.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        with Session(store.engine) as db:  # no practice yet: nothing to name
            db.execute(select(Client.id)).all()
        assert seen and "practice_id" not in seen[-1]
        set_up_practice(store, PracticeSpec(clients=(CLIENT,)))
        captured = _captured(
            store, lambda w: claims_queue.queue_page(
                w, claims_queue.QueueFilter(status="attention"), PageRequest(), today=TODAY)
        )  # fmt: skip
        # the page's rows: claims joined to their names, the balance a subquery, the page's
        # claims a subquery of their own
        page_sql = next(sql for sql, _ in captured if "JOIN clients" in sql)
        for name in ("claims", "clients", "payers", "providers", "ledger_entries"):
            assert f"{name}.practice_id = " in page_sql, name
        assert page_sql.count("claims.practice_id = ") >= 2, "the page's claims subquery"
    finally:
        store.dispose()
