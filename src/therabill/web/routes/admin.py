"""Admin: users (add, disable, new one-time password) and the practice's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from therabill.errors import InvalidInput, TherabillError
from therabill.store.models import Practice, Provider, User
from therabill.store.services import UnitOfWork, lookup
from therabill.store.web_tables import web_accounts
from therabill.web import accounts, sessions
from therabill.web.deps import Ctx, NotFound, PageAdmin, PathId
from therabill.web.reads import reading
from therabill.web.render import render

router = APIRouter()


def _users(work: UnitOfWork) -> list[dict[str, object]]:
    rows = work.db.execute(
        select(User, web_accounts.c.provider_id, web_accounts.c.disabled)
        .outerjoin(web_accounts, web_accounts.c.user_id == User.id)
        .order_by(User.username)
    ).all()
    names = {
        p.id: f"{p.first_name} {p.last_name}" for p in work.db.execute(select(Provider)).scalars()
    }
    return [
        {
            "id": user.id,
            "username": user.username,
            "name": user.display_name,
            "role": user.role,
            "provider": names.get(provider_id, "") if provider_id else "",
            "disabled": bool(disabled),
            "can_log_in": user.password_hash is not None,
        }
        for user, provider_id, disabled in rows
    ]


def _page(request: Request, work: UnitOfWork, **values: object) -> HTMLResponse:
    status = int(str(values.pop("status", 200)))
    providers = list(work.db.execute(select(Provider).order_by(Provider.last_name)).scalars())
    context = {"users": _users(work), "providers": providers, "roles": list(accounts.Role)}
    return render(request, "users.html", {**context, **values}, status=status)


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(request: Request, ctx: Ctx, account: PageAdmin) -> HTMLResponse:
    async with reading(ctx, account) as work:
        work.audit("list", "user", "*")
        return _page(request, work)


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(
    request: Request,
    ctx: Ctx,
    account: PageAdmin,
    username: Annotated[str, Form(max_length=80)] = "",
    role: Annotated[str, Form(max_length=20)] = "biller",
    name: Annotated[str, Form(max_length=200)] = "",
    provider: Annotated[str, Form(max_length=12)] = "",
) -> HTMLResponse:
    password = accounts.one_time_password() + "-once"
    try:
        with ctx.store.transaction(actor=account.username) as work:
            user = accounts.create_user(
                work,
                username=username,
                role=accounts.parse_role(role),
                password=password,
                display_name=name,
                provider_id=lookup.provider(work, provider).id if provider.strip() else None,
                must_change_password=True,
            )
            created = user.username
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            return _page(request, work, error=str(exc), status=422)
    with ctx.store.transaction(actor=account.username) as work:
        return _page(request, work, created=created, one_time_password=password)


@router.post("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
async def user_action(
    request: Request, ctx: Ctx, account: PageAdmin, user_id: PathId, action: str
) -> HTMLResponse:
    if action not in ("disable", "enable", "password"):
        raise NotFound()
    if user_id == account.id and action == "disable":
        with ctx.store.transaction(actor=account.username) as work:
            return _page(request, work, error="You cannot disable your own login.", status=422)
    password = None
    with ctx.store.transaction(actor=account.username) as work:
        if work.db.get(User, user_id) is None:
            raise NotFound()
        if action == "password":
            password = accounts.one_time_password() + "-once"
            accounts.set_password(work, user_id=user_id, password=password, must_change=True)
        else:
            accounts.set_disabled(work, user_id=user_id, disabled=action == "disable")
        sessions.end_all_sessions(work.db.connection(), user_id)
    with ctx.store.transaction(actor=account.username) as work:
        return _page(request, work, reset_id=user_id, one_time_password=password)


@router.get("/admin/settings", response_class=HTMLResponse)
async def settings_page(request: Request, ctx: Ctx, account: PageAdmin) -> HTMLResponse:
    async with reading(ctx, account) as work:
        practice = work.db.execute(select(Practice).limit(1)).scalar_one()
        work.audit("read", "practice", practice.id)
    return render(request, "settings.html", {"practice": practice, **_app_settings(ctx)})


@router.post("/admin/settings", response_class=HTMLResponse)
async def save_settings(
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
) -> Response:
    error = None
    try:
        with ctx.store.transaction(actor=account.username) as work:
            practice = work.db.execute(select(Practice).limit(1)).scalar_one()
            if not name.strip():
                raise InvalidInput("is required", field="name")
            practice.name = name.strip()
            practice.npi = lookup.npi(npi, "npi") if npi.strip() else None
            practice.tax_id = tax_id.strip() or None
            practice.address = address.strip() or None
            practice.city = city.strip() or None
            practice.state = state.strip().upper() or None
            practice.postal_code = postal_code.strip() or None
            work.audit("update", "practice", practice.id)
    except TherabillError as exc:
        error = str(exc)
    with ctx.store.transaction(actor=account.username) as work:
        practice = work.db.execute(select(Practice).limit(1)).scalar_one()
    return render(
        request,
        "settings.html",
        {"practice": practice, "error": error, "saved": error is None, **_app_settings(ctx)},
        status=422 if error else 200,
    )


def _app_settings(ctx: Ctx) -> dict[str, object]:
    settings = ctx.settings
    return {
        "idle_minutes": int(settings.idle.total_seconds() // 60),
        "absolute_hours": int(settings.absolute.total_seconds() // 3600),
        "outbox": str(settings.outbox),
        "database": ctx.store.engine.url.render_as_string(hide_password=True),
    }
