"""Long jobs and billers who keep working (issue 17).

On SQLite a claims build, a statement run and a month-end commit part by part (``jobs.Units``:
``BUILD_CHUNK_SESSIONS`` sessions, ``STATEMENT_CHUNK_CLIENTS`` clients), and a writer waiting
for the lock gets its turn between two parts (``write_turns``): a biller's save answers within
a part's time, not the job's. A job killed between parts and run again finishes the rest and
ends exactly as an uninterrupted run (the same claims, ledger, statements, files and result).
On PostgreSQL a job stays one transaction (a killed one leaves nothing) and ends the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clock import TODAY
from job_helpers import copy_of, job_row, killed_again_and_again
from therabill.config import practice_folder
from therabill.store import write_turns
from therabill.store.models import (
    ClaimLine,
    ClaimRecord,
    EligibilityRequest,
    LedgerEntry,
    Statement,
    StatementRun,
    TherapySession,
)
from therabill.store.services import Store, jobs, payments
from therabill.store.services.demo import create_demo
from therabill.store.services.job_sidecar import ask_to_stop

THROUGH = TODAY - dt.timedelta(days=1)


@pytest.fixture
def demo(store: Store) -> Store:
    """The demo practice: 12 clients, two months of sessions, the last week's unbilled, and
    client balances after the payers' answers."""
    create_demo(store=store, clients_count=12, months=2, today=TODAY)
    return store


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of two sessions and two clients: a small practice's month-end in many parts."""
    monkeypatch.setattr(jobs, "BUILD_CHUNK_SESSIONS", 2)
    monkeypatch.setattr(jobs, "STATEMENT_CHUNK_CLIENTS", 2)
    monkeypatch.setattr(jobs, "ELIGIBILITY_CHUNK_CLIENTS", 2)


def queue(store: Store, kind: str, arguments: dict[str, object]) -> int:
    with store.transaction(actor="biller") as work:
        return jobs.create(work, kind=kind, arguments=arguments).id


def billing(store: Store, *, exact: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a build and a statement run write, as plain rows (no times of writing).
    Not ``exact`` (PostgreSQL): without the ids, which a sequence hands out again after a
    rollback only on SQLite (a rolled-back PostgreSQL run leaves gaps), sorted instead."""
    with store.sessions() as db:
        claims = select(
            ClaimRecord.id, ClaimRecord.client_id, ClaimRecord.payer_id, ClaimRecord.status,
            ClaimRecord.date_of_service, ClaimRecord.total_charge_cents,
            ClaimRecord.document_json, ClaimRecord.findings_json,
        ).order_by(ClaimRecord.id)  # fmt: skip
        lines = select(
            ClaimLine.claim_id, ClaimLine.session_id, ClaimLine.code, ClaimLine.units,
            ClaimLine.charge_cents, ClaimLine.modifiers,
        ).order_by(ClaimLine.id)  # fmt: skip
        sessions = select(TherapySession.id, TherapySession.claim_id).order_by(TherapySession.id)
        ledger = select(
            LedgerEntry.id, LedgerEntry.client_id, LedgerEntry.kind, LedgerEntry.amount_cents,
            LedgerEntry.responsibility, LedgerEntry.claim_line_id, LedgerEntry.effective_date,
        ).order_by(LedgerEntry.id)  # fmt: skip
        statements = (
            select(
                Statement.number, Statement.client_id, Statement.balance_cents,
                Statement.current_cents, Statement.days_31_60_cents, Statement.file_name,
                StatementRun.through,
            )
            .join(StatementRun, StatementRun.id == Statement.run_id)
            .order_by(Statement.id)
        )  # fmt: skip
        found = {
            name: [tuple(row) for row in db.execute(query)]
            for name, query in (
                ("claims", claims), ("lines", lines), ("sessions", sessions),
                ("ledger", ledger), ("statements", statements),
            )
        }  # fmt: skip
    if exact:
        return found
    keep = {  # the columns that are not ids of what the run made
        "claims": (1, 2, 3, 4, 5),
        "lines": (1, 2, 3, 4, 5),
        "ledger": (1, 2, 3, 4, 6),
        "statements": (1, 2, 3, 4, 6),
    }
    out = {k: sorted(tuple(r[i] for i in cols) for r in found[k]) for k, cols in keep.items()}
    out["sessions"] = sorted((r[0], r[1] is not None) for r in found["sessions"])
    return out


COUNTS = {
    "build": ("claims_built", "ready", "draft", "sessions_billed", "skipped_count"),
    "statements": ("made", "already", "held", "below_minimum"),
}


def counts(result: dict[str, Any]) -> dict[str, int]:
    return {f"{part}.{key}": result[part][key] for part, keys in COUNTS.items() for key in keys}


def statement_files(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "statements").rglob("*.pdf"))


def billed_once(store: Store) -> None:
    """Every session is on one claim: its lines on no other, the claim its row names."""
    with store.sessions() as db:
        on = dict(db.execute(select(TherapySession.id, TherapySession.claim_id)).tuples().all())
        lines = db.execute(select(ClaimLine.session_id, ClaimLine.claim_id)).tuples().all()
    claims_of: dict[int, set[int]] = {}
    for session_id, claim_id in lines:
        if session_id is not None:
            claims_of.setdefault(session_id, set()).add(claim_id)
    assert all(claims == {on[s]} for s, claims in claims_of.items()), claims_of
    assert all(claim is None or s in claims_of for s, claim in on.items())


def test_a_month_end_killed_between_parts_ends_as_an_uninterrupted_one(
    demo: Store, db_url: str, tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same month-end twice from the same database: once straight through, once killed
    again and again (run n dies in its n-th part: odd runs before that part commits, even
    runs just after it committed), each time run again once the lease ran out. Both end with
    the same claims, lines, billed sessions, ledger, statements, statement files and job
    result; the row counts every attempt. SQLite commits each part, so each run goes
    further; PostgreSQL keeps a job in one transaction, so each kill leaves nothing and the
    last run does it all (there rows are compared without the ids a rollback skipped)."""
    sqlite = db_url.startswith("sqlite")
    home = practice_folder(None)
    with copy_of(demo, db_url, tmp_path) as straight:
        job_id = queue(straight, "month-end", {"through": THROUGH.isoformat()})
        assert jobs.run_job(straight, job_id, worker="w") == "done"
        expected = billing(straight, exact=sqlite)
        expected_job = jobs.job_dict(job_row(straight, job_id))
    expected_files = statement_files(home)
    shutil.rmtree(home / "statements")
    assert expected_job["result"]["build"]["claims_built"] >= 4
    assert expected_job["result"]["statements"]["made"] >= 3

    job_id = queue(demo, "month-end", {"through": THROUGH.isoformat()})
    run = killed_again_and_again(demo, job_id, monkeypatch)
    found = jobs.job_dict(job_row(demo, job_id))
    assert found["attempts"] == run and run >= (5 if sqlite else 3)
    assert billing(demo, exact=sqlite) == expected
    assert len(statement_files(home)) == len(expected_files)
    if sqlite:
        assert statement_files(home) == expected_files
        assert found["result"] == expected_job["result"]
        assert found["message"] == expected_job["message"]
    else:
        assert counts(found["result"]) == counts(expected_job["result"])


def test_a_biller_saves_while_a_long_build_runs(
    demo: Store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claims build that takes seconds (each claim held 0.8 s inside its part's
    transaction, as a slow build would) and a biller who records a client's payment in the
    middle of it: the save answers within a part's time and is committed while the build
    still runs; the build then ends with every session billed. (Before, on SQLite, the save
    waited for the whole build: its one transaction held the only write lock.)"""
    monkeypatch.setattr(jobs, "BUILD_CHUNK_SESSIONS", 1)
    real = jobs.KINDS["claims-build"]
    started = threading.Event()

    def slow(units: Any, job: jobs.Running) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            job.progress(done, total)
            started.set()
            time.sleep(0.8)  # in the part's transaction (the lock held), and after it

        return real.run(units, dataclasses.replace(job, progress=progress))

    monkeypatch.setitem(jobs.KINDS, "claims-build", dataclasses.replace(real, run=slow))
    with demo.sessions() as db:
        unbilled = len(
            db.execute(select(TherapySession.id).where(TherapySession.claim_id.is_(None))).all()
        )
    assert unbilled >= 5  # the build holds the lock 4 s and more in all
    job_id = queue(demo, "claims-build", {})
    ended: list[str] = []
    worker = threading.Thread(target=lambda: ended.append(jobs.run_job(demo, job_id, worker="w")))
    worker.start()
    try:
        assert started.wait(30)
        time.sleep(0.2)
        began = time.monotonic()
        with demo.transaction(actor="bill") as work:
            paid = payments.take_payment(
                work=work, client="DEMO-001", amount_cents=500, method="cash", keep_credit=True
            )
        waited = time.monotonic() - began
        status = job_row(demo, job_id).status
    finally:
        worker.join(60)
    assert ended == ["done"]
    assert waited < 2.0, f"the save waited {waited:.1f} s"
    assert status == "running"  # saved while the build went on
    assert paid.payment.receipt
    with demo.sessions() as db:
        left = db.execute(select(TherapySession.id).where(TherapySession.claim_id.is_(None))).all()
    assert left == []
    found = jobs.job_dict(job_row(demo, job_id))
    assert found["result"]["sessions_billed"] == unbilled


def test_a_build_stopped_between_parts_keeps_them_and_a_new_one_finishes(
    demo: Store, db_url: str, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: a stop asked for while the second part runs keeps the first part's claims
    (the row says how many) and rolls the second back; a new build bills the rest, once.
    PostgreSQL: the build is one transaction, and nothing is kept."""
    sqlite = db_url.startswith("sqlite")
    real = jobs.KINDS["claims-build"]

    def asking(units: Any, job: jobs.Running) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            if done >= 3:  # in the second part (of two sessions)
                ask_to_stop(demo.engine, job.job_id, "bill")
                if not sqlite:
                    raise jobs.Cancelled("bill", done, total)
            job.progress(done, total)

        return real.run(units, dataclasses.replace(job, progress=progress))

    monkeypatch.setitem(jobs.KINDS, "claims-build", dataclasses.replace(real, run=asking))
    monkeypatch.setattr(jobs._Heartbeat, "STOP_CHECK", 0.0)  # looks at every claim
    with demo.sessions() as db:
        before = len(db.execute(select(ClaimRecord.id)).all())
    job_id = queue(demo, "claims-build", {})
    assert jobs.run_job(demo, job_id, worker="w") == "cancelled"
    found = jobs.job_dict(job_row(demo, job_id))
    with demo.sessions() as db:
        kept = len(db.execute(select(ClaimRecord.id)).all()) - before
    if sqlite:
        assert 1 <= kept <= 2
        assert found["error"] == (
            "Cancelled by bill while it ran; what its committed parts did is kept "
            f"({kept} claim{'' if kept == 1 else 's'} built)."
        )
    else:
        assert kept == 0
        assert found["error"] == "Cancelled by bill while it ran; nothing it did was kept."
    monkeypatch.setitem(jobs.KINDS, "claims-build", real)
    again = queue(demo, "claims-build", {})
    assert jobs.run_job(demo, again, worker="w") == "done"
    with demo.sessions() as db:
        assert (
            db.execute(select(TherapySession.id).where(TherapySession.claim_id.is_(None))).all()
            == []
        )
    billed_once(demo)


def test_writers_say_they_wait_only_while_a_job_runs_in_parts(demo: Store, db_url: str) -> None:
    """The turn-taking files: none while no job runs in parts; while one runs, a writer's
    file is there while it waits and gone once it has the lock, and the job waits for it."""
    place = write_turns.folder(demo.engine)
    if place is None:
        pytest.skip("PostgreSQL: row locks, no turns to take")
    with demo.transaction(actor="bill"):
        assert write_turns.writers_waiting(place) == 0
        assert not place.exists() or not write_turns.job_running(place)
    with write_turns.chunked_job(demo.engine):
        assert write_turns.job_running(place)
        got: list[float] = []
        with demo.transaction(actor="job"):  # the job's part holds the lock

            def save() -> None:
                with demo.transaction(actor="bill"):
                    got.append(time.monotonic())

            writer = threading.Thread(target=save)
            writer.start()
            for _ in range(100):
                if write_turns.writers_waiting(place):
                    break
                time.sleep(0.01)
            assert write_turns.writers_waiting(place) == 1
            # taken before the commit: the writer can have the lock the moment it is
            # released, before this thread runs again
            committed = time.monotonic()
        waited = write_turns.let_writers_in(demo.engine)
        writer.join(10)
        assert got and got[0] >= committed and waited < 1.0
        assert write_turns.writers_waiting(place) == 0
    assert not write_turns.job_running(place)


@pytest.mark.processes
def test_a_worker_killed_in_its_last_part_leaves_the_rest_to_the_next(
    demo: Store, db_url: str, tmp_path: Path
) -> None:
    """SQLite, real processes: a worker building in parts of one session is killed (SIGKILL)
    in its last part; the parts before it stay committed, the last rolls back. Once its
    lease has run out ``therabill worker --once`` bills the rest, and the job's result counts
    every session of the build once, as an uninterrupted build would."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps a build in one transaction (test_store_jobs.py kills it)")
    from paused_worker import CLI, paused_worker, worker_env

    with demo.sessions() as db:
        unbilled = len(
            db.execute(select(TherapySession.id).where(TherapySession.claim_id.is_(None))).all()
        )
    assert unbilled >= 3
    job_id = queue(demo, "claims-build", {})
    env = worker_env(db_url, tmp_path)
    with paused_worker(env, db_url, "1"):
        pass
    with demo.sessions() as db:
        left = len(
            db.execute(select(TherapySession.id).where(TherapySession.claim_id.is_(None))).all()
        )
    assert 1 <= left < unbilled  # the parts before the last were kept
    time.sleep(1.5)  # the lease runs out
    second = subprocess.run(
        [*CLI, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr
    found = jobs.job_dict(job_row(demo, job_id))
    assert (found["status"], found["attempts"]) == ("done", 2), found
    assert found["result"]["sessions_billed"] == unbilled
    with demo.sessions() as db:
        assert not db.execute(
            select(TherapySession.id).where(TherapySession.claim_id.is_(None))
        ).all()
    billed_once(demo)


def test_a_killed_jobs_flag_goes_when_the_next_job_in_parts_ends(demo: Store, db_url: str) -> None:
    """A job killed while it ran in parts leaves its mark; the next one to end removes it
    (its process is gone) with the flag, so writers stop saying they wait."""
    place = write_turns.folder(demo.engine)
    if place is None:
        pytest.skip("PostgreSQL: row locks, no turns to take")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    place.mkdir(parents=True, exist_ok=True)
    (place / f"{write_turns.FLAG}.{gone.stdout.strip()}.1").touch()
    (place / write_turns.FLAG).touch()
    with write_turns.chunked_job(demo.engine):
        assert write_turns.job_running(place)
    assert not write_turns.job_running(place)
    assert [p.name for p in place.iterdir() if p.name.startswith(write_turns.FLAG)] == []


def test_a_hold_saved_between_two_parts_keeps_that_clients_statement_back(
    demo: Store, db_url: str, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: a biller holds a client's statements while the run is between two parts; the
    parts after it read holds again, so that client gets no statement and is counted on
    hold, and the statements made are the run's count, all for clients who owe."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL: the run is one transaction, which reads the holds once")
    from therabill.store.services.statements import clients_owing, set_hold

    with demo.reading(actor="test") as work:
        owing = clients_owing(work, THROUGH)
    assert len(owing) >= 3
    late = owing[-1]  # in the last part
    real_unit = jobs.Units.unit
    done = 0

    @contextmanager
    def then_hold(self: jobs.Units) -> Iterator[Any]:
        nonlocal done
        with real_unit(self) as work:
            yield work
        done += 1
        if done == 1:  # the first part committed: a biller saves a hold
            with demo.transaction(actor="bill") as work:
                set_hold(work=work, client=late, hold=True)

    monkeypatch.setattr(jobs.Units, "unit", then_hold)
    job_id = queue(demo, "statement-run", {"through": THROUGH.isoformat()})
    assert jobs.run_job(demo, job_id, worker="w") == "done"
    result = jobs.job_dict(job_row(demo, job_id))["result"]
    with demo.sessions() as db:
        made = set(db.execute(select(Statement.client_id)).scalars())
    assert late not in made and result["held"] >= 1
    assert result["made"] == len(made) and made <= set(owing)


def inquiries(store: Store) -> list[tuple[Any, ...]]:
    """Each eligibility request written: its policy, service types and day (no trace, no
    file: a rolled-back part's numbers are handed out again only on SQLite)."""
    with store.sessions() as db:
        rows = db.execute(
            select(
                EligibilityRequest.policy_id,
                EligibilityRequest.service_types,
                EligibilityRequest.date_of_service,
            )
        ).all()
    return sorted(tuple(r) for r in rows)


def test_an_eligibility_batch_killed_between_parts_asks_about_each_client_once(
    demo: Store, db_url: str, tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every insured client of the demo, two a part on SQLite: killed again and again, the
    batch ends with one inquiry per client (one 270 file each in the outbox), as a batch run
    straight through does; the parts before a kill are kept."""
    sqlite = db_url.startswith("sqlite")
    arguments: dict[str, object] = {"clients": "all", "date_of_service": TODAY.isoformat()}
    with copy_of(demo, db_url, tmp_path) as straight:
        job_id = queue(straight, "eligibility-batch", arguments)
        assert jobs.run_job(straight, job_id, worker="w") == "done"
        expected = inquiries(straight)
        expected_job = jobs.job_dict(job_row(straight, job_id))
    outbox = practice_folder(None) / "outbox"
    shutil.rmtree(outbox)
    assert len(expected) >= 6 and expected_job["result"]["written_count"] == len(expected)
    job_id = queue(demo, "eligibility-batch", arguments)
    run = killed_again_and_again(demo, job_id, monkeypatch)
    assert run >= (3 if sqlite else 2)  # killed at least once in a part and after a commit
    assert inquiries(demo) == expected, jobs.job_dict(job_row(demo, job_id))["result"]
    assert len(list(outbox.glob("270-*.x12"))) == len(expected)
    assert not list(outbox.glob(".*.part"))  # a rolled-back part's files were never published
    found = jobs.job_dict(job_row(demo, job_id))
    assert found["message"] == expected_job["message"]
    assert found["result"]["written_count"] == expected_job["result"]["written_count"]


def test_a_biller_saves_between_the_parts_of_an_eligibility_batch(
    demo: Store, db_url: str, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite each part commits: a payment saved while the batch runs lands between two
    parts (the batch's later parts see it), and the batch still finishes."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL: row locks, no turns to take")
    real_unit = jobs.Units.unit
    saved: list[int] = []

    @contextmanager
    def then_save(self: jobs.Units) -> Iterator[Any]:
        with real_unit(self) as work:
            yield work
        if not saved:  # after the first part's commit, before the next begins
            with demo.transaction(actor="biller") as work:
                client = work.db.execute(select(EligibilityRequest.policy_id)).scalars().first()
                assert client is not None  # the first part's inquiries are committed
                saved.append(client)

    monkeypatch.setattr(jobs.Units, "unit", then_save)
    job_id = queue(demo, "eligibility-batch", {"clients": "all"})
    assert jobs.run_job(demo, job_id, worker="w") == "done"
    assert (
        saved
        and len(inquiries(demo)) == jobs.job_dict(job_row(demo, job_id))["result"]["written_count"]
    )
