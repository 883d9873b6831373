"""Helpers for the job tests: a job worker for tests that follow a job to its end (on
PostgreSQL procrastinate's own worker, ``job_queue.run_worker``, as ``therabill worker`` runs
it, in a thread of the test's process; on SQLite nothing: ``therabill jobs run --wait`` runs
the job in the command); a copy of a database; a job's row; a job killed again and again."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url

from therabill.store.models import Job
from therabill.store.services import Store, jobs, open_store


@contextmanager
def running_worker(url: str) -> Iterator[None]:
    if url.startswith("sqlite"):
        yield
        return
    from therabill.store.services import job_queue

    stop = threading.Event()
    thread = threading.Thread(
        target=job_queue.run_worker,
        args=(url,),
        kwargs={"stop": stop, "heartbeat": 0.5, "stalled_after": 5.0, "sweep_every": 1.0},
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
        job_queue.close_apps()


def job_row(store: Store, job_id: int) -> Job:
    with store.sessions() as db:
        found = db.get(Job, job_id)
        assert found is not None
        db.expunge(found)
        return found


@contextmanager
def copy_of(store: Store, db_url: str, tmp_path: Path) -> Iterator[Store]:
    """A second database holding what ``store`` holds now."""
    if db_url.startswith("sqlite"):
        target = tmp_path / "copy.sqlite3"
        source = sqlite3.connect(str(make_url(db_url).database))
        with sqlite3.connect(str(target)) as copy:
            source.backup(copy)
        source.close()
        opened = open_store(f"sqlite:///{target}")
        yield opened
        opened.dispose()
        return
    from db_backends import postgres_database

    store.dispose()  # a template may have no one connected
    urls = postgres_database(template=make_url(db_url).database)
    url = next(urls)
    opened = open_store(url)
    try:
        yield opened
    finally:
        opened.dispose()
        urls.close()


class Killed(BaseException):
    """The worker dies here: nothing after it runs (not an error the job could record)."""


def killed_again_and_again(store: Store, job_id: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the job until it is done, run n dying in its n-th part (odd runs before that
    part commits, even runs just after it committed), each time run again once its lease
    ran out; how many runs it took."""
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 100)
    real_unit = jobs.Units.unit
    run = count = 0

    @contextmanager
    def dying(self: jobs.Units) -> Iterator[Any]:
        nonlocal count
        count += 1
        mine = count
        with real_unit(self) as work:
            yield work
            if mine == run and run % 2:
                raise Killed()  # in the part: it rolls back
        if mine == run:
            raise Killed()  # just after the part committed

    monkeypatch.setattr(jobs.Units, "unit", dying)
    for run in range(1, 60):
        count = 0
        try:
            ended = jobs.run_job(store, job_id, worker=f"w{run}")
        except Killed:
            assert job_row(store, job_id).status == "running"
            with store.transaction(actor="test") as work:  # its lease runs out
                work.db.execute(
                    update(Job).where(Job.id == job_id).values(lease_until=dt.datetime(2000, 1, 1))
                )
            continue
        assert ended == "done"
        return run
    raise AssertionError("the job never finished")
