"""The Reports page at size: every report over a large practice (bench/store.py's bulk-loaded
practice: clients, weekly sessions, claims, lines and ledger entries) on SQLite, each a whole
user action (a read transaction with its audit entry), median and p95, beside the same figure
computed by one plain SQL query (sqlite3, no ORM, no audit) as the floor. Target (issue 16):
under 200 ms p95.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.store import TODAY, _import_clients, _load_sessions, _set_up, _timed
from therabill.store import migrate
from therabill.store.services import caches, open_store, report_pages

TITLE = "Reports at size"
FULL = {"clients": 10_000, "sessions": 500_000}
QUICK = {"clients": 200, "sessions": 5_000}
REPEAT = 7
TARGET_MS = 200.0
FLOORS = {
    "revenue": "SELECT strftime('%Y-%m', effective_date) m, sum(CASE WHEN kind='charge' THEN "
    "amount_cents ELSE 0 END), sum(CASE WHEN kind IN ('insurance_payment','patient_payment') "
    "THEN amount_cents ELSE 0 END) FROM ledger_entries WHERE effective_date BETWEEN ? AND ? "
    "GROUP BY m",
    "ar-days": "SELECT c.payer_id, sum(CASE WHEN e.kind='charge' THEN e.amount_cents WHEN e.kind "
    "IN ('insurance_payment','contractual_adjustment','transfer_to_patient') THEN -e.amount_cents "
    "ELSE 0 END) FROM ledger_entries e JOIN claims c ON c.id = e.claim_id GROUP BY c.payer_id",
    "unbilled": "SELECT provider_id, count(*), min(date_of_service) FROM sessions WHERE claim_id "
    "IS NULL GROUP BY provider_id",
    "productivity": "SELECT c.provider_id, sum(l.units), sum(l.charge_cents) FROM claim_lines l "
    "JOIN claims c ON c.id = l.claim_id WHERE l.date_of_service BETWEEN ? AND ? GROUP BY "
    "c.provider_id",
}


def run(quick: bool) -> str:
    size = QUICK if quick else dict(FULL)
    if os.environ.get("THERABILL_BENCH_REPORT_SESSIONS"):
        size["sessions"] = int(os.environ["THERABILL_BENCH_REPORT_SESSIONS"])
        size["clients"] = max(size["sessions"] // 50, 100)
    start, end = dt.date(TODAY.year - 1, TODAY.month, 1), TODAY
    with tempfile.TemporaryDirectory(prefix="therabill-bench-reports-") as folder:
        db_path = Path(folder) / "bench.sqlite3"
        store = open_store(f"sqlite:///{db_path}")
        migrate.upgrade(store.engine)
        _set_up(store)
        print(f"bench reports: {size['clients']:,} clients, {size['sessions']:,} sessions",
              file=sys.stderr)  # fmt: skip
        started = time.perf_counter()
        _import_clients(store, size["clients"], Path(folder))
        _load_sessions(store, size["clients"], size["sessions"], min(1000, size["sessions"] // 10))
        loaded = time.perf_counter() - started
        rows = []
        for name in report_pages.REPORTS:

            def action(name: str = name, cold: bool = False) -> object:
                if cold:  # nothing kept: the figures are summed from the tables
                    report_pages.REPORT_FIGURES = caches.Stamped("bench", keys=64)
                with store.reading(actor="bench") as work:
                    return report_pages.build_report(work, name, today=TODAY)

            action()  # warm the page cache and the statement cache once
            cold_median, cold_p95 = _timed(lambda name=name: action(name, cold=True), REPEAT)
            kept_median, kept_p95 = _timed(action, REPEAT)
            floor = ""
            if name in FLOORS:
                raw = sqlite3.connect(db_path)
                sql = FLOORS[name]
                args = (start.isoformat(), end.isoformat()) if "?" in sql else ()
                floor_median, _ = _timed(
                    lambda raw=raw, sql=sql, args=args: raw.execute(sql, args).fetchall(), REPEAT
                )
                raw.close()
                floor = f"{floor_median:.1f}"
            verdict = "met" if kept_p95 < TARGET_MS else "MISSED"
            rows.append(
                f"| {report_pages.REPORTS[name]} | {cold_median:.0f} / {cold_p95:.0f} | "
                f"{kept_median:.1f} / {kept_p95:.1f} ({verdict}) | {floor or '—'} |"
            )
        raw = sqlite3.connect(db_path)
        entries = raw.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
        raw.close()
        store.dispose()
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"SQLite (WAL), {size['clients']:,} clients, {size['sessions']:,} sessions, "
            f"{entries:,} ledger entries (bench/store.py's bulk load, {loaded:.0f} s). Each "
            f"report as a whole read action (transaction and audit entry), {REPEAT} runs after "
            "one warm-up; the floor is one plain `sqlite3` query for the same main figure. The "
            "figures are kept while the ledger's generation stays the same (and the sessions, for the "
            "reports that count them), so a second look costs a few look-ups; the first look "
            "after a change sums the tables; authorizations are always summed.",
            "",
            "| Report | summed from the tables: median / p95 ms | figures kept: median / p95 ms "
            "(< 200) | plain SQL floor, median ms |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            "Repeat: `python -m bench reports` (`THERABILL_BENCH_REPORT_SESSIONS=N` for another "
            "size).",
        ]
    )
