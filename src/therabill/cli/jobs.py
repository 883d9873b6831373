"""``therabill jobs`` (what ran in the background, and how it ended) and ``therabill worker``
(the process that runs the jobs)."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.engine import is_sqlite
from therabill.store.services import UnitOfWork, jobs

app = typer.Typer(
    help="Background jobs: claims builds, statement runs, 835 postings and more, as they run.",
    no_args_is_help=True,
)


@contextmanager
def _reading() -> Iterator[UnitOfWork]:
    opened = store_common.store()
    try:
        with opened.reading() as work:
            yield work
    finally:
        opened.dispose()


@app.command("list")
@handles_errors
def list_command(
    status: Annotated[
        str, typer.Option(help="Only jobs in this status: queued, running, done or failed.")
    ] = "",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
    json_output: JsonOption = False,
) -> None:
    """The newest jobs: kind, status, progress, who asked, when.

    Example: therabill jobs list --status failed
    """
    with _reading() as work:
        rows = jobs.list_jobs(work, limit=limit, status=status or None)
    if json_output:
        emit_json(rows)
        return
    if not rows:
        console.print("No jobs.")
        return
    table = Table("Job", "Kind", "Status", "Progress", "Asked by", "Asked at", "Result")
    for row in rows:
        progress = f"{row['done']}/{row['total']}" if row["total"] else ""
        outcome = row["error"] or row["message"] or ""
        table.add_row(
            str(row["id"]), row["title"], row["status"], progress, row["requested_by"],
            row["created_at"].replace("T", " ")[:16], outcome[:80],
        )  # fmt: skip
    console.print(table)


@app.command("show")
@handles_errors
def show_command(
    job: Annotated[int, typer.Argument(help="The job's number.")],
    json_output: JsonOption = False,
) -> None:
    """One job: its arguments, progress, and its result or error.

    Example: therabill jobs show 12 --json
    """
    with _reading() as work:
        found = jobs.show_job(work, job)
    if json_output:
        emit_json(found)
        return
    console.print(f"Job {found['id']}: {found['title']} ({found['status']})")
    console.print(f"Asked by {found['requested_by']} at {found['created_at']}")
    if found["total"]:
        console.print(f"Progress: {found['done']} of {found['total']}")
    if found["attempts"] > 1:
        console.print(f"Attempts: {found['attempts']}")
    if found["error"]:
        console.print(f"Error: {found['error']}")
    if found["message"]:
        console.print(found["message"])
    elif found["result"] is not None:
        console.print(json.dumps(found["result"], indent=2, default=str))


@handles_errors
def worker_command(
    once: bool = typer.Option(
        False, "--once", help="Run the jobs waiting now, then stop (for cron or a test)."
    ),
    stalled_after: float = typer.Option(
        30.0,
        "--stalled-after",
        min=1.0,
        help="PostgreSQL: seconds without a worker's heartbeat before its job is retried.",
    ),
    json_output: JsonOption = False,
) -> None:
    """Run background jobs (claims builds, statement runs, 835 postings, clearinghouse
    fetches, eligibility batches, report refreshes) until stopped (Ctrl-C or SIGTERM).

    On PostgreSQL, procrastinate's worker takes them from its queue; run one or more on any
    host. On SQLite it takes them from the jobs table (``therabill serve`` runs one in its
    own process too). A job whose worker was killed is run again, and changes nothing twice.

    Example: therabill worker
    """
    opened = store_common.store()
    url = opened.engine.url.render_as_string(hide_password=False)
    sqlite = is_sqlite(opened.engine)
    stop = threading.Event()
    if not json_output:
        console.print(
            f"therabill worker {jobs.worker_name()} is waiting for jobs (Ctrl-C stops it)"
        )
    if not sqlite:
        opened.dispose()
        from therabill.store.services import job_queue

        job_queue.run_worker(
            url, stalled_after=stalled_after, heartbeat=max(stalled_after / 6, 0.5), once=once
        )
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if once:
            name = jobs.worker_name()
            tried: set[int] = set()
            while (job_id := jobs.next_job(opened)) is not None and job_id not in tried:
                tried.add(job_id)
                jobs.run_job(opened, job_id, worker=name)
        else:
            jobs.work_sqlite(opened, stop=stop)
    finally:
        opened.dispose()
    if json_output:
        emit_json({"stopped": True})
