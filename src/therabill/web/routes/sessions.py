"""Session entry: the form, its live units-and-findings panel (HTMX), saving, one session."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from therabill.codes import load_code_set
from therabill.errors import InvalidInput, TherabillError
from therabill.identifiers.icd10cm import search_billable
from therabill.identifiers.modifier import THERAPY_PLAN
from therabill.store.models import Client, Provider
from therabill.store.services import UnitOfWork
from therabill.store.services.access import (
    client_for,
    client_id_for,
    provider_for,
    provider_id_for,
    providers_to_choose,
    session_for,
)
from therabill.store.services.build import practice_fees
from therabill.store.services.clients import search_clients
from therabill.store.services.live_check import (
    Entered,
    ServiceEntry,
    preview_for,
    preview_session,
)
from therabill.store.services.sessions import (
    ServiceMinutes,
    add_session,
    delete_session,
    edit_session,
    parse_service,
)
from therabill.store.services.users import Account
from therabill.store.services.worklists import SessionFilter
from therabill.store.services.worklists import session_page as session_page_of
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageUser, PathId
from therabill.web.reads import reading
from therabill.web.render import done, render
from therabill.web.session_form import (
    PLACES,
    SessionForm,
    field_label,
    problems,
    read_session_form,
    row_count,
)
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()
CLIENT_MATCHES = 20  # clients listed under the search box; typing more narrows them


def _choices(
    work: UnitOfWork, account: Account, chosen: int | None, raw: dict[str, str] | None = None
) -> dict[str, object]:
    """What the form offers: the chosen client (kept when the form comes back), the first
    clients this user may see, the providers, the places, as many code rows as were filled,
    and the codes the practice bills (its fee schedule) to pick from."""
    picked = client_for(work, account, chosen) if chosen is not None else None
    code_set = load_code_set()
    billed = sorted(practice_fees(work))
    return {
        **_client_matches(work, account, "", picked),
        "providers": providers_to_choose(work, account),
        "places": PLACES,
        "rows": range(1, row_count(raw or {}) + 1),
        "therapy_plan": THERAPY_PLAN,
        "practice_codes": [
            (code, found.short if (found := code_set.get(code)) else "") for code in billed
        ],
    }


def _client_matches(
    work: UnitOfWork, account: Account, text: str, picked: Client | None
) -> dict[str, object]:
    """The clients to pick from: those matching ``text`` that this user may see (a page at a
    time, whatever the practice's size), the picked one first and kept; with nothing typed,
    the picked client alone, or the first clients when none is picked yet."""
    if picked is not None and not text.strip():
        return {"picked": picked, "matches": [], "more": False, "searched": False}
    found = search_clients(work, account, text, limit=CLIENT_MATCHES + 1)
    matches = [c for c in found if picked is None or c.id != picked.id]
    return {
        "picked": picked,
        "matches": matches[:CLIENT_MATCHES],
        "more": len(found) > CLIENT_MATCHES,
        "searched": bool(text.strip()),
    }


def _check_choice(
    work: UnitOfWork, account: Account, form: SessionForm
) -> tuple[Client | None, Provider | None]:
    client = client_for(work, account, form.client_id) if form.client_id else None
    return client, provider_for(work, account, form.provider_id, field="provider")


SESSIONS = Table(
    "sessions",
    "Sessions",
    columns=(
        Column("date", "Date", kind="date", link="session_url"),
        Column("client", "Client", link="client_url"),
        Column("provider", "Provider"),
        Column("codes", "Codes and minutes", sortable=False),
        Column("claim", "Claim", link="claim_url", sortable=False),
    ),
    default_sort="date",
    descending=True,
    empty="No sessions match.",
)
# The unbilled queue, for billers: tick sessions and build claims from just those.
UNBILLED = dataclasses.replace(
    SESSIONS,
    select="id",
    form="bulk-sessions",
    row_name="session",
    empty="Every session is billed.",
)
BILLED_WORDS = {"": "all", "no": "not yet billed", "yes": "billed"}


@router.get("/sessions", response_class=HTMLResponse)
def sessions_list(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    billed: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    """Sessions a page at a time, newest first; ``billed=no``: the unbilled work queue."""
    wanted = SessionFilter(billed if billed in BILLED_WORDS else "")
    table = UNBILLED if wanted.billed == "no" and account.sees_all_clients else SESSIONS
    left = flash.take(ctx.store, request, "sessions") or {}
    with reading(ctx, account) as work:
        page, rows = session_page_of(work, account, wanted, table.wanted(request.query_params))
    for row in rows:
        row["pick"] = f"session {row['session']} {row['client']}"
    view = table.view(request, page, rows)
    if wants_csv(request):
        return csv_response(view)
    return render(
        request,
        "sessions.html",
        {
            "table": view,
            "billed": wanted.billed,
            "billed_words": BILLED_WORDS,
            "toast_error": left.get("error"),
        },
    )


@router.get("/sessions/new", response_class=HTMLResponse)
def new_session(
    request: Request, ctx: Ctx, account: PageUser, client: Annotated[int | None, Query()] = None
) -> HTMLResponse:
    form = SessionForm(client_id=client, provider_id=account.provider_id)
    with reading(ctx, account) as work:
        values = _choices(work, account, client)
    return render(request, "session_new.html", {**values, "form": form, "preview": None})


@router.post("/sessions/preview", response_class=HTMLResponse)
def session_preview(
    request: Request, ctx: Ctx, account: PageUser, fields: FormFields
) -> HTMLResponse:
    form = read_session_form(fields)
    with reading(ctx, account) as work:
        client_id = client_id_for(work, account, form.client_id) if form.client_id else None
        provider_id = provider_id_for(work, account, form.provider_id, field="provider")
        preview = preview_for(
            work,
            client_id=client_id,
            provider_id=provider_id,
            entered=Entered(
                day=form.day,
                services=form.services,
                place_of_service=form.place_of_service,
                diagnoses=form.diagnoses,
                start=form.start,
                end=form.end,
                techniques=form.techniques,
            ),
        )
    return render(
        request,
        "session_preview.html",
        {
            "preview": preview,
            "form": form,
            "problems": problems(form, saving=False),
            "label": field_label,
        },
    )


@router.post("/sessions")
def save_session(request: Request, ctx: Ctx, account: PageUser, fields: FormFields) -> Response:
    form = read_session_form(fields)
    found = problems(form, saving=True)
    if found:
        with reading(ctx, account) as work:
            values = _choices(work, account, form.client_id, form.raw)
        return render(
            request,
            "session_new.html",
            {**values, "form": form, "preview": None, "problems": found, "label": field_label},
            status=422,
        )
    try:
        with ctx.store.transaction(actor=account.username) as work:
            client, provider = _check_choice(work, account, form)
            assert client is not None and provider is not None
            session, _units = add_session(
                work=work,
                client=client.id,
                provider=provider.id,
                day=form.day,
                services=[
                    ServiceMinutes(s.code, s.minutes, s.modifiers)
                    for s in form.services
                    if s.minutes > 0
                ],
                start=form.start,
                end=form.end,
                place_of_service=form.place_of_service,
                techniques=form.techniques,
                note=form.note or None,
                diagnoses=form.diagnoses,
            )
            session_id = session.id
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            values = _choices(work, account, form.client_id, form.raw)
        return render(
            request,
            "session_new.html",
            {**values, "form": form, "preview": None, "error": str(exc), "error_field": exc.field},
            status=422,
        )
    return RedirectResponse(done(f"/sessions/{session_id}", "session-saved"), status_code=303)


@router.post("/sessions/clients", response_class=HTMLResponse)
def session_clients(
    request: Request, ctx: Ctx, account: PageUser, form: FormFields
) -> HTMLResponse:
    """The session form's client search (HTMX): a POST, so a typed name never sits in a URL;
    the client already picked stays picked."""
    typed = form.get("client_search", "")
    text = typed[:100] if isinstance(typed, str) else ""
    chosen = form.get("client", "")
    with reading(ctx, account) as work:
        picked = (
            client_for(work, account, int(chosen))
            if isinstance(chosen, str) and chosen.isdigit() and len(chosen) < 10
            else None
        )
        values = _client_matches(work, account, text, picked)
        page = render(request, "session_clients.html", values)
    return page


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, ctx: Ctx, account: PageUser, session_id: PathId) -> HTMLResponse:
    return _session_page(request, ctx, account, session_id)


def _session_page(
    request: Request,
    ctx: Ctx,
    account: Account,
    session_id: int,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(ctx, account) as work:
        session = session_for(work, account, session_id)
        client = client_for(work, account, session.client_id)
        provider = work.db.get(Provider, session.provider_id)

        preview = preview_session(
            work,
            client=client,
            provider=provider,
            entered=Entered(
                day=session.date_of_service,
                services=[
                    ServiceEntry(s.code, s.minutes, tuple(m for m in s.modifiers.split(",") if m))
                    for s in session.services
                ],
                place_of_service=session.place_of_service,
                diagnoses=[d.code for d in session.diagnoses],
                start=session.start_time,
                end=session.end_time,
                techniques=(session.techniques or "").splitlines(),
            ),
            exclude_session=session.id,
        )
        return render(
            request,
            "session.html",
            {
                "session": session,
                "client": client,
                "provider": provider,
                "preview": preview,
                "places": PLACES,
                "error": error,
            },
            status=status,
        )


def _field(form: FormFields, name: str) -> str:
    value = form.get(name, "")
    return value[:2000] if isinstance(value, str) else ""


@router.post("/sessions/{session_id}/edit")
def session_edit(
    request: Request, ctx: Ctx, account: PageUser, session_id: PathId, form: FormFields
) -> Response:
    """Change the minutes and diagnoses of a session no claim bills yet (a billed one is
    changed on its claim: the refusal says so)."""
    try:
        services = [parse_service(t) for t in _field(form, "services").split()]
        diagnoses = _field(form, "diagnoses").replace(",", " ").split()
        with ctx.store.transaction(actor=account.username) as work:
            session_for(work, account, session_id)
            edit_session(
                work=work,
                session_id=session_id,
                services=services or None,
                diagnoses=diagnoses or None,
            )
    except TherabillError as exc:
        return _session_page(request, ctx, account, session_id, error=str(exc), status=422)
    return RedirectResponse(done(f"/sessions/{session_id}", "session-saved"), status_code=303)


@router.post("/sessions/{session_id}/delete")
def session_delete(
    request: Request, ctx: Ctx, account: PageUser, session_id: PathId, form: FormFields
) -> Response:
    """Delete a session no claim bills yet, once the box saying so is ticked."""
    try:
        with ctx.store.transaction(actor=account.username) as work:
            client_id = session_for(work, account, session_id).client_id
            if form.get("confirm") != "yes":
                raise InvalidInput("tick the box to confirm the deletion", field="confirm")
            delete_session(work=work, session_id=session_id)
    except TherabillError as exc:
        return _session_page(request, ctx, account, session_id, error=str(exc), status=422)
    return RedirectResponse(done(f"/clients/{client_id}", "session-deleted"), status_code=303)


@router.post("/diagnoses/search", response_class=HTMLResponse)
def diagnoses_search(request: Request, account: PageUser, form: FormFields) -> HTMLResponse:
    typed = form.get("diagnoses", "")
    last = typed.replace(";", ",").split(",")[-1] if isinstance(typed, str) else ""
    return render(request, "diagnoses.html", {"found": search_billable(last[:60])})
