"""``therabill era post``, ``era release`` and ``era exceptions``: post 835 remittances into
the practice's records (each file only once; ``era post`` and ``era release`` through the
post-835 job's service, in parts on SQLite: ``jobs.post_835_now``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import OperationalError

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.errors import InvalidInput, TherabillError
from therabill.money import format_money
from therabill.store.services import jobs, remittances
from therabill.store.services.remittance_intake import Intake, check_size

EXIT_QUARANTINED = 1


def _read(path: Path) -> bytes:
    try:
        check_size(path.stat().st_size, str(path))
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the file: {exc.strerror}", field=str(path)) from None


def _print(intake: Intake) -> None:
    result = intake.posting
    colour = {"posted": "green", "quarantined": "red"}.get(result.outcome, "yellow")
    console.print(
        f"[bold]{escape(result.file_name)}[/bold]: [{colour}]{escape(result.message)}[/{colour}]",
        markup=True,
    )
    for payment in result.payments:
        console.print(
            f"  payment {payment['trace_number']} from {payment['payer'] or 'unknown payer'}: "
            f"{payment['amount']}, {payment['claims']} claims, {payment['outcome']}"
        )
    if result.status_changes:
        moved = ", ".join(f"{n} {status}" for status, n in sorted(result.status_changes.items()))
        console.print(f"  claims now: {moved}")
    if result.provider_adjustment_cents:
        console.print(
            "  provider-level adjustments (PLB): " + format_money(result.provider_adjustment_cents)
        )
    for exception in result.exceptions:
        console.print(
            f"  [yellow]not posted[/yellow] {escape(str(exception['claim']))}: "
            f"{escape(exception['reason'])}",
            markup=True,
        )
    for problem in result.unreconciled:
        console.print(f"  [yellow]does not reconcile[/yellow] {escape(str(problem))}", markup=True)
    for name, count in sorted(result.more.items()):  # a posting in parts lists the first 500
        shown = name.replace("_", " ")
        where = " (therabill era exceptions)" if name == "exceptions" else ""
        console.print(f"  and {count:,} more {shown} not listed here{where}")


def _post_now(data: bytes, path: Path, release: int | None = None) -> Intake:
    """Post ``data`` (the file at ``path``) now, as the post-835 job does (in parts on
    SQLite: ``jobs.post_835_now``)."""
    opened = store_common.store()
    try:
        return jobs.post_835_now(opened, data=data, file_name=str(path), release=release)
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        raise TherabillError(
            "the practice database stayed busy (another posting or import is running); "
            "nothing was posted",
            field=str(path),
            hint="Run the same command again when it has finished.",
        ) from None
    finally:
        opened.dispose()


def post_command(
    files: Annotated[list[Path], typer.Argument(help="One or more 835 files.")],
    json_output: JsonOption = False,
) -> None:
    """Post 835 remittances: payments, adjustments, the client's share, denials with their
    reasons and provider-level adjustments, matched to your claims and lines.

    Each file is posted only once: the same file (or the same payer and trace number) again
    changes nothing and says so. On PostgreSQL a file is posted whole or not at all; on
    SQLite in parts of 500 claims, each saved as it is done, so others can save meanwhile: if
    a part fails, the claims before it stay posted (the error says how many) and the same
    command again posts the rest. A file that does not balance is
    quarantined with the reason (exit status 1); claims that cannot be matched are listed as
    exceptions (see: therabill era exceptions).

    Example: therabill era post remit-2026-03-07.835
    """
    results: list[dict[str, Any]] = []
    quarantined = False
    for path in files:
        intake = _post_now(_read(path), path)
        quarantined = quarantined or intake.quarantined
        results.append(intake.posting.to_dict())
        if not json_output:
            _print(intake)
    if json_output:
        emit_json({"files": results})
    if quarantined:
        raise typer.Exit(EXIT_QUARANTINED)


def exceptions_command(
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Resolved exceptions too.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Claims from posted 835s that could not be matched, and quarantined files.

    Example: therabill era exceptions --json
    """
    with store_common.action() as work:
        data = {
            "exceptions": remittances.list_exceptions(work=work, include_resolved=include_resolved),
            "quarantined": remittances.list_quarantine(work=work),
        }
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Id", "Claim", "Payer", "Trace", "Paid", "Why", "Resolved"):
        table.add_column(column)
    for e in data["exceptions"]:
        table.add_row(
            str(e["id"]),
            e["claim"],
            e["payer"],
            e["trace_number"],
            format_money(e["paid_cents"]),
            e["reason"],
            f"{e['resolved_at'][:10]} {e['resolved_by']}: {e['resolution']}"
            if e["resolved_at"]
            else "",
        )
    console.print(table if data["exceptions"] else "No exceptions.")
    for q in data["quarantined"]:
        since = (
            f" [green]posted {q['posted_at'][:10]}[/green]"
            if q["posted_at"]
            else " (post it anyway: therabill era release " + str(q["id"]) + " FILE)"
            if q["payee_only"]
            else ""
        )
        console.print(
            f"[red]quarantined[/red] {q['id']} {escape(q['file'])} ({q['received_at'][:19]}): "
            f"{escape(q['reason'])}{since}",
            markup=True,
        )


def resolve_command(
    exception_id: Annotated[int, typer.Argument(help="The exception's id (era exceptions).")],
    note: Annotated[
        str,
        typer.Option("--note", help="What was done about it, e.g. 'posted by hand to claim 42'."),
    ],
    json_output: JsonOption = False,
) -> None:
    """Mark an exception resolved, saying what was done (kept with who and when).

    Nothing is posted by this: post or correct the claim first, then record it here.

    Example: therabill era resolve 3 --note "returned to the payer: not our patient"
    """
    with store_common.action() as work:
        found = remittances.resolve_exception(work=work, exception_id=exception_id, note=note)
        done = {
            "id": found.id,
            "resolved_at": found.resolved_at.isoformat() if found.resolved_at else None,
            "resolved_by": found.resolved_by,
            "resolution": found.resolution,
        }
    if json_output:
        emit_json(done)
        return
    console.print(f"Exception {done['id']} resolved: {done['resolution']}")


def release_command(
    quarantine_id: Annotated[
        int, typer.Argument(help="The quarantined file's id (therabill era exceptions).")
    ],
    file: Annotated[Path, typer.Argument(help="The same 835 file that was quarantined.")],
    json_output: JsonOption = False,
) -> None:
    """Post anyway an 835 quarantined because its payee's NPI or tax id is not the
    practice's, once you have checked that it pays this practice (an old NPI or tax id the
    payer still has on file). Only the payee check is waived: the file must be the same one
    (the same contents) and have had nothing else wrong with it. If the practice's NPI or
    tax id changed, correct it in the settings instead and post the file as usual. It is
    posted as era post posts (on SQLite in parts of 500 claims, each saved as it is done).

    Example: therabill era release 4 remit-2026-03-07.835
    """
    data = _read(file)
    with store_common.action() as work:  # a wrong id or another file is said before posting
        remittances.check_release(work, quarantine_id, data)
    intake = _post_now(data, file, release=quarantine_id)
    if json_output:
        emit_json(intake.posting.to_dict())
    else:
        _print(intake)
    if intake.quarantined:
        raise typer.Exit(EXIT_QUARANTINED)


post = handles_errors(post_command)
release = handles_errors(release_command)
exceptions = handles_errors(exceptions_command)
resolve = handles_errors(resolve_command)
