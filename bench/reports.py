"""The Reports page at size: every report over a large practice (bench/store.py's bulk-loaded
practice: clients, weekly sessions, claims, lines and ledger entries) on SQLite and
PostgreSQL. Target (issue 16): under 200 ms p95 for each, at 10,000 clients and 500,000
sessions.

Each look is a whole user action (a read transaction with its audit entry) made right after a
change (a client payment posted through the ledger service, not timed): nothing is kept
between looks, the figures come from the report sums the database keeps as rows are written
(``therabill.store.report_sums``). Beside it, in the same run, two floors: one plain SQL
statement for the report's main figure over the sums (the least a report reading them can
take), and the same figure summed from the base tables (what any report that sums at read
time costs at least; for the reports that read base tables only, the one floor).

The bulk load writes the base tables with the sums' triggers set aside and then builds the
sums as the migration does for an existing database (timed: "building the sums").
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from bench.posting import _database, _postgres_admin
from bench.store import TODAY, _import_clients, _load_sessions, _set_up, _timed
from therabill.ledger import EntryKind
from therabill.store import migrate, report_sums
from therabill.store.services import ledger, open_store, report_pages

TITLE = "Reports at size"
FULL = {"clients": 10_000, "sessions": 500_000}
QUICK = {"clients": 200, "sessions": 5_000}
REPEAT = 15
TARGET_MS = 200.0
START, END = dt.date(TODAY.year - 1, TODAY.month, 1), TODAY
SINCE = TODAY - dt.timedelta(days=90)
JAN_1 = dt.date(TODAY.year, 1, 1)
# What the insurer owes after each entry (therabill.ledger.effect, for the floors only).
INSURANCE = (
    "CASE WHEN kind = 'charge' AND responsibility = 'insurance' THEN amount_cents "
    "WHEN kind IN ('insurance_payment', 'contractual_adjustment', 'transfer_to_patient') "
    "THEN -amount_cents ELSE 0 END"
)
PATIENT = (
    "CASE WHEN kind = 'transfer_to_patient' OR (kind = 'charge' AND responsibility = 'patient') "
    "THEN amount_cents WHEN kind IN ('patient_payment', 'write_off') AND responsibility = "
    "'patient' THEN -amount_cents WHEN kind = 'refund' THEN amount_cents ELSE 0 END"
)
BUCKET = (
    f"CASE WHEN $d >= '{TODAY - dt.timedelta(days=30)}' THEN 0 "
    f"WHEN $d >= '{TODAY - dt.timedelta(days=60)}' THEN 1 "
    f"WHEN $d >= '{TODAY - dt.timedelta(days=90)}' THEN 2 ELSE 3 END"
)


def floors(month: Callable[[str], str]) -> dict[str, tuple[str | None, str]]:
    """Per report: (plain SQL over the sums, plain SQL over the base tables)."""
    money = (
        "sum(CASE WHEN kind = 'charge' THEN amount_cents ELSE 0 END), "
        "sum(CASE WHEN kind IN ('insurance_payment', 'patient_payment') THEN amount_cents "
        "ELSE 0 END)"
    )
    return {
        "revenue": (
            f"SELECT {month('effective_date')} m, {money} FROM ledger_day_sums WHERE "
            f"effective_date BETWEEN '{START}' AND '{END}' GROUP BY m",
            f"SELECT {month('effective_date')} m, {money} FROM ledger_entries WHERE "
            f"effective_date BETWEEN '{START}' AND '{END}' GROUP BY m",
        ),
        "ar-days": (
            f"SELECT payer_id, sum({INSURANCE}) FROM service_day_sums GROUP BY payer_id",
            f"SELECT c.payer_id, sum({INSURANCE.replace('amount_cents', 'e.amount_cents')}) "
            "FROM ledger_entries e JOIN claims c ON c.id = e.claim_id GROUP BY c.payer_id",
        ),
        "aging-insurance": (
            f"SELECT payer_id, b, sum(o) FROM (SELECT payer_id, {BUCKET.replace('$d', 'date_of_service')} "
            f"b, {INSURANCE} o FROM service_day_sums) s GROUP BY payer_id, b",
            f"SELECT payer_id, b, sum(o) FROM (SELECT c.payer_id, "
            f"{BUCKET.replace('$d', 'c.date_of_service')} b, "
            f"{INSURANCE.replace('amount_cents', 'e.amount_cents')} o FROM ledger_entries e "
            "JOIN claims c ON c.id = e.claim_id WHERE c.status <> 'draft') s GROUP BY payer_id, b",
        ),
        "aging-client": (
            f"SELECT client_id, sum({PATIENT}) o FROM client_sums GROUP BY client_id "
            "ORDER BY o DESC LIMIT 25",
            f"SELECT client_id, sum({PATIENT}) o FROM ledger_entries GROUP BY client_id "
            "ORDER BY o DESC LIMIT 25",
        ),
        "denials": (
            None,
            "SELECT carc, payer_id, count(*), sum(amount_cents) FROM denials WHERE opened_on "
            f"BETWEEN '{START}' AND '{END}' GROUP BY carc, payer_id",
        ),
        "unbilled": (
            None,
            "SELECT provider_id, count(*), min(date_of_service) FROM sessions WHERE claim_id "
            f"IS NULL AND date_of_service <= '{TODAY}' GROUP BY provider_id",
        ),
        "authorizations": (
            None,
            "SELECT a.id, sum(u.units) FROM authorizations a LEFT JOIN authorization_uses u "
            f"ON u.authorization_id = a.id WHERE a.start_date <= '{TODAY}' AND a.end_date >= "
            f"'{TODAY}' GROUP BY a.id",
        ),
        "visit-limits": (
            None,
            "SELECT client_id, payer_id, provider_id, count(DISTINCT date_of_service) FROM "
            f"claims WHERE date_of_service >= '{JAN_1}' AND status <> 'void' AND "
            "frequency_code <> '8' GROUP BY client_id, payer_id, provider_id",
        ),
        "productivity": (
            "SELECT provider_id, sum(sessions) FROM session_day_counts WHERE date_of_service "
            f"BETWEEN '{START}' AND '{END}' GROUP BY provider_id",
            "SELECT provider_id, count(*) FROM sessions WHERE date_of_service "
            f"BETWEEN '{START}' AND '{END}' GROUP BY provider_id",
        ),
    }


def _month(dialect: str) -> Callable[[str], str]:
    if dialect == "sqlite":
        return lambda column: f"strftime('%Y-%m', {column})"
    return lambda column: f"to_char({column}, 'YYYY-MM')"


def _plain(engine: Engine, sql: str) -> float:
    with engine.connect() as connection:  # a transaction of its own, ended before the next look
        median, _ = _timed(lambda: connection.exec_driver_sql(sql).fetchall(), 5)
    return median


def _measure(backend: str, size: dict[str, int], folder: Path) -> tuple[list[str], str]:
    with _database(backend, folder) as url:
        store = open_store(url)
        migrate.upgrade(store.engine)
        _set_up(store)
        load_before = os.getloadavg()
        started = time.perf_counter()
        _import_clients(store, size["clients"], folder)
        with store.engine.begin() as connection:  # the bulk load writes the base tables only
            report_sums.drop_triggers(connection)
        _load_sessions(store, size["clients"], size["sessions"], min(1000, size["sessions"] // 10))
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        with store.engine.begin() as connection:  # as the migration does
            report_sums.rebuild(connection)
            report_sums.create_triggers(connection)
            connection.exec_driver_sql("ANALYZE")
            if backend == "postgresql":  # the bulk load wrote its own ids
                for table in ("sessions", "claims", "claim_lines", "ledger_entries"):
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
        built = time.perf_counter() - started
        print(f"bench reports: {backend} loaded in {loaded:.0f} s, sums built in {built:.1f} s",
              file=sys.stderr)  # fmt: skip
        client = iter(range(10**9))

        def look(name: str) -> Callable[[], object]:
            def action() -> object:
                with store.reading(actor="bench") as work:
                    return report_pages.build_report(work, name, today=TODAY)

            return action

        def change() -> None:
            with store.transaction(actor="bench") as work:
                ledger.post_entry(work=work, kind=EntryKind.PATIENT_PAYMENT, amount_cents=2500,
                                  client_id=1 + next(client) % size["clients"],
                                  effective_date=TODAY)  # fmt: skip

        rows = []
        plain = floors(_month(store.engine.dialect.name))
        for name in report_pages.REPORTS:
            look(name)()  # warm the page cache and the statement cache once
            times = []
            for _ in range(REPEAT):
                change()
                times.append(_timed(look(name), 1)[0])
            times.sort()
            median, p95 = times[len(times) // 2], times[int(len(times) * 0.95) - 1]
            over_sums, over_base = plain[name]
            sums_ms = f"{_plain(store.engine, over_sums):.1f}" if over_sums else "—"
            base_ms = f"{_plain(store.engine, over_base):.1f}"
            verdict = "met" if p95 < TARGET_MS else "MISSED"
            rows.append(
                f"| {report_pages.REPORTS[name]} | {median:.1f} / {p95:.1f} ({verdict}) | "
                f"{sums_ms} | {base_ms} |"
            )
        with store.engine.connect() as check:
            entries = check.exec_driver_sql("SELECT count(*) FROM ledger_entries").scalar_one()
            wrong = report_sums.differences(check)
        load_after = os.getloadavg()
        store.dispose()
    label = "SQLite (WAL)" if backend == "sqlite" else "PostgreSQL"
    head = (
        f"**{label}**: {size['clients']:,} clients, {size['sessions']:,} sessions, "
        f"{entries:,} ledger entries (bulk load {loaded:.0f} s; building the sums of the loaded "
        f"database, as the migration does: {built:.1f} s; the sums "
        f"{'equal' if not wrong else 'DIFFER FROM'} the sums of their rows after the run). "
        f"Load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after, on "
        f"{os.cpu_count()} cores."
    )
    return rows, head


def run(quick: bool) -> str:
    size = QUICK if quick else dict(FULL)
    if os.environ.get("THERABILL_BENCH_REPORT_SESSIONS"):
        size["sessions"] = int(os.environ["THERABILL_BENCH_REPORT_SESSIONS"])
        size["clients"] = max(size["sessions"] // 50, 100)
    backends = ["sqlite"] + (["postgresql"] if _postgres_admin() else [])
    sections = []
    for backend in backends:
        print(f"bench reports: {backend}, {size['clients']:,} clients, "
              f"{size['sessions']:,} sessions", file=sys.stderr)  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="therabill-bench-reports-") as folder:
            rows, head = _measure(backend, size, Path(folder))
        sections += [
            head,
            "",
            "| Report | first look after a change: median / p95 ms (< 200) | plain SQL over "
            "the sums, median ms | plain SQL over the base tables, median ms |",
            "|---|---:|---:|---:|",
            *rows,
            "",
        ]
    if "postgresql" not in backends:
        sections.append("PostgreSQL: not measured (set THERABILL_TEST_POSTGRES_URL).\n")
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"Each report as a whole read action (transaction and audit entry), {REPEAT} looks, "
            "each right after a client payment was posted (nothing is kept between looks: the "
            "report sums are written with the ledger, so the first look after a change is "
            "the look). The floors are one plain SQL statement for the report's main figure "
            "through the driver (no ORM, no audit), median of 5.",
            "",
            *sections,
            "Repeat: `python -m bench reports` (`THERABILL_BENCH_REPORT_SESSIONS=N` for another "
            "size; PostgreSQL with `THERABILL_TEST_POSTGRES_URL`).",
        ]
    )
