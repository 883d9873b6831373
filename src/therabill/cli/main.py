"""Entry point: ``therabill`` and its command groups.

Each group lives in its own module and is added here; the modules hold no billing logic.
"""

from __future__ import annotations

import typer

from therabill import __version__
from therabill.cli import codes, demo, units
from therabill.cli import edits as edits_cli
from therabill.cli import scrub as scrub_cli

app = typer.Typer(
    name="therabill",
    help=(
        "therabill: therapy sessions to correct, payable insurance claims.\n\n"
        "Example: therabill units --rule cms 97112=24 97110=23"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(codes.app, name="codes")
app.command("units")(units.units_command)
app.command("demo-cli")(demo.demo_cli)
app.command("scrub")(scrub_cli.scrub_command)
app.add_typer(edits_cli.app, name="edits")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"therabill {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """therabill: therapy sessions to correct, payable insurance claims."""


def main() -> None:
    app()
