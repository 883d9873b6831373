"""``therabill scrub``: check claim documents before they leave, rule by rule."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated

import typer

from therabill.cli.output import JsonOption, console, emit_json, fail, handles_errors
from therabill.errors import InvalidInput
from therabill.findings import Severity
from therabill.scrub import RULES, ScrubContext, ScrubResult, scrub_text

EXIT_CLAIM_ERRORS = 1


def read_input(path: str) -> tuple[str, str]:
    """The text of FILE (or stdin for ``-``) and the name errors should use."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="FILE") from None
    try:
        return data.decode("utf-8-sig"), path
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}, byte {exc.start}: not UTF-8 text", field="FILE") from None


def _count(result: ScrubResult, severity: Severity) -> int:
    return sum(1 for f in result.findings if f.severity is severity)


def print_report(results: list[ScrubResult]) -> None:
    """A readable report, one block per claim."""
    for result in results:
        errors, warnings = _count(result, Severity.ERROR), _count(result, Severity.WARNING)
        status = "OK" if result.ok else "NOT READY"
        console.print(
            f"{result.claim_id}: {status} ({errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)})"
        )
        units = ", ".join(
            f"{ln.code}×{ln.units if ln.units is not None else '?'}"
            + (" (computed)" if ln.units_computed else "")
            for ln in result.lines
        )
        console.print(f"  lines: {units}")
        for f in result.findings:
            where = f"line {f.line}" if f.line else "claim"
            console.print(f"  {str(f.severity).upper():7} {where:8} {f.id}: {f.message}")
            if f.fix:
                console.print(f"          fix: {f.fix}")
            console.print(f"          source: {f.source}")
    total = len(results)
    bad = sum(1 for r in results if not r.ok)
    console.print(f"{total} claim{'s' * (total != 1)} checked, {bad} with errors.")


def print_rules(json_output: bool) -> None:
    rules = sorted(RULES.values(), key=lambda r: (r.family, r.id))
    if json_output:
        emit_json(
            [
                {"id": r.id, "severity": str(r.severity), "family": r.family,
                 "summary": r.summary, "source": r.source}
                for r in rules
            ]
        )  # fmt: skip
        return
    for r in rules:
        console.print(f"{r.id:32} {r.severity!s:8} {r.summary}")
        console.print(f"{'':32} source: {r.source}")


@handles_errors
def scrub_command(
    file: Annotated[
        str | None,
        typer.Argument(help="Claims as JSON: one claim, a list, or JSON Lines; - for stdin."),
    ] = None,
    payers: Annotated[
        Path | None,
        typer.Option("--payers", help="A directory of extra payer profiles (*.toml)."),
    ] = None,
    rules: Annotated[
        bool, typer.Option("--rules", help="List every rule with its id, severity and source.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Check claims against code, unit, payer, authorization, NCCI and documentation rules.

    Exit status: 0 no errors, 1 some claim has errors, 2 input unreadable or not a claim.

    Example: therabill scrub claims.json --payers ./payers --json
    """
    if rules:
        print_rules(json_output)
        return
    if file is None:
        fail("give a FILE of claims (or - for stdin), or --rules")
    text, source = read_input(file)
    context = ScrubContext.load(payers_dir=payers)
    gc.freeze()  # the loaded tables live as long as the command: keep them out of GC scans
    results = scrub_text(text, context, source=source)
    if json_output:
        emit_json([r.to_dict() for r in results])
    else:
        print_report(results)
    if any(not r.ok for r in results):
        raise typer.Exit(EXIT_CLAIM_ERRORS)
