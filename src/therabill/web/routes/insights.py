"""Know what pays: the code advisor beside the session form (an HTML fragment for HTMX and
the same answer as JSON) and the payer insights page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from therabill.codes.advisor import advise
from therabill.errors import InvalidInput, TherabillError
from therabill.store.services import insights
from therabill.store.services.code_advice import advise_for_payer, advise_for_session
from therabill.store.services.payers import list_payers
from therabill.store.services.underpayments import STATUSES, list_underpayments, set_status
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageBiller, PageUser, PathId
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


def _day(text: str, field: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def _money(value: float | str | None) -> str:
    return "—" if value is None else f"${float(value):,.2f}"


def insight_charts(data: dict[str, Any]) -> dict[str, Any]:
    """Chart specs (Chart.js) with the table of each, from ``insights.insights``' answer."""
    groups = [g for g in data["groups"] if g["paid_per_unit"]][:12]
    labels = [
        f"{g['payer']} · {g['code']}" + (f" {g['modifiers']}" if g["modifiers"] else "")
        for g in groups
    ]
    medians = [float(g["paid_per_unit"]["median"]) for g in groups]
    by_code = {
        "spec": {"type": "bar", "money": True, "labels": labels,
                 "datasets": [{"label": "Median paid per unit", "data": medians}]},
        "columns": ["Payer · code", "Median paid per unit"],
        "rows": [[label, _money(m)] for label, m in zip(labels, medians, strict=True)],
    }  # fmt: skip
    months = sorted({t["month"] for t in data["trend"]})
    top_codes = {g["code"] for g in data["groups"][:4]}
    series: dict[str, dict[str, float]] = {}
    rows = []
    for t in data["trend"]:
        if t["code"] in top_codes and t["paid_per_unit_median"]:
            name = f"{t['payer']} · {t['code']}"
            series.setdefault(name, {})[t["month"]] = float(t["paid_per_unit_median"])
            rows.append([t["month"], name, t["lines"], _money(t["paid_per_unit_median"])])
    trend = {
        "spec": {"type": "line", "money": True, "labels": months,
                 "datasets": [{"label": name, "data": [points.get(m) for m in months]}
                              for name, points in sorted(series.items())][:6]},
        "columns": ["Month", "Payer · code", "Lines", "Median paid per unit"],
        "rows": rows,
    }  # fmt: skip
    days = {
        "spec": {"type": "bar", "labels": [p["payer"] for p in data["payers"]],
                 "datasets": [{"label": "Mean days from submission to payment",
                               "data": [p["mean_days"] for p in data["payers"]]}]},
        "columns": ["Payer", "Claims paid", "Mean days", "Median days"],
        "rows": [[p["payer"], p["claims"], p["mean_days"], p["median_days"]] for p in data["payers"]],
    }  # fmt: skip
    return {"by_code": by_code, "trend": trend, "days": days}


@router.get("/insights", response_class=HTMLResponse)
def insights_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    payer: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=5)] = "",
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> HTMLResponse:
    """What each payer really paid and denied, per code, with charts and their tables."""
    values: dict[str, Any] = {
        "payer": payer,
        "code": code,
        "start": start,
        "end": end,
        "error": None,
    }
    try:
        with reading(ctx, account) as work:
            data = insights.insights(
                work, payer=payer or None, code=code or None,
                start=_day(start, "from"), end=_day(end, "to"),
            )  # fmt: skip
            values["payers"] = [p.name for p in list_payers(work=work)]
    except InvalidInput as exc:
        values["error"] = str(exc)
        return render(request, "insights.html", values, status=422)
    values["data"] = data
    values["charts"] = insight_charts(data)
    return render(request, "insights.html", values)


@router.get("/underpayments", response_class=HTMLResponse)
def underpayments_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    payer: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=10)] = "open",
) -> HTMLResponse:
    """Posted lines the payer allowed less for than agreed, the largest first, to appeal."""
    left = flash.take(ctx.store, request, "underpayments") or {}
    values: dict[str, Any] = {"payer": payer, "status": status, "rows": [], "statuses": STATUSES,
                              "error": left.get("error"), "message": left.get("message")}  # fmt: skip
    code = 200
    with reading(ctx, account) as work:
        values["payers"] = [p.name for p in list_payers(work=work)]
        try:
            values["rows"] = list_underpayments(work, payer=payer or None, status=status or None)
        except InvalidInput as exc:
            values["error"], code = str(exc), 422
    values["total"] = sum(Decimal(r["difference"]) for r in values["rows"])
    return render(request, "underpayments.html", values, status=code)


@router.post("/underpayments/{underpayment_id}/status")
def underpayment_status(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    underpayment_id: PathId,
    status: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Mark an underpayment appealed or closed, with a note."""
    try:
        with ctx.store.transaction(actor=account.username) as work:
            set_status(work, underpayment_id=underpayment_id, status=status, note=note)
            flash.leave(work, request, "underpayments",
                        {"message": f"Underpayment {underpayment_id}: {status}."})  # fmt: skip
    except TherabillError as exc:
        with ctx.store.transaction(actor=account.username) as work:
            flash.leave(work, request, "underpayments", {"error": str(exc)})
    return RedirectResponse("/underpayments", status_code=303)
