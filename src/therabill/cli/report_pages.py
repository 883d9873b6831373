"""``therabill reports``: revenue, days in A/R, aging, denials, unbilled work, authorization
burn-down, visit limits and provider productivity; as tables, JSON, CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.errors import InvalidInput
from therabill.store.services import report_pages as service


@handles_errors
def reports_command(
    name: Annotated[
        str | None,
        typer.Argument(help=f"One report: {', '.join(service.REPORTS)} (default all)."),
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = None,
    by: Annotated[
        str, typer.Option("--by", help="Revenue by month, payer, provider or code.")
    ] = "month",
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the report's table as CSV (one report).")
    ] = None,
    xlsx_file: Annotated[
        Path | None, typer.Option("--xlsx", help="Write the reports as one XLSX workbook.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Where the money comes from and where it is stuck: the Reports page's figures.

    Example: therabill reports revenue --by payer --from 2026-01-01 --json
    """
    today = dt.date.today()
    first = store_common.day(start, "from")
    last = store_common.day(end, "to")
    if csv_file is not None and name is None:
        raise InvalidInput("name one report to write as CSV", field="csv")
    with store_common.action() as work:
        if name is not None:
            found = [service.build_report(work, name, today=today, start=first, end=last, by=by)]
        else:
            found = service.all_reports(work, today=today, start=first, end=last)
    if csv_file is not None:
        csv_file.write_text(service.to_csv(found[0]), "utf-8")
    if xlsx_file is not None:
        xlsx_file.write_bytes(service.to_xlsx(found))
    if json_output:
        emit_json([r.to_dict() for r in found] if name is None else found[0].to_dict())
        return
    if csv_file is not None or xlsx_file is not None:
        console.print(f"Wrote {csv_file or xlsx_file}.")
        return
    for report in found:
        table = Table(title=report.title, caption=report.note)
        for column in report.columns:
            table.add_column(column)
        for row in report.shown_rows():
            table.add_row(*[str(v) for v in row])
        console.print(table)
