"""``therabill era``: read electronic remittances (X12 835) and show what the payers paid."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.money import amount_text
from therabill.x12.remittance_835 import ClaimPayment, Remittance, check_balance, read_835
from therabill.x12.remittance_835.as_json import remittance_dict
from therabill.x12.remittance_835.model import ZERO

app = typer.Typer(
    help="Electronic remittance advice (X12 835): what payers paid and why.",
    no_args_is_help=True,
)


def _adjustments_text(claim: ClaimPayment) -> str:
    """Claim- and line-level adjustments summed by group and reason: ``CO-45 30.00, PR-3 …``."""
    totals: dict[str, Decimal] = {}
    for adj in [*claim.adjustments, *(a for line in claim.services for a in line.adjustments)]:
        key = f"{adj.group}-{adj.reason}"
        totals[key] = totals.get(key, ZERO) + adj.amount
    return ", ".join(f"{key} {amount_text(total)}" for key, total in totals.items())


def _print(remittance: Remittance) -> None:
    h = remittance.header
    payer = h.payer.name if h.payer else "unknown payer"
    payee = h.payee.name if h.payee else "unknown payee"
    paid_on = f" on {h.payment_date}" if h.payment_date else ""
    console.print(
        f"[bold]{escape(payer)}[/bold] → {escape(payee)}: {amount_text(h.payment_amount)} "
        f"({h.payment_method or 'no payment'}{paid_on}), trace {escape(h.trace_number or '')}",
        markup=True,
    )
    console.print(
        f"{h.file}, transaction {h.transaction_control_number} at segment {h.segment_number}"
        + (f", interchange {h.interchange_control_number}" if h.interchange_control_number else "")
    )
    table = Table(show_edge=False)
    for column in ("Claim", "Status", "Charge", "Paid", "Patient", "Lines", "Adjustments"):
        table.add_column(
            column, justify="right" if column in {"Charge", "Paid", "Patient"} else "left"
        )
    for claim in remittance.claims:
        table.add_row(
            claim.patient_control_number,
            claim.status_text,
            amount_text(claim.charge),
            amount_text(claim.paid),
            amount_text(claim.patient_responsibility),
            str(len(claim.services)),
            _adjustments_text(claim),
        )
    console.print(table)
    for plb in remittance.provider_adjustments:
        console.print(
            f"Provider adjustment {plb.reason} {plb.reference}: {amount_text(plb.amount)}".replace(
                "  ", " "
            )
        )
    problems = check_balance(remittance)
    if problems:
        console.print(f"[red]Does not balance ({len(problems)} problems):[/red]", markup=True)
        for problem in problems:
            console.print(f"  {problem.message}")
    else:
        console.print("Balances: payment, claims and lines.")
    console.print()


@app.command("show")
@handles_errors
def show(
    files: Annotated[list[Path], typer.Argument(help="One or more 835 files.")],
    json_output: JsonOption = False,
) -> None:
    """Show what each 835 says: payment, claims, lines, adjustments and whether it balances.

    Nothing is posted. A file that is not a readable 835 is an error naming the file,
    segment and element.

    Example: therabill era show remit.835 --json
    """
    remittances = read_835(*files)
    if json_output:
        emit_json([remittance_dict(r) for r in remittances])
        return
    if not remittances:
        console.print("No 835 transactions found.")
    for remittance in remittances:
        _print(remittance)


# Posting: the commands live in cli/posting.py, over store.services.remittances.
from therabill.cli import posting as _posting  # noqa: E402

app.command("post")(_posting.post)
app.command("release")(_posting.release)
app.command("exceptions")(_posting.exceptions)
app.command("resolve")(_posting.resolve)


@app.command("deposits")
@handles_errors
def deposits(
    limit: Annotated[int, typer.Option(help="How many payments, newest first.")] = 50,
    json_output: JsonOption = False,
) -> None:
    """Each payment (BPR02 with its trace number) against what was posted from it: payments
    to claims, L6 interest, other provider-level adjustments, and any difference (claims of
    the 835 that matched none of yours).

    Example: therabill era deposits --json
    """
    from therabill.cli import store_common
    from therabill.money import format_dollars, format_money
    from therabill.store.services import remittances

    with store_common.action() as work:
        rows = remittances.list_deposits(work=work, limit=limit)
    if json_output:
        emit_json({"deposits": rows})
        return
    table = Table(show_edge=False)
    for column in ("Trace", "Payer", "Date", "Deposit", "Posted", "Interest", "Held", "Difference"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["trace_number"] + (" (still posting)" if r["still_posting"] else ""),
            r["payer"],
            r["payment_date"] or "",
            format_money(r["deposit_cents"]),
            format_money(r["posted_cents"]),
            format_money(r["interest_cents"]),
            format_money(r["held_cents"]),
            format_money(r["difference_cents"]),
        )
    console.print(table)
    for r in rows:
        for a in r["provider_adjustments"]:
            claim = f" claim {a['claim_number']}" if a["claim_number"] else ""
            console.print(
                f"  {r['trace_number']}: PLB {a['reason']} {a['reference']}{claim} "
                f"{format_dollars(a['amount_cents'])}, applied as {a['applied_as'].replace('_', ' ')}"
            )
