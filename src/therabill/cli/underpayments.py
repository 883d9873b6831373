"""``therabill contract`` (a payer's contracted allowed amounts, imported from CSV) and
``therabill underpayments`` (posted lines the payer allowed less for than agreed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.errors import InvalidInput
from therabill.store.services import underpayments as service

contract_app = typer.Typer(
    help="A payer's contracted allowed amounts per code and modifier, with effective dates.",
    no_args_is_help=True,
)
PayerOption = Annotated[str, typer.Option("--payer", help="The payer (id or name).")]


@contract_app.command("import")
@handles_errors
def import_command(
    file: Annotated[
        Path, typer.Argument(help="CSV: code, modifier, allowed, reduced, effective, end.")
    ],
    payer: PayerOption,
    json_output: JsonOption = False,
) -> None:
    """Import a payer's contracted allowed amounts per unit (a row for the same code, modifier
    and effective date replaces the one stored).

    Example: therabill contract import acme-2026.csv --payer "Acme Health Plan"
    """
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {file}: {exc}", field="file") from None
    with store_common.action() as work:
        done = service.import_contract(work, payer=payer, text=text, file_name=file.name)
    if json_output:
        emit_json(done.to_dict())
        return
    console.print(f"{done.payer}: {done.rows} rates for {done.codes} codes imported.")


@contract_app.command("list")
@handles_errors
def list_command(payer: PayerOption, json_output: JsonOption = False) -> None:
    """A payer's contracted allowed amounts.

    Example: therabill contract list --payer "Acme Health Plan" --json
    """
    with store_common.action() as work:
        rates = service.contract_rates(work, payer=payer)
    if json_output:
        emit_json(rates)
        return
    table = Table(title="Contracted allowed amounts per unit")
    for column in ("Code", "Modifier", "Allowed", "Reduced", "Effective", "End"):
        table.add_column(column)
    for r in rates:
        table.add_row(r["code"], r["modifier"] or "any", f"${r['allowed']}",
                      f"${r['reduced']}" if r["reduced"] else "—", r["effective"], r["end"] or "—")  # fmt: skip
    console.print(table)


@handles_errors
def underpayments_command(
    payer: Annotated[str | None, typer.Option("--payer", help="One payer (id or name).")] = None,
    status: Annotated[
        str, typer.Option("--status", help="open, appealed or closed (with --mark: the new one).")
    ] = "open",
    mark: Annotated[int | None, typer.Option("--mark", help="Set the status of this one.")] = None,
    note: Annotated[str, typer.Option("--note", help="What was done (with --mark).")] = "",
    json_output: JsonOption = False,
) -> None:
    """Posted lines the payer allowed less for than its contract or fee schedule, to appeal.

    Example: therabill underpayments --payer "Acme Health Plan" --json
    """
    with store_common.action() as work:
        if mark is not None:
            service.set_status(work, underpayment_id=mark, status=status, note=note)
            status = "open"
        rows = service.list_underpayments(work, payer=payer, status=status)
    if json_output:
        emit_json(rows)
        return
    if not rows:
        console.print(f"No {status} underpayments.")
        return
    table = Table(title=f"Underpayments ({status})")
    for column in ("Id", "Claim", "Payer", "Date", "Code", "Units", "Expected", "Allowed", "Short"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["id"]), str(r["claim"]), r["payer"], r["date_of_service"], r["code"],
                      str(r["units"]), f"${r['expected']}", f"${r['allowed']}", f"${r['difference']}")  # fmt: skip
    console.print(table)
