"""Remittances: upload an 835, see what was paid, denied and why, and what needs a look."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from therabill.web.deps import Ctx, PageBiller
from therabill.web.reads import reading
from therabill.web.remittance_log import recent_remittances
from therabill.web.remittances import MAX_UPLOAD, receive_upload
from therabill.web.render import render

router = APIRouter()


@router.get("/remittances", response_class=HTMLResponse)
async def remittances_page(request: Request, ctx: Ctx, account: PageBiller) -> HTMLResponse:
    async with reading(ctx, account) as work:
        recent = recent_remittances(work, limit=25)
    return render(request, "remittances.html", {"recent": recent, "result": None})


@router.post("/remittances", response_class=HTMLResponse)
async def upload(request: Request, ctx: Ctx, account: PageBiller) -> HTMLResponse:
    form = await request.form(max_part_size=MAX_UPLOAD)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(
            request,
            "remittances.html",
            {"recent": [], "result": None, "error": "Choose an 835 file to upload."},
            status=422,
        )
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return render(
            request,
            "remittances.html",
            {"recent": [], "result": None, "error": "The file is larger than 50 MB."},
            status=413,
        )
    result = receive_upload(ctx.store, actor=account.username, data=data, file_name=upload.filename)
    with ctx.store.transaction(actor=account.username) as work:
        recent = recent_remittances(work, limit=25)
    status = 422 if result.outcome in ("refused", "quarantined") else 200
    return render(request, "remittances.html", {"recent": recent, "result": result}, status=status)
