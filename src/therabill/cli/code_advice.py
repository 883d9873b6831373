"""``therabill codes advise``: the codes that fit a description of the session, why, what not
to bill, and with ``--payer`` what that payer takes and has paid."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.cli.units import parse_date
from therabill.codes.advisor import Advice, advise


@handles_errors
def advise_command(
    text: Annotated[
        str, typer.Argument(help="What was done: techniques, goals, body areas, time.")
    ],
    discipline: Annotated[
        str | None,
        typer.Option("--discipline", help="massage, music, ot, pt, slp, behavioral or at."),
    ] = None,
    payer: Annotated[
        str | None,
        typer.Option(
            "--payer", help="A payer the practice bills (id or name): what it takes and pays."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=20, help="How many codes.")] = 5,
    date: Annotated[
        str | None, typer.Option("--date", help="Date of service, YYYY-MM-DD (default today).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Rank the codes that fit what was done, with why, the published source and what to avoid.

    Example: therabill codes advise "50 minutes of Swedish massage for neck tension" --discipline massage
    """
    day = parse_date(date)
    if payer is not None:
        from therabill.cli import store_common  # the database only when a payer is named
        from therabill.store.services.code_advice import advise_for_payer

        with store_common.action() as work:
            advice = advise_for_payer(
                work, text, payer=payer, discipline=discipline, day=day, limit=limit
            )
    else:
        advice = advise(text, discipline=discipline, day=day, limit=limit)
    if json_output:
        data = advice.to_dict()
        emit_json({"suggestions": data["suggestions"], "avoid": data["avoid"]} | data)
        return
    _print(advice)


def _print(advice: Advice) -> None:
    if not advice.suggestions:
        console.print("No code matches this description; name the techniques and goals.")
    for rank, s in enumerate(advice.suggestions, start=1):
        console.print(
            f"[bold]{rank}. {s.code}[/bold] ({s.score:.2f}) {escape(s.description)}", markup=True
        )
        console.print(f"   Why: {s.why}")
        console.print(f"   Source: {s.source}")
        if s.payer is not None:
            facts = s.payer
            said = "takes it" if facts["accepted"] else "does not take it"
            if facts.get("instead"):
                said += f" (bill {' or '.join(facts['instead'])})"
            if facts.get("allowed_per_unit"):
                said += f"; allows ${facts['allowed_per_unit']}/unit"
            console.print(f"   {facts['payer']}: {said}")
            if facts.get("paid"):
                console.print(f"   Paid: {facts['paid']}")
    for item in advice.avoid:
        console.print(
            f"[red]Avoid {item.code}[/red]: {escape(item.why)} ({escape(item.source)})",
            markup=True,
        )
