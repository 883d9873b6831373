"""``therabill x12 837``: claim documents to 837P files, one per payer, scrubbed first."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from therabill.claims.document import Claim
from therabill.claims.reader import read_claims
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.scrub import read_input
from therabill.errors import InvalidInput
from therabill.findings import Severity
from therabill.scrub import ScrubContext, ScrubResult, scrub_claim
from therabill.x12.claim_837p import ClaimFile, write_batch
from therabill.x12.clearinghouse import available_clearinghouses, load_clearinghouse, user_folder
from therabill.x12.control_numbers import FileControlNumbers

EXIT_CLAIMS_HELD_BACK = 1

app = typer.Typer(
    help=(
        "HIPAA X12 files: 837P claims out, 999/277CA acknowledgements in.\n\n"
        "Example: therabill x12 837 claims.json -o out.837"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


@dataclass(frozen=True)
class Written:
    path: Path
    file: ClaimFile


def with_scrubbed_units(claim: Claim, result: ScrubResult) -> Claim:
    """The claim with the units the scrubber computed for lines that gave none."""
    if all(line.units is not None for line in claim.lines):
        return claim
    lines = [
        line.model_copy(update={"units": scrubbed.units})
        if line.units is None and scrubbed.units_computed
        else line
        for line, scrubbed in zip(claim.lines, result.lines, strict=True)
    ]
    return claim.model_copy(update={"lines": lines})


def output_paths(output: Path, files: list[ClaimFile]) -> list[Path]:
    """``output`` itself for one payer; ``<stem>-<payer id><suffix>`` beside it for several."""
    if len(files) == 1:
        return [output]
    suffix = output.suffix or ".837"
    slugs = [f.payer_slug for f in files]
    return [
        output.with_name(
            f"{output.stem}-{f.payer_slug}"
            + (f"-{f.interchange:09d}" if slugs.count(f.payer_slug) > 1 else "")
            + suffix
        )
        for f in files
    ]


def save_all(paths: list[Path], files: list[ClaimFile]) -> None:
    """Write every file beside its target first, then rename: all of them or none."""
    temps: list[Path] = []
    try:
        for path, file in zip(paths, files, strict=True):
            temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temps.append(temp)
            with open(temp, "w", encoding="ascii", newline="") as handle:
                handle.write(file.text)
                handle.flush()
                os.fsync(handle.fileno())
        for temp, path in zip(temps, paths, strict=True):
            os.replace(temp, path)
    except OSError as exc:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise InvalidInput(f"cannot write {exc.filename}: {exc.strerror}", field="-o") from None


def _held_back(result: ScrubResult) -> dict[str, Any]:
    return {
        "claim_id": result.claim_id,
        "errors": [
            {"id": f.id, "line": f.line, "field": f.field, "message": f.message, "fix": f.fix}
            for f in result.findings
            if f.severity is Severity.ERROR
        ],
    }


@app.command("837")
@handles_errors
def write_837(
    claims_file: Annotated[
        str,
        typer.Argument(
            metavar="CLAIMS.json", help="Claim documents: one, a list, or JSON Lines; - for stdin."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="The 837P file (several payers: one file each, named after it)."
        ),
    ],
    clearinghouse: Annotated[
        str,
        typer.Option(
            "--clearinghouse", help="Clearinghouse profile name (shipped or in the data dir)."
        ),
    ] = "default",
    payers: Annotated[
        Path | None, typer.Option("--payers", help="A directory of extra payer profiles (*.toml).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Write 837P claim files (005010X222A1), one per payer; claims the scrubber rejects are
    held back and listed (exit status 1), the others are written.

    Example: therabill x12 837 claims.json -o batch.837 --clearinghouse default --json
    """  # fmt: skip
    text, source = read_input(claims_file)
    claims = read_claims(text, source)
    profile = load_clearinghouse(clearinghouse)
    context = ScrubContext.load(payers_dir=payers)
    ready: list[Claim] = []
    held: list[ScrubResult] = []
    for claim in claims:
        result = scrub_claim(claim, context)
        if result.ok:
            ready.append(with_scrubbed_units(claim, result))
        else:
            held.append(result)
    written: list[Written] = []
    if ready:
        files = write_batch(
            ready, profile=profile, numbers=FileControlNumbers(), created=dt.datetime.now()
        )
        paths = output_paths(output, files)
        save_all(paths, files)
        written = [Written(p, f) for p, f in zip(paths, files, strict=True)]
    if json_output:
        emit_json(
            {
                "files": [
                    {
                        "path": str(w.path),
                        "payer_id": w.file.payer_id,
                        "payer_name": w.file.payer_name,
                        "interchange": w.file.interchange,
                        "usage": profile.interchange.usage,
                        "claims": list(w.file.claim_ids),
                    }
                    for w in written
                ],
                "claims": [cid for w in written for cid in w.file.claim_ids],
                "held_back": [_held_back(r) for r in held],
            }
        )
    else:
        usage = "TEST" if profile.interchange.usage == "T" else "PRODUCTION"
        for w in written:
            n = len(w.file.claim_ids)
            console.print(
                f"Wrote {w.path}: {n} claim{'s' * (n != 1)} for {w.file.payer_name} "
                f"({w.file.payer_id}), interchange {w.file.interchange:09d}, {usage}"
            )
        for result in held:
            console.print(f"Held back {result.claim_id}: the scrubber found errors")
            for f in result.errors:
                console.print(f"  {f.id}: {f.message}")
        if not written:
            console.print("No file written: no claim passed the scrubber.")
    if held:
        raise typer.Exit(EXIT_CLAIMS_HELD_BACK)


@app.command("clearinghouses")
@handles_errors
def list_clearinghouses(json_output: JsonOption = False) -> None:
    """List the clearinghouse profiles (shipped and your own) with their ids and test or
    production usage; your own go in the data directory's clearinghouses folder.

    Example: therabill x12 clearinghouses --json
    """
    profiles = [load_clearinghouse(name) for name in available_clearinghouses()]
    rows = [
        {
            "name": p.name,
            "usage": p.interchange.usage,
            "sender": f"{p.interchange.sender_qualifier}:{p.interchange.sender_id}",
            "receiver": f"{p.interchange.receiver_qualifier}:{p.interchange.receiver_id}",
            "submitter": p.submitter.name,
            "file": p.source,
            "description": p.description,
        }
        for p in profiles
    ]
    if json_output:
        emit_json({"folder": str(user_folder()), "clearinghouses": rows})
        return
    table = Table(title="Clearinghouse profiles")
    for column in ("name", "usage", "sender", "receiver", "submitter", "file"):
        table.add_column(column.capitalize())
    for row in rows:
        table.add_row(
            *(str(row[c]) for c in ("name", "usage", "sender", "receiver", "submitter", "file"))
        )
    console.print(table)
    console.print(f"Your own profiles: {user_folder()}/<name>.toml")
