"""PostgreSQL's job delivery: procrastinate (https://procrastinate.readthedocs.io), a
maintained PostgreSQL task queue on psycopg 3. docs/jobs.md says why this one.

It carries one thing: the id of a row in the ``jobs`` table, to :func:`jobs.run_job` in a
``therabill worker``. Its tables and functions live in the database schema "procrastinate"
(installed by migration 0030, i.e. by ``therabill init``), reached through the connection's
search_path, so they stay out of the practice's own tables.

A killed worker: procrastinate's workers write a heartbeat; every ``therabill worker`` sweeps
now and then (:func:`sweep`): jobs of workers whose heartbeat stopped are retried through
procrastinate's own ``get_stalled_jobs``/``retry_job``
(https://procrastinate.readthedocs.io/en/stable/howto/production/retry_stalled_jobs.html),
and rows of ours still queued whose hand-over to the queue was lost (the web process died
between its commit and the hand-over) are handed over again. Running one twice is harmless:
:func:`jobs.run_job` claims the row first.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, JobAborted
from sqlalchemy import or_, select, update

from therabill.store import tenancy
from therabill.store.models import Job, Practice
from therabill.store.models.base import utcnow
from therabill.store.services import jobs
from therabill.store.services.context import Store, open_store

QUEUE_SCHEMA = "procrastinate"  # migration 0030
QUEUE = "therabill"
TASK = "therabill.run_job"
HAND_OVER_GRACE = dt.timedelta(seconds=10)  # a queued row this old without a queue job

log = logging.getLogger(__name__)


def conninfo(store: Store) -> str:
    """libpq's URI for the store's database (psycopg takes it as it is)."""
    return store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(store: Store, *, pool_size: int = 2) -> App:
    """procrastinate's app on the store's database, with our one task registered."""
    connector = PsycopgConnector(
        conninfo=conninfo(store),
        kwargs={"options": f"-c search_path={QUEUE_SCHEMA}"},
        min_size=1,
        max_size=pool_size,
    )
    app = App(connector=connector)

    @app.task(name=TASK, queue=QUEUE, pass_context=True)
    def run_job(context: JobContext, job_id: int, practice_id: int | None = None) -> str:
        def stop_asked() -> str | None:  # a cancel asked for procrastinate's abort
            return asked_by(store, job_id) if context.should_abort() else None

        # The job runs for the practice that asked for it (row-level security hides every
        # other practice's rows, its job row among them: docs/tenants.md).
        with tenancy.practice_scope(practice_id):
            ended = jobs.run_job(store, job_id, stop_asked=stop_asked)
        if ended == "cancelled":
            raise JobAborted(f"job {job_id} was cancelled while it ran")
        return ended

    return app


_apps: dict[str, App] = {}
_apps_lock = threading.Lock()


def _deferring_app(store: Store) -> App:
    """One opened app per database in this process, for handing jobs over (the web app)."""
    key = conninfo(store)
    with _apps_lock:
        app = _apps.get(key)
        if app is None:
            app = make_app(store, pool_size=2)
            app.open()
            _apps[key] = app
        return app


def close_apps() -> None:
    """Close this process's hand-over apps (their connection pools)."""
    with _apps_lock:
        for app in _apps.values():
            app.close()
        _apps.clear()


def _defer(app: App, job_id: int) -> int | None:
    try:
        task = app.configure_task(TASK, queueing_lock=f"job-{job_id}")
        return task.defer(job_id=job_id, practice_id=tenancy.scoped_practice())
    except AlreadyEnqueued:  # handed over before and not started yet
        return None


STOP_NOTE = "Stop asked by "


def asked_by(store: Store, job_id: int) -> str:
    """Who asked a running job to stop (``jobs.cancel`` notes it on the row)."""
    with store.reader.connect() as conn:
        note = conn.execute(select(Job.error).where(Job.id == job_id)).scalar() or ""
    return note.removeprefix(STOP_NOTE).rstrip(".") if note.startswith(STOP_NOTE) else "a user"


def cancel_queued(store: Store, queue_id: int) -> bool:
    """Take a waiting job off the queue (procrastinate's own cancel: ``todo`` becomes
    ``cancelled``); False when a worker has it already (our row, cancelled first, makes
    that worker skip it)."""
    return bool(_deferring_app(store).job_manager.cancel_job_by_id(queue_id))


def abort(store: Store, queue_id: int) -> bool:
    """Ask the worker running a queue job to stop it (procrastinate's abort: the worker
    learns of it by LISTEN/NOTIFY or its next poll, and the job sees it at its next batch
    boundary); False when there is no such job running."""
    return bool(_deferring_app(store).job_manager.cancel_job_by_id(queue_id, abort=True))


def hand_over(store: Store, job_id: int) -> None:
    """Put job ``job_id`` on procrastinate's queue and note its queue id on our row."""
    queue_id = _defer(_deferring_app(store), job_id)
    if queue_id is not None:
        with store.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == job_id).values(queue_id=queue_id))


async def sweep(app: App, store: Store, *, stalled_after: float) -> dict[str, int]:
    """Retry the jobs of workers that stopped beating; hand over again our rows that no queue
    job carries any more, in every practice. Returns how many of each.

    Our rows are read practice by practice (the practice table is the installation's; the
    jobs table is each practice's, behind row-level security), and each row goes back on
    the queue with its own practice, so its job runs there. A row needs a new queue job when
    it is queued and its hand-over was lost (the web process died between its commit and the
    hand-over), or running under a lease that ran out (its worker was killed) while no queue
    job waits or runs for it: procrastinate retries a stalled job once its worker's heartbeat
    stops, but a retry that came before our lease ran out found the row still held, and
    ended."""
    retried = 0
    for stalled in await app.job_manager.get_stalled_jobs(
        queue=QUEUE, seconds_since_heartbeat=stalled_after
    ):
        await app.job_manager.retry_job(stalled)
        retried += 1
    handed = 0
    for practice_id in _practices(store):
        for job_id in _orphans(store, practice_id):
            if await _enqueued(app, job_id):
                continue
            queue_id = await app.configure_task(TASK, queueing_lock=f"job-{job_id}").defer_async(
                job_id=job_id, practice_id=practice_id
            )
            with tenancy.practice_scope(practice_id), store.engine.begin() as conn:
                conn.execute(update(Job).where(Job.id == job_id).values(queue_id=queue_id))
            handed += 1
    return {"retried": retried, "handed_over": handed}


def _practices(store: Store) -> list[int]:
    with store.reader.connect() as conn:
        return [int(i) for i in conn.execute(select(Practice.id).order_by(Practice.id)).scalars()]


def _orphans(store: Store, practice_id: int) -> list[int]:
    """``practice_id``'s rows that may have lost their queue job (see :func:`sweep`)."""
    now = utcnow()
    with tenancy.practice_scope(practice_id), store.reader.connect() as conn:
        return list(
            conn.execute(
                select(Job.id)
                .where(
                    or_(
                        (Job.status == "queued")
                        & Job.queue_id.is_(None)
                        & (Job.created_at < now - HAND_OVER_GRACE),
                        (Job.status == "queued")
                        & Job.queue_id.is_not(None)
                        & (Job.created_at < now - HAND_OVER_GRACE),
                        (Job.status == "running") & (Job.lease_until < now),
                    )
                )
                .order_by(Job.id)
            ).scalars()
        )


async def _enqueued(app: App, job_id: int) -> bool:
    """Whether a queue job for ``job_id`` waits or runs (its queueing lock is held)."""
    found = await app.job_manager.list_jobs_async(queueing_lock=f"job-{job_id}")
    return any(j.status in ("todo", "doing") for j in found)


def run_worker(
    url: str,
    *,
    stop: threading.Event | None = None,
    heartbeat: float = 5.0,
    stalled_after: float = 30.0,
    sweep_every: float = 10.0,
    name: str | None = None,
    once: bool = False,
) -> None:
    """``therabill worker`` on PostgreSQL: procrastinate's worker, plus :func:`sweep` every
    ``sweep_every`` seconds, until SIGINT/SIGTERM (or ``stop``); ``once``: until the queue
    is empty."""
    store = open_store(url)
    app = make_app(store, pool_size=4)

    async def main() -> None:
        async with app.open_async():
            if once:  # before the worker looks: it stops as soon as it finds the queue empty
                await sweep(app, store, stalled_after=stalled_after)
            worker = asyncio.create_task(
                app.run_worker_async(
                    queues=[QUEUE],
                    name=name or jobs.worker_name(),
                    update_heartbeat_interval=heartbeat,
                    stalled_worker_timeout=stalled_after,
                    install_signal_handlers=stop is None,
                    delete_jobs="successful",
                    wait=not once,
                )
            )
            try:
                while not worker.done():
                    try:
                        swept = await sweep(app, store, stalled_after=stalled_after)
                        if any(swept.values()):
                            log.info("job sweep: %s", swept)
                    except Exception:
                        log.exception("job sweep failed; trying again later")
                    await _wait(worker, stop, sweep_every)
                    if stop is not None and stop.is_set():
                        worker.cancel()
            finally:
                if not worker.done():
                    worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker

    try:
        asyncio.run(main())
    finally:
        store.dispose()


async def _wait(worker: asyncio.Task[Any], stop: threading.Event | None, seconds: float) -> None:
    step = 0.2
    waited = 0.0
    while waited < seconds and not worker.done() and not (stop is not None and stop.is_set()):
        await asyncio.sleep(step)
        waited += step
