"""``therabill claims secondary``: bill the client's next payer what the payer before left."""

from __future__ import annotations

from typing import Annotated

import typer

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.money import format_dollars
from therabill.store.services import cob


@handles_errors
def secondary_command(
    claim_id: Annotated[int, typer.Argument(help="The claim the payer before decided.")],
    json_output: JsonOption = False,
) -> None:
    """Build the claim to the client's next payer (secondary, then tertiary) for what the
    claim's payer left to the client on its 835 (deductible, coinsurance, copay): the amount
    moves to that payer, and its claim carries what the payer before paid and adjusted (837P
    loops 2320, 2330 and 2430). Posting the payer's 835 does this by itself when the next
    policy is on file; use this when it was added later.

    Refused when the claim has no posted 835, the client has no next policy on the date of
    service, or the payer forwarded the claim itself (crossover: wait for that payer's 835).

    Example: therabill claims secondary 42 --json
    """
    with store_common.action() as work:
        made = cob.bill_next_payer(work=work, claim_id=claim_id)
    data = made.to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Claim {made.claim_id} to {made.payer} ({made.priority}) for "
        f"{format_dollars(made.moved_cents)}: {made.status}."
    )
    errors = [f for f in made.findings if f.severity.value == "error"]
    if errors:
        console.print(f"Fix {len(errors)} error(s) first: therabill claims show {made.claim_id}")
