"""``therabill x12 ack``: read TA1, 999 and 277CA acknowledgements and mark claims accepted or
rejected with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.services import submission


@handles_errors
def ack_command(
    file: Annotated[Path, typer.Argument(help="A TA1, 999 or 277CA file from the clearinghouse.")],
    json_output: JsonOption = False,
) -> None:
    """Mark claims accepted (277CA A2) or rejected (TA1 R, 999 R, 277CA A3/A6/A7…) with the reason.

    A rejected claim is corrected and sent again (therabill claims status ID corrected).

    Example: therabill x12 ack 277CA-2026-03-08.x12 --json
    """
    with store_common.action() as work:
        result = submission.apply_acknowledgement_file(work=work, source=file)
    if json_output:
        emit_json(result.to_dict())
        return
    for entry in result.accepted:
        console.print(
            f"claim {entry['claim']}: [green]accepted[/green] ({escape(entry['reason'])})",
            markup=True,
        )
    for entry in result.rejected:
        console.print(
            f"claim {entry['claim']}: [red]rejected[/red] ({escape(entry['reason'])})",
            markup=True,
        )
    for entry in result.unchanged:
        console.print(f"claim {entry['claim'] or '-'}: unchanged ({entry['reason']})")
    for outcome in ("accepted", "rejected", "unchanged"):
        if result.more(outcome):
            console.print(f"… and {result.more(outcome):,} more {outcome} (--json lists counts)")
