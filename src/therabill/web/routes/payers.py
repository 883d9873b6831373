"""Payers: the payers the practice bills and their profiles (view, and edit a copy)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from therabill.errors import TherabillError
from therabill.store.services import payers as payer_services
from therabill.store.services import profiles
from therabill.web.deps import Ctx, NotFound, PageBiller
from therabill.web.reads import reading
from therabill.web.render import render

router = APIRouter()


@router.get("/payers", response_class=HTMLResponse)
def payers_page(request: Request, ctx: Ctx, account: PageBiller) -> HTMLResponse:
    with reading(ctx, account) as work:
        payers = payer_services.list_payers(work=work)
    known = profiles.payer_profiles()
    return render(
        request,
        "payers.html",
        {"payers": payers, "profiles": known},
    )


@router.get("/payers/profiles/{profile_id}", response_class=HTMLResponse)
def profile_page(request: Request, account: PageBiller, profile_id: str) -> HTMLResponse:
    profile = profiles.payer_profiles().get(profile_id)
    if profile is None:
        raise NotFound()
    return render(
        request,
        "payer_profile.html",
        {"profile": profile, "text": profiles.profile_text(profile)},
    )


@router.post("/payers/profiles/{profile_id}")
def save_profile_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    profile_id: str,
    text: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    profile = profiles.payer_profiles().get(profile_id)
    if profile is None:
        raise NotFound()
    try:
        with ctx.store.transaction(actor=account.username) as work:
            profiles.save_profile(work, profile_id=profile_id, text=text)
    except TherabillError as exc:
        return render(
            request,
            "payer_profile.html",
            {"profile": profile, "text": text, "error": str(exc)},
            status=422,
        )
    return RedirectResponse(f"/payers/profiles/{profile_id}", status_code=303)
