"""Remittances: upload an 835, see what was paid, denied and why, and what needs a look."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from therabill import settings
from therabill.errors import TherabillError
from therabill.store.services import remittances as posting
from therabill.store.services.remittance_intake import (
    check_size,
    recent_remittances,
)
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageBiller, PathId
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.routes.jobs import start as start_job
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()


EXCEPTIONS = Table(
    "open-exceptions",
    "Exceptions to resolve",
    columns=(
        Column("received", "Received", kind="date"),
        Column("claim", "Their claim"),
        Column("payer", "Payer"),
        Column("trace_number", "Trace"),
        Column("paid", "Paid", kind="money", total=True),
        Column("reason", "Why", sortable=False),
        Column("resolve", "What was done", kind="cell", sortable=False, export=False),
    ),
    default_sort="received",
    descending=True,
    empty="No exceptions to resolve.",
    anchor="exceptions",
)
QUARANTINED = Table(
    "quarantined-files",
    "Quarantined files",
    columns=(
        Column("received", "Received"),
        Column("file", "File"),
        Column("reason", "Why", sortable=False),
        Column("action", "Since", kind="cell", sortable=False, export=False),
    ),
    default_sort="",
    exportable=False,
    prefix="q-",
    anchor="quarantined",
)
UPLOADS = Table(
    "uploads",
    "Uploaded before",
    columns=(
        Column("when", "When"),
        Column("file_name", "File"),
        Column("actor", "By"),
        Column("outcome", "Outcome", kind="status"),
        Column("summary", "Summary", sortable=False),
    ),
    default_sort="",
    exportable=False,
    prefix="u-",
    anchor="uploads",
    empty="Nothing uploaded yet.",
)

# What one upload paid, claim by claim: shown once after the POST (nothing to come back to),
# so in the file's order, without sort links, its first ``THERABILL_PAGE_SIZE`` claims.
RESULT_CLAIMS = Table(
    "remittance-claims",
    "Claims in this file",
    columns=(
        Column("claim", "Claim", sortable=False),
        Column("status", "Payer's status", sortable=False),
        Column("charge", "Charge", kind="money", sortable=False, total=True),
        Column("paid", "Paid", kind="money", sortable=False, total=True),
        Column("patient", "Client owes", kind="money", sortable=False, total=True),
        Column("reasons", "Adjustments (group-reason amount)", sortable=False, wide=True),
    ),
    default_sort="",
    exportable=False,
    prefix="r-",
    empty="No claims in this file.",
)


@router.get("/remittances", response_class=HTMLResponse)
def remittances_page(request: Request, ctx: Ctx, account: PageBiller) -> Response:
    """The open exceptions (paged in the database), quarantined files and recent uploads."""
    left = flash.take(ctx.store, request, "remittances") or {}
    table = replace(EXCEPTIONS, per_page=settings.page_size())  # THERABILL_PAGE_SIZE
    with reading(ctx, account) as work:
        recent = recent_remittances(work, limit=25)
        page, rows = posting.exceptions_page(work=work, wanted=table.wanted(request.query_params))
        quarantined = posting.list_quarantine(work=work, limit=settings.page_size())
    exceptions = table.view(request, page, rows)
    if wants_csv(request):
        return csv_response(exceptions)
    for q in quarantined:
        q["received"] = q["received_at"][:16].replace("T", " ")
    for r in recent:
        r["when"] = r["uploaded_at"].strftime("%Y-%m-%d %H:%M")
    return render(
        request,
        "remittances.html",
        {
            "result": None,
            "exceptions": exceptions,
            "quarantined": QUARANTINED.whole(request, quarantined) if quarantined else None,
            "uploads": UPLOADS.whole(request, recent),
            "toast": left.get("message"),
            "toast_id": "remittances-message",
            "toast_error": left.get("error"),
        },
    )


@router.post("/remittances/exceptions/{exception_id}/resolve")
def resolve_exception(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    exception_id: PathId,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record what was done about an unmatched claim, then back to the page (303)."""
    try:
        with ctx.store.transaction(actor=account.username) as work:
            posting.resolve_exception(work=work, exception_id=exception_id, note=note)
            flash.leave(
                work, request, "remittances", {"message": f"Exception {exception_id} resolved."}
            )
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, "remittances", {"error": f"Exception {exception_id}: {exc}"})
    return RedirectResponse("/remittances", status_code=303)


@router.post("/remittances", response_class=HTMLResponse)
def upload(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """Check an uploaded 835's size and queue it for posting (a background job keeps the
    file in the database, so any worker can post it); the answer is the job's page."""
    read = _uploaded(request, form)
    if isinstance(read, Response):
        return read
    name, data = read
    return start_job(ctx.store, account, "post-835", {"file_name": name}, data)


@router.post("/remittances/quarantined/{quarantine_id}/post", response_class=HTMLResponse)
def post_anyway(
    request: Request, ctx: Ctx, account: PageBiller, quarantine_id: PathId, form: FormFields
) -> Response:
    """Post a file quarantined for its payee, on the biller's word that it pays this
    practice: the same file uploaded again, checked to be that file (and refused for its
    payee alone), then queued like an upload (the job checks it again as it posts)."""
    if form.get("pays_us") != "yes":
        return _back_with(
            ctx,
            account,
            request,
            f"Quarantined file {quarantine_id}: tick “It pays this practice” once you have "
            "checked the payment is ours; nothing was posted.",
        )
    read = _uploaded(request, form)
    if isinstance(read, Response):
        return read
    name, data = read
    try:
        with reading(ctx, account) as work:
            posting.check_release(work, quarantine_id, data)
    except TherabillError as exc:
        return _back_with(
            ctx, account, request, f"Quarantined file {quarantine_id}: {exc}; nothing was posted."
        )
    return start_job(
        ctx.store, account, "post-835", {"file_name": name, "release": quarantine_id}, data
    )


def _back_with(ctx: Ctx, account: PageBiller, request: Request, error: str) -> Response:
    """Back to the quarantined files, saying what stopped the posting."""
    with ctx.store.transaction(actor=account.username) as work:
        flash.leave(work, request, "remittances", {"error": error})
    return RedirectResponse("/remittances#quarantined", status_code=303)


def _uploaded(request: Request, form: FormFields) -> tuple[str, bytes] | Response:
    """The uploaded file's name and bytes, or the page again saying what is wrong (none
    chosen, or over the size limit: never more than the limit is read)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(
            request,
            "remittances.html",
            {"result": None, "toast_error": "Choose an 835 file to upload."},
            status=422,
        )
    limit = settings.max_835_bytes()
    try:  # the size the form parser counted, then what is read: never more than the limit
        check_size(upload.size if upload.size is not None else 0, upload.filename)
        data = upload.file.read(limit + 1)
        check_size(len(data), upload.filename)
    except TherabillError as exc:
        return render(
            request,
            "remittances.html",
            {"result": None, "toast_error": f"{exc}"},
            status=413,
        )
    return upload.filename, data
