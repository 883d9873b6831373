"""Clients: search (a POST, so a name never sits in a URL or a log), one client's page, and
adding or changing a client and adding a policy (POST, then 303 to the client's page)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from therabill.errors import TherabillError
from therabill.store.models import Client
from therabill.store.services import UnitOfWork, client_entry, eligibility, reports, worklists
from therabill.store.services.access import client_for
from therabill.store.services.caseload import caseload_providers
from therabill.store.services.clients import PRIORITIES, RELATIONSHIPS
from therabill.store.services.users import Account
from therabill.store.services.worklists import ClientFilter
from therabill.web import flash
from therabill.web.client_form import (
    FIELDS,
    POLICY_FIELDS,
    ClientForm,
    PolicyForm,
    check_form,
    form_of,
    note_error,
    read_form,
    read_policy_form,
)
from therabill.web.deps import Ctx, FormFields, PageBiller, PageUser, PathId
from therabill.web.reads import reading
from therabill.web.render import done, render
from therabill.web.routes import accounts
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()


def _client_table(account: Account) -> Table:
    """The client list: billers and admins also see what each client and their insurers owe
    (a therapist's list has no money in it, as their client page has none)."""
    money = (
        (
            Column("client_owes", "Client owes", kind="money", total=True),
            Column("insurers_owe", "Insurers owe", kind="money", total=True),
        )
        if account.sees_all_clients
        else ()
    )
    return Table(
        "clients",
        "Clients",
        columns=(
            Column("client", "Client", link="client_url"),
            Column("chart", "Chart"),
            Column("born", "Born", kind="date"),
            Column("payer", "Payer"),
            Column("last_visit", "Last visit", kind="date"),
            *money,
            Column("authorization", "Authorization left", sortable=False),
        ),
        default_sort="client",
        empty="No client found.",
    )


WATCH_WORDS = {
    "": "All clients",
    "authorizations": "Authorizations running out",
    "certifications": "Plans of care to certify",
    "statements": "Clients who owe a balance",
}


def _client_list(
    request: Request, ctx: Ctx, account: Account, wanted: ClientFilter, template: str
) -> Response:
    table = _client_table(account)
    with reading(ctx, account) as work:
        page, rows = worklists.client_page(
            work, account, wanted, table.wanted(request.query_params), today=dt.date.today()
        )
    view = table.view(request, page, rows)
    if wants_csv(request):
        return csv_response(view)
    return render(
        request,
        template,
        {"table": view, "watch": wanted.watch, "watches": WATCH_WORDS},
    )


@router.get("/clients", response_class=HTMLResponse)
def clients_page(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    watch: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Every client a page at a time, or one work queue's (``watch``)."""
    wanted = ClientFilter(watch if watch in WATCH_WORDS else "")
    return _client_list(request, ctx, account, wanted, "clients.html")


@router.post("/clients/search", response_class=HTMLResponse)
def clients_search(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    q: Annotated[str, Form(max_length=100)] = "",
    watch: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The list for a typed name (a POST: the name stays out of the address and the logs)."""
    wanted = ClientFilter(watch if watch in WATCH_WORDS else "", q)
    return _client_list(request, ctx, account, wanted, "clients_results.html")


def _form_page(
    request: Request,
    work: UnitOfWork,
    account: Account,
    form: ClientForm,
    client_id: int | None,
    *,
    policy: PolicyForm | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The add/edit page; on the edit page billers and admins also see the client's policies
    and a form to add one."""
    billing = client_id is not None and account.sees_all_clients
    client = work.db.get(Client, client_id) if billing else None
    return render(
        request,
        "client_form.html",
        {
            "form": form,
            "client_id": client_id,
            "fields": FIELDS,
            "providers": client_entry.providers_to_choose(work, account, form.provider_ids),
            "policies": list(client.policies) if client is not None else None,
            "policy_table": EDIT_POLICIES.whole(
                request,
                _policy_rows({"policies": client.policies}),
                path=f"/clients/{client_id}/edit",
            )
            if client is not None
            else None,
            "payers": client_entry.payers_to_choose(work) if billing else [],
            "policy": policy or PolicyForm(),
            "policy_fields": POLICY_FIELDS,
            "priorities": PRIORITIES,
            "relationships": RELATIONSHIPS,
        },
        status=status,
    )


def _save(
    request: Request, ctx: Ctx, account: Account, fields: FormData, client_id: int | None
) -> Response:
    """Check every field, then save in one transaction; on any problem show the form again
    (422) with each message beside its field and nothing written."""
    form = read_form(fields)
    if client_id is not None:  # someone else's client is 404 whatever the form holds
        with reading(ctx, account) as work:
            client_for(work, account, client_id)
    if check_form(form):
        try:
            with ctx.store.transaction(actor=account.username) as work:
                if client_id is not None:
                    client_for(work, account, client_id)
                saved = client_entry.save_client(
                    work,
                    account=account,
                    values=form.values,
                    provider_ids=form.provider_ids,
                    client_id=client_id,
                )
            return RedirectResponse(done(f"/clients/{saved}", "client-saved"), status_code=303)
        except TherabillError as exc:
            note_error(form, exc)
    with reading(ctx, account) as work:
        page = _form_page(request, work, account, form, client_id, status=422)
    return page


@router.get("/clients/new", response_class=HTMLResponse)
def new_client_page(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    with reading(ctx, account) as work:
        page = _form_page(request, work, account, ClientForm(), None)
    return page


@router.post("/clients/new")
def add_client(request: Request, ctx: Ctx, account: PageUser, form: FormFields) -> Response:
    return _save(request, ctx, account, form, None)


@router.get("/clients/{client_id}/edit", response_class=HTMLResponse)
def edit_client_page(
    request: Request, ctx: Ctx, account: PageUser, client_id: PathId
) -> HTMLResponse:
    with reading(ctx, account) as work:
        client = client_for(work, account, client_id)
        form = form_of(client, caseload_providers(work=work, client_id=client_id))
        page = _form_page(request, work, account, form, client_id)
    return page


@router.post("/clients/{client_id}/edit")
def change_client(
    request: Request, ctx: Ctx, account: PageUser, client_id: PathId, form: FormFields
) -> Response:
    return _save(request, ctx, account, form, client_id)


@router.post("/clients/{client_id}/policies")
def add_client_policy(
    request: Request, ctx: Ctx, account: PageBiller, client_id: PathId, fields: FormFields
) -> Response:
    """Add an insurance policy (billers and admins); 303 to the client's page, or the edit
    page again (422) with the problem beside its field and nothing written."""
    policy = read_policy_form(fields)
    try:
        with ctx.store.transaction(actor=account.username) as work:
            client_for(work, account, client_id)
            client_entry.save_policy(work, client_id=client_id, values=policy.values)
        return RedirectResponse(done(f"/clients/{client_id}", "policy-saved"), status_code=303)
    except TherabillError as exc:
        policy.errors.setdefault(exc.field or "member_id", exc.message)
    with reading(ctx, account) as work:
        client = client_for(work, account, client_id)
        form = form_of(client, caseload_providers(work=work, client_id=client_id))
        page = _form_page(request, work, account, form, client_id, policy=policy, status=422)
    return page


CLIENT_SESSIONS = Table(
    "client-sessions",
    "Sessions",
    columns=(
        Column("date", "Date", kind="date", link="session_url"),
        Column("codes", "Codes and minutes", sortable=False),
        Column("place", "Place"),
        Column("claim", "Claim", link="claim_url", sortable=False),
    ),
    default_sort="date",
    descending=True,
    per_page=25,
    exportable=False,
    prefix="s-",
    empty="No sessions.",
)
CLIENT_CLAIMS = Table(
    "client-claims",
    "Claims",
    columns=(
        Column("claim", "Claim", link="claim_url"),
        Column("date", "Date of service", kind="date"),
        Column("status", "Status", kind="status"),
        Column("charge", "Charge", kind="money", total=True),
    ),
    default_sort="date",
    descending=True,
    per_page=25,
    exportable=False,
    prefix="c-",
    empty="No claims.",
)


CLIENT_POLICIES = Table(
    "policies",
    "Insurance policies",
    columns=(
        Column("priority", "Priority", link="url"),
        Column("payer", "Payer"),
        Column("member_id", "Member id"),
        Column("subscriber", "Subscriber"),
        Column("start", "From", kind="date"),
        Column("end", "To", kind="date"),
    ),
    default_sort="",
    exportable=False,
    prefix="p-",
    anchor="policies-head",
    empty="No insurance on file (self-pay).",
)
# The edit page's list also shows the group number (the client page keeps to the essentials).
EDIT_POLICIES = dataclasses.replace(
    CLIENT_POLICIES,
    name="policy-list",
    columns=(*CLIENT_POLICIES.columns[:3], Column("group", "Group"), *CLIENT_POLICIES.columns[3:]),
    anchor="policies",
)
CLIENT_AUTHORIZATIONS = Table(
    "authorizations",
    "Authorizations",
    columns=(
        Column("number", "Number", link="url"),
        Column("codes", "Codes", sortable=False),
        Column("start", "From", kind="date"),
        Column("end", "To", kind="date"),
        Column("approved", "Approved", kind="number"),
        Column("used", "Used", kind="number"),
        Column("left", "Left", kind="number"),
        Column("note", "Note"),
    ),
    default_sort="",
    exportable=False,
    prefix="a-",
    anchor="authorizations-head",
    empty="No authorizations.",
)
CLIENT_LEDGER = Table(
    "ledger",
    "Ledger",
    columns=(
        Column("date", "Date", kind="date"),
        Column("entry", "Entry"),
        Column("who", "Who owes"),
        Column("claim", "Claim", link="claim_url"),
        Column("amount", "Amount", kind="money"),
        Column("memo", "Memo", sortable=False),
    ),
    default_sort="",
    per_page=25,
    exportable=False,
    prefix="l-",
    anchor="ledger-head",
    empty="No entries.",
)
CLIENT_ELIGIBILITY = Table(
    "eligibility-checks",
    "Eligibility checks",
    columns=(
        Column("payer", "Payer"),
        Column("checked", "Checked", sortable=False),
        Column("coverage", "Coverage"),
        Column("meaning", "What it means", wide=True),
    ),
    default_sort="",  # newest answer first, as the service returns them
    exportable=False,
    prefix="e-",
    anchor="eligibility",
    empty="Eligibility not checked yet.",
)
CLIENT_PLANS = Table(
    "plan-list",
    "Plans of care",
    columns=(
        Column("discipline", "Discipline"),
        Column("certifier", "Certifying provider"),
        Column("start", "From", kind="date"),
        Column("end", "To", kind="date"),
        Column("certified", "Certified", kind="date"),
        Column("last_report", "Last progress report", kind="date"),
        Column("needs", "Needs"),
        Column("record", "Record", kind="cell", sortable=False, export=False),
    ),
    default_sort="",
    exportable=False,
    prefix="pl-",
    anchor="plans",
    empty=(
        "No plans of care. Medicare therapy claims name the plan's certifying physician or "
        "NPP as the referring provider."
    ),
)
CLIENT_PLANS_READ = dataclasses.replace(CLIENT_PLANS, columns=CLIENT_PLANS.columns[:-1])
NEEDS_WORDS = {
    "signature": "awaiting signature",
    "recertification": "recertify soon",
    "ended": "ended",
}


def _eligibility_rows(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for e in checks:
        summary = e["summary"]
        coverage = str(summary.get("status_text") or "")
        if summary.get("coverage_to"):
            coverage += f" to {summary['coverage_to']}"
        if summary.get("plan"):
            coverage += f" · {summary['plan']}"
        rows.append({
            "payer": e["payer"], "checked": e["ago"], "coverage": coverage,
            "meaning": e["headline"], "_class": "" if e["status"] == "active" else "warn",
        })  # fmt: skip
    return rows


def _plan_rows(picture: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for v in picture.get("plans", []):
        plan = v.plan
        rows.append({
            "discipline": plan.discipline.upper(),
            "certifier": f"{plan.referring_first_name} {plan.referring_last_name} "
                         f"(NPI {plan.referring_npi})",
            "start": plan.start_date, "end": plan.end_date, "certified": plan.certified_on,
            "last_report": v.last_report, "needs": NEEDS_WORDS.get(v.needs or "", ""),
            "plan": plan, "open": v.needs != "ended",
            "_class": "muted" if v.needs == "ended" else "warn" if v.needs else "",
        })  # fmt: skip
    return rows


def _policy_rows(picture: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"priority": p.priority, "url": f"/policies/{p.id}", "payer": p.payer.name,
         "member_id": p.member_id, "group": p.group_number or "",
         "subscriber": p.relationship_to_subscriber,
         "start": p.start_date, "end": p.end_date}
        for p in picture["policies"]
    ]  # fmt: skip


def _authorization_rows(picture: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for a in picture["authorizations"]:
        low = a.left is not None and a.left <= 2
        note = "expired" if a.expired else "expires soon" if a.expires_soon else (
            "almost used up" if low else "")  # fmt: skip
        auth = a.auth
        rows.append({
            "number": auth.number, "url": f"/authorizations/{auth.id}",
            "codes": ", ".join(auth.code_list()) or "any", "start": auth.start_date,
            "end": auth.end_date, "approved": auth.units_approved, "used": a.used,
            "left": a.left, "note": note,
            "_class": "muted" if a.expired else "warn" if note else "",
        })  # fmt: skip
    return rows


def _ledger_rows(picture: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"date": e.effective_date, "entry": e.kind.replace("_", " "), "who": e.responsibility,
         "claim": f"#{e.claim_id}" if e.claim_id else "",
         "claim_url": f"/claims/{e.claim_id}" if e.claim_id else None,
         "amount": e.amount_cents, "memo": e.memo}
        for e in picture.get("ledger", [])
    ]  # fmt: skip


def _session_rows(picture: dict[str, Any], billing: bool) -> list[dict[str, Any]]:
    return [
        {
            "date": s.date_of_service,
            "session_url": f"/sessions/{s.id}",
            "codes": ", ".join(f"{sv.code} {sv.minutes} min" for sv in s.services),
            "place": s.place_of_service,
            "claim": (f"#{s.claim_id}" if billing else "billed") if s.claim_id else "not billed",
            "claim_url": f"/claims/{s.claim_id}" if s.claim_id and billing else None,
        }
        for s in picture["sessions"]
    ]


def _claim_rows(picture: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "claim": f"#{c.id}",
            "claim_url": f"/claims/{c.id}",
            "date": c.date_of_service,
            "status": c.status,
            "charge": c.total_charge_cents,
        }
        for c in picture["claims"]
    ]


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def client_page(request: Request, ctx: Ctx, account: PageUser, client_id: PathId) -> HTMLResponse:
    today = dt.date.today()
    left = flash.take(ctx.store, request, f"client-{client_id}") or {}
    with reading(ctx, account) as work:
        # Rendered inside the transaction: the template follows relationships (policies).
        return render(
            request,
            "client.html",
            {**client_values(request, work, account, client_id, today=today), "left": left},
        )


def client_values(
    request: Request, work: UnitOfWork, account: Account, client_id: int, *, today: dt.date
) -> dict[str, Any]:
    """What the client page shows (also when another form of it comes back refused)."""
    client = client_for(work, account, client_id)
    picture = reports.client_picture(work, account, client, today=today)
    caseload = caseload_providers(work=work, client_id=client.id)
    money = accounts.account_picture(work, client.id) if account.sees_all_clients else {}
    billing = account.sees_all_clients
    checks = eligibility.latest_checks(work, client.id, today=today)
    return {
        **picture,
        **money,
        "session_table": CLIENT_SESSIONS.whole(request, _session_rows(picture, billing)),
        "claim_table": CLIENT_CLAIMS.whole(request, _claim_rows(picture)),
        "policy_table": CLIENT_POLICIES.whole(request, _policy_rows(picture)),
        "authorization_table": CLIENT_AUTHORIZATIONS.whole(request, _authorization_rows(picture)),
        "ledger_table": CLIENT_LEDGER.whole(request, _ledger_rows(picture)),
        "plan_table": (CLIENT_PLANS if billing else CLIENT_PLANS_READ).whole(
            request, _plan_rows(picture)
        ),
        "eligibility_table": CLIENT_ELIGIBILITY.whole(request, _eligibility_rows(checks)),
        "today": today,
        "caseload": caseload,
        "eligibility": checks,
    }
