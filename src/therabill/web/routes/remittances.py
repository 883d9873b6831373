"""Remittances: upload an 835, see what was paid, denied and why, and what needs a look."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from therabill.errors import TherabillError
from therabill.store.services import remittances as posting
from therabill.store.services.remittance_intake import (
    MAX_UPLOAD,
    receive_remittance,
    recent_remittances,
)
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageBiller, PathId
from therabill.web.reads import reading
from therabill.web.render import render

router = APIRouter()


@router.get("/remittances", response_class=HTMLResponse)
def remittances_page(request: Request, ctx: Ctx, account: PageBiller) -> HTMLResponse:
    left = flash.take(ctx.store, request, "remittances") or {}
    with reading(ctx, account) as work:
        recent = recent_remittances(work, limit=25)
        open_exceptions = posting.list_exceptions(work=work)
        quarantined = posting.list_quarantine(work=work)
    return render(
        request,
        "remittances.html",
        {
            "recent": recent,
            "result": None,
            "open_exceptions": open_exceptions,
            "quarantined": quarantined,
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
    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return render(
            request,
            "remittances.html",
            {"recent": [], "result": None, "error": "The file is larger than 50 MB."},
            status=413,
        )
    with ctx.store.transaction(actor=account.username) as work:
        result = receive_remittance(work=work, data=data, file_name=upload.filename)
        recent = recent_remittances(work, limit=25)
    status = 422 if result.quarantined else 200
    return render(request, "remittances.html", {"recent": recent, "result": result}, status=status)
