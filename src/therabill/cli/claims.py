"""``therabill claims``: build claims from sessions, list, show, move them along, and edit,
correct, void and close them."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from therabill.claims.corrections import ClaimEdit, parse_edit
from therabill.claims.number import parse_claim_id
from therabill.claims.status import ClaimStatus, parse_status
from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.money import format_dollars, format_money
from therabill.scrub import ScrubContext
from therabill.store.services import build, claim_edits, claim_records, corrections, lookup, names

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
        who = names.client_names(work, (c["client_id"] for c in data))
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Claim", "Client", "Payer", "Date", "Status", "Charge", "Errors"):
        table.add_column(column)
    for c in data:
        table.add_row(
            str(c["id"]),
            who.get(c["client_id"], str(c["client_id"])),
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
        f"[bold]Claim {data['id']}[/bold]  client {data['client_id']}  {escape(data['payer'])}  "
        f"{data['date_of_service']}  {data['status']}  ({data['frequency']})",
        markup=True,
    )
    if data["replaces"] or data["replaced_by"] or data["voided_by"]:
        console.print(
            ", ".join(
                part
                for part in (
                    f"replaces claim {data['replaces']}" if data["replaces"] else "",
                    f"replaced by claim {data['replaced_by']}" if data["replaced_by"] else "",
                    f"voided by claim {data['voided_by']}" if data["voided_by"] else "",
                )
                if part
            )
        )
    if data["payer_claim_number"]:
        console.print(f"Payer claim number: {data['payer_claim_number']}")
    if data["rejected_because"]:
        console.print(
            f"Rejected: {data['rejected_because']}\nFix what it names, then: therabill claims "
            f'correct {data["id"]} --reason "…" (with no changes it is rebuilt from today\'s '
            "records)"
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
        if h["kind"] == "status":
            console.print(f"{h['at'][:19]} {h['by']}: {h['from'] or '-'} → {h['to']} ({h['why']})")
        else:
            console.print(f"{h['at'][:19]} {h['by']}: {h['kind']}: {h['why']}")
    for r in data["reopenings"]:
        sent = f"sent {r['sent_on']}" if r["sent_on"] else "not sent yet"
        console.print(f"Reopening request {r['id']} ({sent}):\n{r['text']}")
    b = data["balance"]
    console.print(
        f"Balance: payer {format_dollars(b['insurance_cents'])}, client {format_dollars(b['patient_cents'])}"
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


LineOpt = Annotated[int | None, Opt("--line", help="The line to change (1, 2 …).")]
CodeOpt = Annotated[str | None, Opt("--code", help="New procedure code for the line.")]
ModifiersOpt = Annotated[
    str | None, Opt("--modifiers", help='Modifiers for the line, e.g. "GP,59" ("" for none).')
]
UnitsOpt = Annotated[int | None, Opt("--units", help="Units for the line.")]
ChargeOpt = Annotated[
    str | None,
    Opt("--charge", help="Charge for the line, e.g. 135.00 (default: the fee times the units)."),
]
PointersOpt = Annotated[
    str | None, Opt("--pointers", help='Diagnosis pointers for the line, e.g. "1,2".')
]
DxOpt = Annotated[
    list[str] | None, Opt("--dx", help="The claim's diagnoses, in order (repeat; replaces all).")
]
ReferringNpiOpt = Annotated[
    str | None,
    Opt("--referring-npi", help="Referring/certifying provider's NPI (837P 2310A, box 17)."),
]
ReferringNameOpt = Annotated[
    str | None, Opt("--referring-name", help='Referring provider\'s "First Last".')
]
ReasonOpt = Annotated[str, Opt("--reason", help="Why (kept in the claim's history).")]
PayerNumberOpt = Annotated[
    str | None,
    Opt(
        "--payer-claim-number",
        help="The payer's claim number, when no 835 or 277CA gave it (REF*F8).",
    ),
]


def claim_edit(
    line: int | None,
    code: str | None,
    modifiers: str | None,
    units: int | None,
    charge: str | None,
    pointers: str | None,
    dx: list[str] | None,
    referring_npi: str | None = None,
    referring_name: str | None = None,
) -> ClaimEdit:
    """The edit the options describe (line options need --line)."""
    return parse_edit(
        line=str(line) if line is not None else None,
        code=code,
        modifiers=modifiers,
        units=str(units) if units is not None else None,
        charge=charge,
        pointers=pointers,
        diagnoses=dx,
        referring_npi=referring_npi,
        referring_name=referring_name,
    )


def _print_result(data: dict[str, Any]) -> None:
    for change in data.get("changes", []):
        console.print(f"  {change['where']} {change['what']}: {change['before'] or '-'} → "
                      f"{change['after'] or '-'}")  # fmt: skip
    for f in data.get("findings", []):
        if f["severity"] == "error":
            where = f" line {f['line']}" if f.get("line") else ""
            console.print(f"  error{where}: {f['message']} [{f['id']}]")
    if data.get("reopening_text"):
        console.print(data["reopening_text"])
    if data.get("next_step"):
        console.print(f"Next: {data['next_step']}.")


@app.command("edit")
@handles_errors
def edit_command(
    claim: Annotated[str, typer.Argument(help="Claim id or claim number, e.g. 12 or TB00000012.")],
    line: LineOpt = None,
    code: CodeOpt = None,
    modifiers: ModifiersOpt = None,
    units: UnitsOpt = None,
    charge: ChargeOpt = None,
    pointers: PointersOpt = None,
    dx: DxOpt = None,
    referring_npi: ReferringNpiOpt = None,
    referring_name: ReferringNameOpt = None,
    reason: Annotated[str, Opt("--reason", help="Why (kept in the claim's history).")] = "",
    json_output: JsonOption = False,
) -> None:
    """Change a claim no payer has decided yet (draft, ready, rejected, corrected) and scrub
    it again at once: a draft whose errors are fixed becomes ready.

    Example: therabill claims edit 12 --line 2 --units 2 --modifiers GP,59 --reason "two units documented"
    Example: therabill claims edit 12 --referring-npi 1679576722 --referring-name "Rosa Diaz"
    """
    claim_id = parse_claim_id(claim)
    edit = claim_edit(
        line, code, modifiers, units, charge, pointers, dx, referring_npi, referring_name
    )
    with store_common.action() as work:
        data = claim_edits.edit_claim(
            work=work, claim_id=claim_id, edit=edit, reason=reason
        ).to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(f"Claim {data['claim_id']} is now {data['status']}.")
    _print_result(data)


@app.command("correct")
@handles_errors
def correct_command(
    claim: Annotated[str, typer.Argument(help="Claim id or claim number, e.g. 12 or TB00000012.")],
    reason: ReasonOpt,
    line: LineOpt = None,
    code: CodeOpt = None,
    modifiers: ModifiersOpt = None,
    units: UnitsOpt = None,
    charge: ChargeOpt = None,
    pointers: PointersOpt = None,
    dx: DxOpt = None,
    referring_npi: ReferringNpiOpt = None,
    referring_name: ReferringNameOpt = None,
    payer_claim_number: PayerNumberOpt = None,
    json_output: JsonOption = False,
) -> None:
    """Correct a claim the way its payer takes it: a claim not yet decided is fixed in place; a
    decided one gets a replacement claim (frequency 7 with the payer's claim number), or, for
    Medicare Part B, a reopening request to send (the claim waits in 'reopening').

    Example: therabill claims correct 12 --line 1 --units 3 --reason "3 units documented, 2 billed"
    """
    claim_id = parse_claim_id(claim)
    edit = claim_edit(
        line, code, modifiers, units, charge, pointers, dx, referring_npi, referring_name
    )
    with store_common.action() as work:
        data = corrections.correct_claim(
            work=work,
            claim_id=claim_id,
            edit=edit,
            reason=reason,
            payer_claim_number=payer_claim_number,
        ).to_dict()
    if json_output:
        emit_json(data)
        return
    if data["new_claim_id"]:
        console.print(
            f"Claim {data['claim_id']} is {data['status']}: claim {data['new_claim_id']} "
            f"({data['way'].replace('_', ' ')}) is {data['new_claim_status']}."
        )
    else:
        console.print(f"Claim {data['claim_id']} is now {data['status']}.")
    _print_result(data)


@app.command("void")
@handles_errors
def void_command(
    claim: Annotated[str, typer.Argument(help="Claim id or claim number, e.g. 12 or TB00000012.")],
    reason: ReasonOpt,
    payer_claim_number: PayerNumberOpt = None,
    json_output: JsonOption = False,
) -> None:
    """Cancel a claim the payer has: a void claim (frequency 8) to send, its charges reversed,
    its sessions free to bill again (Medicare Part B: a reopening request instead).

    Example: therabill claims void 12 --reason "billed under the wrong client"
    """
    claim_id = parse_claim_id(claim)
    with store_common.action() as work:
        data = corrections.void_claim(
            work=work, claim_id=claim_id, reason=reason, payer_claim_number=payer_claim_number
        ).to_dict()
    if json_output:
        emit_json(data)
        return
    if data["new_claim_id"]:
        console.print(
            f"Claim {data['claim_id']} is {data['status']}; void claim {data['new_claim_id']} "
            f"is {data['new_claim_status']}."
        )
    else:
        console.print(f"Claim {data['claim_id']} is now {data['status']}.")
    _print_result(data)


@app.command("close")
@handles_errors
def close_command(
    claim: Annotated[str, typer.Argument(help="Claim id or claim number, e.g. 12 or TB00000012.")],
    reason: ReasonOpt,
    client_owes: Annotated[
        bool, Opt("--client-owes", help="Move what the payer did not pay to the client.")
    ] = False,
    rebill: Annotated[
        bool, Opt("--rebill", help="Free the sessions to bill again (e.g. the wrong payer).")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Close a claim: the payer's open balance is written off with the reason (or moved to the
    client); a claim never sent has its charges reversed and its sessions billable again.

    Example: therabill claims close 12 --reason "small balance, not worth an appeal"
    """
    claim_id = parse_claim_id(claim)
    with store_common.action() as work:
        data = corrections.close_claim(
            work=work, claim_id=claim_id, reason=reason, client_owes=client_owes, rebill=rebill
        ).to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(f"Claim {data['claim_id']} is now {data['status']}.")
    for s in data["settled"]:
        console.print(f"  {s['kind'].replace('_', ' ')}: {format_dollars(s['amount_cents'])}")
    if data["sessions_released"]:
        console.print(f"  sessions free to bill again: {data['sessions_released']}")
    _print_result(data)


@app.command("reopening")
@handles_errors
def reopening_command(
    claim: Annotated[str, typer.Argument(help="Claim id or claim number, e.g. 12 or TB00000012.")],
    sent: Annotated[str, Opt("--sent", help="The day the request was sent, YYYY-MM-DD.")],
    json_output: JsonOption = False,
) -> None:
    """Record the day a claim's reopening request was sent to the payer.

    Example: therabill claims reopening 12 --sent 2026-12-01
    """
    claim_id = parse_claim_id(claim)
    day = store_common.day(sent, "sent")
    assert day is not None
    with store_common.action() as work:
        found = corrections.record_reopening_sent(work=work, claim_id=claim_id, sent_on=day)
        data = {"claim_id": found.claim_id, "reopening_id": found.id, "sent_on": day.isoformat()}
    if json_output:
        emit_json(data)
        return
    console.print(f"Reopening request {data['reopening_id']} sent on {data['sent_on']}.")
