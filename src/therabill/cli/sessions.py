"""``therabill session`` and ``therabill auth``: what happened, and what was approved."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.store_common import ClientArg
from therabill.errors import InvalidInput
from therabill.store.services import auths, names, sessions

session_app = typer.Typer(help="Therapy sessions: minutes per code.", no_args_is_help=True)
auth_app = typer.Typer(help="Prior authorizations and their remaining units.", no_args_is_help=True)

Opt = typer.Option


def _time(value: str | None, field: str) -> dt.time | None:
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a time (HH:MM)", field=field) from None


@session_app.command("add")
@handles_errors
def session_add(
    client: ClientArg,
    services: Annotated[
        list[str], typer.Argument(help="CODE=MINUTES, e.g. 97110=23 (CODE:GP=23 adds modifiers).")
    ],
    provider: Annotated[str, Opt(help="The therapist's NPI (or provider id).")],
    date: Annotated[str | None, Opt(help="Date of service, YYYY-MM-DD (default today).")] = None,
    start: Annotated[str | None, Opt(help="Start time HH:MM.")] = None,
    end: Annotated[str | None, Opt(help="End time HH:MM.")] = None,
    place: Annotated[
        str, Opt("--pos", help="Place of service code (11 office, 02/10 telehealth).")
    ] = "11",
    diagnoses: Annotated[list[str] | None, Opt("--dx", help="ICD-10-CM code (repeat).")] = None,
    techniques: Annotated[
        list[str] | None, Opt("--technique", help="Technique used (repeat).")
    ] = None,
    note: Annotated[str | None, Opt(help="The clinical note.")] = None,
    location: Annotated[
        str | None, Opt(help="Service location (name or id) when not at the practice.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Record a session; shows the units it supports under the client's payer's rule.

    Example: therabill session add C-1 97112=24 97110=23 --provider 1234567893 --start 09:00 --end 09:50 --dx M54.50
    """
    day = store_common.day(date, "date", dt.date.today())
    assert day is not None
    with store_common.action() as work:
        session, units = sessions.add_session(
            work=work,
            client=client,
            provider=provider,
            day=day,
            services=[sessions.parse_service(s) for s in services],
            start=_time(start, "start"),
            end=_time(end, "end"),
            place_of_service=place,
            techniques=techniques or [],
            note=note,
            diagnoses=diagnoses or [],
            location=location,
        )
        data = {"session": sessions.session_dict(session), "units": units.to_dict()}
    if json_output:
        emit_json(data)
        return
    lines = ", ".join(f"{ln.code} {ln.minutes} min → {ln.units} unit(s)" for ln in units.lines)
    console.print(f"Session {session.id} recorded ({units.rule} rule): {lines}.")
    for f in units.findings:
        console.print(f"{f.severity}: {f.message}")


@session_app.command("edit")
@handles_errors
def session_edit(
    session: Annotated[int, typer.Argument(help="The session's id (therabill session list).")],
    services: Annotated[
        list[str] | None,
        typer.Argument(help="New CODE=MINUTES for the whole session (replaces all)."),
    ] = None,
    date: Annotated[str | None, Opt(help="Date of service, YYYY-MM-DD.")] = None,
    start: Annotated[str | None, Opt(help="Start time HH:MM.")] = None,
    end: Annotated[str | None, Opt(help="End time HH:MM.")] = None,
    place: Annotated[str | None, Opt("--pos", help="Place of service code.")] = None,
    diagnoses: Annotated[
        list[str] | None, Opt("--dx", help="ICD-10-CM code (repeat; replaces all).")
    ] = None,
    techniques: Annotated[
        list[str] | None, Opt("--technique", help="Technique used (repeat; replaces all).")
    ] = None,
    note: Annotated[str | None, Opt(help="The clinical note (replaces it).")] = None,
    location: Annotated[
        str | None, Opt(help='Service location (name or id; "" clears it).')
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Change a session no claim bills yet; a billed session is changed through its claim
    (therabill claims edit, or claims correct once the payer has decided it).

    Example: therabill session edit 31 97110=38 --end 09:40
    """
    with store_common.action() as work:
        found, units = sessions.edit_session(
            work=work,
            session_id=session,
            services=[sessions.parse_service(s) for s in services] if services else None,
            day=store_common.day(date, "date"),
            start=_time(start, "start"),
            end=_time(end, "end"),
            place_of_service=place,
            techniques=techniques,
            note=note,
            diagnoses=diagnoses,
            location=location,
        )
        data = {"session": sessions.session_dict(found), "units": units.to_dict()}
    if json_output:
        emit_json(data)
        return
    lines = ", ".join(f"{ln.code} {ln.minutes} min → {ln.units} unit(s)" for ln in units.lines)
    console.print(f"Session {found.id} changed ({units.rule} rule): {lines}.")


@session_app.command("delete")
@handles_errors
def session_delete(
    session: Annotated[int, typer.Argument(help="The session's id (therabill session list).")],
    json_output: JsonOption = False,
) -> None:
    """Delete a session no claim bills yet (entered by mistake or twice).

    Example: therabill session delete 31
    """
    with store_common.action() as work:
        deleted = sessions.delete_session(work=work, session_id=session)
    if json_output:
        emit_json({"deleted": deleted})
        return
    console.print(f"Session {deleted} deleted.")


@session_app.command("list")
@handles_errors
def session_list(
    client: Annotated[str | None, Opt(help="Only this client's sessions.")] = None,
    unbilled: Annotated[bool, Opt("--unbilled", help="Only sessions not yet on a claim.")] = False,
    limit: Annotated[int, Opt()] = 100,
    json_output: JsonOption = False,
) -> None:
    """List sessions, newest first.

    Example: therabill session list --unbilled
    """
    with store_common.action() as work:
        data = [
            sessions.session_dict(s)
            for s in sessions.list_sessions(
                work=work, client=client, unbilled=unbilled, limit=limit
            )
        ]
        who = names.client_names(work, (s["client_id"] for s in data))
        by = names.provider_names(work, (s["provider_id"] for s in data))
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Id", "Date", "Client", "Provider", "Minutes", "Claim"):
        table.add_column(column)
    for s in data:
        minutes = " ".join(f"{x['code']}={x['minutes']}" for x in s["services"])
        table.add_row(
            str(s["id"]),
            s["date"],
            who.get(s["client_id"], str(s["client_id"])),
            by.get(s["provider_id"], str(s["provider_id"])),
            minutes,
            str(s["claim_id"] or "-"),
        )
    console.print(table)


@auth_app.command("add")
@handles_errors
def auth_add(
    client: ClientArg,
    number: Annotated[str, Opt(help="Authorization number from the payer.")],
    payer: Annotated[str, Opt(help="Payer name or profile id.")],
    start: Annotated[str, Opt("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, Opt("--to", help="Last day, YYYY-MM-DD.")],
    codes: Annotated[
        list[str] | None, Opt("--code", help="Code covered (repeat; none = any).")
    ] = None,
    units: Annotated[int | None, Opt(help="Units approved.")] = None,
    visits: Annotated[int | None, Opt(help="Visits approved.")] = None,
    discipline: Annotated[str | None, Opt()] = None,
    case_manager: Annotated[str | None, Opt("--case-manager", help="Case manager's name.")] = None,
    phone: Annotated[str | None, Opt(help="Case manager's phone.")] = None,
    email: Annotated[str | None, Opt(help="Case manager's email.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Record a prior authorization (a client may hold several at once).

    Example: therabill auth add C-1 --number PA-778 --payer MEDICARE --from 2026-01-01 --to 2026-06-30 --code 97110 --units 24
    """
    first = store_common.day(start, "from")
    last = store_common.day(end, "to")
    assert first is not None and last is not None
    with store_common.action() as work:
        added = auths.add_authorization(
            work=work,
            client=client,
            payer=payer,
            number=number,
            start=first,
            end=last,
            codes=codes or [],
            units=units,
            visits=visits,
            discipline=discipline,
            case_manager_name=case_manager,
            case_manager_phone=phone,
            case_manager_email=email,
        )
        data = auths.AuthorizationStatus(added, 0, 0).to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(f"Added authorization {data['id']} ({data['number']}).")


@auth_app.command("list")
@handles_errors
def auth_list(
    client: Annotated[
        str | None, typer.Argument(help="Client id or chart number (default all).")
    ] = None,
    active: Annotated[bool, Opt("--active", help="Only those in force today.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Authorizations with units and visits used and remaining.

    Example: therabill auth list C-1 --active
    """
    with store_common.action() as work:
        found = auths.list_authorizations(
            work=work, client=client, active_on=dt.date.today() if active else None
        )
        data = [s.to_dict() for s in found]
        who = names.client_names(work, (a["client_id"] for a in data))
    if json_output:
        emit_json(data)
        return
    table = Table(box=None)
    for column in ("Id", "Client", "Number", "Codes", "From", "To", "Units left", "Visits left"):
        table.add_column(column)
    for a in data:
        table.add_row(
            str(a["id"]),
            who.get(a["client_id"], str(a["client_id"])),
            a["number"],
            " ".join(a["codes"]) or "any",
            a["start_date"],
            a["end_date"],
            "-"
            if a["units_remaining"] is None
            else f"{a['units_remaining']}/{a['units_approved']}",
            "-"
            if a["visits_remaining"] is None
            else f"{a['visits_remaining']}/{a['visits_approved']}",
        )
    console.print(table)


@auth_app.command("edit")
@handles_errors
def auth_edit(
    auth_id: Annotated[int, typer.Argument(help="Authorization id (see: therabill auth list).")],
    number: Annotated[str | None, Opt(help="Authorization number from the payer.")] = None,
    start: Annotated[str | None, Opt("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, Opt("--to", help="Last day, YYYY-MM-DD.")] = None,
    codes: Annotated[
        list[str] | None, Opt("--code", help="Code covered (repeat; replaces the list).")
    ] = None,
    any_code: Annotated[bool, Opt("--any-code", help="Cover any code (clear the list).")] = False,
    units: Annotated[int | None, Opt(help="Units approved.")] = None,
    visits: Annotated[int | None, Opt(help="Visits approved.")] = None,
    discipline: Annotated[str | None, Opt()] = None,
    case_manager: Annotated[str | None, Opt("--case-manager", help="Case manager's name.")] = None,
    phone: Annotated[str | None, Opt(help="Case manager's phone.")] = None,
    email: Annotated[str | None, Opt(help="Case manager's email.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Change an authorization: only the options given change (units cannot drop below
    what built claims used).

    Example: therabill auth edit 3 --units 36 --to 2026-09-30
    """
    changes: dict[str, object] = {
        name: value
        for name, value in (
            ("number", number),
            ("start", store_common.day(start, "from")),
            ("end", store_common.day(end, "to")),
            ("units", units),
            ("visits", visits),
            ("discipline", discipline),
            ("case_manager_name", case_manager),
            ("case_manager_phone", phone),
            ("case_manager_email", email),
        )
        if value is not None
    }
    if codes or any_code:
        changes["codes"] = [] if any_code else codes
    with store_common.action() as work:
        data = auths.edit_authorization(work=work, auth_id=auth_id, changes=changes).to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(f"Changed authorization {data['id']} ({data['number']}).")


@auth_app.command("end")
@handles_errors
def auth_end(
    auth_id: Annotated[int, typer.Argument(help="Authorization id (see: therabill auth list).")],
    on: Annotated[str | None, Opt(help="Its last day, YYYY-MM-DD (default today).")] = None,
    json_output: JsonOption = False,
) -> None:
    """End an authorization early (withdrawn, or the client was discharged).

    Example: therabill auth end 3 --on 2026-05-31
    """
    last = store_common.day(on, "on", dt.date.today())
    assert last is not None
    with store_common.action() as work:
        data = auths.end_authorization(work=work, auth_id=auth_id, on=last).to_dict()
    if json_output:
        emit_json(data)
        return
    console.print(f"Authorization {data['id']} ({data['number']}) ends on {data['end_date']}.")
