"""``therabill payer import-fee-schedule``: a payer's allowed amounts from CMS's files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.services import fee_schedules


@handles_errors
def import_fee_schedule_command(
    file: Annotated[
        Path,
        typer.Argument(help="CMS's PFALL payment amount file, or a PPRRVU relative value file."),
    ],
    carrier: Annotated[
        str | None, typer.Option(help="Medicare carrier number (5 digits) of the locality.")
    ] = None,
    locality: Annotated[
        str | None, typer.Option(help="Medicare payment locality (2 digits).")
    ] = None,
    national: Annotated[
        int | None,
        typer.Option(help="Read a relative value file: the national amounts of this year."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="Name of the fee schedule (default: medicare-YEAR-locality)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Import Medicare's allowed amounts for your locality (or a new year's national ones).

    Writes NAME.csv into the practice's payers directory; the Medicare profile uses
    medicare-YEAR-locality before the national amounts shipped, for the KX threshold count.

    Example: therabill payer import-fee-schedule PFALL26A.TXT --carrier 01112 --locality 05
    """
    result = fee_schedules.import_fee_schedule(
        file, carrier=carrier, locality=locality, national_year=national, name=name
    )
    if json_output:
        emit_json(result.to_dict())
        return
    console.print(
        f"Wrote fee schedule {result.name} ({result.year}, {result.codes} codes) to {result.path}."
    )
