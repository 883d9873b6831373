"""Know what pays: the code advisor beside the session form (an HTML fragment for HTMX and
the same answer as JSON) and the payer insights page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from therabill.codes.advisor import advise
from therabill.errors import InvalidInput
from therabill.store.services.code_advice import advise_for_payer, advise_for_session
from therabill.web.deps import Ctx, FormFields, PageUser
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.session_form import read_session_form

router = APIRouter()


@router.post("/advice/session", response_class=HTMLResponse)
def session_advice(
    request: Request, ctx: Ctx, account: PageUser, fields: FormFields
) -> HTMLResponse:
    """The codes that fit the session's techniques and note, for its provider and payer."""
    form = read_session_form(fields)
    text = " ".join([*form.techniques, form.note]).strip()
    values: dict[str, Any] = {"advice": None, "error": None}
    if not text:
        values["error"] = "Type the techniques or a note first: the advice reads them."
        return render(request, "code_advice.html", values)
    with reading(ctx, account) as work:
        values["advice"] = advise_for_session(
            work, account, text, provider_id=form.provider_id, client_id=form.client_id,
            day=form.day,
        )  # fmt: skip
    return render(request, "code_advice.html", values)


@router.get("/advice/codes.json")
def codes_advice_json(
    ctx: Ctx,
    account: PageUser,
    text: Annotated[str, Query(max_length=2000)] = "",
    discipline: Annotated[str | None, Query(max_length=20)] = None,
    payer: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """``therabill codes advise`` as JSON: suggestions, avoid (and the payer's word)."""
    day = dt.date.today()
    try:
        if payer:
            with reading(ctx, account) as work:
                advice = advise_for_payer(
                    work, text, payer=payer, discipline=discipline or None, day=day
                )
        else:
            advice = advise(text, discipline=discipline or None, day=day)
    except InvalidInput as exc:
        return JSONResponse({"error": str(exc), "field": exc.field}, status_code=422)
    data = advice.to_dict()
    return JSONResponse({"suggestions": data["suggestions"], "avoid": data["avoid"]} | data)
