"""``therabill claims status-request`` and ``status-read``: ask payers where claims stand
(276) and record their answers (277)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from therabill.claims.number import parse_claim_id
from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.errors import InvalidInput
from therabill.store.services import claim_status


@handles_errors
def status_request_command(
    claims: Annotated[list[str], typer.Argument(help="Claim ids or numbers (TB00000012).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the 276.")],
    json_output: JsonOption = False,
) -> None:
    """Write a claim status request (X12 276) asking the payers about claims already sent.

    Send the file to the clearinghouse; read the payer's answer with therabill claims
    status-read.

    Example: therabill claims status-request 12 13 -o status.276
    """
    ids = [parse_claim_id(text, field="claims") for text in claims]
    if output.exists():
        raise InvalidInput(f"{output} already exists", field="output")
    with store_common.action() as work:
        request = claim_status.status_request(work=work, claim_ids=ids)
        output.write_text(request.text, encoding="ascii")
    data = {"file": str(output), "interchange": request.interchange, "claims": request.claim_ids}
    if json_output:
        emit_json(data)
        return
    console.print(f"Wrote {output}: a 276 asking about {len(request.claim_ids)} claim(s).")


@handles_errors
def status_read_command(
    file: Annotated[Path, typer.Argument(help="A 277 claim status response.")],
    json_output: JsonOption = False,
) -> None:
    """Read a claim status response (X12 277) and record each claim's status in plain words.

    A rejected claim is marked rejected; a claim the payer has is marked accepted. The money
    still comes with the 835.

    Example: therabill claims status-read status.277 --json
    """
    with store_common.action() as work:
        result = claim_status.read_status_response(work=work, source=file, file_name=file.name)
    if json_output:
        emit_json(result.to_dict())
        return
    for entry in result.claims:
        moved = (
            f" ({entry['status_before']} → {entry['status_after']})"
            if entry["status_before"] != entry["status_after"]
            else ""
        )
        note = f" ({entry['note']})" if entry["note"] else ""
        console.print(f"claim {entry['claim']}{moved}: {entry['description']}{note}", markup=False)
    for entry in result.unmatched:
        console.print(
            f"not our claim {entry['claim_number']}: {entry['description']}", markup=False
        )
    for level in result.levels:
        console.print(level, markup=False)
    if result.recorded > len(result.claims) or result.not_ours > len(result.unmatched):
        console.print(
            f"… {result.recorded:,} claim answers recorded and {result.not_ours:,} not ours in "
            "all (--json gives the counts)"
        )
