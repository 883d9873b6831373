"""Many practices in one PostgreSQL database: does each practice's work stay as fast as when
the practice is alone? Issue 17's aim: 100 practices of the large demo practice's size
(10,000 clients, 500,000 sessions each) with every per-practice report and list within its
single-practice time (indexes led by the practice, migration 0036).

Two databases on the same server, loaded the same way (bench/store.py's bulk loader, as
bench/reports.py loads its practice: clients imported through the service, weekly sessions
with their claims, lines and ledger entries bulk-inserted, the report sums built after the
load as the migration builds them): one with a single practice, one with ``practices``
practices of that same size, loaded one after another. Then the same reads are timed as a
biller runs them, each look a whole read action (a read transaction and its audit entry),
connected as a plain role (``NOSUPERUSER NOBYPASSRLS``) so that row-level security applies
as in a deployment: the practice alone; the first practice loaded among many (its rows are
the oldest of every table, the far end of any scan by id); the last one loaded. The first
look at each, then ``REPEAT`` more: median and p95.

Beside them, in the same run, the first practice once more with the practice left out of the
SQL (the session hook that names it removed, so only the row-level security policy's
``current_setting(…)`` says which practice): what the named practice buys the planner.

Size: ``THERABILL_BENCH_PRACTICES`` (default 100) practices of
``THERABILL_BENCH_PRACTICE_SESSIONS`` sessions (default 5,000; 50 per client). PostgreSQL
only: the database at ``THERABILL_BENCH_POSTGRES_URL`` or ``THERABILL_TEST_POSTGRES_URL``
(a superuser: it makes the databases and the role, and drops them).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.posting import _database, _postgres_admin
from bench.store import TODAY, Ids, _import_clients, _load_sessions
from therabill.store import migrate, report_sums, tenancy
from therabill.store.factories import set_up_practice
from therabill.store.models import base
from therabill.store.services import (
    Store,
    claims_queue,
    clients,
    open_store,
    practices,
    report_pages,
    reports,
    worklists,
)
from therabill.store.services.context import UnitOfWork
from therabill.store.services.demo import DEMO_PRACTICE
from therabill.store.services.paging import PageRequest
from therabill.store.services.users import Account, Role

TITLE = "Many practices in one PostgreSQL database"
FULL = {"practices": 100, "sessions": 5_000}
QUICK = {"practices": 4, "sessions": 1_000}
LARGE_DEMO = {"clients": 10_000, "sessions": 500_000}  # the large demo practice (bench/reports)
REPEAT = 15
BILLER = Account(1, "bench", "Bench", Role.BILLER, None)


def _reads(day: dt.date) -> dict[str, Callable[[UnitOfWork], object]]:
    """What a biller looks at, by name: each a service call in a read action."""
    reads: dict[str, Callable[[UnitOfWork], object]] = {
        "Claims queue: needing attention": lambda w: claims_queue.queue_page(
            w, claims_queue.QueueFilter(status="attention"), PageRequest(), today=TODAY
        ),
        "Claims queue: all, by date of service": lambda w: claims_queue.queue_page(
            w, claims_queue.QueueFilter(), PageRequest(sort="date"), today=TODAY
        ),
        "Claims (API): newest 200": lambda w: claims_queue.queue(w, claims_queue.QueueFilter()),
        "Clients by name": lambda w: worklists.client_page(
            w, BILLER, worklists.ClientFilter(), PageRequest(), today=TODAY
        ),
        "Client search (a last name)": lambda w: clients.search_clients(w, BILLER, "Last42"),
        "Sessions by date": lambda w: worklists.session_page(
            w, BILLER, worklists.SessionFilter(), PageRequest()
        ),
        "Sessions not billed": lambda w: worklists.session_page(
            w, BILLER, worklists.SessionFilter(billed="no"), PageRequest()
        ),
        "Dashboard: the day's sessions": lambda w: reports.todays_sessions(w, BILLER, today=day),
        "Dashboard: work queues": lambda w: worklists.work_queues(w, BILLER, today=TODAY),
        "Dashboard: money owed by age, claims needing attention": lambda w: (
            reports.aging_now(w.db, today=TODAY),
            reports.attention_counts(w.db),
        ),
    }
    for name, title in report_pages.REPORTS.items():
        reads[f"Report: {title}"] = lambda w, name=name: report_pages.build_report(
            w, name, today=TODAY
        )
    return reads


@contextmanager
def _app_role(admin_url: str) -> Iterator[str]:
    """A plain role (no superuser, no BYPASSRLS) with the grants docs/tenants.md gives; the
    URL it connects with. Dropped afterwards."""
    role = f"therabill_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        conn.execute(
            text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        )
        conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
    try:
        yield make_url(admin_url).set(username=role).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        engine.dispose()


def _ids(admin: Store, practice_id: int) -> Ids:
    """Where the practice's rows start (read as the owner, who sees every practice)."""
    with admin.engine.connect() as conn:

        def first(table: str) -> int:
            found = conn.execute(
                text(f"SELECT min(id) FROM {table} WHERE practice_id = :p"), {"p": practice_id}
            ).scalar()
            return int(found) - 1

        return Ids(
            session=int(conn.execute(text("SELECT coalesce(max(id), 0) FROM sessions")).scalar()),
            entry=int(
                conn.execute(text("SELECT coalesce(max(id), 0) FROM ledger_entries")).scalar()
            ),
            client=first("clients"),
            policy=first("policies"),
            payer=first("payers"),
            provider=first("providers"),
        )


def _load(admin: Store, app: Store, count: int, sessions: int, folder: Path) -> list[int]:
    """``count`` practices of ``sessions`` sessions each, one after another: set up and
    clients imported through the services as the plain role, sessions and their billing
    history bulk-loaded as the owner in the practice's scope. The practices' ids."""
    people = max(sessions // 50, 10)
    with admin.engine.begin() as connection:  # the bulk load writes the base tables only
        report_sums.drop_triggers(connection)
    loaded = []
    for number in range(1, count + 1):
        started = time.perf_counter()
        spec = replace(DEMO_PRACTICE, name=f"Bench Practice {number}")
        if number == 1:
            set_up_practice(app, spec, actor="bench")
            with app.reading(actor="bench") as work:
                practice_id = work.practice_id
            assert practice_id is not None
        else:
            practice_id = practices.add_practice(app, name=spec.name, actor="bench")
            with tenancy.practice_scope(practice_id):
                set_up_practice(app, spec, actor="bench")
        with tenancy.practice_scope(practice_id):
            _import_clients(app, people, folder)
            _load_sessions(
                admin, people, sessions, min(1000, sessions // 10), _ids(admin, practice_id)
            )
        loaded.append(practice_id)
        print(f"bench practices: practice {number}/{count} loaded in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    with admin.engine.begin() as connection:  # as the migration does
        report_sums.rebuild(connection)
        report_sums.create_triggers(connection)
        for table in ("sessions", "claims", "claim_lines", "ledger_entries"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    with admin.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return loaded


def _time(app: Store, practice_id: int, action: Callable[[UnitOfWork], object]) -> list[float]:
    """The first look, then ``REPEAT`` more (ms), each a whole read action."""
    times = []
    for _ in range(REPEAT + 1):
        started = time.perf_counter()
        with app.reading(actor="bench", practice=practice_id) as work:
            action(work)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _figures(times: list[float]) -> str:
    rest = sorted(times[1:])
    p95 = rest[max(0, int(len(rest) * 0.95) - 1)]
    return f"{times[0]:.1f} · {statistics.median(rest):.1f} / {p95:.1f}"


@contextmanager
def _practice_unnamed() -> Iterator[None]:
    """The queries without the practice in their SQL (row-level security's filter only)."""
    event.remove(Session, "do_orm_execute", base._name_the_practice)
    try:
        yield
    finally:
        event.listen(Session, "do_orm_execute", base._name_the_practice)


def _database_size(admin: Store) -> int:
    with admin.engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def run(quick: bool) -> str:
    size = dict(QUICK if quick else FULL)
    if os.environ.get("THERABILL_BENCH_PRACTICES"):
        size["practices"] = int(os.environ["THERABILL_BENCH_PRACTICES"])
    if os.environ.get("THERABILL_BENCH_PRACTICE_SESSIONS"):
        size["sessions"] = int(os.environ["THERABILL_BENCH_PRACTICE_SESSIONS"])
    if _postgres_admin() is None:
        return f"## {TITLE}\n\nNot measured: PostgreSQL only (set THERABILL_TEST_POSTGRES_URL).\n"
    people = max(size["sessions"] // 50, 10)
    per_client = size["sessions"] // people
    day = TODAY - dt.timedelta(days=14)  # in the loader's last full week of sessions
    assert per_client >= 3
    reads = _reads(day)
    columns: dict[str, dict[str, list[float]]] = {}
    notes = []
    with tempfile.TemporaryDirectory(prefix="therabill-bench-practices-") as folder:
        for label, count in (("alone", 1), ("many", size["practices"])):
            with _database("postgresql", Path(folder)) as url:
                admin = open_store(url)
                migrate.upgrade(admin.engine)
                with _app_role(url) as app_url:
                    app = open_store(app_url)
                    load_before = os.getloadavg()
                    started = time.perf_counter()
                    loaded = _load(admin, app, count, size["sessions"], Path(folder))
                    seconds = time.perf_counter() - started
                    with admin.engine.connect() as conn:
                        total = conn.execute(text("SELECT count(*) FROM sessions")).scalar_one()
                        entries = conn.execute(
                            text("SELECT count(*) FROM ledger_entries")
                        ).scalar_one()
                    bytes_used = _database_size(admin)
                    print(f"bench practices: {label}: {count} practices, {total:,} sessions "
                          f"in {seconds:.0f} s", file=sys.stderr)  # fmt: skip
                    measured = (
                        [("alone", loaded[0])]
                        if label == "alone"
                        else [("first", loaded[0]), ("last", loaded[-1])]
                    )
                    for column, practice_id in measured:
                        columns[column] = {
                            name: _time(app, practice_id, action) for name, action in reads.items()
                        }
                    if label == "many":
                        with _practice_unnamed():
                            columns["unnamed"] = {
                                name: _time(app, loaded[0], action)
                                for name, action in reads.items()
                            }
                    load_after = os.getloadavg()
                    app.dispose()
                admin.dispose()
            notes.append(
                f"**{'One practice alone' if label == 'alone' else f'{count} practices'}**: "
                f"{count:,} × {people:,} clients and {size['sessions']:,} sessions = "
                f"{total:,} sessions, {entries:,} ledger entries, database "
                f"{bytes_used / 2**20:,.0f} MB, loaded in {seconds:.0f} s "
                f"({total / seconds:,.0f} sessions/s, services and bulk load together). "
                f"Load average (1 min) {load_before[0]:.1f} before the load, "
                f"{load_after[0]:.1f} after the looks, on {os.cpu_count()} cores."
            )
            if label == "alone":
                base_bytes, base_sessions = bytes_used, total
            else:  # what each session adds, with its claim, lines, entries and indexes
                per_session = (bytes_used - base_bytes) / max(total - base_sessions, 1)
                rate = total / seconds
    full_sessions = 100 * LARGE_DEMO["sessions"]
    rows = []
    for name in reads:
        alone = statistics.median(sorted(columns["alone"][name][1:]))
        first = statistics.median(sorted(columns["first"][name][1:]))
        last = statistics.median(sorted(columns["last"][name][1:]))
        worst = max(first, last)
        verdict = "within" if worst <= alone * 1.25 + 2 else "SLOWER"
        rows.append(
            f"| {name} | {_figures(columns['alone'][name])} | {_figures(columns['first'][name])} "
            f"| {_figures(columns['last'][name])} | {worst / alone:.2f}× ({verdict}) "
            f"| {_figures(columns['unnamed'][name])} |"
        )
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"{size['practices']} practices of {size['sessions']:,} sessions each in one "
            f"PostgreSQL database, beside one practice of the same size alone in another: the "
            "same reads of one practice, each a whole read action (transaction and audit "
            "entry) as a plain role, so row-level security applies. Figures in ms: the first "
            f'look · then the median / p95 of {REPEAT} more. "Within": the slower of the '
            "first and the last practice's median is at most 1.25 × the practice alone's + 2 "
            "ms. The last column: the first practice again with the practice left out of the "
            "SQL (the policy's `current_setting(…)` the only filter).",
            "",
            *[note + "\n" for note in notes],
            "| Read | alone | among many: first loaded | among many: last loaded | "
            "many / alone (median) | first loaded, practice not named |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "Not the full size. Issue 17 asks for 100 practices of the large demo practice "
            f"({LARGE_DEMO['clients']:,} clients, {LARGE_DEMO['sessions']:,} sessions each: "
            f"{full_sessions:,} sessions). At this run's load rate ({rate:,.0f} sessions/s on "
            f"this 2-core machine) that is about {full_sessions / rate / 3600:.0f} hours of "
            f"loading and, at {per_session / 1024:.1f} KB a session with its claim, lines, "
            f"ledger entries and indexes, about {full_sessions * per_session / 2**30:,.0f} GB "
            "of disk: a run for a larger machine (COPY instead of INSERT would cut the load). "
            "The practices here are loaded one after another, so each one's rows lie together "
            "in the tables; in a live installation they interleave, which the indexes led by "
            "the practice serve the same way but a scan by id does not. Denials, remittances, "
            "statements, authorizations and payer insights have no rows in this load (their "
            "plans are checked by tests/store/test_practice_indexes.py instead).",
            "",
            "Repeat: `python -m bench practices` (`THERABILL_BENCH_PRACTICES=N`, "
            "`THERABILL_BENCH_PRACTICE_SESSIONS=M`; PostgreSQL with "
            "`THERABILL_TEST_POSTGRES_URL`).",
        ]
    )
