"""``therabill denials``: the denial work queue and the actions that close a denial."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.errors import InvalidInput
from therabill.money import format_dollars, format_money
from therabill.store.services import denials
from therabill.store.services.context import current_actor

app = typer.Typer(
    help="Denials: what payers did not pay and why, worked until each is closed.",
    no_args_is_help=True,
)
Opt = typer.Option
DenialArg = Annotated[int, typer.Argument(help="The denial's id (see: therabill denials list).")]


@app.command("list")
@handles_errors
def list_command(
    payer: Annotated[str | None, Opt(help="Only this payer (name, id or profile).")] = None,
    reason: Annotated[str | None, Opt(help="Only this reason code, e.g. 16 or CO-16.")] = None,
    age: Annotated[int | None, Opt(help="Only denials at least this many days old.")] = None,
    include_closed: Annotated[bool, Opt("--all", help="Closed denials too.")] = False,
    json_output: JsonOption = False,
) -> None:
    """The denial work queue, oldest first: payer, client, code, amount, reason and remark
    codes with their meaning, age, the payer's deadline and the next step.

    A denial leaves this list only when it is closed: corrected and sent again, written off,
    moved to the client or another payer, or paid when the payer decides again.

    Example: therabill denials list --payer Medicare --age 30 --json
    """
    with store_common.action() as work:
        rows = denials.list_denials(
            work=work, payer=payer, reason=reason, min_age_days=age, include_closed=include_closed
        )
    if json_output:
        emit_json({"denials": rows, "count": len(rows)})
        return
    if not rows:
        console.print("No open denials.")
        return
    table = Table(box=None)
    for column in ("Id", "Claim", "Line", "Payer", "Client", "Code", "Amount", "Reason", "Age",
                   "Deadline", "Status", "Next step"):  # fmt: skip
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["claim_number"],
            str(r["line"] or "claim"),
            r["payer"] or "",
            r["client"],
            r["code"],
            format_money(r["amount_cents"]),
            f"{r['group']}-{r['carc']}" + (f" {','.join(r['rarc'])}" if r["rarc"] else ""),
            f"{r['age_days']} d",
            r["deadline"] or "",
            r["status"],
            r["next_action"],
        )
    console.print(table)
    console.print(f"{len(rows)} denials, {format_dollars(sum(r['amount_cents'] for r in rows))}")


@app.command("letter")
@handles_errors
def letter_command(denial_id: DenialArg, json_output: JsonOption = False) -> None:
    """Print the appeal letter for a denial (the claim's facts, the reason and remark codes,
    what to enclose, the deadline) without recording anything.

    Example: therabill denials letter 12 > appeal-12.txt
    """
    with store_common.action() as work:
        text = denials.appeal_letter_text(work=work, denial_id=denial_id)
    if json_output:
        emit_json({"denial": denial_id, "letter": text})
        return
    typer.echo(text, nl=False)


@app.command("appeal")
@handles_errors
def appeal_command(
    denial_id: DenialArg,
    letter: Annotated[
        Path | None, Opt(help="The letter sent, as a text file (default: therabill's letter).")
    ] = None,
    sent_on: Annotated[
        str | None, Opt(help="When it was sent, YYYY-MM-DD (default today).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Record that a denial was appealed: the letter and the date. It stays in the queue,
    marked appealed, until the payer pays or a biller closes it.

    Example: therabill denials appeal 12 --sent-on 2026-11-30
    """
    text = None
    if letter is not None:
        try:
            text = letter.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read the letter: {exc}", field="--letter") from None
    day = store_common.day(sent_on, "--sent-on")
    with store_common.action() as work:
        denial = denials.appeal_denial(work=work, denial_id=denial_id, letter=text, sent_on=day)
        data = _row(denial)
    _done(data, json_output, f"Denial {denial_id} appealed on {data['appealed_on']}.")


@app.command("write-off")
@handles_errors
def write_off_command(
    denial_id: DenialArg,
    reason: Annotated[str, Opt(help="Why it is written off (kept with the entry).")],
    approved_by: Annotated[
        str | None, Opt(help="The biller or admin login approving it (default: you).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Write a denied amount off the payer's balance and close the denial. A biller or an
    admin approves every write-off; the entry and the approval are audited.

    Example: therabill denials write-off 12 --reason "timely filing passed" --approved-by bea
    """
    with store_common.action() as work:
        denial = denials.write_off_denial(
            work=work,
            denial_id=denial_id,
            reason=reason,
            approved_by=approved_by or current_actor(),
        )
        data = _row(denial)
    _done(data, json_output, f"Denial {denial_id} written off, approved by {data['approved_by']}.")


@app.command("transfer")
@handles_errors
def transfer_command(
    denial_id: DenialArg,
    reason: Annotated[str, Opt(help="Why the client owes it.")],
    client_agreed: Annotated[
        bool,
        Opt(
            "--client-agreed",
            help="The client agreed in writing to pay (needed for a CO or PI amount).",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Move a denied amount to the client's balance and close the denial.

    Example: therabill denials transfer 12 --reason "not a covered benefit; waiver signed" --client-agreed
    """
    with store_common.action() as work:
        denial = denials.transfer_to_client(
            work=work, denial_id=denial_id, reason=reason, client_agreed=client_agreed
        )
        data = _row(denial)
    _done(data, json_output, f"Denial {denial_id} moved to the client.")


@app.command("transfer-payer")
@handles_errors
def transfer_payer_command(
    denial_id: DenialArg,
    policy: Annotated[
        int, Opt(help="The client's policy that pays it (see: therabill client show CLIENT).")
    ],
    reason: Annotated[str, Opt(help="Why that payer pays it.")],
    json_output: JsonOption = False,
) -> None:
    """Move a denied amount to another of the client's payers and close the denial: that
    payer gets a claim of its own with this payer's decision on it (837P 2320/2430).

    Example: therabill denials transfer-payer 12 --policy 7 --reason "CO-22: Acme is primary"
    """
    with store_common.action() as work:
        denial = denials.transfer_to_payer(
            work=work, denial_id=denial_id, policy_id=policy, reason=reason
        )
        data = _row(denial)
    _done(
        data,
        json_output,
        f"Denial {denial_id} moved to another payer: claim {data['replacement_claim_id']}.",
    )


@app.command("resubmitted")
@handles_errors
def resubmitted_command(
    denial_id: DenialArg,
    note: Annotated[str, Opt(help="What was corrected and how it was sent.")],
    json_output: JsonOption = False,
) -> None:
    """Close a denial as corrected and sent again outside therabill (a payer portal, a
    Medicare reopening by phone). Corrections made with therabill's claim commands close
    their denials themselves.

    Example: therabill denials resubmitted 12 --note "reopening by phone, ref 4471"
    """
    with store_common.action() as work:
        denial = denials.close_denial(work=work, denial_id=denial_id, how="corrected", note=note)
        data = _row(denial)
    _done(data, json_output, f"Denial {denial_id} closed as corrected.")


def _row(denial: Any) -> dict[str, Any]:
    data = denials.denial_dict(denial)
    data["appealed_on"] = denial.appealed_on.isoformat() if denial.appealed_on else None
    data["approved_by"] = denial.approved_by
    data["closed_by"] = denial.closed_by
    data["replacement_claim_id"] = denial.replacement_claim_id
    return data


def _done(data: dict[str, Any], json_output: bool, message: str) -> None:
    if json_output:
        emit_json(data)
    else:
        console.print(message)
