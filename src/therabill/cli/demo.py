"""``therabill units-tour``: a short end-to-end tour (session minutes → units → descriptions)."""

from __future__ import annotations

import datetime as dt

from rich.panel import Panel
from rich.table import Table

from therabill.cli.output import JsonOption, console, emit_json
from therabill.codes import load_code_set
from therabill.units import UnitRule, count_units

DEMO_SESSIONS: list[tuple[str, str, dict[str, int]]] = [
    ("Physical therapy, Medicare (CMS 8-minute rule)", "cms", {"97112": 24, "97110": 23}),
    ("Massage therapy, commercial payer (midpoint rule)", "midpoint", {"97140": 38, "97124": 7}),
    ("Music therapy, health behaviour intervention", "midpoint", {"96158": 53}),
    ("Same minutes, both rules: CMS", "cms", {"97110": 8, "97112": 8, "97140": 8}),
    ("Same minutes, both rules: midpoint", "midpoint", {"97110": 8, "97112": 8, "97140": 8}),
]


def units_tour(json_output: JsonOption = False) -> None:
    """Show therabill's unit engine on a few sessions a practice sees every week.

    Example: therabill units-tour
    """
    code_set = load_code_set()
    day = dt.date.today()
    results = [
        (title, count_units(minutes, rule=UnitRule(rule), day=day, code_set=code_set))
        for title, rule, minutes in DEMO_SESSIONS
    ]
    if json_output:
        emit_json([{"session": title, **r.to_dict()} for title, r in results])
        return
    for title, result in results:
        table = Table(show_header=True, box=None)
        for column in ("Code", "Minutes", "Units", "What it is"):
            table.add_column(column)
        for line in result.lines:
            table.add_row(
                line.code, str(line.minutes), str(line.units), code_set[line.code].description
            )
        why = "\n".join(f"- {step}" for step in result.explanation[1:])
        notes = "\n".join(f"{f.severity}: {f.message}" for f in result.findings)
        console.print(Panel.fit(table, title=title))
        console.print(why)
        if notes:
            console.print(notes)
        console.print()
    console.print('Try: therabill codes search "myofascial release"   therabill --help')
