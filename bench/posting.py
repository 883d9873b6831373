"""Posting speed and memory: the 835s of ``bench/x12_835.py`` (10,000 and 100,000 claims)
posted into SQLite and PostgreSQL.

The store is prepared first (not timed): a practice, a payer, a client, a provider, and one
submitted claim per CLP of the 835 with the lines it pays (same codes, units, charges, dates
and line control numbers), written with bulk inserts. Then a fresh process (``therabill`` as
``era post`` runs it) posts the file from its path with
``store.services.remittances.post_remittance`` in one transaction (two passes over the file:
check, then match, ledger, statuses, denials, reconciliation, underpayments, audit and ledger
seal, in batches), and the clock covers exactly that, commit included. Its peak memory is
that process's high-water mark (VmHWM), imports included, read before anything else runs.

Floor, in the same process and run: the ledger rows the posting wrote, inserted again into
``ledger_entries`` (same table, indexes and triggers: the seal's queue, the report sums;
rolled back), the least any poster writing them can take, written as the poster writes them:
SQLite, one plain DBAPI ``executemany`` with the sums' and seal queue's row triggers standing
aside, then the sums and the queue in one statement each (``store.bulk_writes``); PostgreSQL,
one plain ``INSERT … SELECT FROM unnest`` per 5,000 rows (there the ledger's report sums are
kept per statement, and an ``executemany`` is one statement per row).

PostgreSQL: a database is made (and dropped) on the server at
``THERABILL_BENCH_POSTGRES_URL`` or ``THERABILL_TEST_POSTGRES_URL``; without either the
section says "not measured". Target (issue 17): 100,000 claims in under 10 s, peak memory
under 200 MB whatever the file size.

Repeat with: ``.venv/bin/python -m bench posting [--quick]`` (quick: 1,000 and 5,000 claims).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bench.x12_835 import OUT, generate
from therabill.store.factories import (
    SLP_NPI,
    PracticeSpec,
    ProviderSpec,
    client,
    set_up_practice,
)
from therabill.store.models import ClaimLine, ClaimRecord, Policy
from therabill.store.services import open_store
from therabill.x12.remittance_835 import iter_claims

TITLE = "Posting an 835 into SQLite and PostgreSQL"
POSTGRES_ENVS = ("THERABILL_BENCH_POSTGRES_URL", "THERABILL_TEST_POSTGRES_URL")
TARGET_SECONDS, TARGET_MB = 10, 200
# Written through the services (the claims themselves are bulk-inserted).
BENCH_PRACTICE = PracticeSpec(
    name="Bench Therapy",
    providers=(ProviderSpec(SLP_NPI, "Pat", "Lee", "pt"),),
    clients=(
        client(
            "B-1",
            "Alex",
            "Bench",
            birth_date=dt.date(1980, 1, 1),
            payer="Acme Health Plan",
            member_id="M1",
        ),
    ),
)
LEDGER_COLUMNS = (
    "kind, amount_cents, responsibility, client_id, claim_line_id, claim_id, payer_id, "
    "effective_date, posted_at, actor, memo, receipt, reverses_id"
)

# The posting process: imports, then post the file from its path, then the floor.
CHILD = r"""
import json, os, sys, time
from pathlib import Path
from sqlalchemy import text
from therabill.store import bulk_writes
from therabill.store.services import open_store, remittances

def vm(name):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0

def backend_cpu(pid):
    # the PostgreSQL server backend's user + system CPU seconds (it runs on this machine)
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

url, path, columns = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
store = open_store(url)
started, cpu = time.perf_counter(), time.process_time()
with store.transaction(actor="bench") as work:
    pid = None
    if work.db.get_bind().dialect.name == "postgresql":
        pid = work.db.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    server = backend_cpu(pid)
    result = remittances.post_remittance(work=work, data=path, file_name=path.name)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
server = backend_cpu(pid) - server
peak = vm("VmHWM")
with store.engine.connect() as connection:
    entries = connection.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
    rows = [tuple(r) for r in connection.exec_driver_sql(f"SELECT {columns} FROM ledger_entries")]
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO ledger_entries ({columns}) VALUES ({', '.join([mark] * 13)})"
    if connection.dialect.name == "postgresql":
        # one INSERT … SELECT FROM unnest per 5,000 rows, as the poster writes them: the
        # ledger's sums are kept per statement there (report_sums.PER_STATEMENT)
        types = dict(connection.exec_driver_sql(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = 'ledger_entries'::regclass AND attnum > 0").all())
        names = [c.strip() for c in columns.split(",")]
        sql = (f"INSERT INTO ledger_entries ({columns}) SELECT * FROM unnest("
               + ", ".join(f"%s::{types[n]}[]" for n in names) + ")")
        params = [tuple(list(c) for c in zip(*rows[i : i + 5000]))
                  for i in range(0, len(rows), 5000)]
with store.engine.connect() as connection:
    floor = time.perf_counter()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT set_config('therabill.practice_id', '1', true)")
        for chunk in params:
            connection.exec_driver_sql(sql, chunk)
    else:
        # one executemany with the sums' and seal queue's row triggers standing aside, then
        # the sums and the queue in one statement each, as the poster writes them
        bulk_writes.insert_ledger(connection, [c.strip() for c in columns.split(",")], rows)
    floor = time.perf_counter() - floor
    connection.rollback()
store.dispose()
print(json.dumps({
    "seconds": seconds, "cpu": cpu, "server_cpu": server, "peak_mb": peak, "entries": entries, "floor": floor,
    "outcome": result.outcome, "claims": result.claims_posted,
    "exceptions": len(result.exceptions), "unreconciled": len(result.unreconciled),
}))
"""

# The post-835 job on SQLite, in parts: each part's transaction timed (wall and CPU of the
# job's thread), the whole job's CPU (the process's: the first read of the file included).
PARTS_CHILD = r"""
import json, os, sys, time
from contextlib import contextmanager
from pathlib import Path
from therabill.store.services import jobs, open_store

url, path = sys.argv[1], Path(sys.argv[2])
store = open_store(url)
with store.transaction(actor="bench") as work:
    job_id = jobs.create(work, kind="post-835", arguments={"file_name": path.name},
                         payload=path.read_bytes()).id
parts = []
real_unit = jobs.Units.unit

@contextmanager
def timed(self):
    wall, cpu = time.perf_counter(), time.thread_time()
    with real_unit(self) as work:
        yield work
    parts.append((time.perf_counter() - wall, time.thread_time() - cpu))

jobs.Units.unit = timed
started, cpu = time.perf_counter(), time.process_time()
status = jobs.run_job(store, job_id, worker="bench")
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
result = jobs.job_dict(store.sessions().get(jobs.Job, job_id))["result"] or {}
store.dispose()
walls = sorted(w for w, _ in parts)
cpus = sorted(c for _, c in parts)
print(json.dumps({
    "status": status, "seconds": seconds, "cpu": cpu, "parts": len(parts),
    "longest_wall": walls[-1], "longest_cpu": cpus[-1],
    "median_wall": walls[len(walls) // 2], "median_cpu": cpus[len(cpus) // 2],
    "parts_cpu": sum(cpus), "claims": (result.get("posted") or {}).get("claims_posted"),
    "outcome": result.get("outcome"), "load": os.getloadavg()[0],
}))
"""


def _prepare(url: str, remit: Path) -> int:
    store = open_store(url)
    built = set_up_practice(store, BENCH_PRACTICE, actor="bench")
    (payer_id,), (provider_id,), (client_id,) = built.payers, built.providers, built.clients
    with store.transaction(actor="bench") as work:
        policy_id = work.db.execute(
            select(Policy.id).where(Policy.client_id == client_id)
        ).scalar_one()
        claims: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        now = dt.datetime.now(dt.UTC)
        for payment in iter_claims(remit):
            claim_id = int(payment.patient_control_number[2:])
            day = payment.services[0].service_date or dt.date(2025, 12, 1)
            claims.append(
                {
                    "id": claim_id,
                    "client_id": client_id,
                    "payer_id": payer_id,
                    "policy_id": policy_id,
                    "provider_id": provider_id,
                    "date_of_service": day,
                    "status": "submitted",
                    "total_charge_cents": int(payment.charge * 100),
                    "frequency_code": "1",
                    "findings_json": "[]",
                    "created_at": now,
                }
            )
            for n, svc in enumerate(payment.services, 1):
                lines.append(
                    {
                        "claim_id": claim_id,
                        "line_number": n,
                        "date_of_service": svc.service_date or day,
                        "code": svc.procedure_code,
                        "modifiers": ",".join(svc.modifiers),
                        "minutes": 0,
                        "units": int(svc.units or 1),
                        "charge_cents": int(svc.charge * 100),
                        "diagnosis_pointers": "1",
                        "control_number": svc.control_number,
                    }
                )
        for start in range(0, len(claims), 20_000):
            work.db.execute(insert(ClaimRecord), claims[start : start + 20_000])
        for start in range(0, len(lines), 50_000):
            work.db.execute(insert(ClaimLine), lines[start : start + 50_000])
    store.dispose()
    return len(lines)


def _post(url: str, remit: Path) -> dict[str, Any]:
    """Post ``remit`` in a fresh process (see the module docstring); its figures."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(remit), LEDGER_COLUMNS],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"posting process failed: {done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _post_in_parts(url: str, remit: Path) -> dict[str, Any]:
    """Post ``remit`` as a post-835 job on SQLite, in parts, in a fresh process; its figures."""
    done = subprocess.run(
        [sys.executable, "-c", PARTS_CHILD, url, str(remit)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"posting job failed: {done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _measure_parts(remit: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, _database("sqlite", Path(tmp)) as url:
        _prepare(url, remit)
        return _post_in_parts(url, remit)


def parts_row(n: int, remit: Path, one_cpu: float) -> str:
    """The in-parts table's row for ``remit`` (``n`` claims), beside the one-transaction
    posting's CPU ``one_cpu``."""
    f = _measure_parts(remit)
    return (
        f"| {n:,} | {f['parts']:,} | **{f['longest_wall']:.2f} s** / {f['longest_cpu']:.2f} s "
        f"| {f['median_wall']:.2f} s / {f['median_cpu']:.2f} s | {f['seconds']:.1f} s | "
        f"{f['cpu']:.1f} s (one transaction: {one_cpu:.1f} s) | {f['load']:.1f} | "
        f"`{f['status']}`, `{f['outcome']}`, {f['claims']:,} claims |"
    )


def _server(backend: str, figures: dict[str, Any]) -> str:
    """The server's CPU for the posting: its backend's, read from ``/proc`` (PostgreSQL runs
    on this machine); SQLite has no server (its work is the process's CPU)."""
    return "—" if backend == "sqlite" else f"{figures['server_cpu']:.1f} s"


def _postgres_admin() -> str | None:
    for name in POSTGRES_ENVS:
        url = os.environ.get(name, "").strip()
        if url:
            return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return None


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    """A new empty database of ``backend``; dropped (PostgreSQL) afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    admin_url = _postgres_admin()
    assert admin_url is not None
    name = f"therabill_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _measure(backend: str, remit: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, _database(backend, Path(tmp)) as url:
        n_lines = _prepare(url, remit)
        figures = _post(url, remit)
    figures["lines"] = n_lines
    return figures


def run(quick: bool) -> str:
    sizes = (1_000, 5_000) if quick else (10_000, 100_000)
    OUT.mkdir(parents=True, exist_ok=True)
    files = {}
    for n in sizes:
        files[n] = OUT / f"remit_{n}.835"
        if not files[n].exists():
            generate(files[n], n)
    backends = ["sqlite", "postgresql"]
    rows = []
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for backend in backends:
        label = "SQLite (WAL, synchronous=FULL)" if backend == "sqlite" else "PostgreSQL"
        if backend == "postgresql" and _postgres_admin() is None:
            rows.append(f"| {label} | — | not measured (set {POSTGRES_ENVS[0]}) | | | | | | |")
            continue
        for n in sizes:
            f = found[(backend, n)] = _measure(backend, files[n])
            rows.append(
                f"| {label} | {n:,} | **{f['seconds']:.1f} s** ({n / f['seconds']:,.0f}/s) | "
                f"{f['cpu']:.1f} s | {_server(backend, f)} | {f['peak_mb']:.0f} MB | "
                f"{f['entries']:,} | "
                f"{f['floor']:.1f} s | `{f['outcome']}`, {f['exceptions']} exceptions, "
                f"{f['unreconciled']} unreconciled |"
            )
    big = sizes[-1]
    verdicts = []
    for backend in backends:
        f = found.get((backend, big))
        if f is None:
            verdicts.append(f"{backend}: not measured")
            continue
        small = found[(backend, sizes[0])]
        time_ok = "meets" if f["seconds"] < TARGET_SECONDS else "misses"
        cpu_ok = "meets" if f["cpu"] + f.get("server_cpu", 0) < TARGET_SECONDS else "misses"
        server = " and its server's" if backend == "postgresql" else ""
        mem_ok = "meets" if f["peak_mb"] < TARGET_MB else "misses"
        verdicts.append(
            f"{backend}: {time_ok} the time target by the wall clock ({cpu_ok} by this "
            f"process's CPU{server}), {mem_ok} the memory target ({small['peak_mb']:.0f} MB at "
            f"{sizes[0]:,} claims, {f['peak_mb']:.0f} MB at {big:,})"
        )
    parts_rows = [parts_row(n, files[n], found[("sqlite", n)]["cpu"]) for n in sizes]
    load = os.getloadavg()[0]
    size_mb = files[big].stat().st_size / 1e6
    return (
        f"## {TITLE}\n\n"
        f"`{files[big].name}` is {size_mb:.1f} MB. Each row is one fresh process posting one "
        "file from its path in one transaction (two passes over the file, batches of claims, "
        "bulk inserts; commit included). Seconds: wall clock, then that process's CPU (the "
        "figure to trust on a busy machine) and, for PostgreSQL, its server backend's CPU over "
        "the same posting (from `/proc/PID/stat` of `pg_backend_pid()`: the server runs on "
        "this machine; the statements' execution, triggers and foreign keys are there); peak: that process's high-water mark, "
        "interpreter and imports included. Floor: the same ledger rows inserted again in the "
        "same process (same table, indexes and triggers; rolled back), as the poster sends them: "
        "SQLite, one plain DBAPI `executemany` with the report sums' and seal queue's row "
        "triggers standing aside, then each sum and the queue in one statement "
        "(`store.bulk_writes`); PostgreSQL, one plain `INSERT … SELECT FROM unnest` per 5,000 "
        "rows (the ledger's report sums are kept per statement there, so an `executemany`, one "
        "statement per row, updates each sum once per row).\n\n"
        "| database | claims | post | CPU | server CPU | peak memory | ledger entries | floor: "
        "the ledger rows alone | result |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|\n" + "\n".join(rows) + "\n\n"
        f"Targets (issue 17: under {TARGET_SECONDS} s for 100,000 claims, under {TARGET_MB} MB "
        f"whatever the size): {'; '.join(verdicts)}. Load average during the run: {load:.1f} "
        f"on {os.cpu_count()} cores.\n\n"
        "### SQLite: the post-835 job in parts\n\n"
        "An 835 uploaded on the Remittances page, sent to the API or posted with `therabill era "
        "post` is posted by a `post-835` job, which on SQLite commits a part per batch of 500 "
        "claims, per payment's end and per page of 2,000 claims of the underpayment check, "
        "letting billers' saves in between (docs/jobs.md). The same files and store, posted by "
        "such a "
        "job in a fresh process (`jobs.run_job`): each part's transaction timed, wall clock "
        "and the job thread's CPU (the write lock is held that long); the whole job's wall "
        "clock and process CPU (the first read of the file, outside any part, included) "
        "beside the one-transaction posting's CPU above.\n\n"
        "| claims | parts | longest part (wall / CPU) | median part (wall / CPU) | job wall "
        "| job CPU | load | result |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---|\n" + "\n".join(parts_rows) + "\n\n"
        "Repeat: `.venv/bin/python -m bench posting` (`--quick`: 1,000 and 5,000 claims).\n"
    )
