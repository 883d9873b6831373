"""``therabill backup``, ``restore``, ``export`` and ``audit``: keep the practice's records safe and
accountable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, fail, handles_errors
from therabill.store.services import admin, restore

audit_app = typer.Typer(
    help="The audit log: who read or changed what, and when (no client data in it).",
    invoke_without_command=True,
)

Opt = typer.Option


@handles_errors
def backup_command(
    path: Annotated[Path, typer.Argument(help="New file to write the backup to.")],
    json_output: JsonOption = False,
) -> None:
    """Copy the whole database while it is in use (SQLite online backup; pg_dump for PostgreSQL).

    Example: therabill backup ~/therabill-2026-03-31.sqlite3
    """
    opened = store_common.store()
    try:
        data = admin.backup(store=opened, path=path)
    finally:
        opened.dispose()
    if json_output:
        emit_json(data)
        return
    console.print(f"Backed up to {data['path']} ({data['bytes']:,} bytes, {data['method']}).")
    console.print(
        f"Keep the audit key ({data['audit_key']}) backed up too, apart from this file: "
        "without it the restored audit log cannot be checked."
    )


@handles_errors
def restore_command(
    path: Annotated[Path, typer.Argument(help="A file written by therabill backup.")],
    json_output: JsonOption = False,
) -> None:
    """Restore a backup into a new, empty database and check its audit log and ledger.

    The database is THERABILL_DATABASE_URL's, or the SQLite file in the data directory; one
    that already holds tables is refused. The audit log and every ledger seal are checked
    under the audit key (back it up apart from the backups).

    Example: THERABILL_DATABASE_URL=sqlite:///restored.sqlite3 therabill restore backup.sqlite3
    """
    data = restore.restore(path=path)
    if json_output:
        emit_json(data)
        return
    checked = data["audit"]
    rows = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in data["rows"].items())
    console.print(f"Restored {data['path']} into {data['database']} ({data['method']}): {rows}.")
    if data["upgraded_from"]:
        console.print(f"Upgraded the schema from {data['upgraded_from']}.")
    console.print(
        f"Audit log intact: {checked['entries']:,} entries, {checked['ledger_entries']:,} "
        f"ledger entries sealed; head {checked['head_seq']} {checked['head_hash']}"
    )


@handles_errors
def export_command(
    path: Annotated[Path, typer.Argument(help="A directory (CSV) or a file (JSON).")],
    fmt: Annotated[str, Opt("--format", help="csv (a file per table) or json (one file).")] = "csv",
    json_output: JsonOption = False,
) -> None:
    """Export every record (not the audit log) as CSV files or one JSON file.

    Example: therabill export exported/ --format csv
    """
    with store_common.action() as work:
        data = admin.export(work=work, out=path, fmt=fmt)
    if json_output:
        emit_json(data)
        return
    total = sum(data["rows"].values())
    console.print(f"Exported {total:,} rows from {len(data['rows'])} tables to {data['path']}.")


@audit_app.callback()
@handles_errors
def audit_list(
    ctx: typer.Context,
    limit: Annotated[int, Opt(help="The newest this many entries.")] = 50,
    entity: Annotated[str | None, Opt(help="Only this kind of record, e.g. client, claim.")] = None,
    json_output: JsonOption = False,
) -> None:
    """List the newest audit entries (``therabill audit verify`` checks the chain).

    Example: therabill audit --entity client --limit 20
    """
    if ctx.invoked_subcommand is not None:
        return
    with store_common.action() as work:
        data = admin.list_audit(work=work, limit=limit, entity=entity)
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("#", "When (UTC)", "Who", "Action", "Record", "Detail"):
        table.add_column(column)
    for e in data:
        table.add_row(
            str(e["seq"]),
            e["at"][:19],
            e["actor"],
            e["action"],
            f"{e['entity']} {e['entity_id']}",
            e["detail"],
        )
    console.print(table)


@audit_app.command("verify")
@handles_errors
def audit_verify(
    expect_head: Annotated[
        str | None,
        Opt(
            "--expect-head",
            help="A head hash noted earlier (the anchor file already catches entries cut "
            "from the end; this checks against your own note too).",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Check the audit log under the audit key, against the heads anchored outside the
    database, and every ledger entry against its seal: any edit, deletion, re-hashing or
    entry cut from the end is reported (exit 1).

    Example: therabill audit verify
    """
    opened = store_common.store()
    try:
        result = admin.verify_audit(store=opened, expect_head=expect_head)
    finally:
        opened.dispose()
    if json_output:
        emit_json(result.to_dict())
    else:
        if result.ok:
            console.print(
                f"Audit log intact: {result.entries:,} entries, {result.ledger_entries:,} "
                f"ledger entries sealed; head {result.head_seq} {result.head_hash}"
            )
        for problem in result.problems:
            console.print(problem)
        for warning in result.warnings:
            console.print(f"Warning: {warning}")
    if not result.ok:
        fail(f"the audit log has been tampered with ({len(result.problems)} problem(s))", code=1)
