"""``therabill reminders``: email the statements and the reminders after them on the
escalation schedule, and the settings (sender, schedule, PDF or notice). The SMTP server is
THERABILL_SMTP_URL."""

from __future__ import annotations

from typing import Annotated

import typer

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, err_console, handles_errors
from therabill.store.services import reminders

app = typer.Typer(
    help="Reminders by email: statements and reminders on an escalation schedule.",
    no_args_is_help=True,
)
Opt = typer.Option


@app.command("run")
@handles_errors
def run(
    on: Annotated[str | None, Opt(help="As of this day, YYYY-MM-DD (default today).")] = None,
    dry_run: Annotated[
        bool, Opt("--dry-run", help="List what would be sent; send nothing.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Send the statements and reminders due: the latest step of the schedule for each
    client who owes, has an email address and is not on hold. A message the mail server did
    not accept is listed (exit status 1) and sent by the next run; a second run sends
    nothing twice.

    Example: therabill reminders run --json
    """
    day = store_common.day(on, "on")
    opened = store_common.store()
    try:
        report = reminders.run_reminders(store=opened, on=day, dry_run=dry_run)
    finally:
        opened.dispose()
    data = report.to_dict()
    if json_output:
        emit_json(data)
    else:
        skipped = reminders.skipped_text(report.skipped) or "none"
        if dry_run:
            console.print(f"{len(report.would_send)} message(s) would be sent:")
            for m in report.would_send:
                console.print(
                    f"  client {m['client_id']}: step {m['step']} ({m['days']} days), {m['to']}"
                )
        else:
            console.print(f"Sent {len(report.sent)} message(s).")
        console.print(f"No message for clients: {skipped}.")
    if report.not_sent:
        for m in report.not_sent:
            err_console.print(f"Not sent to {m['client']} ({m['to']}): {m['reason']}")
        err_console.print(f"{len(report.not_sent)} message(s) not sent; run again to send them.")
        raise typer.Exit(1)


@app.command("settings")
@handles_errors
def settings(
    sender: Annotated[
        str | None, Opt(help="The address reminders come from, e.g. billing@example.com.")
    ] = None,
    schedule: Annotated[
        str | None, Opt(help="Days after the first unpaid statement, e.g. 0,30,60,90.")
    ] = None,
    attach_pdf: Annotated[
        bool | None,
        Opt(
            "--attach-pdf/--notice",
            help="Attach the statement PDF, or send a notice without health details (the default).",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Show or set the sender, the escalation schedule and PDF or notice.

    Example: therabill reminders settings --sender billing@example.com --schedule 0,30,60,90 --notice
    """
    with store_common.action() as work:
        if sender is not None or schedule is not None or attach_pdf is not None:
            reminders.set_settings(
                work=work, sender=sender, schedule=schedule, attach_pdf=attach_pdf
            )
        data = reminders.settings_dict(work)
    if json_output:
        emit_json(data)
        return
    console.print(f"sender: {data['sender'] or '(none)'}")
    console.print(f"schedule: {', '.join(map(str, data['schedule_days']))} days")
    console.print(f"statement: {'attached as a PDF' if data['attach_pdf'] else 'notice only'}")
