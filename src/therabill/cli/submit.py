"""``therabill claims submit``: ready claims → 837P files in the outbox, claims submitted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.config import practice_folder
from therabill.errors import InvalidInput
from therabill.store.services import submission
from therabill.x12.clearinghouse import load_clearinghouse


@handles_errors
def submit_command(
    payer: Annotated[
        str | None, typer.Option(help="Only this payer's claims (name, profile or id).")
    ] = None,
    claim: Annotated[
        list[int] | None,
        typer.Option(
            "--claim",
            help="Only these claims (repeat the option); each must be ready or corrected.",
        ),
    ] = None,
    outbox: Annotated[
        Path | None, typer.Option(help="Where the 837P files go (default: DATA_DIR/outbox).")
    ] = None,
    clearinghouse: Annotated[
        str, typer.Option(help="Clearinghouse profile (sender/receiver ids, test flag).")
    ] = "default",
    json_output: JsonOption = False,
) -> None:
    """Write every ready claim (or one payer's, or the --claim ones) as one 837P file per
    payer into the outbox and mark the claims submitted, in one transaction: if marking
    fails, no file is left.

    Control numbers come from the practice database and are never reused.

    Example: therabill claims submit --payer "Medicare Part B" --json
    Example: therabill claims submit --claim 12 --claim 14
    """
    if claim and payer:
        raise InvalidInput("give --claim or --payer, not both", field="claim")
    profile = load_clearinghouse(clearinghouse)
    with store_common.action() as work:
        target = outbox or practice_folder(work.practice_id) / "outbox"
        outcome = submission.submit_claims(
            work=work, outbox=target, payer=payer, claim_ids=claim or None, profile=profile
        )
    if json_output:
        emit_json(outcome.to_dict())
        return
    console.print(f"Submitted {len(outcome.claims)} claim(s) in {len(outcome.paths)} file(s):")
    for path in outcome.paths:
        typer.echo(str(path))
