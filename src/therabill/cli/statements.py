"""``therabill statements``: statement runs per period, a client's statement preview, a
recorded statement again, holds, and how clients pay."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.paper import OutputOption, write_pdf
from therabill.cli.store_common import ClientArg
from therabill.config import practice_folder
from therabill.errors import InvalidInput
from therabill.money import format_money, parse_money
from therabill.paper import statement as paper
from therabill.store.services import statements

app = typer.Typer(
    help="Client statements: what each client owes after every payer.", no_args_is_help=True
)
Opt = typer.Option


@app.command("run")
@handles_errors
def run(
    through: Annotated[str, Opt("--through", help="Last day of the period, YYYY-MM-DD.")],
    out: Annotated[
        str | None,
        Opt("--out", help="Folder for the PDFs (default: statements/DATE in the data folder)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Make the period's statements: one per client who owes at least the minimum and is not
    on hold. Running it again for the same period makes none twice.

    Example: therabill statements run --through 2026-11-30 --json
    """
    day = store_common.day(through, "through")
    assert day is not None
    if out and Path(out).exists() and not Path(out).is_dir():
        raise InvalidInput(f"{out!r} is not a folder", field="out")
    with store_common.action() as work:
        folder = (
            Path(out) if out else practice_folder(work.practice_id) / "statements" / day.isoformat()
        )
        data = statements.run_statements(work=work, through=day, folder=folder).to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Statements through {data['through']}: {data['made']} made "
        f"({data['already_made']} already made, {data['on_hold']} on hold, "
        f"{data['below_minimum']} below the minimum), in {data['folder']}."
    )


@app.command("list")
@handles_errors
def list_command(json_output: JsonOption = False) -> None:
    """Statement runs, newest period first.

    Example: therabill statements list
    """
    with store_common.action() as work:
        data = statements.list_runs(work=work)
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Through", "Statements", "Total", "By"):
        table.add_column(column)
    for r in data:
        table.add_row(
            r["through"], str(r["statements"]), format_money(r["total_cents"]), r["actor"]
        )
    console.print(table)


@app.command("preview")
@handles_errors
def preview_command(
    client: ClientArg,
    output: OutputOption,
    on: Annotated[str | None, Opt(help="Statement date, YYYY-MM-DD (default today).")] = None,
    json_output: JsonOption = False,
) -> None:
    """A client's statement as of a day, not recorded (nothing is sent).

    Example: therabill statements preview C-1 -o preview.pdf
    """
    with store_common.action() as work:
        made = statements.preview(work=work, client=client, on=store_common.day(on, "on"))
    write_pdf(paper.render([made]), output)
    if json_output:
        emit_json({"balance_cents": made.balance_cents, "lines": len(made.lines),
                   "aging_cents": list(made.aging), "output": output})  # fmt: skip
    elif output != "-":
        console.print(f"Amount due {format_money(max(made.balance_cents, 0))}; wrote {output}.")


@app.command("print")
@handles_errors
def print_command(
    number: Annotated[str, typer.Argument(help="Statement number, e.g. S-202611-000004.")],
    output: OutputOption,
    json_output: JsonOption = False,
) -> None:
    """A recorded statement again, exactly as it was made.

    Example: therabill statements print S-202611-000004 -o statement.pdf
    """
    with store_common.action() as work:
        pdf = statements.statement_pdf(work=work, number=number)
    write_pdf(pdf, output)
    if json_output:
        emit_json({"statement": number.strip().upper(), "output": output, "bytes": len(pdf)})


@app.command("hold")
@handles_errors
def hold(
    client: ClientArg,
    off: Annotated[bool, Opt("--off", help="Release the hold.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Hold a client's statements and reminders (a payment plan, a dispute), or release it.

    Example: therabill statements hold C-1
    """
    with store_common.action() as work:
        found = statements.set_hold(work=work, client=client, hold=not off)
        data = {"client_id": found.id, "hold": found.statement_hold}
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Statements {'held' if data['hold'] else 'resumed'} for client {data['client_id']}."
    )


@app.command("settings")
@handles_errors
def settings(
    minimum: Annotated[
        str | None, Opt(help="Smallest balance to send a statement for, e.g. 5.00.")
    ] = None,
    payment_link: Annotated[
        str | None, Opt(help="The practice's payment page (https://…); '' clears it.")
    ] = None,
    instructions: Annotated[
        str | None, Opt(help="How to pay, printed on statements; '' clears it.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Show or set how clients pay and the minimum balance for a statement.

    Example: therabill statements settings --minimum 5.00 --payment-link https://pay.example.com/harbour
    """
    cents = None
    if minimum is not None:
        cents = 0 if minimum.strip() in ("0", "0.00") else parse_money(minimum, field="minimum")
    with store_common.action() as work:
        data = statements.settings_dict(
            statements.set_statement_settings(
                work=work, minimum_cents=cents, payment_link=payment_link, instructions=instructions
            )
        )
    if json_output:
        emit_json(data)
        return
    for key, value in data.items():
        console.print(f"{key.replace('_', ' ')}: {value or '(none)'}")
