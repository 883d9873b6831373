"""``claims build`` at size, on SQLite and PostgreSQL, each beside its floor.

The practice of bench/store.py (10,000 clients, 500,000 sessions with their billing history,
Medicare clients under plans of care, the paid claims' 835s posted) with its newest 10,000
sessions unbilled. The build runs
in a child process as the CLI and a job worker run it: the scrubber's tables loaded first
(once per process, timed apart), then one transaction. The child reports wall and CPU time and
its own peak memory (VmHWM).

The floor: the same rows the build wrote (claims, lines, status changes, authorization uses,
ledger charges, audit entries, and the sessions' claim ids) inserted into a copy of the
database as it stood before the build, by plain DBAPI ``executemany`` in one transaction: what
writing alone costs, with no reading, drafting or scrubbing. Target (issue 17): 5,000
sessions/s on both backends. PostgreSQL is measured when ``THERABILL_BENCH_POSTGRES_URL`` (or
``THERABILL_TEST_POSTGRES_URL``) names a server where databases may be created.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, make_url, text

from bench import store as practice_bench
from therabill.store import migrate
from therabill.store.engine import make_engine
from therabill.store.models import Authorization, AuthorizationCode
from therabill.store.services import Store, open_store

TITLE = "Claims build (SQLite and PostgreSQL)"
TARGET = 5_000  # sessions/s (issue 17)
# What a build writes, in the order the floor writes it; audit_log is keyed by seq.
TABLES = (
    ("claims", "id"),
    ("claim_lines", "id"),
    ("claim_status_changes", "id"),
    ("authorization_uses", "id"),
    ("ledger_entries", "id"),
    ("audit_log", "seq"),
)

_CHILD = """
import json, re, sys, time
from therabill.scrub import ScrubContext
from therabill.store.services import build, open_store

def peak_kb():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))

started = time.perf_counter()
tables = ScrubContext.load()
tables_seconds = time.perf_counter() - started
before_kb = peak_kb()
store = open_store(sys.argv[1])
started, cpu = time.perf_counter(), time.process_time()
with store.transaction(actor="bench") as work:
    built = build.build_claims(work=work, scrub_tables=tables)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
store.dispose()
print(json.dumps({"seconds": seconds, "cpu": cpu, "tables_seconds": tables_seconds,
                  "sessions": built.sessions_billed, "claims": len(built.claims),
                  "ready": built.ready, "draft": built.draft, "skipped": len(built.skipped),
                  "before_kb": before_kb, "peak_kb": peak_kb()}))
"""


def _prepare(store: Store, size: dict[str, int], folder: Path) -> None:
    """The practice, its history bulk-loaded, and that history's ledger entries sealed into
    the audit chain (the bulk load bypasses the services; sealing them is the load's work,
    not the build's)."""
    migrate.upgrade(store.engine)
    practice_bench._set_up(store)
    practice_bench._import_clients(store, size["clients"], folder)
    practice_bench._load_sessions(store, size["clients"], size["sessions"], size["build"])
    per_client = size["sessions"] // size["clients"]
    practice_bench._load_plans_of_care(
        store, size["clients"], practice_bench.TODAY - dt.timedelta(days=7 * per_client + 7)
    )
    # the paid claims' 835s, posted, as a practice's history has them: the KX rule counts
    # what they allowed and the scrubber's payer records read them
    practice_bench._load_remittances(store)
    _as_a_practice_bills(store, size)
    if store.engine.dialect.name == "postgresql":  # the bulk load gave ids: move the sequences on
        with store.engine.begin() as conn:
            for table in ("sessions", "claims", "claim_lines", "ledger_entries"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with store.transaction(actor="bench") as work:
        work.audit("load", "bench", "*", "bulk-loaded history sealed")


def _as_a_practice_bills(store: Store, size: dict[str, int]) -> None:
    """What a practice has in place before it builds the newest sessions: the Medicare PT and
    speech clients are past the year's KX threshold by November (25 weeks of history), so
    their therapists put KX on the sessions (medical necessity documented); the massage
    clients' payer requires prior authorization for 97124, so each has one. Without these
    (until session 14) the build made 585 drafts of 1,000 (KX and authorization errors the
    practice would have fixed first), not the claims a practice sends."""
    per_client = size["sessions"] // size["clients"]
    first_day = practice_bench.TODAY - dt.timedelta(days=7 * per_client + 7)
    with store.engine.begin() as conn:
        practice = conn.execute(text("SELECT min(practice_id) FROM clients")).scalar_one()
        # clients are imported in order: slot 0 and 1 (client_id - 1) % 5 are Medicare's
        conn.execute(
            text(
                "UPDATE session_services SET modifiers = 'KX' WHERE session_id IN"
                " (SELECT id FROM sessions WHERE claim_id IS NULL AND (client_id - 1) % 5 < 2)"
            )
        )
        massage = [
            row[0] for row in conn.execute(text("SELECT id FROM clients WHERE (id - 1) % 5 = 3"))
        ]
        payer = conn.execute(
            text("SELECT DISTINCT payer_id FROM claims WHERE (client_id - 1) % 5 = 3")
        ).scalar_one()
        for client in massage:
            authorization = conn.execute(
                insert(Authorization).returning(Authorization.id),
                {"practice_id": practice, "client_id": client, "payer_id": payer,
                 "number": f"BA{client:08d}", "discipline": "massage", "start_date": first_day,
                 "end_date": practice_bench.TODAY + dt.timedelta(days=90),
                 "units_approved": None, "visits_approved": None},
            ).scalar_one()  # fmt: skip
            conn.execute(
                insert(AuthorizationCode),
                {"practice_id": practice, "authorization_id": authorization, "code": "97124"},
            )


def _marks(url: str) -> dict[str, int]:
    """The largest id (seq) of each table the build writes."""
    engine = make_engine(url)
    with engine.connect() as conn:
        marks = {
            table: int(
                conn.execute(text(f"SELECT coalesce(max({key}), 0) FROM {table}")).scalar_one()
            )
            for table, key in TABLES
        }
    engine.dispose()
    return marks


def _written(url: str, marks: dict[str, int]) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """The rows the build wrote, as stored (raw DBAPI values), by table; ``sessions``: the
    (claim id, session id) pairs it billed."""
    engine = make_engine(url)
    raw = engine.raw_connection()
    out: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    try:
        cursor = raw.cursor()
        for table, key in TABLES:
            cursor.execute(f"SELECT * FROM {table} WHERE {key} > {marks[table]} ORDER BY {key}")
            out[table] = ([d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()])
        cursor.execute(
            f"SELECT claim_id, id FROM sessions WHERE claim_id > {marks['claims']} ORDER BY id"
        )
        out["sessions"] = (["claim_id", "id"], [tuple(r) for r in cursor.fetchall()])
    finally:
        raw.close()
        engine.dispose()
    return out


def _floor(url: str, rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> float:
    """Seconds to write ``rows`` into the database at ``url`` by plain ``executemany``, one
    statement per table, in one committed transaction."""
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        if sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        else:  # the practice the rows belong to, as every transaction names it (tenancy)
            cursor.execute("SELECT set_config('therabill.practice_id', '1', true)")
        for table, _ in TABLES:
            columns, values = rows[table]
            if values:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join([mark] * len(columns))})",
                    values,
                )
            if table == "claims":
                cursor.executemany(
                    f"UPDATE sessions SET claim_id = {mark} WHERE id = {mark} AND claim_id IS NULL",
                    rows["sessions"][1],
                )
        raw.commit()
        seconds = time.perf_counter() - started
    finally:
        raw.close()
        engine.dispose()
    return seconds


def _build(url: str) -> dict[str, Any]:
    """The build in a child process; ``THERABILL_BENCH_SRC`` runs another checkout's code
    (its ``src`` folder) on the same data, to compare versions."""
    env = dict(os.environ)
    if os.environ.get("THERABILL_BENCH_SRC"):
        env["PYTHONPATH"] = os.environ["THERABILL_BENCH_SRC"]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, url], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"the build failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _sqlite(size: dict[str, int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="therabill-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        store = open_store(url)
        _prepare(store, size, Path(folder))
        store.dispose()
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(path, Path(folder) / "floor.sqlite3")
        marks = _marks(url)
        print("bench claims_build: building on SQLite", file=sys.stderr, flush=True)
        figures = _build(url)
        figures["floor"] = _floor(
            f"sqlite:///{Path(folder) / 'floor.sqlite3'}", _written(url, marks)
        )
    return figures


def _postgres(server: str, size: dict[str, int]) -> dict[str, Any]:
    base = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"therabill_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    urls = {
        n: base.set(database=n).render_as_string(hide_password=False) for n in (name, name + "_f")
    }
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        with tempfile.TemporaryDirectory(prefix="therabill-bench-") as folder:
            store = open_store(urls[name])
            _prepare(store, size, Path(folder))
            store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}_f TEMPLATE {name}"))
        marks = _marks(urls[name])
        print("bench claims_build: building on PostgreSQL", file=sys.stderr, flush=True)
        figures = _build(urls[name])
        figures["floor"] = _floor(urls[name + "_f"], _written(urls[name], marks))
    finally:
        with admin.connect() as conn:
            for db in (name, name + "_f"):
                conn.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        admin.dispose()
    return figures


def _row(backend: str, f: dict[str, Any]) -> str:
    rate = f["sessions"] / f["seconds"]
    verdict = "met" if rate >= TARGET else "missed"
    return (
        f"| {backend} | {f['sessions']:,} → {f['claims']:,} ({f['ready']:,} ready, "
        f"{f['draft']:,} drafts) | **{rate:,.0f}/s** ({f['seconds']:.2f} s; {verdict}, "
        f"≥ {TARGET:,}/s) | {f['sessions'] / f['cpu']:,.0f}/s ({f['cpu']:.2f} s) | "
        f"{f['sessions'] / f['floor']:,.0f}/s ({f['floor']:.2f} s) | "
        f"{f['peak_kb'] / 1024:,.0f} MB ({(f['peak_kb'] - f['before_kb']) / 1024:,.0f} MB more "
        f"than with the tables loaded) | {f['tables_seconds']:.1f} s |"
    )


def run(quick: bool) -> str:
    size = practice_bench.QUICK if quick else practice_bench.FULL
    rows = [_row("SQLite (WAL, synchronous=FULL)", _sqlite(size))]
    server = os.environ.get("THERABILL_BENCH_POSTGRES_URL") or os.environ.get(
        "THERABILL_TEST_POSTGRES_URL"
    )
    if server:
        rows.append(_row("PostgreSQL", _postgres(server, size)))
    else:
        rows.append("| PostgreSQL | not measured: set THERABILL_BENCH_POSTGRES_URL | | | | | |")
    load = os.getloadavg()[0]
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"{size['clients']:,} clients, {size['sessions']:,} sessions of history (the paid "
            "claims' 835s posted; KX on the Medicare therapy clients' new sessions and the "
            "massage clients' authorizations on file, as a practice has them), the newest "
            f"{size['build']:,} unbilled; one claims build of them in one transaction (load "
            f"average at the end: {load:.1f} on {os.cpu_count()} cores).",
            "",
            "| Backend | Sessions → claims | Build, wall clock | Build, CPU of its process "
            "| Floor: the same rows by plain executemany | Peak memory of the build process "
            "| Scrub tables, once per process |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Before this build was set-based (issue 17), the same SQLite build ran at 377 "
            "sessions/s in bench/store.py, with per-claim ORM writes and queries (a figure "
            "that also counted sealing the bulk-loaded history's 2.4 million ledger entries "
            "into the audit chain, which the build's transaction did).",
            "",
            f"Repeat: `python -m bench{' --quick' if quick else ''} claims_build`",
        ]
    )
