"""``therabill payment``: take a client's payment or copay, refund a credit, apply a credit,
list payments and print a receipt. Card processing stays with the practice's processor;
therabill records the processor's transaction reference."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.paper import OutputOption, write_pdf
from therabill.cli.store_common import ClientArg
from therabill.errors import InvalidInput
from therabill.money import format_money, parse_money
from therabill.store.services import ledger, payments

app = typer.Typer(
    help="Client payments: take a payment or copay, refund, apply a credit, receipts.",
    no_args_is_help=True,
)
Opt = typer.Option
MethodOption = Annotated[str, Opt(help="cash, check, card or other.")]
ReferenceOption = Annotated[
    str | None, Opt(help="Check number, or the card processor's transaction id.")
]


@contextmanager
def as_credit_hint() -> Iterator[None]:
    """A refused overpayment says how to keep the rest as a credit on the command line."""
    try:
        yield
    except ledger.Overpayment as exc:
        exc.hint = (
            f"Take {format_money(exc.owed_cents)}, or add --as-credit to keep the rest as a "
            "credit on account."
        )
        raise


def _parts(values: list[str] | None) -> dict[int, int] | None:
    if not values:
        return None
    out: dict[int, int] = {}
    for value in values:
        line, sep, amount = value.partition("=")
        if not sep or not line.strip().isdigit():
            raise InvalidInput(f"{value!r} is not LINE_ID=AMOUNT, e.g. 41=20.00", field="apply")
        out[int(line)] = parse_money(amount, field="apply")
    return out


@app.command("take")
@handles_errors
def take(
    client: ClientArg,
    amount: Annotated[str, typer.Argument(help="The whole payment, e.g. 120.00.")],
    method: MethodOption = "card",
    reference: ReferenceOption = None,
    received: Annotated[str | None, Opt(help="Day received, YYYY-MM-DD (default today).")] = None,
    line: Annotated[
        list[int] | None, Opt("--line", help="Claim line ids to pay, in this order (repeat).")
    ] = None,
    apply: Annotated[
        list[str] | None, Opt("--apply", help="LINE_ID=AMOUNT to pay exactly (repeat).")
    ] = None,
    credit: Annotated[
        bool,
        Opt("--as-credit", "--credit", help="Keep what is more than the client owes as a credit."),
    ] = False,
    copay_session: Annotated[
        int | None, Opt("--copay-session", help="A copay taken at this session (kept as credit).")
    ] = None,
    memo: Annotated[str, Opt()] = "",
    json_output: JsonOption = False,
) -> None:
    """Take a client's payment: spread over what they owe, oldest first (or the lines you
    name), with a receipt number. More than they owe is refused unless --as-credit keeps
    the rest as a credit on account.

    Example: therabill payment take C-1 45.00 --method card --reference ch_3PqX81
    """
    cents = parse_money(amount)
    day = store_common.day(received, "received")
    with store_common.action() as work, as_credit_hint():
        result = payments.take_payment(
            work=work, client=client, amount_cents=cents, method=method, reference=reference,
            received_on=day, order=line or "oldest", amounts=_parts(apply), keep_credit=credit,
            copay_session=copay_session, memo=memo,
        )  # fmt: skip
        data = result.to_dict()
    if json_output:
        emit_json(data)
        return
    applied = sum(p["amount_cents"] for p in data["applied"])
    console.print(
        f"Receipt {data['receipt']}: {format_money(cents)} {data['method']}; "
        f"{format_money(applied)} applied to {len(data['applied'])} line(s), "
        f"{format_money(data['credit_cents'])} credit on account. "
        f"Client balance {format_money(data['client_balance_cents'])}."
    )


@app.command("refund")
@handles_errors
def refund(
    client: ClientArg,
    amount: Annotated[str, typer.Argument(help="The refund, e.g. 20.00.")],
    method: MethodOption = "check",
    reference: ReferenceOption = None,
    paid: Annotated[str | None, Opt(help="Day refunded, YYYY-MM-DD (default today).")] = None,
    memo: Annotated[str, Opt()] = "",
    json_output: JsonOption = False,
) -> None:
    """Refund part or all of a client's credit on account.

    Example: therabill payment refund C-1 20.00 --method check --reference 1042
    """
    cents = parse_money(amount)
    with store_common.action() as work:
        data = payments.refund(
            work=work, client=client, amount_cents=cents, method=method, reference=reference,
            paid_on=store_common.day(paid, "paid"), memo=memo,
        ).to_dict()  # fmt: skip
    if json_output:
        emit_json(data)
        return
    console.print(f"Refund {data['receipt']}: {format_money(cents)} by {data['method']}.")


@app.command("apply-credit")
@handles_errors
def apply_credit(client: ClientArg, json_output: JsonOption = False) -> None:
    """Move a client's credit on account (a copay taken at the session) onto what they now
    owe, oldest first.

    Example: therabill payment apply-credit C-1
    """
    with store_common.action() as work:
        applied = payments.apply_credit(work=work, client=client)
    data = {"applied": [{"claim_line_id": k, "amount_cents": c} for k, c in applied]}
    if json_output:
        emit_json(data)
        return
    console.print(f"Applied {format_money(sum(c for _, c in applied))} of credit.")


@app.command("list")
@handles_errors
def list_command(client: ClientArg, json_output: JsonOption = False) -> None:
    """A client's payments, copays and refunds, newest first.

    Example: therabill payment list C-1
    """
    with store_common.action() as work:
        data = [payments.payment_dict(p) for p in payments.list_payments(work=work, client=client)]
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Receipt", "Date", "Kind", "Method", "Reference", "Amount"):
        table.add_column(column)
    for p in data:
        table.add_row(
            p["receipt"], p["received_on"], p["kind"], p["method"], p["reference"] or "",
            format_money(p["amount_cents"]),
        )  # fmt: skip
    console.print(table)


@app.command("receipt")
@handles_errors
def receipt(
    number: Annotated[str, typer.Argument(help="The receipt number, e.g. R-2026-000012.")],
    output: OutputOption,
    json_output: JsonOption = False,
) -> None:
    """Print a payment's receipt as a PDF.

    Example: therabill payment receipt R-2026-000012 -o receipt.pdf
    """
    with store_common.action() as work:
        pdf = payments.receipt_pdf(work=work, receipt=number)
    write_pdf(pdf, output)
    if json_output:
        emit_json({"receipt": number.strip().upper(), "output": output, "bytes": len(pdf)})
    elif output != "-":
        console.print(f"Wrote receipt {number.strip().upper()} to {output}.")
