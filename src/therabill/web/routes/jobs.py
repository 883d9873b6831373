"""Background jobs in the web app: the page a long action answers with (progress, then the
result), the small fragment it polls, and the list of recent jobs. The work itself runs in a
worker (``therabill worker``, or the thread ``therabill serve`` runs on SQLite)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from therabill import settings
from therabill.errors import TherabillError
from therabill.store.services import Store, jobs
from therabill.web.deps import Ctx, PageBiller, PathId
from therabill.web.reads import reading
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


def _job(ctx: Ctx, account: PageBiller, job_id: int) -> dict[str, Any]:
    with reading(ctx, account) as work:
        try:
            return jobs.show_job(work, job_id)
        except TherabillError:
            from therabill.web.deps import NotFound

            raise NotFound() from None


def _context(request: Request, job: dict[str, Any]) -> dict[str, Any]:
    result = job["result"] if isinstance(job["result"], dict) else {}
    finished = job["status"] in ("done", "failed")
    extra: dict[str, Any] = {
        "job": job,
        "result": result,
        "finished": finished,
        "poll": POLL_SECONDS,
    }
    if job["kind"] == "claims-build" and result.get("skipped"):
        extra["skipped_table"] = SKIPPED.whole(request, result["skipped"])
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
    elif job["status"] == "failed":
        extra.update(toast_error=job["error"])
    return render(request, "job.html", extra)


@router.get("/jobs/{job_id}/status", response_class=HTMLResponse)
def job_status(request: Request, ctx: Ctx, account: PageBiller, job_id: PathId) -> Response:
    """The job's status block alone, for the page's poll; once the job has ended the block
    carries no poll, so the asking stops."""
    job = _job(ctx, account, job_id)
    return render(request, "_job_status.html", _context(request, job))
