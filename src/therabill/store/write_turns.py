"""SQLite: a writer that waits for the write lock gets its turn between a long job's chunks.

A long job on SQLite (a claims build, a statement run, a month-end) commits in chunks, each
its own transaction (``jobs.Units``). Committing alone would not let a waiting writer in: a
writer blocked on ``BEGIN IMMEDIATE`` sleeps in SQLite's busy handler and looks again only
every 100 ms once it has waited a third of a second (``sqliteDefaultBusyCallback``:
https://www.sqlite.org/c3ref/busy_timeout.html), while the job starts its next chunk within
microseconds of its commit. So the two say so beside the database, in the job sidecar folder
(``practice.sqlite3-jobs/``):

- while such a job runs, the file ``chunked-job`` is there (:func:`job_running`);
- meanwhile every writer's ``BEGIN IMMEDIATE`` leaves a file ``waiting-…`` in that folder
  for as long as it waits (:func:`waiting`; one ``stat`` a write transaction when no job
  runs);
- after each chunk's commit the job waits, up to :data:`HANDOFF_LIMIT_S`, until no such file
  is left (:func:`let_writers_in`): the writers have taken their turn (or given up).

Nothing here is needed for correctness: each chunk is a transaction, and a writer that missed
its turn waits for the next commit. PostgreSQL needs none of it (row locks).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine

from therabill.store.beside import beside, beside_database

SUFFIX = "-jobs"
"""The folder beside the database: the job sidecar folder (``job_sidecar``) too."""
FLAG = "chunked-job"
PREFIX = "waiting-"
HANDOFF_LIMIT_S = 2.0
"""How long a job waits after a chunk for the writers waiting then. A writer in SQLite's busy
handler looks for the lock at least every 100 ms, so one that is waiting gets in within about
a tenth of a second; the limit only bounds the wait for a writer that never comes (killed
while it waited, or one that holds its turn longer)."""
STALE_S = 40.0
"""A waiting file older than this is ignored: its writer gave up at the 30 s busy timeout
(and removes its file then), so only a killed process leaves one this old."""
_POLL_S = 0.01
_counter = itertools.count()


def folder(engine: Engine) -> Path | None:
    """``practice.sqlite3-jobs`` beside a SQLite database file; None for PostgreSQL or an
    in-memory database."""
    return beside_database(engine, SUFFIX)


def job_running(place: Path) -> bool:
    return (place / FLAG).exists()


@contextlib.contextmanager
def chunked_job(engine: Engine) -> Iterator[None]:
    """Mark a chunked job running (writers then announce that they wait) while the block
    runs. Several jobs in several processes may mark it; the last one to end removes it, and
    a flag left by a killed job costs writers only a small file each."""
    place = folder(engine)
    if place is None:
        yield
        return
    place.mkdir(parents=True, exist_ok=True)
    mine = place / f"{FLAG}.{os.getpid()}.{threading.get_ident()}"
    mine.touch()
    (place / FLAG).touch()
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # the folder may be gone with the database
            mine.unlink(missing_ok=True)
            if not any(_alive(p) for p in place.iterdir() if p.name.startswith(f"{FLAG}.")):
                (place / FLAG).unlink(missing_ok=True)


def _alive(mark: Path) -> bool:
    """Whether the process that left ``chunked-job.PID.THREAD`` still runs (a killed job's
    mark is removed here, so its flag does not outlive it past the next job's end)."""
    try:
        pid = int(mark.name.split(".")[1])
        os.kill(pid, 0)
    except (IndexError, ValueError):
        return False
    except ProcessLookupError:
        mark.unlink(missing_ok=True)
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True


@contextlib.contextmanager
def waiting(dialect: str, database: str | None) -> Iterator[None]:
    """Around a writer's ``BEGIN IMMEDIATE``: while a chunked job runs, a file says that this
    writer waits for the lock, gone once it has it (or gave up)."""
    place = beside(dialect, database, SUFFIX)
    if place is None or not job_running(place):
        yield
        return
    mark = place / f"{PREFIX}{os.getpid()}-{threading.get_ident()}-{next(_counter)}"
    try:
        mark.touch()
    except OSError:  # the folder went with the job: nothing to announce
        yield
        return
    try:
        yield
    finally:
        mark.unlink(missing_ok=True)


def writers_waiting(place: Path) -> int:
    now = time.time()
    found = 0
    with contextlib.suppress(OSError), os.scandir(place) as entries:
        for entry in entries:
            if not entry.name.startswith(PREFIX):
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime < STALE_S:
                    found += 1
    return found


def let_writers_in(engine: Engine, limit: float = HANDOFF_LIMIT_S) -> float:
    """After a chunk's commit: wait until the writers waiting for the lock have had it (at
    most ``limit`` seconds); how long it waited."""
    place = folder(engine)
    if place is None:
        return 0.0
    started = time.monotonic()
    while writers_waiting(place) and time.monotonic() - started < limit:
        time.sleep(_POLL_S)
    return time.monotonic() - started
