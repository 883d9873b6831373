"""``therabill claims``: build claims from sessions, list, show, and move them along."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from therabill.claims.number import parse_claim_id
from therabill.claims.status import ClaimStatus, parse_status
from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.money import format_money
from therabill.scrub import ScrubContext
from therabill.store.services import build, claim_records, lookup

app = typer.Typer(
    help="Claims: build, list, show and move through their lifecycle.", no_args_is_help=True
)

Opt = typer.Option


@app.command("build")
@handles_errors
def build_command(
    start: Annotated[str | None, Opt("--from", help="First date of service, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, Opt("--to", help="Last date of service, YYYY-MM-DD.")] = None,
    provider: Annotated[str | None, Opt(help="Only this provider's sessions (NPI or id).")] = None,
    json_output: JsonOption = False,
) -> None:
    """Turn unbilled sessions into claims (one per client, payer, provider and date), each
    scrubbed: clean claims are ready, claims with errors stay draft with their findings.

    Example: therabill claims build --from 2026-03-01 --to 2026-03-31
    """
    tables = ScrubContext.load()  # before the transaction: the write lock is for the build
    with (
        store_common.action() as work,
        store_common.progress_bar("Building claims", enabled=not json_output) as advance,
    ):
        provider_id = lookup.provider(work, provider).id if provider else None
        result = build.build_claims(
            work=work,
            start=store_common.day(start, "from"),
            end=store_common.day(end, "to"),
            provider_id=provider_id,
            progress=advance,
            scrub_tables=tables,
        )
    if json_output:
        emit_json(result.to_dict())
        return
    console.print(
        f"Built {len(result.claims)} claim(s) from {result.sessions_billed} session(s): "
        f"{result.ready} ready, {result.draft} draft (see: therabill claims list --status draft)."
    )
    if result.skipped:
        console.print(
            f"Not billed: {len(result.skipped)} session(s), e.g. session "
            f"{result.skipped[0]['session_id']}: {result.skipped[0]['reason']}."
        )


@app.command("list")
@handles_errors
def list_command(
    status: Annotated[list[str] | None, Opt(help="Only this status (repeat).")] = None,
    attention: Annotated[
        bool, Opt("--attention", help="Drafts, ready, rejected, denied, partly paid, corrected.")
    ] = False,
    client: Annotated[str | None, Opt(help="Only this client's claims.")] = None,
    limit: Annotated[int, Opt()] = 100,
    json_output: JsonOption = False,
) -> None:
    """List claims, newest first.

    Example: therabill claims list --status denied
    """
    wanted = [parse_status(s) for s in status or []]
    with store_common.action() as work:
        data = claim_records.list_claims(
            work=work, statuses=wanted, needs_attention=attention, client=client, limit=limit
        )
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Claim", "Client", "Payer", "Date", "Status", "Charge", "Errors"):
        table.add_column(column)
    for c in data:
        table.add_row(
            str(c["id"]),
            str(c["client_id"]),
            c["payer"],
            c["date_of_service"],
            c["status"],
            format_money(c["total_charge_cents"]),
            str(c["errors"] or ""),
        )
    console.print(table)


@app.command("show")
@handles_errors
def show(
    claim: Annotated[str, typer.Argument(help="Claim id or claim number, e.g. 12 or TB00000012.")],
    json_output: JsonOption = False,
) -> None:
    """A claim's lines, scrub findings, status history and balance.

    Example: therabill claims show 12
    """
    claim_id = parse_claim_id(claim)
    with store_common.action() as work:
        data = claim_records.show_claim(work=work, claim_id=claim_id)
    if json_output:
        emit_json(data)
        return
    console.print(
        f"[bold]Claim {data['id']}[/bold]  client {data['client_id']}  {data['payer']}  {data['date_of_service']}  {data['status']}"
    )
    table = Table(box=None)
    for column in ("Line", "Code", "Mod", "Min", "Units", "Charge", "Owed: payer", "client"):
        table.add_column(column)
    for ln in data["lines"]:
        table.add_row(
            str(ln["line"]),
            ln["code"],
            ",".join(ln["modifiers"]),
            str(ln["minutes"]),
            str(ln["units"]),
            format_money(ln["charge_cents"]),
            format_money(ln["balance"]["insurance_cents"]),
            format_money(ln["balance"]["patient_cents"]),
        )
    console.print(table)
    for f in data["findings"]:
        where = f" line {f['line']}" if f.get("line") else ""
        console.print(f"{f['severity']}{where}: {f['message']} [{f['id']}]")
    for h in data["history"]:
        console.print(f"{h['at'][:19]} {h['by']}: {h['from'] or '-'} → {h['to']} ({h['why']})")
    b = data["balance"]
    console.print(
        f"Balance: payer {format_money(b['insurance_cents'])}, client {format_money(b['patient_cents'])}"
    )


@app.command("status")
@handles_errors
def status_command(
    claim: Annotated[str, typer.Argument(help="Claim id or claim number, e.g. 12 or TB00000012.")],
    new: Annotated[
        str, typer.Argument(help="The new status, e.g. submitted, paid, denied, appealed.")
    ],
    reason: Annotated[str, Opt(help="Why (kept in the claim's history).")],
    json_output: JsonOption = False,
) -> None:
    """Move a claim to its next status; only the lifecycle's allowed moves are accepted.

    Example: therabill claims status 12 submitted --reason "batch 2026-03-31"
    """
    claim_id = parse_claim_id(claim)
    target: ClaimStatus = parse_status(new)
    with store_common.action() as work:
        record = claim_records.change_status(
            work=work, claim_id=claim_id, new=target, reason=reason
        )
        data = {"id": record.id, "status": record.status}
    if json_output:
        emit_json(data)
        return
    console.print(f"Claim {data['id']} is now {data['status']}.")
