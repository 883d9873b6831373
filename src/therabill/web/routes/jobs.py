"""Background jobs in the web app: the page a long action answers with (progress, then the
result), the small fragment it polls, and the list of recent jobs. The work itself runs in a
worker (``therabill worker``, or the thread ``therabill serve`` runs on SQLite)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from therabill import settings
from therabill.errors import TherabillError
from therabill.store.services import Store, jobs
from therabill.web.deps import Ctx, FormFields, PageAdmin, PageBiller, PathId
from therabill.web.reads import off_the_event_loop, reading
from therabill.web.render import render
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()

POLL_SECONDS = 1

JOBS = Table(
    "jobs",
    "Recent jobs",
    columns=(
        Column("id", "Job", link="href"),
        Column("title", "Kind"),
        Column("status", "Status", kind="status"),
        Column("progress", "Progress", sortable=False),
        Column("requested_by", "Asked by"),
        Column("when", "Asked at"),
        Column("outcome", "Result", sortable=False, wide=True),
    ),
    default_sort="",  # newest first, as the service gives them
    empty="No background jobs yet.",
)

SKIPPED = Table(
    "skipped-sessions",
    "Sessions not billed",
    columns=(
        Column("session_id", "Session", sortable=False),
        Column("reason", "Why", sortable=False),
    ),
    default_sort="",
    exportable=False,
    prefix="s-",
)


def start(
    store: Store, account: Any, kind: str, arguments: dict[str, Any], payload: bytes | None = None
) -> Response:
    """Queue a job for ``account`` and answer with its page (303: a reload does not queue
    it again)."""
    job_id = jobs.submit(
        store, kind=kind, arguments=arguments, actor=account.username, payload=payload
    )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _progress(job: dict[str, Any]) -> str:
    return f"{job['done']} of {job['total']}" if job["total"] else ""


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, ctx: Ctx, account: PageBiller) -> Response:
    with reading(ctx, account) as work:
        found = jobs.list_jobs(work, limit=200)
    rows = [
        {**j, "href": f"/jobs/{j['id']}", "progress": _progress(j),
         "when": j["created_at"].replace("T", " ")[:16],
         "outcome": j["error"] or j["message"] or ""}
        for j in found
    ]  # fmt: skip
    view = JOBS.whole(request, rows)
    if wants_csv(request):
        return csv_response(view)
    return render(request, "jobs.html", {"table": view})


@router.post("/jobs/month-end")
def month_end_start(request: Request, ctx: Ctx, account: PageAdmin, form: FormFields) -> Response:
    """An office administrator's month-end: one job per practice they bill for (claims
    build, then statements, through the month's last day); the answer is the page that
    follows them all."""
    from therabill.store.services import month_end

    through = str(form.get("through") or "").strip()
    try:
        day = dt.date.fromisoformat(through) if through else None
    except ValueError:
        day = None
        error = f"{through!r} is not a date (YYYY-MM-DD)"
    else:
        error = ""
    if not error:
        try:
            month_end.queue_month_end(ctx.store, actor=account.username, through=day)
        except TherabillError as exc:
            error = str(exc)
    if error:
        return _month_end_page(request, ctx, account, error=error, status=422)
    return RedirectResponse("/jobs/month-end", status_code=303)


@router.get("/jobs/month-end", response_class=HTMLResponse)
def month_end_page(request: Request, ctx: Ctx, account: PageAdmin) -> Response:
    """Each practice's newest month-end job, followed until all have ended."""
    return _month_end_page(request, ctx, account)


def _job(ctx: Ctx, account: PageBiller, job_id: int) -> dict[str, Any]:
    with reading(ctx, account) as work:
        try:
            return jobs.show_job(work, job_id)
        except TherabillError:
            from therabill.web.deps import NotFound

            raise NotFound() from None


REFUSED = Table(
    "refused-clients",
    "Clients not asked about",
    columns=(Column("client", "Client", sortable=False), Column("reason", "Why", sortable=False)),
    default_sort="",
    exportable=False,
    prefix="r-",
)

FETCHED = Table(
    "fetched-files",
    "Files fetched",
    columns=(
        Column("file", "File", sortable=False),
        Column("kind", "Kind", sortable=False),
        Column("status", "Outcome", kind="status", sortable=False),
        Column("detail", "Details", sortable=False, wide=True),
    ),
    default_sort="",
    exportable=False,
    prefix="f-",
)


def _context(request: Request, job: dict[str, Any]) -> dict[str, Any]:
    result = job["result"] if isinstance(job["result"], dict) else {}
    finished = job["status"] in jobs.ENDED
    extra: dict[str, Any] = {
        "job": job,
        "result": result,
        "finished": finished,
        "poll": POLL_SECONDS,
    }
    if job["kind"] == "claims-build" and result.get("skipped"):
        extra["skipped_table"] = SKIPPED.whole(request, result["skipped"])
    if job["kind"] == "eligibility-batch" and result.get("refused"):
        extra["refused_table"] = REFUSED.whole(request, result["refused"])
    if job["kind"] == "clearinghouse-fetch" and result.get("files"):
        rows = [{**f, "kind": f.get("kind") or "unknown"} for f in result["files"]]
        extra["fetched_table"] = FETCHED.whole(request, rows)
    kind = jobs.KINDS.get(job["kind"])
    extra["stop_note"] = jobs.stop_note(kind) if kind is not None else ""
    if job["kind"] == "post-835" and result:
        from therabill.web.routes.remittances import RESULT_CLAIMS

        rows = result.get("claim_rows", [])[: settings.page_size()]  # THERABILL_PAGE_SIZE
        extra["result_table"] = replace(RESULT_CLAIMS, per_page=max(len(rows), 1)).whole(
            request, rows
        )
        extra["shown"] = len(rows)
    return extra


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, ctx: Ctx, account: PageBiller, job_id: PathId) -> Response:
    """The job: queued or running (the page asks again every second), then its result."""
    job = _job(ctx, account, job_id)
    extra = _context(request, job)
    if job["status"] == "done" and job["message"]:
        extra.update(toast=job["message"], toast_id="job-result")
    elif job["status"] in ("failed", "cancelled"):
        extra.update(toast_error=job["error"])
    elif request.query_params.get("cancel") == "asked":
        extra.update(toast=f"Asked to stop: {extra['stop_note']}", toast_id="job-stop-asked")
    return render(request, "job.html", extra)


@router.post("/jobs/{job_id}/cancel")
def cancel_job(request: Request, ctx: Ctx, account: PageBiller, job_id: PathId) -> Response:
    """Cancel a queued job, or ask a running one to stop at its next batch boundary; a job
    that cannot stop halfway (or has ended) is shown again with the reason (409). Nothing
    here waits for SQLite's write lock while a job runs: the request to stop waits beside
    the database (``job_sidecar``)."""
    try:
        outcome = jobs.cancel(ctx.store, job_id, actor=account.username)
    except TherabillError as exc:
        job = _job(ctx, account, job_id)  # another practice's job, or none: 404
        extra = _context(request, job)
        extra.update(toast_error=str(exc))
        return render(request, "job.html", extra, status=409)
    asked = "asked" if outcome["status"] == "running" else "done"
    return RedirectResponse(f"/jobs/{job_id}?cancel={asked}", status_code=303)


def _month_end_page(
    request: Request, ctx: Ctx, account: PageAdmin, *, error: str = "", status: int = 200
) -> Response:
    from therabill.store.services import month_end

    off_the_event_loop()
    rows = month_end.latest(ctx.store, actor=account.username)
    running = any(r["job"] is not None and r["job"]["status"] not in jobs.ENDED for r in rows)
    return render(
        request,
        "month_end.html",
        {
            "rows": rows,
            "running": running,
            "poll": POLL_SECONDS * 2,
            "error": error,
            "through": jobs.last_month_end().isoformat(),
        },
        status=status,
    )


@router.get("/jobs/{job_id}/status", response_class=HTMLResponse)
def job_status(request: Request, ctx: Ctx, account: PageBiller, job_id: PathId) -> Response:
    """The job's status block alone, for the page's poll; once the job has ended the block
    carries no poll, so the asking stops."""
    job = _job(ctx, account, job_id)
    return render(request, "_job_status.html", _context(request, job))
