"""``therabill clearinghouse``: send the outbox to the clearinghouse and fetch what came back
(SFTP), each file once; show what was sent and fetched."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.config import practice_folder
from therabill.store.services import Store, clearinghouse_transfer
from therabill.x12.clearinghouse import load_clearinghouse

app = typer.Typer(
    help="The clearinghouse connection (SFTP): send the outbox, fetch the answers.",
    no_args_is_help=True,
)

ProfileOption = Annotated[
    str, typer.Option(help="Clearinghouse profile with a [connection] section.")
]
PROGRESS_FROM = 3  # files: fewer finish before a bar is worth drawing


def _print(report: dict[str, Any], verb: str) -> None:
    files = report["files"]
    console.print(f"{verb} {len(files)} file(s); {len(report['skipped'])} done before.")
    for entry in files:
        detail = f": {entry['detail']}" if entry.get("detail") else ""
        console.print(f"  {entry['file']} ({entry['kind'] or 'unknown'}) {entry['status']}{detail}")


@app.command("send")
@handles_errors
def send(
    clearinghouse: ProfileOption = "default",
    outbox: Annotated[
        Path | None, typer.Option(help="The folder to send (default: DATA_DIR/outbox).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Upload every file of the outbox not sent before (837P claims, 270 eligibility
    inquiries, 276 status requests); each is renamed into the clearinghouse's folder only
    when complete, then moved to outbox/sent.

    A dropped connection loses nothing: run the command again.

    Example: therabill clearinghouse send --clearinghouse availity --json
    """
    profile = load_clearinghouse(clearinghouse)
    opened = store_common.store()
    try:
        folder = outbox or practice_folder(_practice(opened)) / "outbox"
        with store_common.progress_bar(
            "Sending", enabled=not json_output and sys.stderr.isatty()
        ) as advance:
            report = clearinghouse_transfer.send_outbox(
                store=opened, profile=profile, outbox=folder,
                day=dt.date.today().strftime("%Y%m%d"), progress=advance,
            )  # fmt: skip
    finally:
        opened.dispose()
    if json_output:
        emit_json(report.to_dict())
        return
    _print(report.to_dict(), "Sent")


@app.command("fetch")
@handles_errors
def fetch(
    clearinghouse: ProfileOption = "default",
    json_output: JsonOption = False,
) -> None:
    """Download every file the clearinghouse left for us and not fetched before, and read
    each by its type: 999/277CA acknowledgements applied, 835 remittances posted, 271
    eligibility answers stored, 277 claim status answers recorded; a file
    that cannot be read is quarantined (DATA_DIR/inbox/quarantine) with the reason.

    Each file once, by name and content; a dropped connection loses nothing.

    Example: therabill clearinghouse fetch --clearinghouse availity
    """
    profile = load_clearinghouse(clearinghouse)
    opened = store_common.store()
    try:
        with store_common.progress_bar(
            "Fetching", enabled=not json_output and sys.stderr.isatty()
        ) as advance:
            report = clearinghouse_transfer.fetch_inbox(
                store=opened,
                profile=profile,
                inbox=practice_folder(_practice(opened)) / "inbox",
                progress=advance,
            )
    finally:
        opened.dispose()
    if json_output:
        emit_json(report.to_dict())
        return
    _print(report.to_dict(), "Fetched")


@app.command("log")
@handles_errors
def log(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first.")] = 50,
    json_output: JsonOption = False,
) -> None:
    """What was sent to and fetched from the clearinghouse, and when.

    Example: therabill clearinghouse log --limit 20
    """
    with store_common.action() as work:
        rows = clearinghouse_transfer.list_transfers(work, limit=limit)
    if json_output:
        emit_json(rows)
        return
    for row in rows:
        console.print(
            f"{row['when']:%Y-%m-%d %H:%M} {row['direction']:7} {row['file']} "
            f"({row['kind'] or 'unknown'}) {row['status']}: {row['detail']}"
        )


def _practice(opened: Store) -> int | None:
    """The practice this command works for (its files are in its own folder)."""
    with opened.reading() as work:
        return work.practice_id
