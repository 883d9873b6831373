"""Background jobs in an installation of several practices on PostgreSQL, connected as the
plain role a deployment uses (NOSUPERUSER NOBYPASSRLS: row-level security holds it; the
suite's superuser would bypass every policy and hide a job that cannot see its row).

A killed worker's job is picked up again whichever practice queued it, and each job runs in
the practice that queued it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from paused_worker import CLI, paused_worker, worker_env
from sqlalchemy import create_engine, func, select, text, update

from db_backends import POSTGRES_ENV, drop_role, plain_role, postgres_database
from therabill.store import factories, migrate, tenancy
from therabill.store.models import ClaimRecord, Job, TherapySession
from therabill.store.services import Store, jobs, month_end, open_store, practices, users
from therabill.store.services.clients import ClientInput
from therabill.store.services.users import Role

pytestmark = [pytest.mark.postgres, pytest.mark.processes]
PT = factories.PT_NPI
SPEC = factories.PracticeSpec(
    payers=(factories.PayerSpec("MEDICARE", payer_id="00430"),),
    providers=(factories.PHYSICAL_THERAPIST,),
    fees={"97110": 4000},
    clients=(
        ClientInput(
            "Ada", "Example", dt.date(1950, 3, 4), "F",
            chart_number="C-1", payer="Medicare Part B", member_id="1EG4TE5MK73",
        ),
    ),
)  # fmt: skip


@dataclass
class Office:
    app: Store  # the plain role
    app_url: str
    admin_url: str  # the superuser's
    a: int
    b: int


@pytest.fixture
def office() -> Iterator[Office]:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} not set")
    role = f"therabill_jobs_{uuid.uuid4().hex[:10]}"
    database = postgres_database()
    admin_url = next(database)
    admin = open_store(admin_url)
    migrate.upgrade(admin.engine)
    admin.dispose()
    app_url = plain_role(admin_url, role)
    app = open_store(app_url)
    try:
        factories.set_up_practice(app, SPEC)
        b = practices.add_practice(app, name="Second office", actor="setup")
        with tenancy.practice_scope(b):
            factories.set_up_practice(app, SPEC)
        yield Office(app, app_url, admin_url, 1, b)
    finally:
        app.dispose()
        next(database, None)
        drop_role(role)


def add_sessions(store: Store, practice_id: int, days: int) -> None:
    with tenancy.practice_scope(practice_id), store.transaction(actor="therapist") as work:
        for n in range(days):
            factories.add_session(
                work,
                client="C-1",
                provider=PT,
                day=dt.date(2026, 10, 1) + dt.timedelta(days=n),
                services={"97110": 38},
            )


def queue(store: Store, practice_id: int, *, hand_over: bool) -> int:
    with tenancy.practice_scope(practice_id):
        if hand_over:
            return jobs.submit(store, kind="claims-build", arguments={}, actor="biller")
        with store.transaction(actor="biller") as work:
            return jobs.create(work, kind="claims-build", arguments={}).id


def billed(store: Store, practice_id: int) -> tuple[int, int]:
    """(claims, sessions on a claim) as ``practice_id`` sees them."""
    with tenancy.practice_scope(practice_id), store.sessions() as db:
        claims = db.execute(select(func.count()).select_from(ClaimRecord)).scalar_one()
        sessions = db.execute(
            select(func.count()).where(TherapySession.claim_id.is_not(None))
        ).scalar_one()
    return int(claims), int(sessions)


def test_killed_and_lost_jobs_of_every_practice_run_again_each_in_its_own(
    office: Office, tmp_path: Path
) -> None:
    """Practice B's build is killed (SIGKILL) halfway; B's second job was claimed by a worker
    that vanished with no queue job left; A's job never reached the queue (its web process
    died after the commit). ``therabill worker --once``, as the plain role with no practice
    chosen, finds all three and runs each in its own practice, exactly once."""
    app, a, b = office.app, office.a, office.b
    add_sessions(app, a, 2)
    add_sessions(app, b, 3)
    from therabill.store.services import job_queue

    try:
        killed = queue(app, b, hand_over=True)
    finally:
        job_queue.close_apps()
    env = worker_env(office.app_url, tmp_path)
    env.pop(tenancy.PRACTICE_ENV, None)
    with paused_worker(env, office.app_url):
        pass
    assert billed(app, b) == (0, 0)  # rolled back with the worker
    vanished = queue(app, b, hand_over=False)
    with tenancy.practice_scope(b):
        assert jobs.claim(app, vanished, "a-worker-that-vanished")
    lost = queue(app, a, hand_over=False)
    admin = create_engine(office.admin_url)
    with admin.begin() as conn:  # made before the sweep's grace period
        conn.execute(
            update(Job)
            .where(Job.id == lost)
            .values(created_at=Job.created_at - dt.timedelta(minutes=1))
        )
    time.sleep(1.5)  # the leases and the killed worker's heartbeat run out
    second = subprocess.run(
        [*CLI, "worker", "--once", "--stalled-after", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    with admin.connect() as conn:  # the superuser sees every practice's rows
        rows = {
            job_id: (practice, status, attempts, json.loads(result)["claims_built"])
            for job_id, practice, status, attempts, result in conn.execute(
                text("SELECT id, practice_id, status, attempts, result FROM jobs")
            )
        }
    admin.dispose()
    # B's two builds: whichever ran first billed B's three sessions, the other found none.
    assert {rows[killed][3], rows[vanished][3]} == {3, 0}
    assert {k: v[:3] for k, v in rows.items()} == {
        killed: (b, "done", 2),
        vanished: (b, "done", 2),
        lost: (a, "done", 1),
    }
    assert rows[lost][3] == 2
    assert billed(app, a) == (2, 2)
    assert billed(app, b) == (3, 3)


def test_month_end_queues_one_job_in_each_practice_the_user_bills_for(
    office: Office, tmp_path: Path
) -> None:
    """Boss bills for A and is the admin of B; Solo bills for A only. Boss's month-end queues
    a job in A and one in B (each row, audit entry and queue job its own practice's); one
    worker, with no practice chosen, runs both, each billing its own practice's sessions."""
    app, a, b = office.app, office.a, office.b
    add_sessions(app, a, 2)
    add_sessions(app, b, 3)
    password = "a long enough pass phrase 42"
    with tenancy.practice_scope(a), app.transaction(actor="setup") as work:
        boss = users.create_user(work, username="boss", role=Role.BILLER, password=password).id
        users.create_user(work, username="solo", role=Role.BILLER, password=password)
    with tenancy.practice_scope(b), app.transaction(actor="setup") as work:
        users.join(work, user_id=boss, practice_id=b, role=Role.ADMIN)
    names = dict(practices.list_practices(app))
    assert month_end.practices_for(app, "solo") == [(a, names[a])]
    from therabill.store.services import job_queue

    try:
        queued = month_end.queue_month_end(app, actor="boss", through=dt.date(2026, 10, 31))
    finally:
        job_queue.close_apps()
    assert [(q.practice_id, q.practice) for q in queued] == [(a, names[a]), (b, names[b])]
    env = {
        **os.environ,
        "THERABILL_DATABASE_URL": office.app_url,
        "THERABILL_HOME": str(tmp_path),
        "THERABILL_USER": "worker-test",
    }
    env.pop(tenancy.PRACTICE_ENV, None)
    worker = subprocess.run(
        [*CLI, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr
    shown = {r["practice_id"]: r["job"] for r in month_end.latest(app, actor="boss")}
    assert {p: (j["id"], j["status"]) for p, j in shown.items()} == {
        q.practice_id: (q.job_id, "done") for q in queued
    }
    assert shown[a]["result"]["build"]["claims_built"] == 2
    assert shown[b]["result"]["build"]["claims_built"] == 3
    assert billed(app, a) == (2, 2) and billed(app, b) == (3, 3)
    admin = create_engine(office.admin_url)
    with admin.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT j.practice_id, a.practice_id FROM jobs j JOIN audit_log a "
                "ON a.entity = 'job' AND a.entity_id = j.id::text AND a.action = 'queue'"
            )
        ).all()
    admin.dispose()
    assert sorted(rows) == [(a, a), (b, b)]
