"""Clients: search (a POST, so a name never sits in a URL or a log) and one client's page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from therabill.web import queries
from therabill.web.access import client_for
from therabill.web.deps import Ctx, PageUser, PathId
from therabill.web.render import render

router = APIRouter()


@router.get("/clients", response_class=HTMLResponse)
async def clients_page(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    with ctx.store.transaction(actor=account.username) as work:
        found = queries.search_clients(work, account, "")
    return render(request, "clients.html", {"clients": found})


@router.post("/clients/search", response_class=HTMLResponse)
async def clients_search(
    request: Request,
    ctx: Ctx,
    account: PageUser,
    q: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse:
    with ctx.store.transaction(actor=account.username) as work:
        found = queries.search_clients(work, account, q)
    return render(request, "clients_results.html", {"clients": found})


@router.get("/clients/{client_id}", response_class=HTMLResponse)
async def client_page(
    request: Request, ctx: Ctx, account: PageUser, client_id: PathId
) -> HTMLResponse:
    today = dt.date.today()
    with ctx.store.transaction(actor=account.username) as work:
        client = client_for(work, account, client_id)
        picture = queries.client_picture(work, account, client, today=today)
        # Rendered inside the transaction: the template follows relationships (policies).
        return render(request, "client.html", {**picture, "today": today})
