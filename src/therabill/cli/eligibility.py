"""``therabill eligibility``: ask a payer about a client's coverage (270) and read the answer
(271): coverage, plan, copay, deductible, visits left, prior authorization."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.config import practice_folder
from therabill.store.services import eligibility
from therabill.x12.clearinghouse import load_clearinghouse
from therabill.x12.eligibility import read_271, summarize
from therabill.x12.eligibility.codes import describe_service_type
from therabill.x12.eligibility.summary import EligibilitySummary, headline

app = typer.Typer(
    help="Eligibility and benefits (X12 270/271): is the client covered, and for what.",
    no_args_is_help=True,
)


@app.command("check")
@handles_errors
def check(
    client: store_common.ClientArg,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="The 270 file to write (default: the outbox)."),
    ] = None,
    payer: Annotated[
        str | None, typer.Option(help="Ask this payer (name, profile or id) about its policy.")
    ] = None,
    service_type: Annotated[
        list[str] | None,
        typer.Option(
            "--service-type",
            help="Service type to ask about, repeatable: 30 plan, PT or AE physical therapy, AD "
            "occupational, AF speech, 33 chiropractic, MH mental health (default: 30 and the "
            "client's therapy).",
        ),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Date of service asked about (default today).")
    ] = None,
    clearinghouse: Annotated[
        str, typer.Option(help="Clearinghouse profile (sender/receiver ids, test flag).")
    ] = "default",
    json_output: JsonOption = False,
) -> None:
    """Write a 270 eligibility inquiry for the client's policy (the primary one covering the
    date, or --payer's).

    The payer's 271 answer comes back through the clearinghouse (therabill clearinghouse
    fetch) or a file (therabill eligibility read).

    Example: therabill eligibility check 12 --service-type 30 --service-type PT -o jordan.270
    """
    profile = load_clearinghouse(clearinghouse)
    day = store_common.day(on, "--date")
    with store_common.action() as work:
        outcome = eligibility.request_eligibility(
            work=work,
            client=client,
            outbox=practice_folder(work.practice_id) / "outbox",
            payer=payer,
            service_types=service_type,
            date_of_service=day,
            profile=profile,
            target=output,
        )
    if json_output:
        emit_json(outcome.to_dict())
        return
    console.print(
        f"Eligibility inquiry to {outcome.payer} for {', '.join(outcome.service_types)} "
        f"(trace {outcome.trace}):"
    )
    typer.echo(str(outcome.path))


def _money(value: Any) -> str:
    return "" if value is None else f"${value:,.2f}"


def _kinds(codes: list[str]) -> str:
    """Service types in words with their codes: "physical therapy (PT), physical medicine
    (AE)"; the codes stay for a biller matching the payer's portal."""
    return ", ".join(f"{describe_service_type(c)} ({c})" for c in codes)


def _network(network: str | None) -> str:
    """EB12 in words: Y in network, N out, W either (``summary`` keeps in/out/any)."""
    words = {"in": "in network", "out": "out of network", "any": "in or out of network"}
    return words.get(network or "", "network not said")


def _print(summary: EligibilitySummary) -> None:
    who = summary.member_name or "(no member)"
    console.print(
        f"[bold]{escape(who)}[/bold] {escape(summary.member_id or '')} — {escape(summary.payer or '')}",
        markup=True,
    )
    dates = ""
    if summary.coverage_from or summary.coverage_to:
        dates = f" {summary.coverage_from or '…'} to {summary.coverage_to or '…'}"
    console.print(
        f"  {summary.status_text}{dates}" + (f", plan {summary.plan}" if summary.plan else "")
    )
    for share in summary.copays:
        console.print(
            f"  copay {_money(share.amount)} {_kinds(share.service_types)} ({_network(share.network)})"
        )
    for share in summary.coinsurance:
        console.print(
            f"  coinsurance {share.percent:f}% {_kinds(share.service_types)} ({_network(share.network)})"
        )
    for acc in (*summary.deductibles, *summary.out_of_pocket):
        name = "deductible" if acc.kind == "deductible" else "out-of-pocket"
        console.print(
            f"  {name} {acc.level} {_network(acc.network)}: {_money(acc.remaining) or '?'} left of "
            f"{_money(acc.total) or '?'}"
        )
    for limit in summary.visit_limits:
        left = limit.left
        console.print(
            f"  {limit.to_dict()['name']} visits ({_network(limit.network)}): "
            f"{left if left is not None else '?'} left of {limit.total if limit.total is not None else '?'}"
        )
    for name in summary.prior_authorization:
        console.print(f"  prior authorization required: {name}")
    for amount in summary.medicare_therapy:
        console.print(
            f"  Medicare therapy amount {_kinds(amount.service_types)}: {_money(amount.amount)} "
            f"{amount.meaning} {amount.dates}"
        )
    for rejection in summary.rejections:
        console.print(
            f"  [red]refused[/red]: {escape(str(rejection['reason']))} — {escape(str(rejection['action']))}",
            markup=True,
        )
    console.print(f"  {headline(summary)}")


@app.command("read")
@handles_errors
def read(
    file: Annotated[Path, typer.Argument(help="A 271 eligibility response.")],
    store: Annotated[
        bool,
        typer.Option(
            "--store/--no-store", help="Store each answer on its client's policy (default)."
        ),
    ] = True,
    json_output: JsonOption = False,
) -> None:
    """Read a 271: coverage active or not with dates, plan, copay, coinsurance, deductible
    and out-of-pocket left, visits left by service type, prior authorization, Medicare
    therapy amounts, and the payer's refusals in plain words.

    Each answer is stored on the policy it is about (found by the 270's trace number, else
    by member id) unless --no-store.

    Example: therabill eligibility read answer.271 --json
    """
    responses = read_271(file)
    summaries = [summarize(r) for r in responses]
    stored = None
    if store:
        with store_common.action() as work:
            stored = eligibility.store_answers(
                work=work, data=file.read_bytes(), file_name=file.name
            )
    if json_output:
        emit_json(
            {
                "members": [
                    {**s.to_dict(), "headline": headline(s), "notes": r.notes}
                    for s, r in zip(summaries, responses, strict=True)
                ],
                "stored": stored.to_dict() if stored else None,
            }
        )
        return
    for summary in summaries:
        _print(summary)
    if stored is not None:
        for entry in stored.stored:
            console.print(f"Stored on policy {entry['policy']} (client {entry['client']}).")
        for entry in stored.already:
            console.print(f"Already stored on policy {entry['policy']}.")
        for entry in stored.unmatched:
            console.print(f"No policy matches {entry['member'] or 'this answer'}: not stored.")
