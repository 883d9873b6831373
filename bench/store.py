"""The practice's records at size: 10,000 clients and 500,000 sessions on SQLite.

Figures: client CSV import rate (through the service layer: every row checked, audited), and
the time to show one client's ledger and to list the claims needing attention, each a whole
user action (one transaction, the audit entry written and committed with synchronous=FULL).
``claims build`` on this practice is bench/claims_build.py's.
Target (issue 4): ledger and claims list each under 50 ms at full size on SQLite.

The 500,000 sessions and their billing history (claims, lines, ledger entries) are loaded
with bulk inserts; only the newest sessions are left unbilled (bench/claims_build.py builds them).
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from therabill.store import migrate
from therabill.store.factories import CERTIFIER, set_up_practice
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    LedgerEntry,
    PlanOfCare,
    RemittanceFile,
    RemittanceRecord,
    SessionDiagnosis,
    SessionService,
    TherapySession,
)
from therabill.store.services import Store, claim_records, ledger, open_store
from therabill.store.services.demo import DEMO_PRACTICE, FEES, PAYERS, PROVIDERS

TITLE = "Practice records (store)"
FULL = {"clients": 10_000, "sessions": 500_000, "build": 10_000}
QUICK = {"clients": 200, "sessions": 5_000, "build": 1_000}
TODAY = dt.date(2026, 11, 28)
PLANS = {
    "pt": [("97110", 23), ("97112", 24)],
    "slp": [("92507", 45)],
    "ot": [("97530", 38)],
    "massage": [("97124", 45)],
    "music": [("96158", 30), ("96159", 15)],
}
NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


def _chunks(rows: Iterator[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _set_up(store: Store) -> None:
    set_up_practice(store, replace(DEMO_PRACTICE, name="Bench Practice"), actor="bench")


def _import_clients(store: Store, count: int, folder: Path) -> float:
    from therabill.store.services import importing

    path = folder / "clients.csv"
    lines = [
        "chart_number,first_name,last_name,birth_date,sex,address,city,state,postal_code,"
        "payer,member_id"
    ]
    for i in range(count):
        payer = PAYERS[0 if i % 5 < 2 else 1].name if i % 5 != 3 else PAYERS[2].name
        lines.append(
            f"B{i:06d},First{i},Last{i % 997},19{40 + i % 60}-0{1 + i % 9}-1{i % 9},"
            f"{'FMU'[i % 3]},{i} Bench Road,Springfield,IL,62701,{payer},BM{i:08d}"
        )
    path.write_text("\n".join(lines) + "\n", "utf-8")
    started = time.perf_counter()
    with store.transaction(actor="bench") as work:
        importing.import_clients(work=work, path=path)
    return time.perf_counter() - started


def _load_plans_of_care(store: Store, clients: int, first_day: dt.date) -> None:
    """Medicare's therapy clients (payer slot 0 and 1: PT and speech) get back-to-back 90-day
    plans of care, certified on their first day, from the first session on: without them their
    claims would be drafts (the certifier is the referring provider Medicare requires)."""
    rows = []
    for i in range(clients):
        if i % 5 >= 2:
            continue
        start = first_day
        while start <= TODAY:
            rows.append(
                {
                    "client_id": i + 1,
                    "discipline": _discipline_of(i)[1],
                    "referring_npi": CERTIFIER[0],
                    "referring_first_name": CERTIFIER[1],
                    "referring_last_name": CERTIFIER[2],
                    "start_date": start,
                    "end_date": start + dt.timedelta(days=89),
                    "certified_on": start,
                    "created_at": NOW,
                }
            )
            start += dt.timedelta(days=90)
    with store.engine.begin() as conn:
        for batch in _chunks(iter(rows)):
            conn.execute(insert(PlanOfCare), batch)


def _discipline_of(client_index: int) -> tuple[int, str]:
    """Each client sees one provider whose discipline fits the client's payer."""
    slot = client_index % 5
    provider = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4}[slot]  # pt, slp, ot, massage, music
    return provider + 1, PROVIDERS[provider].discipline


@dataclass(frozen=True)
class Ids:
    """Where one practice's rows start: the ids before its first session, ledger entry,
    client, policy, payer and provider (all 0 for the database's only practice; for the next
    practices of one database, bench/practices.py reads them before loading each)."""

    session: int = 0
    entry: int = 0
    client: int = 0
    policy: int = 0
    payer: int = 0
    provider: int = 0


def _load_sessions(
    store: Store, clients: int, sessions: int, unbilled: int, ids: Ids | None = None
) -> float:
    """Bulk-load sessions; all but the newest ``unbilled`` get a claim, lines and ledger.
    ``ids``: where the practice's rows start (the clients imported by ``_import_clients``,
    one policy each, the payers and providers of ``_set_up`` in their order)."""
    at = ids or Ids()
    started = time.perf_counter()
    per_client = sessions // clients
    first_day = TODAY - dt.timedelta(days=7 * per_client + 7)
    rnd = random.Random(4)
    billed_cutoff = at.session + sessions - unbilled
    fee = FEES

    def session_rows() -> Iterator[dict[str, Any]]:
        sid = at.session
        for week in range(per_client):
            for c in range(clients):
                sid += 1
                provider_id, _ = _discipline_of(c)
                yield {
                    "id": sid,
                    "client_id": at.client + c + 1,
                    "provider_id": at.provider + provider_id,
                    "date_of_service": first_day + dt.timedelta(days=7 * week + c % 5),
                    "start_time": dt.time(9 + c % 8),
                    "end_time": dt.time(9 + c % 8, 50),
                    "place_of_service": "11",
                    "techniques": "bench",
                    "note": None,
                    "claim_id": sid if sid <= billed_cutoff else None,
                    "created_at": NOW,
                }

    with store.engine.begin() as conn:
        # claims first (sessions reference them); one claim per billed session
        statuses = ["paid"] * 16 + ["denied", "partly_paid", "submitted", "rejected"]
        entry_id = at.entry
        for batch in _chunks(session_rows()):
            claims, lines, services, diagnoses, entries = [], [], [], [], []
            for s in batch:
                index = s["client_id"] - at.client - 1  # the client's place in the import
                _, discipline = _discipline_of(index)
                plan = PLANS[discipline]
                for position, (code, minutes) in enumerate(plan, 1):
                    services.append(
                        {
                            "session_id": s["id"],
                            "position": position,
                            "code": code,
                            "minutes": minutes,
                            "modifiers": "",
                        }
                    )
                diagnoses.append({"session_id": s["id"], "position": 1, "code": "M5450"})
                if s["claim_id"] is None:
                    continue
                slot = index % 5  # as _import_clients gave the payer
                payer_id = at.payer + (1 if slot < 2 else (3 if slot == 3 else 2))
                status = rnd.choice(statuses)
                total = 0
                for number, (code, minutes) in enumerate(plan, 1):
                    units = max(1, (minutes + 7) // 15)
                    charge = fee[code] * units
                    total += charge
                    line_id = s["id"] * 2 + number
                    lines.append(
                        {
                            "id": line_id,
                            "claim_id": s["id"],
                            "line_number": number,
                            "session_id": s["id"],
                            "date_of_service": s["date_of_service"],
                            "code": code,
                            "modifiers": "",
                            "minutes": minutes,
                            "units": units,
                            "charge_cents": charge,
                            "diagnosis_pointers": "1",
                            "authorization_id": None,
                        }
                    )
                    moves = [("charge", charge, "insurance")]
                    if status in ("paid", "partly_paid"):
                        paid = charge * (70 if status == "paid" else 40) // 100
                        moves += [
                            ("insurance_payment", paid, "insurance"),
                            ("contractual_adjustment", charge - paid - charge // 10, "insurance"),
                            ("transfer_to_patient", charge // 10, "insurance"),
                        ]
                    for kind, cents, who in moves:
                        entry_id += 1
                        entries.append(
                            {
                                "id": entry_id,
                                "kind": kind,
                                "amount_cents": cents,
                                "responsibility": who,
                                "client_id": s["client_id"],
                                "claim_line_id": line_id,
                                "claim_id": s["id"],
                                "payer_id": payer_id,
                                "effective_date": s["date_of_service"],
                                "posted_at": NOW,
                                "actor": "bench",
                                "memo": "",
                                "receipt": None,
                                "reverses_id": None,
                            }
                        )
                claims.append(
                    {
                        "id": s["id"],
                        "client_id": s["client_id"],
                        "payer_id": payer_id,
                        "policy_id": at.policy + index + 1,
                        "provider_id": s["provider_id"],
                        "date_of_service": s["date_of_service"],
                        "status": status,
                        "total_charge_cents": total,
                        "frequency_code": "1",
                        "original_claim_id": None,
                        "payer_claim_number": None,
                        "findings_json": "[]",
                        "document_json": None,
                        "created_at": NOW,
                    }
                )
            if claims:
                conn.execute(insert(ClaimRecord), claims)
            conn.execute(insert(TherapySession), batch)
            conn.execute(insert(SessionService), services)
            conn.execute(insert(SessionDiagnosis), diagnoses)
            if lines:
                conn.execute(insert(ClaimLine), lines)
            if entries:
                conn.execute(insert(LedgerEntry), entries)
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def run(quick: bool) -> str:
    size = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="therabill-bench-") as folder:
        db_path = Path(folder) / "bench.sqlite3"
        store = open_store(f"sqlite:///{db_path}")
        migrate.upgrade(store.engine)
        _set_up(store)
        print(f"bench store: importing {size['clients']:,} clients", file=sys.stderr)
        import_seconds = _import_clients(store, size["clients"], Path(folder))
        print(f"bench store: loading {size['sessions']:,} sessions", file=sys.stderr)
        load_seconds = _load_sessions(store, size["clients"], size["sessions"], size["build"])
        per_client = size["sessions"] // size["clients"]
        _load_plans_of_care(store, size["clients"], TODAY - dt.timedelta(days=7 * per_client + 7))
        rnd = random.Random(7)
        picks = [rnd.randrange(1, size["clients"] + 1) for _ in range(40)]
        it = iter(picks * 2)

        def show_ledger() -> object:
            with store.transaction(actor="bench") as work:
                return ledger.client_ledger(work=work, client=next(it))

        def attention() -> object:
            with store.transaction(actor="bench") as work:
                return claim_records.list_claims(work=work, needs_attention=True, limit=50)

        ledger_ms = _timed(show_ledger, 40)
        list_ms = _timed(attention, 40)
        raw = sqlite3.connect(db_path)
        raw_ledger = _timed(
            lambda: raw.execute(
                "SELECT * FROM ledger_entries WHERE client_id = ? ORDER BY id",
                (rnd.randrange(1, size["clients"] + 1),),
            ).fetchall(),
            40,
        )
        raw_list = _timed(
            lambda: raw.execute(
                "SELECT c.id, p.name FROM claims c JOIN payers p ON p.id = c.payer_id WHERE c.status "
                "IN ('draft','ready','rejected','denied','partly_paid','corrected') "
                "ORDER BY c.id DESC LIMIT 50"
            ).fetchall(),
            40,
        )
        entries = raw.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
        claims = raw.execute("SELECT count(*) FROM claims").fetchone()[0]
        raw.close()
        store.dispose()
    target = 50.0
    verdict = lambda ms: "met" if ms < target else "MISSED"  # noqa: E731
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"SQLite (WAL, synchronous=FULL), {size['clients']:,} clients, {size['sessions']:,} "
            f"sessions, {claims:,} claims, {entries:,} ledger entries.",
            "",
            "| Measure | Figure |",
            "|---|---|",
            f"| Client CSV import (checked, audited, one transaction) | "
            f"{size['clients'] / import_seconds:,.0f} clients/s |",
            f"| Bulk load of sessions and billing history (bench set-up, not a product path) | "
            f"{size['sessions'] / load_seconds:,.0f} sessions/s |",
            f"| Show a client's ledger (whole action, audited), median / p95 | "
            f"{ledger_ms[0]:.1f} / {ledger_ms[1]:.1f} ms ({verdict(ledger_ms[0])}, < 50 ms) |",
            f"| Claims needing attention, 50 newest (whole action, audited), median / p95 | "
            f"{list_ms[0]:.1f} / {list_ms[1]:.1f} ms ({verdict(list_ms[0])}, < 50 ms) |",
            f"| Peer: the same ledger rows by plain `sqlite3`, median | {raw_ledger[0]:.2f} ms |",
            f"| Peer: the same claims list by plain `sqlite3`, median | {raw_list[0]:.2f} ms |",
            "",
            "The peers are the floor: one SQL query with no ORM, no audit entry and no commit. "
            "Most of an action's time is the audited commit (an fsync with synchronous=FULL). "
            "`claims build` on this practice: see the claims build section.",
            "",
            f"Repeat: `python -m bench{' --quick' if quick else ''} store`",
        ]
    )


def _load_remittances(store: Store) -> None:
    """A posted primary 835 for every paid and partly paid claim of the bulk-loaded history,
    as a practice's history has them: each line paid what its ledger says, the patient's
    10% as PR-2 and the rest CO-45 (the KX rule counts a posted line's allowed amount)."""
    paid = "(l.charge_cents * (CASE c.status WHEN 'paid' THEN 70 ELSE 40 END) / 100)"
    with store.engine.begin() as conn:
        practice = conn.execute(text("SELECT min(practice_id) FROM claims")).scalar_one()
        file_id = conn.execute(
            insert(RemittanceFile).returning(RemittanceFile.id),
            {"practice_id": practice, "sha256": "0" * 64, "file_name": "bench.835",
             "size_bytes": 0, "posted_at": NOW, "actor": "bench", "summary": ""},
        ).scalar_one()  # fmt: skip
        remittance_id = conn.execute(
            insert(RemittanceRecord).returning(RemittanceRecord.id),
            {"practice_id": practice, "file_id": file_id, "payer_key": "bench",
             "trace_number": "1", "payer_name": "bench", "payer_id": None, "payment_cents": 0,
             "payment_method": "ACH", "payment_date": TODAY, "claim_count": 0,
             "posted_at": NOW},
        ).scalar_one()  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO remittance_claims (practice_id, remittance_id, claim_id, payer_id,"
                " status_code, payer_claim_number, charge_cents, paid_cents, patient_cents,"
                " secondary, reconciled, reversed_by_id, note)"
                " SELECT practice_id, :remittance, id, payer_id, '1', '', total_charge_cents, 0,"
                " 0, false, true, NULL, '' FROM claims"
                " WHERE status IN ('paid', 'partly_paid') ORDER BY id"
            ),
            {"remittance": remittance_id},
        )
        lines = (
            " FROM claim_lines l JOIN claims c ON c.id = l.claim_id"
            " JOIN remittance_claims r ON r.claim_id = c.id ORDER BY l.id"
        )
        conn.execute(
            text(
                "INSERT INTO remittance_lines (practice_id, remittance_claim_id, claim_line_id,"
                " paid_code, paid_modifiers, paid_units, charge_cents, paid_cents,"
                " adjusted_cents, patient_cents, how_matched)"
                f" SELECT l.practice_id, r.id, l.id, l.code, '', '', l.charge_cents, {paid},"
                f" l.charge_cents - {paid} - l.charge_cents / 10, l.charge_cents / 10, 'bench'"
                + lines
            )
        )
        for group, reason, amount in (
            ("PR", "2", "l.charge_cents / 10"),
            ("CO", "45", f"l.charge_cents - {paid} - l.charge_cents / 10"),
        ):
            conn.execute(
                text(
                    "INSERT INTO remittance_adjustments (practice_id, remittance_claim_id,"
                    " claim_line_id, group_code, reason, amount_cents, remarks)"
                    f" SELECT l.practice_id, r.id, l.id, '{group}', '{reason}', {amount}, ''"
                    + lines
                )
            )
        conn.exec_driver_sql("ANALYZE")
