"""``therabill edits``: the NCCI pair and MUE tables: list them, import the CMS quarterly files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.codes import load_code_set
from therabill.edits import import_cms_file, load_edit_tables

app = typer.Typer(
    help="NCCI procedure-to-procedure pairs and medically unlikely edits (MUE).\n\n"
    "Example: therabill edits import ccipra-v321r0-f1.txt",
    no_args_is_help=True,
)


@app.command("import")
@handles_errors
def import_command(
    file: Annotated[
        Path, typer.Argument(help="A CMS practitioner PTP .txt file or MUE .csv table.")
    ],
    kind: Annotated[
        str | None, typer.Option("--kind", help="ptp or mue (default: read from the file).")
    ] = None,
    keep_all: Annotated[
        bool, typer.Option("--all", help="Keep every row, not only codes in the code set.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Load an official CMS quarterly file (PTP part or MUE table) into therabill's edit tables.

    Rows are validated; a bad row stops the import with its row number and nothing is written.

    Example: therabill edits import MCR_MUE_PractitionerServices_Eff_01-01-2026.csv
    """
    chosen: Literal["ptp", "mue"] | None = None
    if kind is not None:
        if kind.lower() not in ("ptp", "mue"):
            from therabill.errors import InvalidInput

            raise InvalidInput(f"{kind!r} is not ptp or mue", field="--kind")
        chosen = "ptp" if kind.lower() == "ptp" else "mue"
    keep = None if keep_all else set(load_code_set())
    report = import_cms_file(file, kind=chosen, keep=keep)
    if json_output:
        emit_json(report.to_dict())
        return
    console.print(
        f"Imported {report.kind.upper()} file {report.file}: {report.rows_read} rows read, "
        f"{report.rows_kept} kept (codes in the code set), stored in {report.written_to}."
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
    tables = load_edit_tables()
    wanted = code.strip().upper() if code else None
    ptp = [e for e in tables.all_ptp() if wanted in (None, e.column1, e.column2)]
    mue = [m for m in tables.mue.values() if wanted in (None, m.code)]
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
    console.print(f"NCCI pairs ({len(ptp)}): column 1 / column 2, modifier indicator, status")
    for e in ptp:
        console.print(
            f"  {e.column1} / {e.column2}  {e.modifier_indicator}  [{e.status}]  {e.source}"
        )
    console.print(f"MUE limits ({len(mue)}): code, units, adjudication indicator, status")
    for m in sorted(mue, key=lambda m: m.code):
        console.print(f"  {m.code}  {m.limit}  MAI {m.mai or '-'}  [{m.status}]  {m.source}")
