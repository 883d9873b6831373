"""Code look-up: search the code set by words or code, and one code's details."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from therabill.codes import load_code_set
from therabill.codes.model import DISCIPLINES, Code
from therabill.web.deps import PageUser
from therabill.web.render import render
from therabill.web.tables import Column, Table, csv_response, wants_csv

router = APIRouter()


def _results(q: str) -> list[Code]:
    code_set = load_code_set()
    text = q.strip()
    if not text:
        return sorted(code_set.values(), key=lambda c: c.code)
    if text.upper() in code_set:
        return [code_set[text.upper()]]
    return [hit.code for hit in code_set.search(text, limit=25)]


CODES = Table(
    "codes",
    "Codes",
    columns=(
        Column("code", "Code", link="url"),
        Column("short", "What it is"),
        Column("timing", "Timing"),
        Column("who", "Who may bill it"),
        Column("valid", "Valid", sortable=False),
    ),
    default_sort="",  # the search's order: the best match first
    per_page=100,
    empty="No code matches.",
)


def _rows(codes: list[Code]) -> list[dict[str, object]]:
    return [
        {
            "code": c.code,
            "url": f"/codes/{c.code}",
            "short": c.short,
            "timing": c.timing.value.replace("_", " ")
            + (f" ({c.unit_minutes} min)" if c.unit_minutes else ""),
            "who": ", ".join(sorted(c.disciplines)) if c.disciplines else "any",
            "valid": f"until {c.end.isoformat()}" if c.end
            else f"from {c.effective.isoformat()}" if c.effective else "yes",
        }
        for c in codes
    ]  # fmt: skip


@router.get("/codes", response_class=HTMLResponse)
def codes_page(
    request: Request, account: PageUser, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    view = CODES.whole(request, _rows(_results(q)))
    if wants_csv(request):
        return csv_response(view)
    return render(request, "codes.html", {"q": q, "table": view, "today": dt.date.today()})


@router.get("/codes/search", response_class=HTMLResponse)
def codes_search(
    request: Request, account: PageUser, q: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    """The results as a fragment (HTMX, as the search is typed); its links are the page's."""
    view = CODES.whole(request, _rows(_results(q)), path="/codes")
    return render(request, "codes_results.html", {"table": view})


@router.get("/codes/{code}", response_class=HTMLResponse)
def code_page(request: Request, account: PageUser, code: str) -> HTMLResponse:
    code_set = load_code_set()
    wanted = code.strip().upper()[:10]
    found = code_set.get(wanted)
    if found is None:  # as the CLI does: the real codes a slip of the keyboard stood for
        near = [c for c in code_set.suggest(wanted) if c in code_set]
        return render(
            request,
            "error.html",
            {
                "status": 404,
                "title": "Unknown code",
                "message": f"{wanted} is not a known procedure code."
                + ("" if near else " Search the codes by number or words."),
                "suggestions": [(f"/codes/{c}", f"{c} {code_set[c].short}") for c in near]
                + [(f"/codes?q={wanted}", f"Search for {wanted}")],
            },
            status=404,
        )
    return render(
        request,
        "code.html",
        {"code": found, "disciplines": DISCIPLINES, "status": found.status_on(dt.date.today())},
    )
