"""Entry point: ``therabill`` and its command groups.

Each group lives in its own module and is added here; the modules hold no billing logic.
"""

from __future__ import annotations

import typer

from therabill import __version__
from therabill.cli import acks as acks_cli
from therabill.cli import admin as store_admin
from therabill.cli import claims as store_claims
from therabill.cli import clients as store_clients
from therabill.cli import codes, demo, era, serve, units, users, x12
from therabill.cli import edits as edits_cli
from therabill.cli import ledger as store_ledger
from therabill.cli import practice as store_practice
from therabill.cli import scrub as scrub_cli
from therabill.cli import sessions as store_sessions
from therabill.cli import submit as submit_cli

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
app.add_typer(era.app, name="era")
app.add_typer(x12.app, name="x12")
app.command("units")(units.units_command)
app.command("units-tour")(demo.units_tour)
app.command("serve")(serve.serve_command)
app.add_typer(users.app, name="user")
app.command("scrub")(scrub_cli.scrub_command)
app.add_typer(edits_cli.app, name="edits")
# The practice's records: therabill.store through therabill/cli/{practice,clients,…}.py
app.command("init")(store_practice.init_command)
app.command("demo")(store_practice.demo_command)
app.add_typer(store_practice.provider_app, name="provider")
app.add_typer(store_practice.payer_app, name="payer")
app.add_typer(store_practice.fee_app, name="fee")
app.add_typer(store_clients.app, name="client")
app.add_typer(store_sessions.auth_app, name="auth")
app.add_typer(store_sessions.session_app, name="session")
app.add_typer(store_claims.app, name="claims")
store_claims.app.command("submit")(submit_cli.submit_command)  # cli/submit.py
x12.app.command("ack")(acks_cli.ack_command)  # cli/acks.py
app.command("ledger")(store_ledger.ledger_command)
app.add_typer(store_ledger.entry_app, name="entry")
app.add_typer(store_ledger.invoice_app, name="invoice")
app.command("backup")(store_admin.backup_command)
app.command("export")(store_admin.export_command)
app.add_typer(store_admin.audit_app, name="audit")


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
