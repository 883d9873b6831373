"""Code look-up: search the code set by words or code, and one code's details."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from therabill.codes import load_code_set
from therabill.codes.model import DISCIPLINES, Code
from therabill.web.deps import NotFound, PageUser
from therabill.web.render import render

router = APIRouter()


def _results(q: str) -> list[Code]:
    code_set = load_code_set()
    text = q.strip()
    if not text:
        return sorted(code_set.values(), key=lambda c: c.code)
    if text.upper() in code_set:
        return [code_set[text.upper()]]
    return [hit.code for hit in code_set.search(text, limit=25)]


@router.get("/codes", response_class=HTMLResponse)
def codes_page(
    request: Request, account: PageUser, q: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    return render(
        request,
        "codes.html",
        {"q": q, "codes": _results(q), "disciplines": DISCIPLINES, "today": dt.date.today()},
    )


@router.get("/codes/search", response_class=HTMLResponse)
def codes_search(
    request: Request, account: PageUser, q: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    return render(request, "codes_results.html", {"codes": _results(q), "disciplines": DISCIPLINES})


@router.get("/codes/{code}", response_class=HTMLResponse)
def code_page(request: Request, account: PageUser, code: str) -> HTMLResponse:
    code_set = load_code_set()
    found = code_set.get(code.strip().upper()[:10])
    if found is None:
        raise NotFound()
    return render(
        request,
        "code.html",
        {"code": found, "disciplines": DISCIPLINES, "status": found.status_on(dt.date.today())},
    )
