"""Starting, following and cancelling background jobs from the command line, on SQLite and
PostgreSQL: ``therabill jobs run KIND``, ``jobs cancel``, ``jobs month-end``; a running job's
progress while it runs (on SQLite, beside the database: its transaction holds the lock)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from job_helpers import running_worker
from therabill.cli.main import app
from therabill.store import factories
from therabill.store.models import AuditEntry, ClaimRecord, Job
from therabill.store.services import Store, jobs

PT = factories.PT_NPI


def cli(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, list(args))
    if result.exit_code != code and result.exc_info:
        import traceback

        traceback.print_exception(*result.exc_info)
    assert result.exit_code == code, (result.stdout, result.stderr)
    if "--json" in args and code == 0:
        return json.loads(result.stdout)
    return result.stdout if code == 0 else result.stderr


def add_sessions(store: Store, days: int) -> None:
    with store.transaction(actor="therapist") as work:
        for n in range(days):
            factories.add_session(
                work,
                client="C-1",
                provider=PT,
                day=dt.date(2026, 10, 1) + dt.timedelta(days=n),
                services={"97110": 38},
            )


def count(store: Store, what: Any) -> int:
    with store.sessions() as db:
        return int(db.execute(select(func.count()).select_from(what)).scalar_one())


def audited(store: Store, action: str) -> list[tuple[str, str]]:
    with store.sessions() as db:
        return [
            (actor, str(entity_id))
            for actor, entity_id in db.execute(
                select(AuditEntry.actor, AuditEntry.entity_id).where(
                    AuditEntry.action == action, AuditEntry.entity == "job"
                )
            )
        ]


@pytest.fixture
def worker(practice: Store, home: Path, db_url: str) -> Iterator[None]:
    with running_worker(db_url):
        yield


def test_jobs_run_eligibility_batch_and_report_refresh_and_wait_for_them(
    practice: Store, home: Path, worker: None
) -> None:
    batch = cli(
        "jobs", "run", "eligibility-batch", "--all-clients", "--date-of-service", "2026-11-02",
        "--wait", "--json",
    )  # fmt: skip
    assert (batch["status"], batch["message"]) == (
        "done",
        "1 eligibility inquiries written, 0 refused.",
    )
    [written] = batch["result"]["written"]
    assert written["client"] == "C-1" and (home / "outbox" / written["file"]).is_file()
    text = cli("jobs", "run", "report-refresh", "--from", "2026-10-01", "--wait")
    assert "Report refresh (done)" in text and " reports as of " in text
    queued = cli("jobs", "run", "claims-build", "--json")
    assert queued["status"] == "queued" and queued["kind"] == "claims-build"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("statement-run",), "Error: through: is required for statement-run"),
        (("post-835",), "post it with therabill era post FILE"),
        (("bake",), "no job kind 'bake'"),
        (("claims-build", "--client", "C-1"), "claims-build does not take 'clients'"),
        (("eligibility-batch", "--all-clients", "--client", "C-1"), "not both"),
        (("month-end", "--through", "2026-11-31"), "'2026-11-31' is not a date"),
    ],
)
def test_jobs_run_refuses_what_its_kind_cannot_run(
    practice: Store, home: Path, args: tuple[str, ...], error: str
) -> None:
    assert error in cli("jobs", "run", *args, code=2)
    assert count(practice, Job) == 0


def test_a_queued_job_cancelled_never_runs(practice: Store, home: Path, db_url: str) -> None:
    add_sessions(practice, 2)
    job_id = cli("jobs", "run", "claims-build", "--json")["id"]
    assert cli("jobs", "cancel", str(job_id), "--json") == {
        "id": job_id,
        "status": "cancelled",
        "message": f"Job {job_id} (Build claims) is cancelled; it will not run.",
    }
    if not db_url.startswith("sqlite"):  # off procrastinate's queue too (its own cancel)
        from therabill.store.services import job_queue

        try:
            [queued] = job_queue._deferring_app(practice).job_manager.list_jobs(
                queueing_lock=f"job-{job_id}"
            )
        finally:
            job_queue.close_apps()
        assert queued.status == "cancelled"
    assert jobs.run_job(practice, job_id, worker="late") == "skipped"
    assert count(practice, ClaimRecord) == 0
    shown = cli("jobs", "show", str(job_id), "--json")
    assert (shown["status"], shown["error"]) == ("cancelled", "Cancelled by tester before it ran.")
    assert audited(practice, "cancel") == [("tester", str(job_id))]
    again = cli("jobs", "cancel", str(job_id), code=2)
    assert f"Error: job: job {job_id} has already ended (cancelled)" in again
    assert "no job 999" in cli("jobs", "cancel", "999", code=2)


def test_a_running_job_that_cannot_stop_halfway_says_so(practice: Store, home: Path) -> None:
    job_id = cli("jobs", "run", "report-refresh", "--json")["id"]
    assert jobs.claim(practice, job_id, "busy-worker")  # a worker has it
    refused = cli("jobs", "cancel", str(job_id), code=2)
    assert (
        f"job {job_id} (Report refresh) is already running and cannot stop halfway; it will "
        "finish on its own"
    ) in refused
    assert audited(practice, "cancel") == []


def test_a_running_build_cancelled_stops_at_a_claim_and_keeps_nothing(
    practice: Store, home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build drafts its first claim and waits there; meanwhile its progress shows (on
    SQLite from beside the database: the build holds the write lock) and the biller cancels
    it. At its next look (PostgreSQL: procrastinate's abort reaching the worker) it stops:
    no claim written, the job cancelled, the request audited under the biller's name."""
    add_sessions(practice, 3)
    started, go = threading.Event(), threading.Event()
    real = jobs.KINDS["claims-build"]

    def paused(work: Any, job: jobs.Running) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            job.progress(done, total)
            if done == 1:
                started.set()
                go.wait(30)
                for _ in range(200):  # until the request to stop reaches the job
                    time.sleep(0.1)
                    job.progress(done, total)

        return real.run(work, dataclasses.replace(job, progress=progress))

    monkeypatch.setitem(jobs.KINDS, "claims-build", dataclasses.replace(real, run=paused))
    job_id = cli("jobs", "run", "claims-build", "--json")["id"]
    ended: list[str] = []
    with running_worker(db_url):
        thread = None
        if db_url.startswith("sqlite"):
            thread = threading.Thread(target=lambda: ended.append(jobs.run_job(practice, job_id)))
            thread.start()
        assert started.wait(30)
        for _ in range(50):  # the heartbeat writes progress twice a second
            shown = cli("jobs", "show", str(job_id), "--json")
            if shown["done"]:
                break
            time.sleep(0.1)
        assert (shown["status"], shown["done"], shown["total"]) == ("running", 1, 3)
        assert shown["result"] is None  # its result waits until it ends
        asked = cli("jobs", "cancel", str(job_id))
        kept = (  # SQLite commits a build part by part; PostgreSQL in one transaction
            "the parts it committed before that one are kept (running it again finishes it)"
            if db_url.startswith("sqlite")
            else "nothing it did is kept"
        )
        assert asked.strip() == (
            f"Job {job_id} (Build claims) is already running: it stops after the claim "
            f"drafted it is on, and {kept}."
        )
        go.set()
        if thread is not None:
            thread.join(30)
            assert ended == ["cancelled"]
        found = jobs.wait_for(practice, job_id, timeout=30)
    assert found["status"] == "cancelled"
    assert found["error"] == "Cancelled by tester while it ran; nothing it did was kept."
    assert count(practice, ClaimRecord) == 0
    assert ("tester", str(job_id)) in audited(practice, "cancel")


def test_month_end_builds_and_runs_statements_in_one_job(
    practice: Store, home: Path, worker: None
) -> None:
    add_sessions(practice, 2)
    [row] = cli("jobs", "month-end", "--through", "2026-10-31", "--wait", "--json")
    assert (row["practice_id"], row["job"]["status"]) == (1, "done")
    result = row["job"]["result"]
    assert result["build"]["claims_built"] == 2
    assert result["statements"]["through"] == "2026-10-31"
    assert row["job"]["message"].startswith("Month-end through 2026-10-31: Built 2 claims (")
    [again] = cli("jobs", "month-end", "--through", "2026-10-31", "--wait", "--json")
    assert again["job"]["result"]["build"]["claims_built"] == 0  # nothing billed twice
    assert "Practice" in cli("jobs", "month-end", "--through", "2026-10-31")  # queued: a table
    assert count(practice, ClaimRecord) == 2
    future = cli("jobs", "month-end", "--through", "2099-01-31", code=2)
    assert "a month-end cannot be for a day still to come" in future


def test_a_heartbeat_that_comes_after_the_finish_leaves_the_finished_job_alone(
    practice: Store,
) -> None:
    """On SQLite a beat waits for the write lock behind the job's own finishing commit; it
    must not then write its older progress (1 of 2) or a lease over the finished row (seen
    as a fetch job that ended "done" at 1 of 2 files)."""
    job_id = jobs.submit(practice, kind="report-refresh", arguments={}, actor="tester")
    assert jobs.claim(practice, job_id, "w1")
    beat = jobs._Heartbeat(practice, job_id, "w1")
    beat.progress(1, 2)  # the beat read this before the job went on
    with practice.transaction(actor="tester") as work:
        jobs._finish(work, job_id, "w1", {"files": 2}, (2, 2))
    beat._write()  # the beat, let in after the finish
    with practice.reading() as work:
        row = work.db.get(Job, job_id)
        assert row is not None
        assert (row.status, row.done, row.total, row.lease_until) == ("done", 2, 2, None)
