"""``therabill ledger`` and ``therabill entry``: read a client's ledger; post, reverse and
allocate payments. There is no edit or delete: a mistake is undone by a reversing entry."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from therabill.claims.number import parse_claim_id
from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.payments import as_credit_hint
from therabill.cli.store_common import ClientArg
from therabill.errors import InvalidInput
from therabill.ledger import EntryKind, Responsibility
from therabill.money import format_dollars, format_money, parse_money
from therabill.store.services import invoices, ledger, lookup, payments

entry_app = typer.Typer(help="Post, reverse and allocate ledger entries.", no_args_is_help=True)
invoice_app = typer.Typer(help="Invoices: statements of what a client owes.", no_args_is_help=True)

Opt = typer.Option


@handles_errors
def ledger_command(client: ClientArg, json_output: JsonOption = False) -> None:
    """A client's ledger: every entry and the balances owed by the payers and the client.

    Example: therabill ledger C-1
    """
    with store_common.action() as work:
        book = ledger.client_ledger(work=work, client=client)
        data = book.to_dict()
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Entry", "Date", "Kind", "Amount", "Who owes", "Claim", "Memo"):
        table.add_column(column)
    for e in data["entries"]:
        table.add_row(
            str(e["id"]),
            e["date"],
            e["kind"],
            format_money(e["amount_cents"]),
            e["responsibility"],
            str(e["claim_id"] or ""),
            e["memo"],
        )
    console.print(table)
    b = data["balance"]
    console.print(
        f"Owed by payers {format_dollars(b['insurance_cents'])}, by the client {format_dollars(b['patient_cents'])}, total {format_dollars(b['total_cents'])}"
    )


@entry_app.command("post")
@handles_errors
def post(
    client: ClientArg,
    kind: Annotated[
        str,
        typer.Argument(
            help="insurance_payment, contractual_adjustment, write_off, refund, transfer_to_patient or charge (client payments: therabill payment take)."
        ),
    ],
    amount: Annotated[str, typer.Argument(help="Amount, e.g. 45.10.")],
    claim: Annotated[
        str | None, Opt(help="Claim id or claim number, e.g. 12 or TB00000012 (with --line).")
    ] = None,
    line: Annotated[int | None, Opt(help="Line number on the claim.")] = None,
    responsibility: Annotated[
        str | None, Opt(help="insurance or patient (for write-offs and refunds).")
    ] = None,
    memo: Annotated[str, Opt()] = "",
    json_output: JsonOption = False,
) -> None:
    """Post one ledger entry to a client (and a claim line).

    Example: therabill entry post C-1 insurance_payment 62.40 --claim 12 --line 1
    """
    if kind == EntryKind.PATIENT_PAYMENT.value:
        raise InvalidInput(
            "a client's payment is taken with a receipt, and more than they owe only as a "
            "credit they ask for: use therabill payment take CLIENT AMOUNT",
            field="kind",
        )
    try:
        entry_kind = EntryKind(kind)
        who = Responsibility(responsibility) if responsibility else None
    except ValueError as exc:
        raise InvalidInput(str(exc), field="kind") from None
    cents = parse_money(amount)
    claim_id = None if claim is None else parse_claim_id(claim)
    with store_common.action() as work:
        found = lookup.client(work, client)
        claim_line = None
        if claim_id is not None:
            claim_line = next(
                (ln for ln in lookup.claim(work, claim_id).lines if ln.line_number == (line or 1)),
                None,
            )
            if claim_line is None:
                raise InvalidInput(f"claim {claim} has no line {line}", field="line")
        entry = ledger.post_entry(
            work=work,
            kind=entry_kind,
            amount_cents=cents,
            client_id=found.id,
            claim_line=claim_line,
            responsibility=who,
            memo=memo,
        )
        data = ledger.entry_dict(entry)
    if json_output:
        emit_json(data)
        return
    console.print(f"Posted entry {data['id']}: {data['kind']} {format_dollars(cents)}.")


@entry_app.command("reverse")
@handles_errors
def reverse(
    entry_id: Annotated[int, typer.Argument(help="The entry to undo.")],
    reason: Annotated[str, Opt(help="Why it is reversed.")],
    json_output: JsonOption = False,
) -> None:
    """Undo an entry by posting its reversal (the original stays, as history).

    Example: therabill entry reverse 41 --reason "posted to the wrong client"
    """
    with store_common.action() as work:
        data = ledger.entry_dict(ledger.reverse_entry(work=work, entry_id=entry_id, reason=reason))
    if json_output:
        emit_json(data)
        return
    console.print(f"Posted reversal {data['id']} of entry {entry_id}.")


@entry_app.command("pay")
@handles_errors
def pay(
    client: ClientArg,
    amount: Annotated[str, typer.Argument(help="The whole payment, e.g. 120.00.")],
    lines: Annotated[
        list[int] | None,
        Opt("--line", help="Claim line ids to pay, in this order (repeat); default oldest first."),
    ] = None,
    method: Annotated[str, Opt(help="cash, check, card or other.")] = "other",
    reference: Annotated[
        str | None, Opt(help="Check number, or the card processor's transaction id.")
    ] = None,
    credit: Annotated[
        bool,
        Opt("--as-credit", "--credit", help="Keep what is more than the client owes as a credit."),
    ] = False,
    memo: Annotated[str, Opt()] = "",
    json_output: JsonOption = False,
) -> None:
    """Record a client's lump-sum payment, spread across what they owe oldest first (or
    over the lines you name), with a receipt: the same as ``therabill payment take``. More
    than they owe is refused unless --as-credit keeps the rest as a credit on account.

    Example: therabill entry pay C-1 120.00 --method cash
    """
    cents = parse_money(amount)
    with store_common.action() as work, as_credit_hint():
        result = payments.take_payment(
            work=work, client=client, amount_cents=cents, method=method, reference=reference,
            order=lines or "oldest", keep_credit=credit, memo=memo,
        )  # fmt: skip
        data = {**result.to_dict(), "unapplied_cents": result.credit_cents}
    if json_output:
        emit_json(data)
        return
    applied = sum(p["amount_cents"] for p in data["applied"])
    console.print(
        f"Receipt {data['receipt']}: applied {format_dollars(applied)} to "
        f"{len(data['applied'])} line(s); {format_money(result.credit_cents)} left as credit."
    )


@invoice_app.command("create")
@handles_errors
def invoice_create(
    client: ClientArg,
    due_days: Annotated[int, Opt("--due-days", help="Days until it is due.")] = 30,
    json_output: JsonOption = False,
) -> None:
    """An invoice of everything the client owes now, line by line (balances do not change).

    Example: therabill invoice create C-1
    """
    with store_common.action() as work:
        data = invoices.invoice_dict(
            invoices.create_invoice(work=work, client=client, due_days=due_days)
        )
    if json_output:
        emit_json(data)
        return
    console.print(f"Invoice {data['number']} for client {data['client_id']}, due {data['due_on']}:")
    for line in data["lines"]:
        console.print(f"  {line['description']:<40} {format_money(line['amount_cents']):>10}")
    console.print(f"  {'Total':<40} {format_money(data['total_cents']):>10}")


@invoice_app.command("list")
@handles_errors
def invoice_list(
    client: Annotated[str | None, Opt(help="Only this client's invoices.")] = None,
    json_output: JsonOption = False,
) -> None:
    """List invoices, newest first.

    Example: therabill invoice list --client C-1
    """
    with store_common.action() as work:
        data = [invoices.invoice_dict(i) for i in invoices.list_invoices(work=work, client=client)]
    if json_output:
        emit_json(data)
        return
    for i in data:
        console.print(
            f"{i['number']}  client {i['client_id']}  {i['issued_on']}  {format_money(i['total_cents'])}"
        )
