"""Eligibility from the client's page: write a 270 for the client's policy into the outbox
(the clearinghouse connection sends it), or upload the payer's 271 and store it on the
policy. Both POST, then 303 back to the client's page with what happened. From the clients
list, an eligibility batch: a 270 for every client with a policy, as a background job."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from therabill.errors import TherabillError
from therabill.store.services import eligibility
from therabill.store.services.access import client_for
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageBiller, PathId
from therabill.web.routes.jobs import start as start_job

router = APIRouter()
MAX_271_BYTES = 5 * 1024 * 1024
"""A 271 for one client is a few kilobytes; anything over 5 MB is not one."""


@router.post("/eligibility/batch")
def eligibility_batch(
    request: Request, ctx: Ctx, account: PageBiller, fields: FormFields
) -> Response:
    """A 270 for every client with a policy on file, for the day given (default today), as
    a background job; the answer is the job's page (a bad date: 422 naming it)."""
    arguments = {"clients": "all"}
    day = str(fields.get("date_of_service") or "").strip()
    if day:
        arguments["date_of_service"] = day
    return start_job(ctx.store, account, "eligibility-batch", arguments)


def _back(client_id: int) -> Response:
    return RedirectResponse(f"/clients/{client_id}#eligibility", status_code=303)


@router.post("/clients/{client_id}/eligibility/check")
def check_eligibility(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, fields: FormFields
) -> Response:
    types = [t for t in str(fields.get("service_types", "")).replace(",", " ").split() if t]
    try:
        with ctx.store.transaction(actor=account.username) as work:
            client_for(work, account, client_id)
            outcome = eligibility.request_eligibility(
                work=work,
                client=client_id,
                outbox=ctx.settings.outbox_for(work.practice_id),
                service_types=types,
            )
            flash.leave(
                work, request, f"client-{client_id}",
                {"eligibility": f"Eligibility inquiry for {', '.join(outcome.service_types)} "
                 f"written to the outbox ({outcome.path.name}): therabill clearinghouse send "
                 "sends it to the payer."},
            )  # fmt: skip
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, f"client-{client_id}", {"eligibility_error": str(exc)})
    return _back(client_id)


@router.post("/clients/{client_id}/eligibility/upload")
def upload_answer(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, fields: FormFields
) -> Response:
    upload = fields.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise TherabillError("Choose the payer's 271 file to upload.")
        data = upload.file.read(MAX_271_BYTES + 1)
        if len(data) > MAX_271_BYTES:
            raise TherabillError("That file is over 5 MB: it is not one client's 271.")
        with ctx.store.transaction(actor=account.username) as work:
            client_for(work, account, client_id)
            stored = eligibility.store_answers(work=work, data=data, file_name=upload.filename)
            parts = [f"{len(stored.stored)} answer(s) stored"]
            if stored.already:
                parts.append(f"{len(stored.already)} stored before")
            if stored.unmatched:
                parts.append(f"{len(stored.unmatched)} match no policy")
            flash.leave(
                work, request, f"client-{client_id}", {"eligibility": "; ".join(parts) + "."}
            )
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, f"client-{client_id}", {"eligibility_error": str(exc)})
    return _back(client_id)
