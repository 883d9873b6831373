"""``therabill jobs`` (what ran in the background, and how it ended) and ``therabill worker``
(the process that runs the jobs)."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, err_console, handles_errors
from therabill.errors import InvalidInput
from therabill.store.engine import is_sqlite
from therabill.store.services import Store, UnitOfWork, current_actor, jobs

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
        str,
        typer.Option(help="Only jobs in this status: queued, running, done, failed or cancelled."),
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
    _print_job(found)


def _print_job(found: dict[str, Any]) -> None:
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


def _follow(opened: Store, job_id: int, *, quiet: bool) -> dict[str, Any]:
    """The job once it has ended. SQLite: run here, now (a worker that took it first runs
    it instead, and this waits for it); PostgreSQL: a worker runs it, and this follows."""
    if is_sqlite(opened.engine):
        jobs.run_job(opened, job_id)
    shown = -1
    while True:
        found = jobs.wait_for(opened, job_id, timeout=1.0, every=0.2)
        if found["status"] in jobs.ENDED:
            return found
        if not quiet and found["total"] and found["done"] != shown:
            shown = found["done"]
            err_console.print(f"job {job_id}: {found['done']} of {found['total']}")


def _ended(found: dict[str, Any], json_output: bool) -> None:
    if json_output:
        emit_json(found)
    else:
        _print_job(found)
    if found["status"] != "done":
        raise typer.Exit(1)


@app.command("run")
@handles_errors
def run_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="claims-build, statement-run, clearinghouse-fetch, eligibility-batch, "
            "report-refresh or month-end."
        ),
    ],
    start: Annotated[
        str, typer.Option("--from", help="claims-build, report-refresh: first day (YYYY-MM-DD).")
    ] = "",
    end: Annotated[
        str, typer.Option("--to", help="claims-build, report-refresh: last day (YYYY-MM-DD).")
    ] = "",
    through: Annotated[
        str, typer.Option(help="statement-run, month-end: the period's last day (YYYY-MM-DD).")
    ] = "",
    client: Annotated[
        list[str] | None,
        typer.Option(help="eligibility-batch: a client's id or chart number (repeat it)."),
    ] = None,
    all_clients: Annotated[
        bool, typer.Option(help="eligibility-batch: every client with a policy on file.")
    ] = False,
    date_of_service: Annotated[
        str, typer.Option(help="eligibility-batch: the day to ask about (default: today).")
    ] = "",
    clearinghouse: Annotated[
        str, typer.Option(help="clearinghouse-fetch: the clearinghouse profile.")
    ] = "",
    wait: Annotated[
        bool,
        typer.Option(
            help="Wait for the job and print its result (on SQLite it runs in this command)."
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Queue a background job; a worker runs it (therabill worker, or therabill serve on
    SQLite). Without --wait it prints the job's number: follow it with therabill jobs show.

    An 835 is posted with therabill era post FILE (or the web app's upload).

    Example: therabill jobs run eligibility-batch --all-clients --date-of-service 2026-12-01 --wait
    """
    if kind == "post-835":
        raise InvalidInput(
            "an 835 job needs its file: post it with therabill era post FILE", field="kind"
        )
    given: dict[str, Any] = {
        "start": start, "end": end, "through": through, "date_of_service": date_of_service,
        "clearinghouse": clearinghouse,
    }  # fmt: skip
    if all_clients and client:
        raise InvalidInput("give --client or --all-clients, not both", field="client")
    given["clients"] = "all" if all_clients else list(client or [])
    arguments = {k: v for k, v in given.items() if v not in ("", [])}
    opened = store_common.store()
    try:
        job_id = jobs.submit(opened, kind=kind, arguments=arguments, actor=current_actor())
        if wait:
            _ended(_follow(opened, job_id, quiet=json_output), json_output)
            return
    finally:
        opened.dispose()
    if json_output:
        emit_json({"id": job_id, "kind": kind, "status": "queued"})
        return
    console.print(
        f"Queued job {job_id} ({jobs.KINDS[kind].title}). Follow it: therabill jobs show {job_id}"
    )


@app.command("cancel")
@handles_errors
def cancel_command(
    job: Annotated[int, typer.Argument(help="The job's number.")],
    json_output: JsonOption = False,
) -> None:
    """Cancel a job: a queued one never runs; a running claims build, eligibility batch,
    month-end or clearinghouse fetch stops at its next claim, client or file, keeping
    nothing half-written; any other running job is left to finish (the command says so).

    Example: therabill jobs cancel 12
    """
    opened = store_common.store()
    try:
        outcome = jobs.cancel(opened, job, actor=current_actor())
    finally:
        opened.dispose()
    if json_output:
        emit_json(outcome)
        return
    console.print(outcome["message"])


@app.command("month-end")
@handles_errors
def month_end_command(
    through: Annotated[
        str,
        typer.Option(help="The month's last day (YYYY-MM-DD; default: the last month's)."),
    ] = "",
    wait: Annotated[
        bool,
        typer.Option(help="Wait for every practice's job (on SQLite it runs in this command)."),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Month-end for every practice you bill for: one job per practice, each building the
    claims for its sessions through the month's last day and then running its statements
    through that day. Workers run them; billers keep working meanwhile.

    Your practices are those where your login (THERABILL_USER) is a biller or an admin;
    without a login, every practice of the installation.

    Example: therabill jobs month-end --through 2026-11-30
    """
    from therabill.store import tenancy
    from therabill.store.services import month_end

    day = store_common.day(through, "through")
    opened = store_common.store()
    try:
        queued = month_end.queue_month_end(opened, actor=current_actor(), through=day)
        rows: list[dict[str, Any]] = [
            {"practice_id": q.practice_id, "practice": q.practice, "job_id": q.job_id}
            for q in queued
        ]
        if wait:
            for row in rows:
                with tenancy.practice_scope(row["practice_id"]):
                    row["job"] = _follow(opened, row["job_id"], quiet=json_output)
    finally:
        opened.dispose()
    if json_output:
        emit_json(rows)
    else:
        table = Table("Practice", "Job", "Status", "Result")
        for row in rows:
            found = row.get("job") or {}
            table.add_row(
                f"{row['practice_id']} {row['practice']}", str(row["job_id"]),
                found.get("status", "queued"), found.get("error") or found.get("message") or "",
            )  # fmt: skip
        console.print(table)
    if wait and any(r["job"]["status"] != "done" for r in rows):
        raise typer.Exit(1)


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
