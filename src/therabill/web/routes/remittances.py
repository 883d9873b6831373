"""Remittances: upload an 835, see what was paid, denied and why, and what needs a look."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from therabill import settings
from therabill.errors import TherabillError
from therabill.store.services import remittances as posting
from therabill.store.services.remittance_intake import (
    check_size,
    receive_remittance,
    recent_remittances,
)
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageBiller, PathId
from therabill.web.reads import reading
from therabill.web.render import render

router = APIRouter()


@router.get("/remittances", response_class=HTMLResponse)
def remittances_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """Uploads, then the open exceptions a page at a time (``THERABILL_PAGE_SIZE`` rows)."""
    left = flash.take(ctx.store, request, "remittances") or {}
    size = settings.page_size()
    with reading(ctx, account) as work:
        recent = recent_remittances(work, limit=25)
        exceptions = posting.exceptions_page(work=work, page=page, page_size=size)
        quarantined = posting.list_quarantine(work=work, limit=size)
    return render(
        request,
        "remittances.html",
        {
            "recent": recent,
            "result": None,
            "exceptions": exceptions,
            "open_exceptions": exceptions.rows,
            "quarantined": quarantined,
            "shown": size,
            "message": left.get("message"),
            "error": left.get("error"),
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
def upload(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> HTMLResponse:
    """Post an uploaded 835 (read on the event loop; posted here, in the threadpool)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(
            request,
            "remittances.html",
            {"recent": [], "result": None, "error": "Choose an 835 file to upload."},
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
            {"recent": [], "result": None, "error": f"{exc}"},
            status=413,
        )
    with ctx.store.transaction(actor=account.username) as work:
        result = receive_remittance(work=work, data=data, file_name=upload.filename)
        recent = recent_remittances(work, limit=25)
    status = 422 if result.quarantined else 200
    return render(
        request,
        "remittances.html",
        {"recent": recent, "result": result, "shown": settings.page_size()},
        status=status,
    )
