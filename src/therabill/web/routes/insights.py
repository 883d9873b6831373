"""Know what pays: the code advisor beside the session form (an HTML fragment for HTMX and
the same answer as JSON) and the payer insights page."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from therabill.codes.advisor import advise
from therabill.errors import InvalidInput, TherabillError
from therabill.money import format_dollars
from therabill.store.services import insights
from therabill.store.services.code_advice import advise_for_payer, advise_for_session
from therabill.store.services.payers import list_payers
from therabill.store.services.underpayments import STATUSES, list_underpayments, set_status
from therabill.web import flash
from therabill.web.deps import Ctx, FormFields, PageBiller, PageUser, PathId
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.session_form import read_session_form
from therabill.web.tables import Column, Table, csv_response, grid, grid_rows, wants_csv

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


def _cents(value: float | str | None) -> int | None:
    """Dollars as the service gives them (``"12.34"``) in cents, for the table to format."""
    return None if value is None else int((Decimal(str(value)) * 100).to_integral_value())


def _range(stats: dict[str, str] | None) -> str:
    if not stats:
        return "—"
    low, high = format_dollars(_cents(stats["min"])), format_dollars(_cents(stats["max"]))
    return low if low == high else f"{low}–{high}"  # one figure when every payment agreed


CHART_TITLES = (
    ("paid", "Median paid per unit by payer and code"),
    ("trend", "Median paid per unit by month"),
    ("days", "Days from submission to payment"),
)
GROUPS = Table(
    "insight-groups",
    "Paid and denied per payer and code",
    columns=(
        Column("payer", "Payer"),
        Column("code", "Code"),
        Column("modifiers", "Modifiers"),
        Column("claims", "Claims", "number", total=True),
        Column("units", "Units", "number", total=True),
        Column("allowed", "Median allowed", "cell", figures=True),  # its range under it
        Column("allowed_range", "Allowed range", sortable=False, screen=False),
        Column("paid", "Median paid", "cell", figures=True),
        Column("paid_range", "Paid range", sortable=False, screen=False),
        Column("denied", "Denied lines", "number"),
        Column("denied_why", "Why denied", sortable=False),
        Column("days", "Mean days to pay", "number"),
    ),
    default_sort="",
    exportable=False,
    prefix="g-",
    anchor="insight-groups-table",
    empty="No posted remittance lines match.",
)


def group_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per payer × code × modifiers, money in cents (the table formats it)."""
    return [
        {
            "payer": g["payer"],
            "code": g["code"],
            "modifiers": g["modifiers"] or "—",
            "claims": g["claims"],
            "units": g["units"],
            "allowed": _cents(g["allowed_per_unit"]["median"]) if g["allowed_per_unit"] else None,
            "allowed_range": _range(g["allowed_per_unit"]),
            "paid": _cents(g["paid_per_unit"]["median"]) if g["paid_per_unit"] else None,
            "paid_range": _range(g["paid_per_unit"]),
            "denied": g["denied_lines"],
            "denied_why": f"of {g['lines']} lines"
            + "".join(f" · CARC {r} ×{n}" for r, n in g["denials_by_carc"].items()),
            "days": g["days_to_payment"]["mean"] if g["days_to_payment"] else None,
        }
        for g in data["groups"]
    ]


def insight_charts(data: dict[str, Any]) -> dict[str, Any]:
    """Chart specs (Chart.js) with the figures of each (money in cents), from
    ``insights.insights``' answer."""
    groups = [g for g in data["groups"] if g["paid_per_unit"]][:12]
    labels = [
        f"{g['payer']} · {g['code']}" + (f" {g['modifiers']}" if g["modifiers"] else "")
        for g in groups
    ]
    medians = [float(g["paid_per_unit"]["median"]) for g in groups]
    by_code: dict[str, Any] = {
        "spec": {"type": "bar", "money": True, "labels": labels,
                 "datasets": [{"label": "Median paid per unit", "data": medians}]},
        "table": (["Payer · code", "Median paid per unit"],
                  [[label, _cents(m)] for label, m in zip(labels, medians, strict=True)], {1}),
    }  # fmt: skip
    months = sorted({t["month"] for t in data["trend"]})
    top_codes = {g["code"] for g in data["groups"][:4]}
    series: dict[str, dict[str, float]] = {}
    rows = []
    for t in data["trend"]:
        if t["code"] in top_codes and t["paid_per_unit_median"]:
            name = f"{t['payer']} · {t['code']}"
            series.setdefault(name, {})[t["month"]] = float(t["paid_per_unit_median"])
            rows.append([t["month"], name, t["lines"], _cents(t["paid_per_unit_median"])])
    trend: dict[str, Any] = {
        "spec": {"type": "line", "money": True, "labels": months,
                 "datasets": [{"label": name, "data": [points.get(m) for m in months]}
                              for name, points in sorted(series.items())][:6]},
        "table": (["Month", "Payer · code", "Lines", "Median paid per unit"], rows, {3}),
    }  # fmt: skip
    days: dict[str, Any] = {
        "spec": {"type": "bar", "labels": [p["payer"] for p in data["payers"]],
                 "datasets": [{"label": "Mean days from submission to payment",
                               "data": [p["mean_days"] for p in data["payers"]]}]},
        "table": (["Payer", "Claims paid", "Mean days", "Median days"],
                  [[p["payer"], p["claims"], p["mean_days"], p["median_days"]]
                   for p in data["payers"]], set()),
    }  # fmt: skip
    charts: dict[str, dict[str, Any]] = {"by_code": by_code, "trend": trend, "days": days}
    for chart, (short, title) in zip(charts.values(), CHART_TITLES, strict=True):
        columns, rows_, money = chart.pop("table")
        chart.update(id=f"chart-{short}", short=short, title=title, columns=columns,
                     rows=rows_, money=money)  # fmt: skip
    return charts


def chart_tables(request: Request, charts: dict[str, Any]) -> None:
    """Each chart's figures as the one table, sorted and paged on its own."""
    for chart in charts.values():
        short = chart["short"]
        table = grid(f"{short}-figures", chart["title"], chart["columns"], chart["rows"],
                     money=chart["money"], prefix=f"{short}-", anchor=chart["id"])  # fmt: skip
        chart["view"] = table.whole(request, grid_rows(chart["rows"]))


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
    values["groups"] = GROUPS.whole(request, group_rows(data))
    values["charts"] = insight_charts(data)
    chart_tables(request, values["charts"])
    return render(request, "insights.html", values)


UNDERPAYMENTS = Table(
    "underpayments",
    "Underpayments",
    columns=(
        Column("claim_number", "Claim", link="claim_url"),
        Column("payer", "Payer"),
        Column("payer_claim_number", "Payer claim"),
        Column("date_of_service", "Date", kind="date"),
        Column("service", "Code"),
        Column("units", "Units", kind="number"),
        Column("expected_cents", "Agreed", kind="money", total=True),
        Column("allowed_cents", "Allowed", kind="money", total=True),
        Column("paid_cents", "Paid", kind="money", total=True),
        Column("difference_cents", "Short", kind="money", total=True),
        Column("basis", "Basis", sortable=False),
        Column("act", "Action", kind="cell", sortable=False, export=False),
    ),
    default_sort="",  # the largest difference first, as the service gives them
    empty="No underpayments match.",
)


@router.get("/underpayments", response_class=HTMLResponse)
def underpayments_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    payer: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=10)] = "open",
) -> Response:
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
    for r in values["rows"]:
        r.update(claim_number=f"#{r['claim']}", claim_url=f"/claims/{r['claim']}",
                 service=r["code"] + (f" {r['modifiers']}" if r["modifiers"] else ""))  # fmt: skip
    table = replace(UNDERPAYMENTS, empty=f"No {status or 'matching'} underpayments.")
    view = table.whole(request, values["rows"], path="/underpayments")
    if wants_csv(request):
        return csv_response(view)
    values["table"] = view
    values["toast"], values["toast_error"] = values.pop("message"), values.pop("error")
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
