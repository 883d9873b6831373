"""SQLite: what a running job and the people watching it tell each other outside the
database.

A job's transaction on SQLite holds the database's only write lock (for the whole run, or for
one part of a job in parts): nothing can write the job's progress into its row meanwhile, and
no one can write a request to stop it there either. So, beside
the database file (``practice.sqlite3-jobs/``; SQLite runs on one host, where every process
using the file sees this folder):

- ``ID.progress``: ``done total``, written by the job's heartbeat (at most twice a second,
  replaced whole: a reader never sees half a line) and read over the row while it runs;
- ``ID.stop``: who asked the job to stop; the job looks for it at its next batch boundary
  (each claim drafted, each client asked about, each file fetched) and stops there, its
  transaction rolled back.

Both go when the job ends. PostgreSQL needs neither: the heartbeat writes progress into the
row, and a stop request is procrastinate's own abort (``job_queue.cancel``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import Engine

from therabill.store import write_turns
from therabill.store.beside import beside_database


def folder(engine: Engine) -> Path | None:
    """The sidecar folder of a SQLite database file (None: PostgreSQL, or in memory)."""
    return beside_database(engine, write_turns.SUFFIX)


def write_progress(engine: Engine, job_id: int, done: int, total: int) -> None:
    place = folder(engine)
    if place is None:
        return
    place.mkdir(parents=True, exist_ok=True)
    partial = place / f".{job_id}.progress.{os.getpid()}"
    partial.write_text(f"{int(done)} {int(total)}\n", "ascii")
    os.replace(partial, place / f"{job_id}.progress")


def read_progress(engine: Engine, job_id: int) -> tuple[int, int] | None:
    place = folder(engine)
    if place is None:
        return None
    try:
        done, total = (place / f"{job_id}.progress").read_text("ascii").split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None


def ask_to_stop(engine: Engine, job_id: int, actor: str) -> bool:
    """Leave a stop request for a running job; False when this backend has no sidecar."""
    place = folder(engine)
    if place is None:
        return False
    place.mkdir(parents=True, exist_ok=True)
    (place / f"{job_id}.stop").write_text(actor[:80], "utf-8")
    return True


def stop_asked(engine: Engine, job_id: int) -> str | None:
    """Who asked the job to stop, if anyone."""
    place = folder(engine)
    if place is None:
        return None
    try:
        return (place / f"{job_id}.stop").read_text("utf-8").strip() or "someone"
    except OSError:
        return None


def clear(engine: Engine, job_id: int) -> None:
    place = folder(engine)
    if place is None:
        return
    for name in (f"{job_id}.progress", f"{job_id}.stop"):
        with contextlib.suppress(OSError):
            (place / name).unlink()
