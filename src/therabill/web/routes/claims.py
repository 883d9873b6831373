"""Claims: the queue, building claims from sessions, one claim, check and submit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from therabill.claims.corrections import parse_edit
from therabill.claims.status import ADJUDICATED, EDITABLE, TRANSITIONS, ClaimStatus
from therabill.errors import InvalidInput, TherabillError
from therabill.money import format_money
from therabill.store.models import Client
from therabill.store.services import cob, lookup
from therabill.store.services.access import claim_for
from therabill.store.services.claim_edits import edit_claim, recheck_claim
from therabill.store.services.claim_records import show_claim
from therabill.store.services.claims_queue import QueueFilter, filter_choices, queue_page
from therabill.store.services.corrections import close_claim, correct_claim, void_claim
from therabill.store.services.paper import print_claims
from therabill.store.services.submission import (
    SUBMITTABLE,
    download_outbox_file,
    submit_claims,
)
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, NotFound, PageBiller, PathId
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.routes.jobs import start as start_job
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()
SKIPPED_SHOWN = 200  # sessions listed after a build; the message gives the full count


def _optional_int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


QUEUE = Table(
    "claims",
    "Claims",
    columns=(
        Column("claim", "Claim", link="claim_url"),
        Column("client", "Client", link="client_url"),
        Column("payer", "Payer"),
        Column("provider", "Provider", desk_only=True),
        Column("date", "Date of service", kind="date"),
        Column("age", "Age (days)", kind="number", sortable=False, desk_only=True),
        Column("status", "Status", kind="status"),
        Column("charge", "Charge", kind="money", total=True),
        Column("balance", "Balance", kind="money", total=True),
        Column("reason", "Why it needs a look", sortable=False),  # last: a tablet scrolls to it
    ),
    default_sort="date",
    descending=True,
    select="id",
    form="bulk-claims",
    row_name="claim",
    empty="No claims match.",
)
CLAIM_LINES = Table(
    "claim-lines",
    "Lines",
    columns=(
        Column("line", "#", kind="number"),
        Column("code", "Code", link="code_url"),
        Column("modifiers", "Modifiers"),
        Column("minutes", "Minutes", kind="number", total=True),
        Column("units", "Units", kind="number", total=True),
        Column("pointers", "Dx pointers", sortable=False),
        Column("charge", "Charge", kind="money", total=True),
        Column("owed", "Still owed", kind="money", total=True),
    ),
    default_sort="",
    exportable=False,
    prefix="l-",
    anchor="lines",
    empty="No lines.",
)
CLAIM_HISTORY = Table(
    "history",
    "History",
    columns=(
        Column("when", "When"),
        Column("what", "What"),
        Column("from", "From", kind="status"),
        Column("to", "To", kind="status"),
        Column("who", "Who"),
        Column("why", "Why", sortable=False, wide=True),
    ),
    default_sort="",  # oldest first, as it happened
    exportable=False,
    prefix="h-",
    anchor="history-head",
    empty="Nothing has happened to this claim yet.",
)
STATUS_WORDS = {"attention": "needing attention", "": "all"}


def _queue_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    wanted: QueueFilter,
    extra: dict[str, object],
    *,
    status: int = 200,
) -> Response:
    with reading(ctx, account) as work:
        page, rows = queue_page(
            work, wanted, QUEUE.wanted(request.query_params), today=dt.date.today()
        )
        choices = filter_choices(work)
    view = QUEUE.view(request, page, rows)
    if wants_csv(request):
        return csv_response(view)
    return render(
        request,
        "claims.html",
        {"table": view, "wanted": wanted, "status_words": STATUS_WORDS, **choices, **extra},
        status=status,
    )


@router.get("/claims", response_class=HTMLResponse)
def claims_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    status: Annotated[str, Query(max_length=20)] = "attention",
    payer: Annotated[str, Query(max_length=12)] = "",
    provider: Annotated[str, Query(max_length=12)] = "",
    client_id: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    if status not in ("", "attention") and status not in {s.value for s in ClaimStatus}:
        status = "attention"
    wanted = QueueFilter(
        status, _optional_int(payer), _optional_int(provider), _optional_int(client_id)
    )
    left = flash.take(ctx.store, request, "claims") or {}
    return _queue_page(
        request,
        ctx,
        account,
        wanted,
        {"toast": left.get("message"), "toast_id": "build-result", "skipped": left.get("skipped")},
    )


@router.post("/claims/build")
def build(request: Request, ctx: Ctx, account: PageBiller) -> Response:
    """Build every unbilled session in the background, then 303 to the job's page
    (Post/Redirect/Get: a reload does not build again), which follows it to its result."""
    return _build(request, ctx, account, None)


@router.post("/claims/build-ticked")
def build_ticked(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """Build only the sessions ticked on the unbilled list (bulk action)."""
    ids = {int(v) for v in form.getlist("id") if isinstance(v, str) and v.isdigit()}
    if not ids:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, "sessions", {"error": "Tick at least one session."})
        return RedirectResponse("/sessions?billed=no", status_code=303)
    return _build(request, ctx, account, ids)


def _build(
    request: Request, ctx: Ctx, account: PageBiller, session_ids: set[int] | None
) -> Response:
    """A claims build job (``store.services.jobs``); the answer is the job's page."""
    arguments = {"session_ids": sorted(session_ids)} if session_ids is not None else {}
    return start_job(ctx.store, account, "claims-build", arguments)


@router.get("/claims/submitted", response_class=HTMLResponse)
def submitted(request: Request, ctx: Ctx, account: PageBiller) -> Response:
    """What the last *Check and submit* wrote, shown once (Post/Redirect/Get: a reload does
    not submit again); without one, the queue."""
    outcome = flash.take(ctx.store, request, "submitted")
    if outcome is None:
        return RedirectResponse("/claims", status_code=303)
    return render(request, "submitted.html", {"outcome": outcome})


def _actions(status: str) -> dict[str, bool]:
    """Which forms the claim page offers for a claim in ``status`` (the lifecycle decides)."""
    current = ClaimStatus(status)
    return {
        "can_edit": current in EDITABLE,
        "can_submit": current.value in SUBMITTABLE,
        "can_correct": current in ADJUDICATED,
        "can_void": current in ADJUDICATED or current is ClaimStatus.ACCEPTED,
        "can_close": ClaimStatus.CLOSED in TRANSITIONS[current],
        "can_bill_next": current in (ClaimStatus.PAID, ClaimStatus.PARTLY_PAID),
    }


def _claim_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    claim_id: int,
    *,
    error: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(ctx, account) as work:
        claim_for(work, account, claim_id)
        shown = show_claim(work=work, claim_id=claim_id)
        client = work.db.get(Client, shown["client_id"])
        following = cob.next_policy(work, lookup.claim(work, claim_id))
        next_payer = following.payer.name if following is not None else None
    lines = [
        {"line": ln["line"], "code": ln["code"], "code_url": f"/codes/{ln['code']}",
         "modifiers": ", ".join(ln["modifiers"]), "minutes": ln["minutes"],
         "units": ln["units"], "pointers": ln["diagnosis_pointers"],
         "charge": ln["charge_cents"], "owed": ln["balance"]["total_cents"]}
        for ln in shown["lines"]
    ]  # fmt: skip
    history = [
        {"when": h["at"][:16].replace("T", " "), "what": h["kind"], "from": h["from"] or "",
         "to": h["to"] or "", "who": h["by"], "why": h["why"]}
        for h in shown["history"]
    ]  # fmt: skip
    return render(
        request,
        "claim.html",
        {
            "claim": shown,
            "line_table": CLAIM_LINES.whole(request, lines),
            "history_table": CLAIM_HISTORY.whole(request, history),
            "client": client,
            "error": error,
            "toast": message,  # what the last change did, as a success toast
            "toast_id": "claim-message",
            "next_payer": next_payer,
            **_actions(shown["status"]),
        },
        status=status,
    )


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(request: Request, ctx: Ctx, account: PageBiller, claim_id: PathId) -> HTMLResponse:
    left = flash.take(ctx.store, request, f"claim-{claim_id}") or {}
    return _claim_page(request, ctx, account, claim_id, message=left.get("message"))


@router.get("/claims/{claim_id}/cms1500.pdf")
def claim_pdf(
    ctx: Ctx, account: PageBiller, claim_id: PathId, data_only: Annotated[bool, Query()] = False
) -> Response:
    """The claim on the CMS-1500 form (the same service as ``therabill claims print``)."""
    with ctx.store.transaction(actor=account.username) as work:
        claim_for(work, account, claim_id)
        printed = print_claims(work=work, claim_ids=[claim_id], data_only=data_only)
    name = f"claim-{claim_id}{'-data' if data_only else ''}.pdf"
    return Response(
        printed.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def _text(form: FormFields, name: str) -> str:
    value = form.get(name, "")
    return value[:2000] if isinstance(value, str) else ""


@router.post("/claims/{claim_id}/{action}")
def claim_action(
    request: Request, ctx: Ctx, account: PageBiller, claim_id: PathId, action: str, form: FormFields
) -> Response:
    """Edit, check again, correct, void or close a claim (the same services as the CLI), then
    303 to the claim the action leaves to work on; a refusal shows the claim page with the
    reason."""
    if action not in ("edit", "recheck", "correct", "void", "close", "secondary"):
        raise NotFound()
    try:
        with ctx.store.transaction(actor=account.username) as work:
            claim_for(work, account, claim_id)
            reason = _text(form, "reason")
            if action in ("edit", "correct"):
                edit = parse_edit(
                    line=_text(form, "line"),
                    code=_text(form, "code"),
                    modifiers=_text(form, "modifiers") if form.get("set_modifiers") else None,
                    units=_text(form, "units"),
                    charge=_text(form, "charge"),
                    pointers=_text(form, "pointers"),
                    diagnoses=_text(form, "diagnoses").replace(",", " ").split(),
                    referring_npi=_text(form, "referring_npi"),
                    referring_name=_text(form, "referring_name"),
                )
            if action == "secondary":
                made = cob.bill_next_payer(work=work, claim_id=claim_id)
                target = made.claim_id
                message = (
                    f"Claim {made.claim_id} to {made.payer} ({made.priority}) for "
                    f"{format_money(made.moved_cents)} is {made.status}."
                )
            elif action == "edit":
                done = edit_claim(work=work, claim_id=claim_id, edit=edit, reason=reason)
                target, message = claim_id, f"Claim {claim_id} is {done.status}."
            elif action == "recheck":
                done = recheck_claim(work=work, claim_id=claim_id)
                errors, target = done.errors, claim_id
                message = f"Claim {claim_id} was checked again with today's records: " + (
                    f"{errors} error{'' if errors == 1 else 's'} to fix; it is "
                    f"{done.status.replace('_', ' ')}."
                    if errors
                    else f"no errors; it is {done.status.replace('_', ' ')}."
                )
            elif action == "correct":
                result = correct_claim(
                    work=work,
                    claim_id=claim_id,
                    edit=edit,
                    reason=reason,
                    payer_claim_number=_text(form, "payer_claim_number") or None,
                )
                target = result.new_claim_id or claim_id
                message = f"Claim {claim_id} is {result.status}. Next: {result.next_step}."
            elif action == "void":
                result = void_claim(
                    work=work,
                    claim_id=claim_id,
                    reason=reason,
                    payer_claim_number=_text(form, "payer_claim_number") or None,
                )
                target = claim_id
                message = f"Claim {claim_id} is {result.status}. Next: {result.next_step}."
            else:
                result = close_claim(
                    work=work,
                    claim_id=claim_id,
                    reason=reason,
                    client_owes=bool(form.get("client_owes")),
                    rebill=bool(form.get("rebill")),
                )
                target = claim_id
                message = f"Claim {claim_id} is closed." + (
                    f" Next: {result.next_step}." if result.next_step else ""
                )
            flash.leave(work, request, f"claim-{target}", {"message": message})
    except TherabillError as exc:
        return _claim_page(request, ctx, account, claim_id, error=str(exc), status=422)
    return RedirectResponse(f"/claims/{target}", status_code=303)


@router.post("/claims/submit")
def submit(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """Check and submit the ticked claims, then 303 to what was written."""
    ticked = [*form.getlist("id"), *form.getlist("claim")]  # the queue's boxes, or a claim's
    ids = sorted({int(v) for v in ticked if isinstance(v, str) and v.isdigit()})
    try:
        if not ids:
            raise InvalidInput("tick at least one claim", field="claim")
        with ctx.store.transaction(actor=account.username) as work:
            outcome = submit_claims(
                work=work,
                outbox=ctx.settings.outbox_for(work.practice_id),
                claim_ids=ids,
                reason="submitted in an 837P batch from the web app",
            )
            flash.leave(
                work, request, "submitted", {"files": outcome.files, "claims": outcome.claims}
            )
    except TherabillError as exc:
        return _queue_page(
            request, ctx, account, QueueFilter("attention"), {"toast_error": str(exc)}, status=422
        )
    return RedirectResponse("/claims/submitted", status_code=303)


@router.post("/claims/print")
def print_ticked(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """The ticked claims on CMS-1500 paper, one PDF (the same service as ``claims print``)."""
    ids = [int(v) for v in form.getlist("id") if isinstance(v, str) and v.isdigit()][:500]
    try:
        if not ids:
            raise InvalidInput("tick at least one claim", field="claim")
        with ctx.store.transaction(actor=account.username) as work:
            for claim_id in ids:
                claim_for(work, account, claim_id)
            printed = print_claims(work=work, claim_ids=ids)
    except TherabillError as exc:
        return _queue_page(
            request, ctx, account, QueueFilter("attention"), {"toast_error": str(exc)}, status=422
        )
    return Response(
        printed.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="claims-cms1500.pdf"'},
    )


@router.get("/outbox/{name}")
def download(ctx: Ctx, account: PageBiller, name: str) -> Response:
    with ctx.store.transaction(actor=account.username) as work:
        path = download_outbox_file(
            work=work, outbox=ctx.settings.outbox_for(work.practice_id), name=name
        )
    if path is None:
        raise NotFound()
    return FileResponse(path, media_type="application/edi-x12", filename=path.name)
