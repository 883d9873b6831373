"""Entry point: ``therabill`` and its command groups.

Each group lives in its own module and holds no billing logic. The root imports a group's
module only when that group runs (therabill.cli.lazy), so ``therabill units`` and ``--version``
answer without loading the database and web libraries that the store commands need.
"""

from __future__ import annotations

import typer

from therabill import __version__
from therabill.cli.lazy import LazyCommand, LazyGroup

# In the order `therabill --help` lists them; each summary is the first paragraph of the
# command's own help (tests/cli/test_startup.py holds the two equal).
COMMANDS: dict[str, LazyCommand] = {
    "units": LazyCommand(
        "therabill.cli.units:units_command",
        "How many units the minutes of one date of service may bill.",
    ),
    "units-tour": LazyCommand(
        "therabill.cli.demo:units_tour",
        "Show therabill's unit engine on a few sessions a practice sees every week.",
    ),
    "serve": LazyCommand(
        "therabill.cli.serve:serve_command",
        "Start the web app (pages and the /api/v1 API) on the practice database.",
    ),
    "worker": LazyCommand(
        "therabill.cli.jobs:worker_command",
        "Run background jobs (claims builds, statement runs, 835 postings, clearinghouse "
        "fetches, eligibility batches, report refreshes) until stopped (Ctrl-C or SIGTERM).",
    ),
    "jobs": LazyCommand(
        "therabill.cli.jobs:app",
        "Background jobs: claims builds, statement runs, 835 postings and more, as they run.",
    ),
    "scrub": LazyCommand(
        "therabill.cli.scrub:scrub_command",
        "Check claims against code, unit, payer, authorization, NCCI and documentation rules.",
    ),
    # The practice's records: therabill.store through therabill/cli/{setup,practice,clients,…}.py
    "init": LazyCommand(
        "therabill.cli.setup:init_command",
        "Create the practice database, or upgrade it to this version's schema.",
    ),
    "demo": LazyCommand(
        "therabill.cli.setup:demo_command",
        "Fill an empty database with a demo practice: made-up clients across disciplines and "
        "payers, months of sessions, claims, payments and denials.",
    ),
    "ledger": LazyCommand(
        "therabill.cli.ledger:ledger_command",
        "A client's ledger: every entry and the balances owed by the payers and the client.",
    ),
    "backup": LazyCommand(
        "therabill.cli.admin:backup_command",
        "Copy the whole database while it is in use (SQLite online backup; pg_dump for "
        "PostgreSQL).",
    ),
    "restore": LazyCommand(
        "therabill.cli.admin:restore_command",
        "Restore a backup into a new, empty database and check its audit log and ledger.",
    ),
    "export": LazyCommand(
        "therabill.cli.admin:export_command",
        "Export every record (not the audit log) as CSV files or one JSON file.",
    ),
    "codes": LazyCommand(
        "therabill.cli.codes:app",
        "Look up, list, search and import procedure codes.",
        adds=(("advise", "therabill.cli.code_advice:advise_command"),),
    ),
    "contract": LazyCommand(
        "therabill.cli.underpayments:contract_app",
        "A payer's contracted allowed amounts per code and modifier, with effective dates.",
    ),
    "underpayments": LazyCommand(
        "therabill.cli.underpayments:underpayments_command",
        "Posted lines the payer allowed less for than its contract or fee schedule, to appeal.",
    ),
    "reports": LazyCommand(
        "therabill.cli.report_pages:reports_command",
        "Where the money comes from and where it is stuck: the Reports page's figures.",
    ),
    "insights": LazyCommand(
        "therabill.cli.insights:insights_command",
        "Per payer and code: claims, units, allowed and paid per unit, denials by CARC, days to pay.",
    ),
    "era": LazyCommand(
        "therabill.cli.era:app",
        "Electronic remittance advice (X12 835): what payers paid and why.",
    ),
    "denials": LazyCommand(
        "therabill.cli.denials:app",
        "Denials: what payers did not pay and why, worked until each is closed.",
    ),
    "x12": LazyCommand(
        "therabill.cli.x12:app",
        "HIPAA X12 files: 837P claims out, 999/277CA acknowledgements in.",
        adds=(("ack", "therabill.cli.acks:ack_command"),),
    ),
    "eligibility": LazyCommand(
        "therabill.cli.eligibility:app",
        "Eligibility and benefits (X12 270/271): is the client covered, and for what.",
    ),
    "clearinghouse": LazyCommand(
        "therabill.cli.clearinghouse:app",
        "The clearinghouse connection (SFTP): send the outbox, fetch the answers.",
    ),
    "user": LazyCommand("therabill.cli.users:app", "Web app logins and API tokens."),
    "practice": LazyCommand(
        "therabill.cli.practice:app",
        "The practices of a billing office's installation (PostgreSQL).",
    ),
    "edits": LazyCommand(
        "therabill.cli.edits:app",
        "NCCI procedure-to-procedure pairs and medically unlikely edits (MUE).",
    ),
    "provider": LazyCommand(
        "therabill.cli.setup:provider_app", "The practice's therapists (rendering providers)."
    ),
    "location": LazyCommand(
        "therabill.cli.locations:app",
        "Service locations: schools and other places where sessions take place.",
    ),
    "payer": LazyCommand(
        "therabill.cli.setup:payer_app",
        "Insurers the practice bills, each from a payer profile.",
        adds=(("import-fee-schedule", "therabill.cli.fee_schedules:import_fee_schedule_command"),),
    ),
    "fee": LazyCommand(
        "therabill.cli.setup:fee_app", "The practice's charge per unit for each code."
    ),
    "client": LazyCommand(
        "therabill.cli.clients:app", "The practice's clients and their insurance."
    ),
    "auth": LazyCommand(
        "therabill.cli.sessions:auth_app", "Prior authorizations and their remaining units."
    ),
    "plan": LazyCommand(
        "therabill.cli.plans:app",
        "Therapy plans of care: certifying provider, certification and progress reports.",
    ),
    "session": LazyCommand(
        "therabill.cli.sessions:session_app", "Therapy sessions: minutes per code."
    ),
    "claims": LazyCommand(
        "therabill.cli.claims:app",
        "Claims: build, list, show and move through their lifecycle.",
        adds=(
            ("submit", "therabill.cli.submit:submit_command"),
            ("secondary", "therabill.cli.cob:secondary_command"),
            ("print", "therabill.cli.paper:print_command"),
            ("print-alignment", "therabill.cli.paper:alignment_command"),
            ("print-offset", "therabill.cli.paper:offset_command"),
            ("status-request", "therabill.cli.claim_status:status_request_command"),
            ("status-read", "therabill.cli.claim_status:status_read_command"),
        ),
    ),
    "entry": LazyCommand(
        "therabill.cli.ledger:entry_app", "Post, reverse and allocate ledger entries."
    ),
    "payment": LazyCommand(
        "therabill.cli.payments:app",
        "Client payments: take a payment or copay, refund, apply a credit, receipts.",
    ),
    "payment-plan": LazyCommand(
        "therabill.cli.payment_plans:app",
        "Payment plans: a client's balance paid in instalments on a schedule.",
    ),
    "reminders": LazyCommand(
        "therabill.cli.reminders:app",
        "Reminders by email: statements and reminders on an escalation schedule.",
    ),
    "statements": LazyCommand(
        "therabill.cli.statements:app",
        "Client statements: what each client owes after every payer.",
    ),
    "superbill": LazyCommand(
        "therabill.cli.paper:superbill_command",
        "A superbill: the client's services over a period, for their own out-of-network claim.",
    ),
    "invoice": LazyCommand(
        "therabill.cli.ledger:invoice_app", "Invoices: statements of what a client owes."
    ),
    "audit": LazyCommand(
        "therabill.cli.admin:audit_app",
        "The audit log: who read or changed what, and when (no client data in it).",
    ),
}


class TherabillGroup(LazyGroup):
    """The ``therabill`` root: every command in COMMANDS, each imported when it runs."""

    table = COMMANDS


app = typer.Typer(
    name="therabill",
    cls=TherabillGroup,
    help=(
        "therabill: therapy sessions to correct, payable insurance claims.\n\n"
        "Example: therabill units --rule cms 97112=24 97110=23"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
TherabillGroup.root = app


def _version(value: bool) -> None:
    if value:
        typer.echo(f"therabill {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    practice: int | None = typer.Option(
        None,
        "--practice",
        envvar="THERABILL_PRACTICE",
        min=1,
        help="The practice to work for, by id (PostgreSQL installations with several "
        "practices; default: the only one).",
    ),
) -> None:
    """therabill: therapy sessions to correct, payable insurance claims."""
    if practice is not None:
        from therabill.store import tenancy  # only then: commands without a database start fast

        tenancy.choose_practice(practice)


def main() -> None:
    app()
