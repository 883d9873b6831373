"""Payers: the payers the practice bills (everyone sees them; billers add one from a payer
profile, rename it or set its payer id) and their profiles (view, and edit a copy)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from therabill.errors import TherabillError
from therabill.store.services import payers as payer_services
from therabill.store.services import profiles
from therabill.store.services.users import Account
from therabill.web.deps import Ctx, FormFields, NotFound, PageBiller, PageUser, PathId
from therabill.web.reads import reading
from therabill.web.render import done, render
from therabill.web.tables import Column, Table

router = APIRouter()


PAYER_COLUMNS = (
    Column("name", "Payer", kind="cell"),
    Column("payer_id", "EDI payer id", kind="cell"),
    Column("mailing", "Paper claims to", kind="cell", sortable=False),
    Column("profile", "Profile", link="profile_url"),
    Column("unit_rule", "Unit rule"),
    Column("timely_filing", "Timely filing (days)", kind="number"),
)
PAYERS = Table("payers", "Payers", PAYER_COLUMNS, default_sort="name", exportable=False,
               empty="No payers yet.")  # fmt: skip


def _payers_page(
    request: Request,
    ctx: Ctx,
    account: Account,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    with reading(ctx, account) as work:
        payers = payer_services.list_payers(work=work)
    known = profiles.payer_profiles()
    rows = []
    for p in payers:
        profile = known.get(p.profile_id)
        rows.append({
            "id": p.id, "name": p.name, "payer_id": p.payer_id or "", "profile": p.profile_id,
            "mailing": ", ".join(payer_services.mailing_lines(p)), "address": p.address or "",
            "address2": p.address2 or "", "city": p.city or "", "state": p.state or "",
            "zip": p.postal_code or "",
            "profile_url": f"/payers/profiles/{p.profile_id}" if account.sees_all_clients else None,
            "unit_rule": profile.unit_rule.value if profile else "cms (no profile)",
            "timely_filing": profile.timely_filing_days if profile else None,
        })  # fmt: skip
    columns = PAYER_COLUMNS + ((Column("save", "Save", kind="cell", sortable=False, export=False),)
                               if account.sees_all_clients else ())  # fmt: skip
    table = replace(PAYERS, columns=columns)
    return render(
        request,
        "payers.html",
        {"table": table.whole(request, rows, path="/payers"), "profiles": known,
         "values": values or {}, "error": error},
        status=status,
    )  # fmt: skip


@router.get("/payers", response_class=HTMLResponse)
def payers_page(request: Request, ctx: Ctx, account: PageUser) -> HTMLResponse:
    """Everyone sees the payers and their rules; billers add and change them."""
    return _payers_page(request, ctx, account)


def _payer_values(form: FormData) -> dict[str, str]:
    return {
        name: value.strip()[:201]
        for name in ("profile", "name", "payer_id", *MAILING_FIELDS)
        if isinstance(value := form.get(name), str)
    }


MAILING_FIELDS = ("address", "address2", "city", "state", "zip")


def _mailing(values: dict[str, str]) -> payer_services.MailingAddress | None:
    """The mailing address for paper claims when the form carried its fields."""
    if not any(name in values for name in MAILING_FIELDS):
        return None
    return payer_services.MailingAddress(*(values.get(name, "") for name in MAILING_FIELDS))


@router.post("/payers")
def add_payer(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """Add a payer from a shipped (or the practice's own) payer profile."""
    values = _payer_values(form)
    try:
        with ctx.store.transaction(actor=account.username) as work:
            payer_services.add_payer(
                work=work,
                profile=values.get("profile", ""),
                name=values.get("name") or None,
                payer_id=values.get("payer_id") or None,
                mailing=_mailing(values),
            )
    except TherabillError as exc:
        return _payers_page(request, ctx, account, values=values, error=str(exc), status=422)
    return RedirectResponse(done("/payers", "payer-added"), status_code=303)


@router.post("/payers/{payer_id}")
def edit_payer(
    request: Request, ctx: Ctx, account: PageBiller, payer_id: PathId, form: FormFields
) -> Response:
    """Rename a payer, set its electronic payer id or its mailing address for paper claims."""
    values = _payer_values(form)
    try:
        with ctx.store.transaction(actor=account.username) as work:
            payer_services.edit_payer(
                work=work, payer=payer_id, name=values.get("name"),
                payer_id=values.get("payer_id"), mailing=_mailing(values),
            )  # fmt: skip
    except TherabillError as exc:
        if exc.field == "payer":
            raise NotFound() from None
        return _payers_page(request, ctx, account, error=str(exc), status=422)
    return RedirectResponse(done("/payers", "payer-saved"), status_code=303)


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
    return RedirectResponse(
        done(f"/payers/profiles/{profile_id}", "profile-saved"), status_code=303
    )
