"""``therabill edits``: the NCCI pair and MUE tables: list them, import the CMS quarterly files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.services import edits as edits_service

app = typer.Typer(
    help="NCCI procedure-to-procedure pairs and medically unlikely edits (MUE).\n\n"
    "Example: therabill edits import ccipra-v323r0-f1.txt",
    no_args_is_help=True,
)


@app.command("import")
@handles_errors
def import_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="CMS practitioner PTP .txt part files and/or an MUE .csv table."),
    ],
    kind: Annotated[
        str | None, typer.Option("--kind", help="ptp or mue (default: read from each file).")
    ] = None,
    keep_all: Annotated[
        bool, typer.Option("--all", help="Keep every row, not only codes in the code set.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Load the official CMS quarterly files into therabill's edit tables.

    The imported rows replace the shipped subset of their kind. PTP part files of the same
    CMS release (v323r0 in the name) add up; a new release replaces the old one. A bad row
    stops the import with its row number and nothing is written. The result is compared
    with the shipped subset.

    Example: therabill edits import ccipra-v323r0-f1.txt ccipra-v323r0-f2.txt
    """
    chosen: Literal["ptp", "mue"] | None = None
    if kind is not None:
        if kind.lower() not in ("ptp", "mue"):
            from therabill.errors import InvalidInput

            raise InvalidInput(f"{kind!r} is not ptp or mue", field="--kind")
        chosen = "ptp" if kind.lower() == "ptp" else "mue"
    with store_common.progress_bar("Importing", enabled=not json_output) as advance:
        result = edits_service.import_edit_files(
            files, kind=chosen, keep_all=keep_all, progress=advance
        )
    if json_output:
        emit_json(result.to_dict())
        return
    for report in result.files:
        release = f" (release {report.release})" if report.release else ""
        console.print(
            f"Imported {report.kind.upper()} file {report.file}{release}: {report.rows_read} rows "
            f"read, {report.rows_kept} kept{'' if keep_all else ' (codes in the code set)'}."
        )
    console.print(f"Stored in {result.files[0].written_to}; it replaces the shipped rows.")
    compared = result.comparison
    agree = compared.compared - len(compared.differences)
    console.print(
        f"Compared with the shipped subset on {compared.day}: {agree} of {compared.compared} agree."
    )
    for difference in compared.differences:
        console.print(
            f"  {difference.item}: shipped {difference.shipped}; imported {difference.imported}"
        )
    if compared.not_covered:
        console.print(
            f"  Not in the imported files (still to import, e.g. another PTP part): "
            f"{', '.join(compared.not_covered)}"
        )


@app.command("list")
@handles_errors
def list_command(
    code: Annotated[str | None, typer.Option("--code", help="Only rows naming this code.")] = None,
    json_output: JsonOption = False,
) -> None:
    """List the PTP pairs and MUE limits in force, each with its source and how sure it is.

    Example: therabill edits list --code 97140
    """
    wanted = code.strip().upper() if code else None
    ptp, mue = edits_service.edit_rows(wanted)
    if json_output:
        emit_json(
            {
                "ptp": [
                    {"column1": e.column1, "column2": e.column2,
                     "effective": e.effective.isoformat() if e.effective else None,
                     "deletion": e.deletion.isoformat() if e.deletion else None,
                     "modifier_indicator": e.modifier_indicator, "rationale": e.rationale,
                     "source": e.source, "status": e.status}
                    for e in ptp
                ],
                "mue": [
                    {"code": m.code, "limit": m.limit, "mai": m.mai, "rationale": m.rationale,
                     "source": m.source, "status": m.status}
                    for m in sorted(mue, key=lambda m: m.code)
                ],
            }
        )  # fmt: skip
        return
    console.print(
        f"NCCI pairs ({len(ptp)} rows): column 1 / column 2, modifier indicator, in force, status"
    )
    for e in ptp:
        start = e.effective.isoformat() if e.effective else "always"
        end = e.deletion.isoformat() if e.deletion else "now"
        console.print(
            f"  {e.column1} / {e.column2}  {e.modifier_indicator}  {start} to {end}  "
            f"[{e.status}]  {e.source}"
        )
    console.print(f"MUE limits ({len(mue)}): code, units, adjudication indicator, status")
    for m in sorted(mue, key=lambda m: m.code):
        console.print(f"  {m.code}  {m.limit}  MAI {m.mai or '-'}  [{m.status}]  {m.source}")
