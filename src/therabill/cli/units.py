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
from therabill.findings import Severity
from therabill.units import MAX_MINUTES, UnitRule, count_units

EXIT_ERROR_FINDINGS = 1  # as ``therabill scrub``: an error finding blocks billing
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

    Says what the scrubber would say about the time (a day over 24 hours, a code under its
    minimum, an add-on without its primary, minutes outside a time-range code's range).
    Exit status: 0 nothing blocks billing, 1 an error finding, 2 input unreadable.

    Example: therabill units --rule midpoint --json 97140=38 97124=7
    """
    day = parse_date(date)
    parsed = [parse_service(s) for s in services]
    code_set = load_code_set()
    result = count_units(parsed, rule=rule, day=day, code_set=code_set)
    blocked = any(f.severity is Severity.ERROR for f in result.findings)
    if json_output:
        emit_json(result.to_dict())
        if blocked:
            raise typer.Exit(EXIT_ERROR_FINDINGS)
        return
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
        console.print(f"  - {step}", markup=False, highlight=False)
    for finding in result.findings:
        fix = f" Fix: {finding.fix}" if finding.fix else ""
        console.print(
            f"{finding.severity}: {finding.message}{fix} [{finding.source}]",
            markup=False,
            highlight=False,
        )
    if blocked:
        raise typer.Exit(EXIT_ERROR_FINDINGS)
