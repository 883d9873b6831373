"""``therabill init``, ``provider``, ``payer``, ``fee`` and ``demo``: set up a practice's records."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, err_console, handles_errors
from therabill.errors import InvalidInput
from therabill.money import format_money, parse_money
from therabill.store.services import demo as demo_service
from therabill.store.services import payers as payer_service
from therabill.store.services import practice as practice_service
from therabill.store.services import profiles

provider_app = typer.Typer(
    help="The practice's therapists (rendering providers).", no_args_is_help=True
)
fee_app = typer.Typer(help="The practice's charge per unit for each code.", no_args_is_help=True)
payer_app = typer.Typer(
    help="Insurers the practice bills, each from a payer profile.", no_args_is_help=True
)


@handles_errors
def init_command(
    name: Annotated[str | None, typer.Option(help="The practice's name.")] = None,
    npi: Annotated[str | None, typer.Option(help="The practice's (group) NPI.")] = None,
    tax_id: Annotated[str | None, typer.Option("--tax-id", help="EIN or SSN for box 25.")] = None,
    address: Annotated[
        str | None, typer.Option(help='Billing address "street, city, ST, ZIP".')
    ] = None,
    pay_to: Annotated[
        str | None,
        typer.Option(
            "--pay-to",
            help='Where payers send payments, when not the billing address: "street, city, '
            'ST, ZIP" (a PO or lock box is fine; "" clears it).',
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create the practice database, or upgrade it to this version's schema.

    Safe to run again: it only migrates and updates what you pass.

    Example: therabill init --name "Harbour Therapy" --npi 1234567893
    """
    parts = _address_parts(address, "address") if address else None
    pay_to_parts = None
    if pay_to is not None:
        pay_to_parts = _address_parts(pay_to, "pay_to") if pay_to.strip() else ("", "", "", "")
    opened = store_common.store(initialised=False)
    try:
        result = practice_service.init_practice(
            store=opened, name=name, npi=npi, tax_id=tax_id, address=parts, pay_to=pay_to_parts
        )
    finally:
        opened.dispose()
    if json_output:
        emit_json(result)
        return
    verb = "Created" if result["created"] else "Updated"
    console.print(f"{verb} practice {result['name']!r} (schema {result['schema']}).")
    console.print(f"Database: {result['database']}")


def _address_parts(text: str, field: str) -> tuple[str, str, str, str]:
    pieces = [p.strip() for p in text.split(",")]
    if len(pieces) != 4:
        raise InvalidInput('give "street, city, ST, ZIP"', field=field)
    return pieces[0], pieces[1], pieces[2], pieces[3]


@provider_app.command("add")
@handles_errors
def provider_add(
    npi: Annotated[str, typer.Option(help="The therapist's individual NPI.")],
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: Annotated[str, typer.Option("--last-name")],
    discipline: Annotated[str, typer.Option(help="massage, music, ot, pt, slp, behavioral or at.")],
    licence: Annotated[str | None, typer.Option(help="Licence number and state.")] = None,
    taxonomy: Annotated[str | None, typer.Option(help="NUCC taxonomy code.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Add a therapist who sees clients.

    Example: therabill provider add --npi 1234567893 --first-name Pat --last-name Lee --discipline pt
    """
    with store_common.action() as work:
        provider = practice_service.add_provider(
            work=work,
            npi=npi,
            first_name=first_name,
            last_name=last_name,
            discipline=discipline,
            licence=licence,
            taxonomy=taxonomy,
        )
        data = practice_service.provider_dict(provider)
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Added provider {data['id']}: {data['name']} ({data['discipline']}, NPI {data['npi']})."
    )


@provider_app.command("list")
@handles_errors
def provider_list(json_output: JsonOption = False) -> None:
    """List the practice's providers.

    Example: therabill provider list
    """
    with store_common.action() as work:
        data = [
            practice_service.provider_dict(p) for p in practice_service.list_providers(work=work)
        ]
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Id", "NPI", "Name", "Discipline", "Taxonomy"):
        table.add_column(column)
    for p in data:
        table.add_row(str(p["id"]), p["npi"], p["name"], p["discipline"], p["taxonomy"] or "")
    console.print(table)


@provider_app.command("edit")
@handles_errors
def provider_edit(
    provider_id: Annotated[int, typer.Argument(help="Provider id (see: therabill provider list).")],
    npi: Annotated[str | None, typer.Option(help="The therapist's individual NPI.")] = None,
    first_name: Annotated[str | None, typer.Option("--first-name")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name")] = None,
    discipline: Annotated[
        str | None, typer.Option(help="massage, music, ot, pt, slp, behavioral or at.")
    ] = None,
    licence: Annotated[str | None, typer.Option(help='Licence number ("" clears).')] = None,
    taxonomy: Annotated[str | None, typer.Option(help='NUCC taxonomy code ("" clears).')] = None,
    json_output: JsonOption = False,
) -> None:
    """Change a provider's details: only the options given change.

    Example: therabill provider edit 2 --taxonomy 225100000X
    """
    changes = {
        name: value
        for name, value in (
            ("npi", npi),
            ("first_name", first_name),
            ("last_name", last_name),
            ("discipline", discipline),
            ("licence", licence),
            ("taxonomy", taxonomy),
        )
        if value is not None
    }
    with store_common.action() as work:
        data = practice_service.provider_dict(
            practice_service.edit_provider(work=work, provider_id=provider_id, changes=changes)
        )
    if json_output:
        emit_json(data)
        return
    console.print(f"Changed provider {data['id']}: {data['name']} ({data['discipline']}).")


@provider_app.command("end")
@handles_errors
def provider_end(
    provider_id: Annotated[int, typer.Argument(help="Provider id (see: therabill provider list).")],
    restore: Annotated[
        bool, typer.Option("--restore", help="Take a provider who left back on.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """A provider who left: no new sessions for them (past sessions and claims stay).

    Example: therabill provider end 2
    """
    with store_common.action() as work:
        data = practice_service.provider_dict(
            practice_service.end_provider(work=work, provider_id=provider_id, active=restore)
        )
    if json_output:
        emit_json(data)
        return
    state = "active again" if data["active"] else "no longer active"
    console.print(f"Provider {data['id']} ({data['name']}) is {state}.")


# A payer's mailing address for paper claims, the same options on `payer add` and `payer edit`.
AddressOption = Annotated[
    str | None, typer.Option(help="Mailing address for paper claims (CMS-1500 carrier block).")
]
Address2Option = Annotated[str | None, typer.Option(help="Its second line, if any.")]
CityOption = Annotated[str | None, typer.Option(help="City of the mailing address.")]
StateOption = Annotated[str | None, typer.Option(help="State, two letters.")]
ZipOption = Annotated[str | None, typer.Option("--zip", help="ZIP code.")]


def _mailing(*parts: str | None) -> payer_service.MailingAddress | None:
    """The address options as one address, or None when none was given."""
    if all(part is None for part in parts):
        return None
    return payer_service.MailingAddress(*(part or "" for part in parts))


@payer_app.command("add")
@handles_errors
def payer_add(
    profile: Annotated[str, typer.Argument(help="Payer profile id, e.g. MEDICARE.")],
    name: Annotated[
        str | None, typer.Option(help="Name on claims (default: the profile's).")
    ] = None,
    payer_id: Annotated[
        str | None, typer.Option("--payer-id", help="The payer's electronic payer id.")
    ] = None,
    address: AddressOption = None,
    address2: Address2Option = None,
    city: CityOption = None,
    state: StateOption = None,
    zip_code: ZipOption = None,
    json_output: JsonOption = False,
) -> None:
    """Add an insurer, with its rules taken from a payer profile.

    Example: therabill payer add MEDICARE --payer-id 00430
    """
    mailing = _mailing(address, address2, city, state, zip_code)
    with store_common.action() as work:
        data = payer_service.payer_dict(
            payer_service.add_payer(
                work=work, profile=profile, name=name, payer_id=payer_id, mailing=mailing
            )
        )
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Added payer {data['id']}: {data['name']} (profile {data['profile']}, {data['unit_rule']} units)."
    )


@payer_app.command("edit")
@handles_errors
def payer_edit(
    payer: Annotated[int, typer.Argument(help="Payer id (see: therabill payer list).")],
    name: Annotated[str | None, typer.Option(help="Name on claims.")] = None,
    payer_id: Annotated[
        str | None, typer.Option("--payer-id", help='Electronic payer id ("" clears).')
    ] = None,
    address: AddressOption = None,
    address2: Address2Option = None,
    city: CityOption = None,
    state: StateOption = None,
    zip_code: ZipOption = None,
    json_output: JsonOption = False,
) -> None:
    """Rename a payer, set its electronic payer id or its mailing address for paper claims
    (all address options "" clear it; its profile stays).

    Example: therabill payer edit 2 --address "PO Box 14099" --city Lexington --state KY --zip 40512
    """
    mailing = _mailing(address, address2, city, state, zip_code)
    with store_common.action() as work:
        data = payer_service.payer_dict(
            payer_service.edit_payer(
                work=work, payer=payer, name=name, payer_id=payer_id, mailing=mailing
            )
        )
    if json_output:
        emit_json(data)
        return
    console.print(
        f"Changed payer {data['id']}: {data['name']} (payer id {data['payer_id'] or '-'}; "
        f"paper claims to: {', '.join(data['mailing_address']) or '-'})."
    )


@payer_app.command("list")
@handles_errors
def payer_list(
    profiles_too: Annotated[
        bool, typer.Option("--profiles", help="Also list the payer profiles available.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """List the practice's payers (and, with --profiles, the profiles to add them from).

    Example: therabill payer list --profiles
    """
    with store_common.action() as work:
        data = [payer_service.payer_dict(p) for p in payer_service.list_payers(work=work)]
    available = {k: v.name for k, v in sorted(profiles.payer_profiles().items())}
    if json_output:
        emit_json({"payers": data, "profiles": available} if profiles_too else data)
        return
    table = Table(box=None)
    for column in ("Id", "Name", "Profile", "Payer id", "Units"):
        table.add_column(column)
    for p in data:
        table.add_row(
            str(p["id"]), p["name"], p["profile"], p["payer_id"] or "", p["unit_rule"] or "?"
        )
    console.print(table)
    if profiles_too:
        console.print("\nProfiles: " + ", ".join(f"{k} ({v})" for k, v in available.items()))


@handles_errors
def demo_command(
    clients: Annotated[int, typer.Option(help="How many made-up clients.")] = 24,
    months: Annotated[int, typer.Option(help="Months of sessions.")] = 3,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (exit 0) when the database has clients.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Fill an empty database with a demo practice: made-up clients across disciplines and
    payers, months of sessions, claims, payments and denials.

    Example: THERABILL_HOME=/tmp/demo therabill demo
    """
    opened = store_common.store(initialised=False)
    if if_empty and demo_service.has_clients(opened):
        opened.dispose()
        if json_output:
            emit_json({"skipped": "the database already holds clients"})
        else:
            err_console.print("demo: the database already holds clients; nothing added.")
        return
    try:
        result = demo_service.create_demo(
            store=opened,
            clients_count=clients,
            months=months,
            progress=None if json_output else (lambda msg: err_console.print(f"demo: {msg}")),
        )
    finally:
        opened.dispose()
    if json_output:
        emit_json(result)
        return
    console.print(
        f"Demo practice ready: {result['clients']} clients, {result['sessions']} sessions, "
        f"{result['claims']} claims ({result['paid']} paid, {result['partly_paid']} partly paid, "
        f"{result['denied']} denied, {result['rejected']} rejected)."
    )
    if result["draft"]:
        top = ", ".join(f"{k} ×{v}" for k, v in list(result["draft_findings"].items())[:3])
        console.print(f"{result['draft']} claim(s) kept as draft by the scrubber: {top}.")
    console.print("Try: therabill claims list --attention   therabill ledger DEMO-001")


@fee_app.command("set")
@handles_errors
def fee_set(
    code: Annotated[str, typer.Argument(help="CPT/HCPCS code.")],
    amount: Annotated[str, typer.Argument(help="Charge per unit, e.g. 45.00.")],
    json_output: JsonOption = False,
) -> None:
    """Set what the practice charges per unit of a code (claims built later use it).

    Example: therabill fee set 97110 45.00
    """
    cents = parse_money(amount)
    with store_common.action() as work:
        fee = practice_service.set_fee(work=work, code=code, unit_charge_cents=cents)
        data = {"code": fee.code, "unit_charge_cents": fee.unit_charge_cents}
    if json_output:
        emit_json(data)
        return
    console.print(f"{data['code']}: {format_money(cents)} per unit.")


@fee_app.command("remove")
@handles_errors
def fee_remove(
    code: Annotated[str, typer.Argument(help="CPT/HCPCS code.")],
    json_output: JsonOption = False,
) -> None:
    """Stop charging for a code: claims built later have no charge for it (a scrub error
    until a fee is set again); claims already built keep theirs.

    Example: therabill fee remove 97039
    """
    with store_common.action() as work:
        cents = practice_service.remove_fee(work=work, code=code)
    data = {"code": code.strip().upper(), "removed_unit_charge_cents": cents}
    if json_output:
        emit_json(data)
        return
    console.print(f"{data['code']}: fee of {format_money(cents)} per unit removed.")


@fee_app.command("list")
@handles_errors
def fee_list(json_output: JsonOption = False) -> None:
    """The practice's fee schedule.

    Example: therabill fee list
    """
    with store_common.action() as work:
        data: list[dict[str, Any]] = [
            {"code": f.code, "unit_charge_cents": f.unit_charge_cents}
            for f in practice_service.list_fees(work=work)
        ]
    if json_output:
        emit_json(data)
        return
    for f in data:
        console.print(f"{f['code']}  {format_money(f['unit_charge_cents'])}")
