"""``therabill units``: minutes to billed units, with the reasoning."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.codes import load_code_set
from therabill.errors import InvalidInput
from therabill.units import MAX_MINUTES, UnitRule, count_units

_ARG = re.compile(r"^\s*([A-Za-z0-9]{5})\s*=\s*(\S+)\s*$")


def parse_service(text: str) -> tuple[str, int]:
    """``CODE=MINUTES`` → (code, minutes); a clear error for anything else."""
    match = _ARG.match(text)
    if not match:
        raise InvalidInput(
            f"{text!r} is not CODE=MINUTES", field="argument", hint="Example: 97140=38"
        )
    code, raw = match.groups()
    if not raw.isdigit() or int(raw) > MAX_MINUTES:
        raise InvalidInput(
            f"minutes {raw!r} must be a whole number from 0 to {MAX_MINUTES}",
            field=text.strip(),
            hint="Example: 97140=38",
        )
    return code.upper(), int(raw)


def parse_date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date YYYY-MM-DD", field="--date") from None


@handles_errors
def units_command(
    services: Annotated[
        list[str], typer.Argument(help="CODE=MINUTES for each code; a repeated code adds up.")
    ],
    rule: Annotated[
        UnitRule,
        typer.Option("--rule", help="cms (8-minute rule, total time) or midpoint (per code)."),
    ] = UnitRule.CMS,
    date: Annotated[
        str | None, typer.Option("--date", help="Date of service, YYYY-MM-DD (default today).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """How many units the minutes of one date of service may bill.

    Example: therabill units --rule midpoint --json 97140=38 97124=7
    """
    day = parse_date(date)
    parsed = [parse_service(s) for s in services]
    result = count_units(parsed, rule=rule, day=day, code_set=load_code_set())
    if json_output:
        emit_json(result.to_dict())
        return
    code_set = load_code_set()
    table = Table(title=f"Units by the {rule} rule, {day}")
    table.add_column("Code")
    table.add_column("Minutes", justify="right")
    table.add_column("Units", justify="right")
    table.add_column("Description")
    for line in result.lines:
        table.add_row(
            line.code, str(line.minutes), str(line.units), code_set[line.code].description
        )
    console.print(table)
    console.print(f"Timed: {result.total_timed_minutes} minutes, {result.total_timed_units} units")
    console.print("Why:")
    for step in result.explanation:
        console.print(f"  - {step}")
    for finding in result.findings:
        console.print(f"{finding.severity}: {finding.message} [{finding.source}]")
