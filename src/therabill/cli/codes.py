"""``therabill codes``: look up, list, search and import the code set."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from therabill.cli.output import JsonOption, console, emit_json, fail, handles_errors
from therabill.cli.units import parse_date
from therabill.codes import Code, CodeSet, CodeStatus, load_code_set
from therabill.codes.loader import check_descriptor_file
from therabill.config import descriptor_file
from therabill.errors import DataFileError
from therabill.payers import load_payer_profiles
from therabill.payers.profile import PAYMENT_STATUS

app = typer.Typer(help="Look up, list, search and import procedure codes.", no_args_is_help=True)


def code_dict(code: Code, day: dt.date, code_set: CodeSet | None = None) -> dict[str, Any]:
    deleted = code.status_on(day) is CodeStatus.DELETED
    return {
        "code": code.code,
        "kind": code.kind,
        "description": code.description,
        "short": code.short,
        "timing": str(code.timing),
        "timing_text": code.timing_text(),
        "unit_minutes": code.unit_minutes,
        "initial_minutes": code.initial_minutes,
        "addon_code": code.addon_code,
        "primary_code": code.primary_code,
        "min_minutes": code.min_minutes,
        "max_units_per_day": code.max_units_per_day,
        "disciplines": sorted(code.disciplines) or ["any"],
        "not_recommended": sorted(code.not_recommended),
        "not_recommended_reason": code.not_recommended_reason or None,
        "effective": code.effective.isoformat() if code.effective else None,
        "end": code.end.isoformat() if code.end else None,
        "deleted_from": code.deleted_from.isoformat() if code.deleted_from else None,
        "replaced_by": list(code.replaced_by),
        "billable_instead": code_set.billable_instead(code.code, day)
        if code_set is not None and deleted
        else [],
        "status": str(code.status_on(day)),
        "terms": list(code.terms),
        "source": code.source,
        "grade": code.grade,
    }


DateOption = Annotated[
    str | None, typer.Option("--date", help="Date of service, YYYY-MM-DD (default today).")
]


@app.command("show")
@handles_errors
def show(
    code: Annotated[str, typer.Argument(help="A CPT or HCPCS code, e.g. 97140.")],
    date: DateOption = None,
    json_output: JsonOption = False,
) -> None:
    """Everything therabill knows about one code, and whether it may be billed on a date.

    Example: therabill codes show 97001
    """
    day = parse_date(date)
    code_set = load_code_set()
    wanted = code.strip().upper()
    if wanted not in code_set:
        code_set.require(wanted, day, field="code")  # raises UnknownCode with suggestions
    entry = code_set[wanted]
    data = code_dict(entry, day, code_set) | {"payers": payer_notes(entry.code)}
    if json_output:
        emit_json(data)
        return
    console.print(
        f"[bold]{entry.code}[/bold] ({entry.kind}) {escape(entry.description)}", markup=True
    )
    console.print(f"Timing: {entry.timing_text()}")
    if entry.min_minutes:
        console.print(f"Minimum time for the first unit: {entry.min_minutes} minutes")
    console.print(f"Who may bill it: {', '.join(data['disciplines'])}")
    if entry.not_recommended:
        console.print(
            f"Not recommended for {', '.join(sorted(entry.not_recommended))}: "
            f"{entry.not_recommended_reason}"
        )
    if entry.terms:
        console.print(f"Techniques and synonyms: {', '.join(entry.terms)}")
    if entry.effective:
        console.print(f"Effective: {entry.effective}")
    status = entry.status_on(day)
    if entry.deleted_from:
        console.print(
            f"Deleted: from {entry.deleted_from} (last valid date of service {entry.end}); "
            f"replaced by {', '.join(entry.replaced_by) or 'nothing'}"
        )
    console.print(
        f"On {day}: "
        + {
            CodeStatus.ACTIVE: "may be billed",
            CodeStatus.DELETED: "deleted, may not be billed",
            CodeStatus.NOT_YET: "not yet in effect",
        }[status]
    )
    if data["billable_instead"] and data["billable_instead"] != list(entry.replaced_by):
        console.print(
            f"Billable instead on {day}: {code_set.family_text(data['billable_instead'])} "
            "(its replacements were deleted in turn)"
        )
    console.print(f"Source: {entry.source} (grade {entry.grade})")
    for note in data["payers"]:
        console.print(f"Payer {note['payer']}: {note['says']}")


def payer_notes(code: str) -> list[dict[str, str]]:
    """What each payer profile says about a code: paid or not as billed, accepted, preferred.
    Payer facts live in the profiles, not in the code set (97010 is bundled for Medicare)."""
    notes: list[dict[str, str]] = []
    for profile in load_payer_profiles().values():
        if code in profile.status:
            says = f"not paid as billed: {PAYMENT_STATUS[profile.status[code]]}"
            notes.append(
                {"payer": profile.id, "says": says, "source": profile.cite("status", code)}
            )
        if code in profile.not_accepted:
            instead = " or ".join(profile.alternatives.get(code, ()))
            says = "not accepted" + (f"; bill {instead}" if instead else "")
            notes.append(
                {"payer": profile.id, "says": says, "source": profile.cite("not_accepted")}
            )
        if code in profile.preferred:
            says = f"prefers {profile.preferred[code]}"
            notes.append({"payer": profile.id, "says": says, "source": profile.cite("preferred")})
    return notes


@app.command("list")
@handles_errors
def list_codes(
    discipline: Annotated[
        str | None,
        typer.Option("--discipline", help="massage, music, ot, pt, slp, behavioral or at."),
    ] = None,
    date: DateOption = None,
    include_deleted: Annotated[
        bool, typer.Option("--include-deleted", help="Also list deleted codes.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Codes in the code set, optionally those a discipline may bill.

    Example: therabill codes list --discipline massage
    """
    day = parse_date(date)
    code_set = load_code_set()
    if discipline:
        codes = code_set.for_discipline(discipline, day=None if include_deleted else day)
    else:
        codes = [
            c for c in code_set.values() if include_deleted or c.status_on(day) is CodeStatus.ACTIVE
        ]
    codes.sort(key=lambda c: c.code)
    if json_output:
        emit_json([code_dict(c, day, code_set) for c in codes])
        return
    table = Table(title=f"Codes{f' for {discipline}' if discipline else ''} on {day}")
    for column in ("Code", "Timing", "Description", "Note"):
        table.add_column(column)
    for c in codes:
        note = ""
        if discipline and discipline in c.not_recommended:
            note = "not recommended: " + c.not_recommended_reason
        elif c.deleted_from:
            note = f"deleted {c.deleted_from}"
        table.add_row(c.code, str(c.timing), c.description, note)
    console.print(table)


@app.command("search")
@handles_errors
def search(
    text: Annotated[str, typer.Argument(help="Words describing what was done.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="How many to show.")] = 5,
    include_deleted: Annotated[
        bool, typer.Option("--include-deleted", help="Also search deleted codes.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Codes ranked by how well their description, synonyms and techniques match.

    Example: therabill codes search "neuromuscular re-education balance"
    """
    hits = load_code_set().search(text, limit=limit, include_deleted=include_deleted)
    if json_output:
        emit_json(
            [
                {
                    "code": h.code.code,
                    "description": h.code.description,
                    "score": h.score,
                    "matched": list(h.matched),
                }
                for h in hits
            ]
        )
        return
    if not hits:
        console.print(f"No code matches {text!r}.")
        return
    table = Table(title=f"Codes matching {text!r}")
    for column in ("Code", "Score", "Description"):
        table.add_column(column)
    for h in hits:
        table.add_row(h.code.code, f"{h.score:.1f}", h.code.description)
    console.print(table)


@app.command("import")
@handles_errors
def import_descriptors(
    file: Annotated[
        Path,
        typer.Argument(help="CSV with a header: code,description (and timing for new codes)."),
    ],
    json_output: JsonOption = False,
) -> None:
    """Load your licensed CPT descriptor file; its descriptions replace therabill's short ones.

    A code therabill does not have is added when its row gives a timing column (untimed,
    per_15, per_30, per_hour, initial, addon, with unit_minutes, initial_minutes, addon_code,
    primary_code, min_minutes, disciplines, effective, end as in the code file where that
    timing needs them). The whole file is checked first; a bad row, or a new code without a
    timing, is reported with its row number and nothing is imported.

    Example: therabill codes import cpt-descriptors.csv
    """
    try:
        text = file.read_text("utf-8-sig")
    except OSError as exc:
        fail(f"{file}: cannot read the file: {exc.strerror}")
    except UnicodeDecodeError:
        raise DataFileError(str(file), None, "the file is not UTF-8 text") from None
    imported = check_descriptor_file(text, str(file))
    target = descriptor_file()
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text, "utf-8")
    shutil.move(tmp, target)
    added = sorted(imported.added)
    described = len(imported.descriptions) - len(added)
    if json_output:
        emit_json({"file": str(target), "imported": described, "added": added})
        return
    console.print(f"Imported {described} descriptions into {target}.")
    if added:
        console.print(
            f"Added {len(added)} codes with the timing your file gives: {', '.join(added)}"
        )
