"""``therabill client``: add, list, show and import clients, and their caseloads (every read
is audited)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, err_console, handles_errors
from therabill.cli.store_common import ClientArg
from therabill.money import format_dollars
from therabill.store.services import auths, caseload, clients, importing, ledger, lookup

app = typer.Typer(help="The practice's clients and their insurance.", no_args_is_help=True)

Opt = typer.Option


@app.command("add")
@handles_errors
def add(
    first_name: Annotated[str, Opt("--first-name")],
    last_name: Annotated[str, Opt("--last-name")],
    birth_date: Annotated[str, Opt("--birth-date", help="YYYY-MM-DD.")],
    sex: Annotated[str, Opt(help="F, M or U.")] = "U",
    chart_number: Annotated[str | None, Opt("--chart", help="Your chart number.")] = None,
    address: Annotated[str | None, Opt()] = None,
    city: Annotated[str | None, Opt()] = None,
    state: Annotated[str | None, Opt()] = None,
    postal_code: Annotated[str | None, Opt("--zip")] = None,
    phone: Annotated[str | None, Opt()] = None,
    email: Annotated[str | None, Opt()] = None,
    payer: Annotated[str | None, Opt(help="Payer name or profile id of the policy.")] = None,
    member_id: Annotated[str | None, Opt("--member-id", help="Id on the insurance card.")] = None,
    group_number: Annotated[str | None, Opt("--group")] = None,
    priority: Annotated[str, Opt(help="primary, secondary or tertiary.")] = "primary",
    json_output: JsonOption = False,
) -> None:
    """Add a client, with their insurance policy if --payer and --member-id are given.

    Example: therabill client add --first-name Ada --last-name Example --birth-date 1950-03-04 --payer MEDICARE --member-id 1EG4TE5MK73
    """
    row = {
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": birth_date,
        "sex": sex,
        "chart_number": chart_number,
        "address": address,
        "city": city,
        "state": state,
        "postal_code": postal_code,
        "phone": phone,
        "email": email,
        "payer": payer,
        "member_id": member_id,
        "group_number": group_number,
        "priority": priority,
    }
    data = clients.client_input(row)
    with store_common.action() as work:
        client = clients.add_client(work=work, data=data)
        result = clients.client_dict(client)
    if json_output:
        emit_json(result)
        return
    console.print(f"Added client {result['id']}: {result['name']}.")


@app.command("policy")
@handles_errors
def policy(
    client: ClientArg,
    payer: Annotated[str, Opt(help="Payer name or profile id.")],
    member_id: Annotated[str, Opt("--member-id")],
    priority: Annotated[str, Opt(help="primary, secondary or tertiary.")] = "primary",
    group_number: Annotated[str | None, Opt("--group")] = None,
    relationship: Annotated[str, Opt(help="self, spouse, child or other.")] = "self",
    subscriber_first: Annotated[str | None, Opt("--subscriber-first-name")] = None,
    subscriber_last: Annotated[str | None, Opt("--subscriber-last-name")] = None,
    subscriber_born: Annotated[str | None, Opt("--subscriber-birth-date")] = None,
    subscriber_sex: Annotated[str | None, Opt("--subscriber-sex", help="F, M or U.")] = None,
    subscriber_address: Annotated[str | None, Opt("--subscriber-address")] = None,
    subscriber_city: Annotated[str | None, Opt("--subscriber-city")] = None,
    subscriber_state: Annotated[str | None, Opt("--subscriber-state")] = None,
    subscriber_zip: Annotated[str | None, Opt("--subscriber-zip")] = None,
    start: Annotated[str | None, Opt("--from", help="Coverage starts, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, Opt("--to", help="Coverage ends, YYYY-MM-DD.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Add an insurance policy (primary or secondary) to a client.

    For a child on a parent's policy give --relationship child and the parent's name; the
    parent's birth date, sex and address are optional (a claim for a dependant does not send
    them).

    Example: therabill client policy C-1 --payer COMMERCIAL --member-id XYZ123 --priority secondary
    """
    with store_common.action() as work:
        found = clients.show_client(work=work, client=client)
        added = clients.add_policy(
            work=work,
            client_id=found.id,
            payer=payer,
            member_id=member_id,
            priority=priority,
            group_number=group_number,
            relationship=relationship,
            subscriber_first_name=subscriber_first,
            subscriber_last_name=subscriber_last,
            subscriber_birth_date=store_common.day(subscriber_born, "subscriber_birth_date"),
            subscriber_sex=subscriber_sex.upper() if subscriber_sex else None,
            subscriber_address=subscriber_address,
            subscriber_city=subscriber_city,
            subscriber_state=subscriber_state,
            subscriber_postal_code=subscriber_zip,
            start_date=store_common.day(start, "from"),
            end_date=store_common.day(end, "to"),
        )
        result = {"policy_id": added.id, "client_id": found.id, "priority": added.priority}
    if json_output:
        emit_json(result)
        return
    console.print(f"Added {added.priority} policy {added.id} to client {found.id}.")


@app.command("policy-edit")
@handles_errors
def policy_edit(
    policy_id: Annotated[int, typer.Argument(help="Policy id (see: therabill client show).")],
    member_id: Annotated[str | None, Opt("--member-id")] = None,
    priority: Annotated[str | None, Opt(help="primary, secondary or tertiary.")] = None,
    group_number: Annotated[str | None, Opt("--group", help='Group number ("" clears).')] = None,
    relationship: Annotated[str | None, Opt(help="self, spouse, child or other.")] = None,
    subscriber_first: Annotated[str | None, Opt("--subscriber-first-name")] = None,
    subscriber_last: Annotated[str | None, Opt("--subscriber-last-name")] = None,
    subscriber_born: Annotated[str | None, Opt("--subscriber-birth-date")] = None,
    subscriber_sex: Annotated[str | None, Opt("--subscriber-sex", help="F, M or U.")] = None,
    subscriber_address: Annotated[str | None, Opt("--subscriber-address")] = None,
    subscriber_city: Annotated[str | None, Opt("--subscriber-city")] = None,
    subscriber_state: Annotated[str | None, Opt("--subscriber-state")] = None,
    subscriber_zip: Annotated[str | None, Opt("--subscriber-zip")] = None,
    start: Annotated[str | None, Opt("--from", help="Coverage starts, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, Opt("--to", help="Coverage ends, YYYY-MM-DD.")] = None,
    medicare_secondary_type: Annotated[
        str | None,
        Opt(
            "--medicare-secondary-type",
            help="When Medicare pays after another payer, why (837P SBR05): 12 working aged, "
            "13 ESRD, 14 no-fault, 15 workers' comp, 16 federal agency, 41 black lung, 42 VA, "
            '43 disabled, 47 other liability ("" clears).',
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Change a policy: only the options given change (its priority, subscriber, dates).

    Example: therabill client policy-edit 4 --priority secondary --group G-77
    """
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("member_id", member_id),
            ("priority", priority),
            ("group_number", group_number),
            ("relationship", relationship),
            ("subscriber_first_name", subscriber_first),
            ("subscriber_last_name", subscriber_last),
            ("subscriber_birth_date", store_common.day(subscriber_born, "subscriber_birth_date")),
            ("subscriber_sex", subscriber_sex),
            ("subscriber_address", subscriber_address),
            ("subscriber_city", subscriber_city),
            ("subscriber_state", subscriber_state),
            ("subscriber_postal_code", subscriber_zip),
            ("start_date", store_common.day(start, "from")),
            ("end_date", store_common.day(end, "to")),
            ("medicare_secondary_type", medicare_secondary_type),
        )
        if value is not None
    }
    with store_common.action() as work:
        data = clients.policy_dict(
            clients.edit_policy(work=work, policy_id=policy_id, changes=changes)
        )
    if json_output:
        emit_json(data)
        return
    console.print(f"Changed {data['priority']} policy {data['id']} ({data['payer']}).")


@app.command("policy-end")
@handles_errors
def policy_end(
    policy_id: Annotated[int, typer.Argument(help="Policy id (see: therabill client show).")],
    on: Annotated[str | None, Opt(help="Last day of coverage, YYYY-MM-DD (default today).")] = None,
    json_output: JsonOption = False,
) -> None:
    """End a policy's coverage (the client changed insurance or lost it).

    Example: therabill client policy-end 4 --on 2026-06-30
    """
    last = store_common.day(on, "on", dt.date.today())
    assert last is not None
    with store_common.action() as work:
        data = clients.policy_dict(clients.end_policy(work=work, policy_id=policy_id, on=last))
    if json_output:
        emit_json(data)
        return
    console.print(f"Policy {data['id']} ({data['payer']}) ends on {data['end_date']}.")


@app.command("caseload")
@handles_errors
def caseload_command(
    client: ClientArg,
    add: Annotated[
        list[str] | None, Opt("--add", help="Put on this provider's caseload (NPI or id).")
    ] = None,
    remove: Annotated[
        list[str] | None, Opt("--remove", help="Take off this provider's caseload (NPI or id).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Show or change which providers work with a client. A therapist's web login sees the
    clients on their caseload (and those they have a session with), so a new client can be
    picked for a first session.

    Example: therabill client caseload C-1 --add 1234567893
    """
    with store_common.action() as work:
        found = clients.show_client(work=work, client=client)
        current = {p.id for p in caseload.caseload_providers(work=work, client_id=found.id)}
        added = {lookup.provider(work, ref).id for ref in add or []}
        removed = {lookup.provider(work, ref).id for ref in remove or []}
        if add or remove:
            caseload.set_caseload(
                work=work, client_id=found.id, provider_ids=(current | added) - removed
            )
        providers = [
            {"id": p.id, "npi": p.npi, "name": f"{p.first_name} {p.last_name}"}
            for p in caseload.caseload_providers(work=work, client_id=found.id)
        ]
    if json_output:
        emit_json({"client_id": found.id, "providers": providers})
        return
    if not providers:
        console.print(f"Client {found.id} is on no provider's caseload.")
    for p in providers:
        console.print(f"{p['npi']}  {p['name']}")


@app.command("list")
@handles_errors
def list_command(
    search: Annotated[str | None, Opt(help="Part of a name or chart number.")] = None,
    limit: Annotated[int, Opt(help="At most this many.")] = 200,
    json_output: JsonOption = False,
) -> None:
    """List clients by name.

    Example: therabill client list --search example
    """
    with store_common.action() as work:
        data = [
            clients.client_dict(c)
            for c in clients.list_clients(work=work, search=search, limit=limit)
        ]
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Id", "Chart", "Name", "Born"):
        table.add_column(column)
    for c in data:
        table.add_row(str(c["id"]), c["chart_number"] or "", c["name"], c["birth_date"])
    console.print(table)


@app.command("show")
@handles_errors
def show(client: ClientArg, json_output: JsonOption = False) -> None:
    """A client's details, policies, authorizations and balance.

    Example: therabill client show C-1
    """
    with store_common.action() as work:
        found = clients.show_client(work=work, client=client)
        data: dict[str, Any] = clients.client_dict(found, full=True)
        data["authorizations"] = [
            s.to_dict() for s in auths.statuses(work=work, client_id=found.id)
        ]
        data["balance"] = ledger.client_ledger(work=work, client=found.id).balance.to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(
        f"[bold]{escape(data['name'])}[/bold]  id {data['id']}  "
        f"chart {escape(data['chart_number'] or '-')}  born {data['birth_date']}  sex {data['sex']}",
        markup=True,
    )
    where = ", ".join(
        x for x in (data["address"], data["city"], data["state"], data["postal_code"]) if x
    )
    if where:
        console.print(where)
    for p in data["policies"]:
        console.print(
            f"{p['priority']}: {p['payer']}  member {p['member_id']}  ({p['relationship']})"
        )
    for a in data["authorizations"]:
        left = a["units_remaining"] if a["units_remaining"] is not None else a["visits_remaining"]
        unit = "units" if a["units_remaining"] is not None else "visits"
        console.print(
            f"authorization {a['number']}: {', '.join(a['codes']) or 'any code'} {a['start_date']}–{a['end_date']}, {left} {unit} left"
        )
    b = data["balance"]
    console.print(
        f"Balance: insurance {format_dollars(b['insurance_cents'])}, client {format_dollars(b['patient_cents'])}"
    )


@app.command("import")
@handles_errors
def import_command(
    path: Annotated[Path, typer.Argument(help="CSV with a header row (see the README).")],
    skip_bad: Annotated[
        bool, Opt("--skip-bad", help="Import the good rows; write the bad ones to a file.")
    ] = False,
    rejects: Annotated[
        Path | None, Opt(help="Where --skip-bad writes rejected rows (default FILE.rejects.csv).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Import clients from CSV: every row is checked first; one bad row imports nothing.

    Columns: first_name, last_name, birth_date (required), chart_number, sex, address, city,
    state, postal_code, phone, email, payer, member_id, group_number, priority.

    Example: therabill client import clients.csv --skip-bad
    """
    with (
        store_common.action() as work,
        store_common.progress_bar("Importing clients", enabled=not json_output) as advance,
    ):
        result = importing.import_clients(
            work=work, path=path, skip_bad=skip_bad, rejects_path=rejects, progress=advance
        )
    if json_output:
        emit_json(result.to_dict())
        return
    console.print(f"Imported {len(result.imported)} client(s).")
    if result.rejected:
        err_console.print(
            f"Skipped {len(result.rejected)} bad row(s), written to {result.rejects_file}: "
            + "; ".join(f"row {r.row}: {r.reason}" for r in result.rejected[:10])
        )
