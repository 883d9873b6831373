"""Admin: users (add, disable, new one-time password) and the practice's settings."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from therabill.errors import TherabillError
from therabill.store.services import UnitOfWork, locations, users
from therabill.store.services import practice as practice_services
from therabill.web.deps import Ctx, NotFound, PageAdmin, PathId
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.tables import Column, Table, TableView

router = APIRouter()


USERS = Table(
    "users",
    "Users",
    columns=(
        Column("username", "User"),
        Column("name", "Name"),
        Column("role", "Role"),
        Column("provider", "Provider"),
        Column("state", "State"),
        Column("act", "Act", kind="cell", sortable=False, export=False),
    ),
    default_sort="username",
    exportable=False,
)


def _page(request: Request, work: UnitOfWork, **values: object) -> HTMLResponse:
    status = int(str(values.pop("status", 200)))
    providers = practice_services.list_providers(work=work)
    rows = [
        {
            **asdict(u),
            "state": "disabled" if u.disabled else ("active" if u.can_log_in else "no password"),
            "_class": "muted" if u.disabled else "",
        }
        for u in users.list_users(work)
    ]
    context = {"table": USERS.whole(request, rows, path="/admin/users"), "providers": providers,
               "roles": list(users.Role)}  # fmt: skip
    return render(request, "users.html", {**context, **values}, status=status)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, ctx: Ctx, account: PageAdmin) -> HTMLResponse:
    with reading(ctx, account) as work:
        return _page(request, work)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    ctx: Ctx,
    account: PageAdmin,
    username: Annotated[str, Form(max_length=80)] = "",
    role: Annotated[str, Form(max_length=20)] = "biller",
    name: Annotated[str, Form(max_length=200)] = "",
    provider: Annotated[str, Form(max_length=12)] = "",
) -> HTMLResponse:
    try:
        with ctx.store.transaction(actor=account.username) as work:
            added = users.add_login(
                work, username=username, role=role, provider=provider, display_name=name
            )
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            return _page(request, work, error=str(exc), status=422)
    with ctx.store.transaction(actor=account.username) as work:
        return _page(
            request, work, created=added.username, one_time_password=added.one_time_password,
            toast=f"{added.username} added.",
        )  # fmt: skip


@router.post("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
def user_action(
    request: Request, ctx: Ctx, account: PageAdmin, user_id: PathId, action: str
) -> HTMLResponse:
    if action not in ("disable", "enable", "password"):
        raise NotFound()
    if user_id == account.id and action == "disable":
        with ctx.store.transaction(actor=account.username) as work:
            return _page(request, work, error="You cannot disable your own login.", status=422)
    password = None
    with ctx.store.transaction(actor=account.username) as work:
        if action == "password":
            password = users.reset_password(work, user_id=user_id)
        else:
            users.set_disabled(work, user_id=user_id, disabled=action == "disable")
    said = {"disable": "Login disabled.", "enable": "Login enabled.",
            "password": "A new one-time password is shown below."}[action]  # fmt: skip
    with ctx.store.transaction(actor=account.username) as work:
        return _page(request, work, reset_id=user_id, one_time_password=password, toast=said)


LOCATIONS = Table(
    "locations",
    "Service locations",
    columns=(
        Column("name", "Name"),
        Column("address", "Address"),
        Column("npi", "NPI"),
    ),
    default_sort="name",
    exportable=False,
    prefix="loc-",
    anchor="locations",
    empty="No other places yet.",
)


def _location_table(request: Request, places: list[Any]) -> TableView:
    rows = [
        {"name": p.name, "npi": p.npi or "",
         "address": f"{p.address}, {p.city} {p.state} {p.postal_code}"}
        for p in places
    ]  # fmt: skip
    return LOCATIONS.whole(request, rows, path="/admin/settings")


@router.get("/admin/settings", response_class=HTMLResponse)
def settings_page(request: Request, ctx: Ctx, account: PageAdmin) -> HTMLResponse:
    with reading(ctx, account) as work:
        practice = practice_services.show_practice(work=work)
        places = locations.list_locations(work=work)
    return render(
        request,
        "settings.html",
        {
            "practice": practice,
            "locations": _location_table(request, places),
            **_app_settings(ctx, work.practice_id),
        },
    )


@router.post("/admin/settings", response_class=HTMLResponse)
def save_settings(
    request: Request,
    ctx: Ctx,
    account: PageAdmin,
    name: Annotated[str, Form(max_length=200)] = "",
    npi: Annotated[str, Form(max_length=10)] = "",
    tax_id: Annotated[str, Form(max_length=20)] = "",
    address: Annotated[str, Form(max_length=200)] = "",
    city: Annotated[str, Form(max_length=100)] = "",
    state: Annotated[str, Form(max_length=2)] = "",
    postal_code: Annotated[str, Form(max_length=10)] = "",
    pay_to_address: Annotated[str, Form(max_length=55)] = "",
    pay_to_city: Annotated[str, Form(max_length=30)] = "",
    pay_to_state: Annotated[str, Form(max_length=2)] = "",
    pay_to_postal_code: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    error = None
    try:
        with ctx.store.transaction(actor=account.username) as work:
            practice_services.update_practice(
                work=work,
                name=name,
                npi=npi,
                tax_id=tax_id,
                address=address,
                city=city,
                state=state,
                postal_code=postal_code,
                pay_to=(pay_to_address, pay_to_city, pay_to_state, pay_to_postal_code),
            )
    except TherabillError as exc:
        error = str(exc)
    return _settings_again(request, ctx, account, error)


@router.post("/admin/settings/locations", response_class=HTMLResponse)
def add_location(
    request: Request,
    ctx: Ctx,
    account: PageAdmin,
    name: Annotated[str, Form(max_length=60)] = "",
    address: Annotated[str, Form(max_length=55)] = "",
    city: Annotated[str, Form(max_length=30)] = "",
    state: Annotated[str, Form(max_length=2)] = "",
    postal_code: Annotated[str, Form(max_length=10)] = "",
    npi: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    error = None
    try:
        with ctx.store.transaction(actor=account.username) as work:
            locations.add_location(
                work=work,
                name=name,
                address=address,
                city=city,
                state=state,
                postal_code=postal_code,
                npi=npi,
            )
    except TherabillError as exc:
        error = str(exc)
    return _settings_again(request, ctx, account, error)


def _settings_again(
    request: Request, ctx: Ctx, account: PageAdmin, error: str | None
) -> HTMLResponse:
    with ctx.store.transaction(actor=account.username) as work:
        practice = practice_services.practice_row(work)
        places = locations.list_locations(work=work)
    return render(
        request,
        "settings.html",
        {
            "practice": practice,
            "locations": _location_table(request, places),
            "error": error,
            "saved": error is None,
            **_app_settings(ctx, work.practice_id),
        },
        status=422 if error else 200,
    )


def _app_settings(ctx: Ctx, practice_id: int | None) -> dict[str, object]:
    settings = ctx.settings
    return {
        "idle_minutes": int(settings.idle.total_seconds() // 60),
        "absolute_hours": int(settings.absolute.total_seconds() // 3600),
        "outbox": str(settings.outbox_for(practice_id)),
        "database": ctx.store.engine.url.render_as_string(hide_password=True),
    }
