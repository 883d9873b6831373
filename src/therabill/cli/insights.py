"""``therabill insights``: what each payer really paid and denied per code, from the posted
remittances (payer × code × modifiers, optionally provider and place of service)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from therabill.cli import store_common
from therabill.cli.output import JsonOption, console, emit_json, handles_errors
from therabill.store.services import insights as service


@handles_errors
def insights_command(
    payer: Annotated[str | None, typer.Option("--payer", help="A payer (id or name).")] = None,
    code: Annotated[str | None, typer.Option("--code", help="One procedure code.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First date of service, YYYY-MM-DD.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last date of service, YYYY-MM-DD.")
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by", help="Group by, comma-separated: payer, code, modifiers, provider, place."
        ),
    ] = ",".join(service.DEFAULT_GROUPING),
    json_output: JsonOption = False,
) -> None:
    """Per payer and code: claims, units, allowed and paid per unit, denials by CARC, days to pay.

    Example: therabill insights --payer "Blue Cross" --from 2026-01-01 --json
    """
    grouping = [part.strip() for part in by.split(",") if part.strip()]
    with store_common.action() as work:
        data = service.insights(
            work,
            payer=payer,
            code=code,
            start=store_common.day(start, "from"),
            end=store_common.day(end, "to"),
            grouping=grouping,
        )
    if json_output:
        emit_json(data)
        return
    if not data["groups"]:
        console.print("No posted remittance lines match.")
        return
    table = Table(title=f"Payer insights: {data['lines']} lines, {data['first_service']} to "
                  f"{data['last_service']}")  # fmt: skip
    for column in [*grouping, "Claims", "Units", "Paid/unit (median, range)", "Denied", "Days"]:
        table.add_column(column.capitalize() if column in grouping else column)
    for group in data["groups"]:
        paid = group["paid_per_unit"]
        days = group["days_to_payment"]
        reasons = ", ".join(f"{r}×{n}" for r, n in group["denials_by_carc"].items())
        table.add_row(
            *[group[g] or "—" for g in grouping],
            str(group["claims"]),
            str(group["units"]),
            f"${paid['median']} (${paid['min']}–${paid['max']})" if paid else "—",
            f"{group['denied_lines']}/{group['lines']}" + (f" ({reasons})" if reasons else ""),
            str(days["median"]) if days else "—",
        )
    console.print(table)
    for row in data["payers"]:
        console.print(
            f"{row['payer']}: paid {row['claims']} claims in {row['mean_days']} days on average "
            f"(median {row['median_days']})"
        )
