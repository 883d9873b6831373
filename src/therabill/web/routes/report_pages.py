"""The Reports page: every report as a chart with its table beside it, and each table as CSV
or all of them as one XLSX workbook."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from therabill.errors import InvalidInput
from therabill.store.services import report_pages
from therabill.web.deps import Ctx, FormFields, PageBiller
from therabill.web.reads import reading
from therabill.web.render import render
from therabill.web.routes.jobs import start as start_job
from therabill.web.tables import TableView, grid, grid_rows

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DateText = Annotated[str, Query(max_length=10)]


def _day(text: str, field: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    ctx: Ctx,
    account: PageBiller,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    by: Annotated[str, Query(max_length=10)] = "month",
) -> HTMLResponse:
    """Revenue, days in A/R, aging, denials, unbilled work, authorizations, visit limits and
    provider productivity, each a chart with its table."""
    today = dt.date.today()
    values: dict[str, Any] = {"start": start, "end": end, "by": by, "error": None, "reports": []}
    try:
        first, last = _day(start, "from"), _day(end, "to")
        with reading(ctx, account) as work:
            found = report_pages.all_reports(work, today=today, start=first, end=last)
            if by != "month":
                found[0] = report_pages.build_report(
                    work, "revenue", today=today, start=first, end=last, by=by
                )
    except InvalidInput as exc:
        values["error"] = str(exc)
        return render(request, "reports.html", values, status=422)
    values["reports"] = found
    values["tables"] = report_tables(request, found)
    values["period"] = report_pages.period(first, last, today=today)
    return render(request, "reports.html", values)


@router.post("/reports/refresh")
def reports_refresh(request: Request, ctx: Ctx, account: PageBiller, form: FormFields) -> Response:
    """Every report for the period, worked out in the background (a report refresh job); the
    answer is the job's page, which lists them with a link back here."""
    arguments = {"today": dt.date.today().isoformat()}
    for key, name in (("start", "from"), ("end", "to")):
        value = str(form.get(name) or "").strip()
        if value:
            arguments[key] = value
    return start_job(ctx.store, account, "report-refresh", arguments)


def report_tables(request: Request, found: list[report_pages.Report]) -> dict[str, TableView]:
    """Each report's figures as the one table: money formatted and totalled, each table
    sorted and paged on its own (its query parameters start with the report's id)."""
    views = {}
    for report in found:
        table = grid(
            f"{report.id}-figures",
            report.title,
            report.columns,
            report.rows,
            money=report.money,
            totals=report.money,
            prefix=f"{report.id}-",
            anchor=f"report-{report.id}",
        )
        views[report.id] = table.whole(request, grid_rows(report.rows))
    return views


def _export_args(start: str, end: str) -> tuple[dt.date | None, dt.date | None]:
    return _day(start, "from"), _day(end, "to")


@router.get("/reports/export.xlsx")
def reports_xlsx(
    ctx: Ctx,
    account: PageBiller,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """Every report in one workbook, a sheet each."""
    try:
        first, last = _export_args(start, end)
        with reading(ctx, account) as work:
            found = report_pages.all_reports(work, today=dt.date.today(), start=first, end=last)
    except InvalidInput as exc:
        return Response(str(exc), status_code=422, media_type="text/plain")
    return Response(
        report_pages.to_xlsx(found), media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="therabill-reports.xlsx"'},
    )  # fmt: skip


@router.get("/reports/{name}.csv")
def report_csv(
    ctx: Ctx,
    account: PageBiller,
    name: str,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    by: Annotated[str, Query(max_length=10)] = "month",
) -> Response:
    """One report's table as CSV."""
    try:
        first, last = _export_args(start, end)
        with reading(ctx, account) as work:
            found = report_pages.build_report(
                work, name[:40], today=dt.date.today(), start=first, end=last, by=by
            )
    except InvalidInput as exc:
        return Response(str(exc), status_code=404 if exc.field == "report" else 422,
                        media_type="text/plain")  # fmt: skip
    return Response(
        report_pages.to_csv(found), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{found.id}.csv"'},
    )  # fmt: skip
