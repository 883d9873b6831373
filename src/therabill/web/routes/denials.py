"""Denials: the work queue of what payers did not pay, and the actions that close each."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from therabill.errors import TherabillError
from therabill.store.services import bulk_denials, denials
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageBiller, PathId
from therabill.web.reads import reading
from therabill.web.render import counted, render
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()
Text = Annotated[str, Form(max_length=1000)]


DENIALS = Table(
    "denials",
    "Denials",
    columns=(
        Column("claim_number", "Claim", link="claim_url", sortable=False),
        Column("client", "Client", link="client_url"),
        Column("payer", "Payer"),
        Column("code", "Code", sortable=False),
        Column("amount", "Amount", kind="money", total=True),
        Column("reason", "Reason", kind="cell"),
        Column("opened", "Opened", kind="cell", desk_only=True),
        Column("age_days", "Age (days)", kind="number", sortable=False, screen=False),
        Column("deadline", "Appeal by", kind="date"),
        Column("status", "Status", kind="status"),
        Column("next_action", "Next step", kind="cell", sortable=False),
        Column("act", "Act", kind="cell", sortable=False, export=False),
    ),
    default_sort="opened",
    select="id",
    selectable="open",
    form="bulk-denials",
    row_name="pick",
    empty="No denials to work.",
)
SOON = 14  # days before the appeal deadline a row is marked


@router.get("/denials", response_class=HTMLResponse)
def denials_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    payer: Annotated[str, Query(max_length=200)] = "",
    reason: Annotated[str, Query(max_length=10)] = "",
    age: Annotated[str, Query(max_length=5)] = "",
    closed: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    left = flash.take(ctx.store, request, "denials") or {}
    error = left.get("error")
    view = None
    try:
        min_age = int(age) if age.strip() else None
    except ValueError:
        min_age, error = None, f"age: {age!r} is not a number of days"
    try:
        with reading(ctx, account) as work:
            wanted = denials.DenialFilter(payer or None, reason or None, min_age, bool(closed))
            page, rows = denials.denials_page(
                work, wanted, DENIALS.wanted(request.query_params), today=dt.date.today()
            )
        for row in rows:
            row["open"] = row["status"] != "closed"
            row["pick"] = f"denial {row['claim_number']} {row['client']}"
            due = row["days_to_deadline"]
            row["_class"] = (
                "warn" if due is not None and due <= SOON and row["status"] != "closed" else ""
            )
        view = DENIALS.view(request, page, rows)
    except TherabillError as exc:
        error = str(exc)
    if view is not None and wants_csv(request):
        return csv_response(view)
    return render(
        request,
        "denials.html",
        {
            "table": view,
            "filters": {"payer": payer, "reason": reason, "age": age, "closed": closed},
            "toast": left.get("message"),
            "toast_error": error,
        },
        status=200 if view is not None else 422,
    )


@router.post("/denials/bulk")
def bulk(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    form: FormFields,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Text = "",
) -> Response:
    """Appeal or write off every ticked denial (all or none), then back to the queue."""
    ids = {int(v) for v in form.getlist("id") if isinstance(v, str) and v.isdigit()}
    words = {"appeal": "appealed", "write_off": "written off"}.get(action, "")
    try:
        with ctx.store.transaction(actor=account.username) as work:
            count = bulk_denials.work_denials(
                work=work,
                denial_ids=ids,
                action=action,
                reason=reason,
                approved_by=account.username,
            )
            flash.leave(
                work, request, "denials", {"message": f"{counted(count, 'denial')} {words}."}
            )
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, "denials", {"error": exc.message})
    return RedirectResponse("/denials", status_code=303)


@router.get("/denials/{denial_id}/letter", response_class=PlainTextResponse)
def letter(ctx: Ctx, account: PageBiller, denial_id: PathId) -> PlainTextResponse:
    """The appeal letter as text, to print or paste into the payer's portal."""
    try:
        with ctx.store.transaction(actor=account.username) as work:
            text = denials.appeal_letter_text(work=work, denial_id=denial_id)
    except TherabillError as exc:
        return PlainTextResponse(str(exc), status_code=404)
    return PlainTextResponse(text)


def _act(
    request: Request, ctx: Ctx, username: str, denial_id: int, action: str, **kw: object
) -> Response:
    done = {
        "appeal": "appealed",
        "write_off": "written off",
        "transfer": "moved to the client",
        "transfer_payer": "moved to another payer",
        "resubmitted": "closed as corrected and sent again",
    }[action]
    try:
        with ctx.store.transaction(actor=username) as work:
            if action == "appeal":
                denials.appeal_denial(work=work, denial_id=denial_id, letter=None)
            elif action == "write_off":
                denials.write_off_denial(
                    work=work, denial_id=denial_id, reason=str(kw["reason"]), approved_by=username
                )
            elif action == "transfer":
                denials.transfer_to_client(
                    work=work,
                    denial_id=denial_id,
                    reason=str(kw["reason"]),
                    client_agreed=bool(kw["client_agreed"]),
                )
            elif action == "transfer_payer":
                denials.transfer_to_payer(
                    work=work,
                    denial_id=denial_id,
                    policy_id=int(str(kw["policy"])),
                    reason=str(kw["reason"]),
                )
            else:
                denials.close_denial(
                    work=work, denial_id=denial_id, how="corrected", note=str(kw["reason"])
                )
            flash.leave(work, request, "denials", {"message": f"Denial {denial_id} {done}."})
    except TherabillError as exc:
        with ctx.store.transaction(actor=username) as work:
            flash.leave(work, request, "denials", {"error": f"Denial {denial_id}: {exc}"})
    return RedirectResponse("/denials", status_code=303)


@router.post("/denials/{denial_id}/appeal")
def appeal(request: Request, ctx: Ctx, account: PageBiller, denial_id: PathId) -> Response:
    """Record the appeal (therabill's letter, sent today); the denial stays open."""
    return _act(request, ctx, account.username, denial_id, "appeal")


@router.post("/denials/{denial_id}/write-off")
def write_off(
    request: Request, ctx: Ctx, account: PageBiller, denial_id: PathId, reason: Text = ""
) -> Response:
    """Write it off, approved by the biller or admin who is logged in."""
    return _act(request, ctx, account.username, denial_id, "write_off", reason=reason)


@router.post("/denials/{denial_id}/transfer")
def transfer(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    denial_id: PathId,
    reason: Text = "",
    client_agreed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    return _act(
        request,
        ctx,
        account.username,
        denial_id,
        "transfer",
        reason=reason,
        client_agreed=bool(client_agreed),
    )


@router.post("/denials/{denial_id}/resubmitted")
def resubmitted(
    request: Request, ctx: Ctx, account: PageBiller, denial_id: PathId, reason: Text = ""
) -> Response:
    return _act(request, ctx, account.username, denial_id, "resubmitted", reason=reason)


@router.post("/denials/{denial_id}/transfer-payer")
def transfer_payer(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    denial_id: PathId,
    policy: Annotated[int, Form(ge=1, le=2_000_000_000)],
    reason: Text = "",
) -> Response:
    """Move it to another of the client's payers, on a claim of its own (the same service
    as ``therabill denials transfer-payer``)."""
    return _act(
        request, ctx, account.username, denial_id, "transfer_payer", reason=reason, policy=policy
    )
