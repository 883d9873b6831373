"""``therabill plan``: therapy plans of care, their certifying provider (the claim's
referring provider), certification dates and progress reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.store_common import ClientArg
from therabill.errors import InvalidInput
from therabill.store.services import plans_of_care

app = typer.Typer(
    help="Therapy plans of care: certifying provider, certification and progress reports.",
    no_args_is_help=True,
)
Opt = typer.Option
PlanArg = Annotated[int, typer.Argument(help="Plan of care id (see: therabill plan list).")]


@app.command("add")
@handles_errors
def add(
    client: ClientArg,
    discipline: Annotated[str, Opt(help="pt, ot or slp (the plan's discipline).")],
    referring_npi: Annotated[str, Opt("--referring-npi", help="Certifying physician's NPI.")],
    referring_name: Annotated[
        str, Opt("--referring-name", help='Certifying physician\'s "First Last".')
    ],
    start: Annotated[str, Opt("--from", help="First treatment day, YYYY-MM-DD.")],
    end: Annotated[
        str | None, Opt("--to", help="Last certified day (default: the 90th day).")
    ] = None,
    certified: Annotated[
        str | None, Opt(help="Date the physician signed it, YYYY-MM-DD (if back).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Record a plan of care (or a recertification: the next period's plan) and the
    physician or NPP who certifies it; claims name them as the referring provider.

    Example: therabill plan add C-1 --discipline pt --referring-npi 1679576722 --referring-name "Rosa Diaz" --from 2026-10-05 --certified 2026-10-20
    """
    first, _, last = referring_name.strip().rpartition(" ")
    if not first or not last:
        raise InvalidInput('give the first and last name, "Rosa Diaz"', field="referring_name")
    begin = store_common.day(start, "from")
    assert begin is not None
    with store_common.action() as work:
        plan = plans_of_care.add_plan(
            work=work,
            client=client,
            discipline=discipline,
            referring_npi=referring_npi,
            referring_first_name=first,
            referring_last_name=last,
            start=begin,
            end=store_common.day(end, "to"),
            certified_on=store_common.day(certified, "certified"),
        )
        data = plans_of_care.plan_dict(plan)
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Added plan of care {data['id']} ({data['discipline']}), {data['start_date']} to "
        f"{data['end_date']}."
    )


@app.command("certify")
@handles_errors
def certify(
    plan: PlanArg,
    on: Annotated[str | None, Opt(help="Signature date, YYYY-MM-DD (default today).")] = None,
    json_output: JsonOption = False,
) -> None:
    """Record the date the physician or NPP signed the plan (or gave the verbal order).

    Example: therabill plan certify 3 --on 2026-10-20
    """
    day = store_common.day(on, "on", dt.date.today())
    assert day is not None
    with store_common.action() as work:
        data = plans_of_care.plan_dict(plans_of_care.certify_plan(work=work, plan_id=plan, on=day))
    if json_output:
        emit_json(data)
        return
    console.print(f"Plan of care {data['id']} certified on {data['certified_on']}.")


@app.command("progress")
@handles_errors
def progress(
    plan: PlanArg,
    on: Annotated[str | None, Opt(help="Date of the report, YYYY-MM-DD (default today).")] = None,
    json_output: JsonOption = False,
) -> None:
    """Record a progress report: the count of 10 treatment days starts again after it.

    Example: therabill plan progress 3 --on 2026-11-02
    """
    day = store_common.day(on, "on", dt.date.today())
    assert day is not None
    with store_common.action() as work:
        data = plans_of_care.plan_dict(
            plans_of_care.record_progress_report(work=work, plan_id=plan, on=day)
        )
    if json_output:
        emit_json(data)
        return
    console.print(f"Progress report of {day} recorded on plan of care {data['id']}.")


@app.command("list")
@handles_errors
def list_command(client: ClientArg, json_output: JsonOption = False) -> None:
    """A client's plans of care, with their certifying provider and progress reports.

    Example: therabill plan list C-1
    """
    with store_common.action() as work:
        data = [
            plans_of_care.plan_dict(p) for p in plans_of_care.list_plans(work=work, client=client)
        ]
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Id", "Discipline", "From", "To", "Certified", "Referring", "Reports"):
        table.add_column(column)
    for p in data:
        ref = p["referring_provider"]
        table.add_row(
            str(p["id"]),
            p["discipline"],
            p["start_date"],
            p["end_date"],
            p["certified_on"] or "not yet",
            f"{ref['first_name']} {ref['last_name']} ({ref['npi']})",
            ", ".join(p["progress_reports"]) or "-",
        )
    console.print(table)
