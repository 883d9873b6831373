"""PDF commands: ``therabill claims print`` (CMS-1500) with its alignment page and printer
offset, and ``therabill superbill``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from therabill.claims.number import parse_claim_id
from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.store_common import ClientArg
from therabill.errors import InvalidInput
from therabill.money import format_dollars
from therabill.store.services import paper, superbills

Opt = typer.Option
OutputOption = Annotated[
    str, Opt("-o", "--output", help="The PDF file to write ('-' for standard output).")
]


def write_pdf(pdf: bytes, output: str) -> None:
    """Write the PDF to ``output`` (``-``: stdout); a missing folder is bad input."""
    if output == "-":
        sys.stdout.buffer.write(pdf)
        sys.stdout.flush()
        return
    path = Path(output)
    if not path.parent.is_dir():
        raise InvalidInput(f"no folder {str(path.parent)!r} to write into", field="output")
    try:
        path.write_bytes(pdf)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output!r}: {exc.strerror}", field="output") from None


@handles_errors
def print_command(
    claims: Annotated[
        list[str], typer.Argument(help="Claim ids or claim numbers, e.g. 12 TB00000013.")
    ],
    output: OutputOption,
    data_only: Annotated[
        bool,
        Opt(
            "--data-only",
            help="Only the data, for the pre-printed red form (printer offset applied).",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Print claims on the CMS-1500 (02/12) paper form as one PDF: six service lines a page.

    The whole form is drawn for plain paper; --data-only prints the data alone for the red
    form, moved by the printer offset (therabill claims print-offset).

    Example: therabill claims print 12 13 -o claims.pdf --data-only
    """
    ids = [parse_claim_id(c) for c in claims]
    with store_common.action() as work:
        printed = paper.print_claims(work=work, claim_ids=ids, data_only=data_only)
    write_pdf(printed.pdf, output)
    if json_output:
        emit_json({**printed.to_dict(), "output": output})
    elif output != "-":
        console.print(
            f"Wrote {printed.pages} CMS-1500 page(s) for {len(printed.claim_ids)} claim(s) to {output}."
        )


@handles_errors
def alignment_command(output: OutputOption, json_output: JsonOption = False) -> None:
    """Print the CMS-1500 alignment page: an X in every box, data only, at the printer offset.

    Print it on a red form; if the Xs sit off their boxes, set the offset and print again.

    Example: therabill claims print-alignment -o align.pdf
    """
    with store_common.action() as work:
        printed = paper.alignment_page(work=work)
    write_pdf(printed.pdf, output)
    if json_output:
        emit_json({**printed.to_dict(), "output": output})
    elif output != "-":
        console.print(f"Wrote the alignment page to {output}.")


@handles_errors
def offset_command(
    right: Annotated[
        str, Opt(help="Inches to move the data right (negative: left), e.g. 0.05.")
    ] = "0",
    down: Annotated[
        str, Opt(help="Inches to move the data down (negative: up), e.g. -0.03.")
    ] = "0",
    json_output: JsonOption = False,
) -> None:
    """Set the printer offset for data-only CMS-1500s on the red form (to 1/100 inch).

    Example: therabill claims print-offset --right 0.05 --down -0.03
    """
    with store_common.action() as work:
        data = paper.offset_dict(paper.set_printer_offset(work=work, right=right, down=down))
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Red-form data moves {data['right_inches']} inch right and {data['down_inches']} inch down."
    )


@handles_errors
def superbill_command(
    client: ClientArg,
    start: Annotated[str, Opt("--from", help="First date of service, YYYY-MM-DD.")],
    end: Annotated[str, Opt("--to", help="Last date of service, YYYY-MM-DD.")],
    output: OutputOption,
    json_output: JsonOption = False,
) -> None:
    """A superbill: the client's services over a period, for their own out-of-network claim.

    Practice and providers (NPI, tax id, licence), diagnoses, codes with their descriptions,
    units, charges and what the client paid.

    Example: therabill superbill C-1 --from 2026-11-01 --to 2026-11-30 -o superbill.pdf
    """
    first = store_common.day(start, "from")
    last = store_common.day(end, "to")
    with store_common.action() as work:
        made = superbills.make_superbill(work=work, client=client, start=first, end=last)
    write_pdf(made.pdf, output)
    if json_output:
        emit_json({**made.to_dict(), "output": output})
    elif output != "-":
        console.print(
            f"Wrote a superbill of {len(made.bill.lines)} service(s), "
            f"{format_dollars(made.bill.charge_cents)} charged, to {output}."
        )
