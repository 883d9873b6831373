"""Posting speed: the 100,000-claim 835 of ``bench/x12_835.py`` posted into SQLite.

The store is prepared first (not timed): a practice, a payer, a client, a provider, and one
submitted claim per CLP of the 835 with the lines it pays (same codes, units, charges and
dates), written with bulk inserts. Then ``store.services.remittances.post_remittance`` posts
the file in one transaction (read, balance check, match, ledger, statuses, reconciliation,
audit), and the clock covers exactly that, commit included. Target: under 60 seconds.

Repeat with: ``.venv/bin/python -m bench posting [--quick]`` (quick: 5,000 claims).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.x12_835 import OUT, generate
from therabill.store.factories import (
    SLP_NPI,
    PracticeSpec,
    ProviderSpec,
    client,
    set_up_practice,
)
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    LedgerEntry,
    Policy,
)
from therabill.store.services import open_store
from therabill.x12.remittance_835 import iter_claims

TITLE = "Posting an 835 into SQLite"
# Written through the services (the 100,000 claims themselves are bulk-inserted).
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
                    }
                )
        work.db.execute(insert(ClaimRecord), claims)
        work.db.execute(insert(ClaimLine), lines)
    store.dispose()
    return len(lines)


def run(quick: bool) -> str:
    from therabill.store.services import remittances

    n_claims = 5_000 if quick else 100_000
    OUT.mkdir(parents=True, exist_ok=True)
    remit = OUT / f"remit_{n_claims}.835"
    if not remit.exists():
        generate(remit, n_claims)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        n_lines = _prepare(url, remit)
        store = open_store(url)
        data = remit.read_bytes()
        started, cpu_started = time.perf_counter(), time.process_time()
        with store.transaction(actor="bench") as work:
            result = remittances.post_remittance(work=work, data=data, file_name=remit.name)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        with store.transaction(actor="bench") as work:
            entries = work.db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
        store.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "meets" if seconds < 60 or quick else "misses"
    load = os.getloadavg()[0]
    return (
        f"## {TITLE}\n\n"
        f"`{remit.name}`: {n_claims:,} claims, {n_lines:,} service lines, "
        f"{len(data) / 1e6:.1f} MB, posted in one transaction into SQLite (WAL, "
        f"synchronous=FULL): **{seconds:.1f} s** wall clock ({n_claims / seconds:,.0f} claims/s; "
        f"{cpu:.1f} s of CPU in this process, the figure to trust on a busy machine), "
        f"{entries:,} ledger entries, outcome `{result.outcome}`, "
        f"{len(result.exceptions)} exceptions, {len(result.unreconciled)} unreconciled; "
        f"peak memory of the bench process {peak_mb:.0f} MB. Target under 60 s for 100,000 "
        f"claims: {verdict} (load average during the run: {load:.1f} on {os.cpu_count()} cores).\n\n"
        "Repeat: `.venv/bin/python -m bench posting` (`--quick`: 5,000 claims).\n"
    )
