"""``therabill payment-plan``: a client's balance in instalments on a schedule, what is due
and overdue today, and ending a plan. (``therabill plans`` are therapy plans of care.)"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.store_common import ClientArg
from therabill.errors import InvalidInput
from therabill.money import format_money, parse_money
from therabill.store.services import payment_plans

app = typer.Typer(
    help="Payment plans: a client's balance paid in instalments on a schedule.",
    no_args_is_help=True,
)
Opt = typer.Option


def _print(data: dict[str, Any]) -> None:
    every = f"every {data['every']} {data['unit']}{'s' if data['every'] > 1 else ''}"
    console.print(
        f"Plan {data['plan_id']}: {format_money(data['total_cents'])} in instalments of "
        f"{format_money(data['instalment_cents'])} {every} from {data['first_due']}; "
        f"paid {format_money(data['paid_cents'])}, overdue {format_money(data['overdue_cents'])}, "
        f"due today {format_money(data['due_today_cents'])}, left {format_money(data['left_cents'])}"
        + (f"; ended {data['ended_on']} ({data['end_reason']})" if data["ended_on"] else "")
        + "."
    )
    table = Table(box=None)
    for column in ("#", "Due", "Amount", "Paid", "State"):
        table.add_column(column)
    for i in data["instalments"]:
        table.add_row(
            str(i["number"]), i["due_on"], format_money(i["amount_cents"]),
            format_money(i["paid_cents"]), i["state"],
        )  # fmt: skip
    console.print(table)


@app.command("create")
@handles_errors
def create(
    client: ClientArg,
    instalment: Annotated[str, Opt(help="Each instalment, e.g. 50.00.")],
    first: Annotated[str, Opt(help="First instalment's due date, YYYY-MM-DD.")],
    every: Annotated[int, Opt(help="One instalment every N weeks or months.")] = 1,
    unit: Annotated[str, Opt(help="week or month.")] = "month",
    total: Annotated[
        str | None, Opt(help="The amount the plan covers (default: all the client owes).")
    ] = None,
    note: Annotated[str, Opt()] = "",
    json_output: JsonOption = False,
) -> None:
    """Set up a payment plan for what the client owes: payments taken from now on fill its
    instalments, oldest first.

    Example: therabill payment-plan create C-1 --instalment 50.00 --first 2026-12-15 --every 1 --unit month
    """
    cents = parse_money(instalment, field="instalment")
    total_cents = None if total is None else parse_money(total, field="total")
    first_due = store_common.day(first, "first")
    if first_due is None:
        raise InvalidInput("give the first instalment's due date", field="first")
    with store_common.action() as work:
        data = payment_plans.create_plan(
            work=work, client=client, instalment_cents=cents, first_due=first_due, every=every,
            unit=unit.strip().lower(), total_cents=total_cents, note=note,
        ).to_dict()  # fmt: skip
    if json_output:
        emit_json(data)
        return
    _print(data)


@app.command("show")
@handles_errors
def show(
    client: ClientArg,
    on: Annotated[str | None, Opt(help="As of this day, YYYY-MM-DD (default today).")] = None,
    json_output: JsonOption = False,
) -> None:
    """A client's payment plans (the active one first): each instalment paid, due, overdue
    or still to come.

    Example: therabill payment-plan show C-1
    """
    with store_common.action() as work:
        data = [
            v.to_dict()
            for v in payment_plans.client_plans(
                work=work, client=client, on=store_common.day(on, "on")
            )
        ]
    if json_output:
        emit_json(data)
        return
    if not data:
        console.print("No payment plans.")
    for plan in data:
        _print(plan)


@app.command("due")
@handles_errors
def due(
    on: Annotated[str | None, Opt(help="As of this day, YYYY-MM-DD (default today).")] = None,
    json_output: JsonOption = False,
) -> None:
    """Active plans with an instalment due today or overdue, most overdue first.

    Example: therabill payment-plan due --json
    """
    with store_common.action() as work:
        rows = payment_plans.plans_due(work=work, on=store_common.day(on, "on"))
        data = [
            {"client": c.chart_number or str(c.id), "name": f"{c.first_name} {c.last_name}",
             **v.to_dict()}
            for c, v in rows
        ]  # fmt: skip
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Client", "Name", "Overdue", "Due today", "Next due", "Left"):
        table.add_column(column)
    for r in data:
        table.add_row(
            r["client"], r["name"], format_money(r["overdue_cents"]),
            format_money(r["due_today_cents"]), r["next_due"] or "", format_money(r["left_cents"]),
        )  # fmt: skip
    console.print(table if data else "No instalments due or overdue.")


@app.command("end")
@handles_errors
def end(
    client: ClientArg,
    reason: Annotated[str, Opt(help="Why the plan ends.")],
    json_output: JsonOption = False,
) -> None:
    """End a client's active payment plan (kept as history).

    Example: therabill payment-plan end C-1 --reason "renegotiated"
    """
    with store_common.action() as work:
        plan = payment_plans.end_plan(work=work, client=client, reason=reason)
        data = {"plan_id": plan.id, "ended_on": str(plan.ended_on), "reason": plan.end_reason}
    if json_output:
        emit_json(data)
        return
    console.print(f"Plan {data['plan_id']} ended on {data['ended_on']}.")
