"""Plans of care on the client page: add one, record the certifier's signature and the
progress reports (CMS Pub 100-02 ch.15 §220.1.3, §220.3). Everyone who sees the client sees
its plans; billers and admins record them. Each change is the CLI's own store service
(``therabill plan add|certify|progress``); a refused one shows the client page again (422)
with the message and nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from therabill.errors import InvalidInput, TherabillError
from therabill.store.services import UnitOfWork, plans_of_care, reports
from therabill.store.services.access import client_for
from therabill.store.services.caseload import caseload_providers
from therabill.store.services.users import Account
from therabill.web.deps import Ctx, FormFields, NotFound, PageBiller, PathId
from therabill.web.reads import reading
from therabill.web.render import render

router = APIRouter()


def _text(form: FormFields, name: str, longest: int = 100) -> str:
    value = form.get(name)
    return value.strip()[: longest + 1] if isinstance(value, str) else ""


def _day(text: str, field: str, *, required: bool = True) -> dt.date | None:
    if not text:
        if required:
            raise InvalidInput("is required", field=field)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def _client_page(
    request: Request, work: UnitOfWork, account: Account, client_id: int, error: str
) -> HTMLResponse:
    today = dt.date.today()
    client = client_for(work, account, client_id)
    picture = reports.client_picture(work, account, client, today=today)
    caseload = caseload_providers(work=work, client_id=client.id)
    page = render(
        request,
        "client.html",
        {**picture, "today": today, "caseload": caseload, "plan_error": error},
    )
    page.status_code = 422
    return page


def _change(
    request: Request,
    ctx: Ctx,
    account: Account,
    client_id: Callable[[UnitOfWork], int],
    apply: Callable[[UnitOfWork, int], None],
) -> Response:
    """One change in one transaction, then back to the client page's plans (303), or the
    client page again with the message (422)."""
    with reading(ctx, account) as work:
        try:
            owner = client_id(work)
        except InvalidInput:
            raise NotFound() from None
        client_for(work, account, owner)  # a plan of a client the user may not see: 404
    try:
        with ctx.store.transaction(actor=account.username) as work:
            apply(work, owner)
        return RedirectResponse(f"/clients/{owner}#plans", status_code=303)
    except TherabillError as exc:
        message = str(exc)
    with reading(ctx, account) as work:
        return _client_page(request, work, account, owner, message)


@router.post("/clients/{client_id}/plans")
def add_plan(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, form: FormFields
) -> Response:
    """A new plan of care: discipline, certifying physician/NPP, dates."""

    def apply(work: UnitOfWork, owner: int) -> None:
        first, _, last = _text(form, "referring_name").rpartition(" ")
        if not first.strip():
            raise InvalidInput('give the first and last name, "Rosa Diaz"', field="referring_name")
        start = _day(_text(form, "start", 10), "start")
        assert start is not None
        plans_of_care.add_plan(
            work=work,
            client=owner,
            discipline=_text(form, "discipline", 20),
            referring_npi=_text(form, "referring_npi", 10),
            referring_first_name=first.strip(),
            referring_last_name=last.strip(),
            start=start,
            end=_day(_text(form, "end", 10), "end", required=False),
            certified_on=_day(_text(form, "certified_on", 10), "certified_on", required=False),
        )

    return _change(request, ctx, account, lambda _work: client_id, apply)


@router.post("/plans/{plan_id}/{action}")
def plan_action(
    request: Request, ctx: Ctx, account: PageBiller, plan_id: PathId, action: str, form: FormFields
) -> Response:
    """``certify``: the signature (or verbal order) date; ``progress``: a progress report."""
    if action not in ("certify", "progress"):
        raise NotFound()

    def apply(work: UnitOfWork, _owner: int) -> None:
        on = _day(_text(form, "on", 10), "on")
        assert on is not None
        if action == "certify":
            plans_of_care.certify_plan(work=work, plan_id=plan_id, on=on)
        else:
            plans_of_care.record_progress_report(work=work, plan_id=plan_id, on=on)

    return _change(
        request,
        ctx,
        account,
        lambda work: plans_of_care.plan_row(work, plan_id).client_id,
        apply,
    )
