"""Background jobs on SQLite and PostgreSQL: each kind runs its one service and records its
result; a retry changes nothing twice; a worker killed halfway (a real process, SIGKILL)
leaves its job to another worker, which finishes it exactly once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from paused_worker import CLI, paused_worker, worker_env
from sqlalchemy import func, select

from therabill.errors import InvalidInput
from therabill.store import factories
from therabill.store.models import ClaimRecord, Job, LedgerEntry, TherapySession
from therabill.store.services import Store, jobs

PT = factories.PT_NPI


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


def queue(
    store: Store, kind: str, arguments: dict[str, object], payload: bytes | None = None
) -> int:
    with store.transaction(actor="biller") as work:
        return jobs.create(work, kind=kind, arguments=arguments, payload=payload).id


def shown(store: Store, job_id: int) -> dict[str, object]:
    with store.reading(actor="biller") as work:
        return jobs.show_job(work, job_id)


def count(store: Store, what: object) -> int:
    with store.sessions() as db:
        return int(db.execute(select(func.count()).select_from(what)).scalar_one())  # type: ignore[arg-type]


def billed(store: Store) -> int:
    with store.sessions() as db:
        return int(
            db.execute(
                select(func.count()).where(TherapySession.claim_id.is_not(None))
            ).scalar_one()
        )


def test_a_claims_build_job_bills_each_session_once(practice: Store) -> None:
    add_sessions(practice, 3)
    first = queue(practice, "claims-build", {})
    assert shown(practice, first)["status"] == "queued"
    assert jobs.run_job(practice, first, worker="w1") == "done"
    assert jobs.run_job(practice, first, worker="w2") == "skipped"  # delivered twice
    again = queue(practice, "claims-build", {})  # the biller clicks Build again
    assert jobs.run_job(practice, again, worker="w1") == "done"
    done, repeat = shown(practice, first), shown(practice, again)
    assert done["status"] == "done" and done["attempts"] == 1
    assert done["done"] == done["total"] == 3
    assert done["result"]["claims_built"] == 3  # type: ignore[index]
    assert str(done["message"]).startswith("Built 3 claims (")
    assert str(done["message"]).endswith(" from 3 sessions.")
    assert repeat["result"]["claims_built"] == 0  # type: ignore[index]
    assert (count(practice, ClaimRecord), billed(practice)) == (3, 3)


def test_posting_the_same_835_in_two_jobs_posts_it_once(practice: Store) -> None:
    claim_id = factories.build_one_claim(
        practice, client="C-1", provider=PT, day=dt.date(2026, 10, 5), services={"97110": 38}
    )
    with practice.transaction(actor="biller") as work:
        data = factories.remittance_for(work, [claim_id]).encode()
    ids = [queue(practice, "post-835", {"file_name": "era.835"}, data) for _ in range(2)]
    entries = []
    for job_id in ids:
        assert jobs.run_job(practice, job_id, worker="w1") == "done"
        entries.append(count(practice, LedgerEntry))
    first, second = (shown(practice, i)["result"] for i in ids)
    assert first["claims"] == 1 and not first["quarantined"]  # type: ignore[index]
    assert second["outcome"] != first["outcome"]  # type: ignore[index]
    assert entries[0] == entries[1]  # the second posting wrote nothing
    with practice.sessions() as db:  # the uploaded file is not kept once posted
        assert db.execute(select(Job.payload).where(Job.id.in_(ids))).scalars().all() == [
            None,
            None,
        ]


@pytest.mark.parametrize(
    ("kind", "arguments", "error"),
    [
        ("statement-run", {}, "through: is required for statement-run"),
        ("eligibility-batch", {"clients": []}, "clients: is required for eligibility-batch"),
        ("eligibility-batch", {"clients": "all", "through": "x"}, "does not take 'through'"),
        ("report-refresh", {"start": "2026-13-01"}, "from: '2026-13-01' is not a date"),
        ("clearinghouse-fetch", {"clearinghouse": "nowhere"}, "no clearinghouse profile"),
        ("month-end", {}, "through: is required for month-end"),
    ],
)
def test_a_job_its_kind_could_not_run_is_refused_before_it_is_queued(
    practice: Store, kind: str, arguments: dict[str, object], error: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        queue(practice, kind, arguments)
    assert error in str(refused.value)
    with practice.sessions() as db:
        assert db.execute(select(func.count()).select_from(Job)).scalar_one() == 0


@pytest.mark.parametrize(
    ("kind", "arguments", "error"),
    [
        ("statement-run", {"through": "2027-01-31"}, "cannot be for a day still to come"),
        ("eligibility-batch", {"clients": ["C-404"]}, ""),
    ],
)
def test_a_job_refused_by_its_service_fails_with_the_reason(
    practice: Store, kind: str, arguments: dict[str, object], error: str
) -> None:
    job_id = queue(practice, kind, arguments)
    if not error:  # a batch lists the client it could not ask about, and goes on
        assert jobs.run_job(practice, job_id, worker="w1") == "done"
        result = shown(practice, job_id)["result"]
        assert result["refused"] == [  # type: ignore[index]
            {"client": "C-404", "reason": "client: no client with id or chart number 'C-404'"}
        ]
        return
    assert jobs.run_job(practice, job_id, worker="w1") == "failed"
    found = shown(practice, job_id)
    assert found["status"] == "failed" and error in str(found["error"])


def test_statement_run_and_report_refresh_jobs_end_with_their_figures(practice: Store) -> None:
    statements = queue(practice, "statement-run", {"through": "2026-10-31"})
    refresh = queue(practice, "report-refresh", {})
    assert [jobs.run_job(practice, i, worker="w") for i in (statements, refresh)] == ["done"] * 2
    assert shown(practice, statements)["message"] == (
        "Statements through 2026-10-31: 0 made, 0 already made, 0 on hold, 0 below the minimum."
    )
    reports = shown(practice, refresh)["result"]["reports"]  # type: ignore[index]
    assert len(reports) >= 5 and all(r["title"] for r in reports)


def test_an_unknown_kind_and_status_are_refused(practice: Store) -> None:
    with pytest.raises(Exception, match="no job kind 'bake'"):
        queue(practice, "bake", {})
    with practice.reading() as work, pytest.raises(Exception, match="no status 'lost'"):
        jobs.list_jobs(work, status="lost")


@pytest.mark.processes
def test_a_killed_workers_job_is_finished_once_by_another(
    practice: Store, db_url: str, tmp_path: Path
) -> None:
    """The first worker is killed (SIGKILL) at its build's last claim, before the
    commit; once its lease (and on PostgreSQL its procrastinate heartbeat) has run out, a
    second worker (``therabill worker --once``) runs the job again: every session billed once."""
    add_sessions(practice, 4)
    job_id = queue(practice, "claims-build", {})
    env = worker_env(db_url, tmp_path)
    if not db_url.startswith("sqlite"):
        from therabill.store.services import job_queue

        try:
            job_queue.hand_over(practice, job_id)
        finally:
            job_queue.close_apps()
    with paused_worker(env, db_url):
        with practice.reader.connect() as conn:  # a plain read: the worker holds the lock
            status = conn.execute(select(Job.status).where(Job.id == job_id)).scalar_one()
        assert status == "running"
    assert (count(practice, ClaimRecord), billed(practice)) == (0, 0)  # rolled back
    import time

    time.sleep(1.5)  # the lease and the heartbeat run out
    second = subprocess.run(
        [*CLI, "worker", "--once", "--stalled-after", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    found = shown(practice, job_id)
    assert (found["status"], found["attempts"]) == ("done", 2), found
    assert found["result"]["claims_built"] == 4  # type: ignore[index]
    assert (count(practice, ClaimRecord), billed(practice)) == (4, 4)
    listed = subprocess.run(
        [*CLI, "jobs", "list", "--json"], env=env, capture_output=True, text=True, check=True
    )
    assert [(j["id"], j["status"]) for j in json.loads(listed.stdout)] == [(job_id, "done")]
