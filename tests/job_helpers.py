"""A job worker for tests that follow a job to its end: on PostgreSQL procrastinate's own
worker (``job_queue.run_worker``, as ``therabill worker`` runs it) in a thread of the test's
process; on SQLite nothing (``therabill jobs run --wait`` runs the job in the command)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


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
