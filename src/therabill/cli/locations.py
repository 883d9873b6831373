"""``therabill location``: places where sessions take place other than the practice (schools,
satellite offices), each sent as the 837P's service facility (loop 2310C)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.services import locations

app = typer.Typer(
    help="Service locations: schools and other places where sessions take place.",
    no_args_is_help=True,
)


@app.command("add")
@handles_errors
def location_add(
    name: Annotated[str, typer.Argument(help="The location's name, as on claims.")],
    address: Annotated[str, typer.Option(help="Street address.")],
    city: Annotated[str, typer.Option()],
    state: Annotated[str, typer.Option(help="Two-letter state.")],
    zip_code: Annotated[str, typer.Option("--zip", help="ZIP code (ZIP+4 preferred).")],
    npi: Annotated[str | None, typer.Option(help="The location's NPI, if it has one.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Add a place where sessions take place; claims of its sessions name it as the service
    facility (837P loop 2310C, CMS-1500 box 32), except for home visits (place of service 12).

    Example: therabill location add "Lincoln Elementary School" --address "40 School St" --city Portland --state ME --zip 04103-2210
    """
    with store_common.action() as work:
        data = locations.location_dict(
            locations.add_location(
                work=work,
                name=name,
                address=address,
                city=city,
                state=state,
                postal_code=zip_code,
                npi=npi,
            )
        )
    if json_output:
        emit_json(data)
        return
    console.print(f"Added service location {data['id']}: {data['name']}.")


@app.command("list")
@handles_errors
def location_list(
    all_: Annotated[bool, typer.Option("--all", help="Include retired locations.")] = False,
    json_output: JsonOption = False,
) -> None:
    """List the service locations.

    Example: therabill location list
    """
    with store_common.action() as work:
        data = [
            locations.location_dict(loc)
            for loc in locations.list_locations(work=work, include_inactive=all_)
        ]
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Id", "Name", "Address", "NPI", "Active"):
        table.add_column(column)
    for loc in data:
        where = f"{loc['address']}, {loc['city']} {loc['state']} {loc['postal_code']}"
        table.add_row(
            str(loc["id"]), loc["name"], where, loc["npi"] or "", "yes" if loc["active"] else "no"
        )
    console.print(table)


@app.command("end")
@handles_errors
def location_end(
    location_id: Annotated[int, typer.Argument(help="Location id (therabill location list).")],
    restore: Annotated[bool, typer.Option("--restore", help="Use a retired one again.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Retire a location: new sessions cannot pick it; sessions already there keep it.

    Example: therabill location end 2
    """
    with store_common.action() as work:
        data = locations.location_dict(
            locations.set_active(work=work, location_id=location_id, active=restore)
        )
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Location {data['id']} ({data['name']}) is {'active' if restore else 'retired'}."
    )
