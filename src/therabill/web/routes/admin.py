"""Admin: users (add, disable, new one-time password) and the practice's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from therabill.errors import InvalidInput, TherabillError
from therabill.store.models import Practice, Provider
from therabill.store.services import UnitOfWork, lookup, users
from therabill.web.deps import Ctx, NotFound, PageAdmin, PathId
from therabill.web.reads import reading
from therabill.web.render import render

router = APIRouter()


def _page(request: Request, work: UnitOfWork, **values: object) -> HTMLResponse:
    status = int(str(values.pop("status", 200)))
    providers = list(work.db.execute(select(Provider).order_by(Provider.last_name)).scalars())
    context = {"users": users.list_users(work), "providers": providers, "roles": list(users.Role)}
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
            request, work, created=added.username, one_time_password=added.one_time_password
        )


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
    with ctx.store.transaction(actor=account.username) as work:
        return _page(request, work, reset_id=user_id, one_time_password=password)


@router.get("/admin/settings", response_class=HTMLResponse)
def settings_page(request: Request, ctx: Ctx, account: PageAdmin) -> HTMLResponse:
    with reading(ctx, account) as work:
        practice = work.db.execute(select(Practice).limit(1)).scalar_one()
        work.audit("read", "practice", practice.id)
    return render(request, "settings.html", {"practice": practice, **_app_settings(ctx)})


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
