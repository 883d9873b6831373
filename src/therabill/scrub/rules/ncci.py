"""Rules 5 and 6: NCCI procedure-to-procedure pairs and medically unlikely edits (MUE).

Sources: the edit tables: the therapy rows of the CMS practitioner PTP file and MUE table
(2026 Q4, built into therabill/edits/data by scripts/build_ncci_subset.py, each row with its
source and how sure), or the quarter's CMS files imported with ``therabill edits import``,
which replace them. An edit applies from its effective date through its deletion date;
indicator 9 is no edit. Mechanics: APTA, ASHA and AOTA NCCI pages; CMS MLN1783722 for 59 and
XE/XS/XP/XU. Applied when the payer profile's ``ncci`` is true (the default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import combinations

from therabill.claims import Claim
from therabill.edits import PtpEdit
from therabill.findings import Finding, Severity
from therabill.identifiers.modifier import NCCI_BYPASS
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule
from therabill.scrub.rules.common import by_date_and_code

PT_EVALUATIONS = ("97161", "97162", "97163", "97164")
GROUP_CODES = frozenset({"97150", "92508"})


def _pairs(claim: Claim, ctx: ClaimContext) -> list[tuple[PtpEdit, int, int, set[str]]]:
    """Each applicable edit with the line index of column 1, of column 2, and column 2's
    modifiers; worked out once per claim and shared by the PTP rules."""
    found: list[tuple[PtpEdit, int, int, set[str]]] | None = ctx.memo.get("ncci.pairs")
    if found is None:
        found = list(_find_pairs(claim, ctx))
        ctx.memo["ncci.pairs"] = found
    return found


def _find_pairs(claim: Claim, ctx: ClaimContext) -> Iterator[tuple[PtpEdit, int, int, set[str]]]:
    if not ctx.payer.ncci:
        return
    groups = by_date_and_code(claim, ctx)
    by_day: dict[dt.date, list[str]] = {}
    for day, code in groups:
        by_day.setdefault(day, []).append(code)
    for day, codes in by_day.items():
        if len(codes) < 2:
            continue
        for first, second in combinations(codes, 2):
            if first not in ctx.edits.codes_with_ptp or second not in ctx.edits.codes_with_ptp:
                continue
            edit = ctx.edits.pair(first, second, day)
            if edit is None:
                continue
            col1 = groups[(day, edit.column1)]
            col2 = groups[(day, edit.column2)]
            modifiers = {m for _, ln, _ in col2 for m in ln.modifiers}
            yield edit, col1[0][0], col2[0][0], modifiers


def _cite(edit: PtpEdit) -> str:
    return f"NCCI PTP {edit.column1}/{edit.column2} (indicator {edit.modifier_indicator}): {edit.source} [{edit.status}]"


@rule(
    "ncci.ptp-never",
    Severity.ERROR,
    source="CMS NCCI practitioner PTP file, modifier indicator 0 (shipped 2026 Q4 therapy rows, or the imported quarter)",
    when="pairs",
)
def never_together(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Two codes on one date that an NCCI pair with modifier indicator 0 never pays together."""
    for edit, _, i, _ in _pairs(claim, ctx):
        if edit.modifier_indicator == 0:
            yield finding(
                "ncci.ptp-never",
                f"{edit.column1} and {edit.column2} may not be billed together on one date "
                f"(NCCI pair, modifier indicator 0: no modifier allows it); "
                f"{edit.column2} would be denied.",
                at=i,
                field=f"lines[{i}].code",
                fix=f"Bill {edit.column1} only.",
                code=edit.column2,
                source=_cite(edit),
            )


@rule(
    "ncci.ptp-modifier-needed",
    Severity.ERROR,
    source="NCCI PTP edit tables, modifier indicator 1; CMS MLN1783722 (59, XE, XS, XP, XU)",
    when="pairs",
)
def modifier_needed(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """An NCCI pair with modifier indicator 1 billed without 59/XE/XS/XP/XU on the column 2 code."""
    for edit, _, i, modifiers in _pairs(claim, ctx):
        if edit.modifier_indicator == 1 and not modifiers & NCCI_BYPASS:
            yield finding(
                "ncci.ptp-modifier-needed",
                f"{edit.column2} is bundled into {edit.column1} on the same date (NCCI pair): "
                f"it is denied unless it was a distinct service and carries 59 or XE/XS/XP/XU.",
                at=i,
                field=f"lines[{i}].modifiers",
                fix=f"If {edit.column2} was done in separate time, add XU (or 59) to it and make "
                "sure the note shows separate minutes; otherwise drop it.",
                code=edit.column2,
                source=_cite(edit),
            )


@rule(
    "ncci.ptp-modifier-used",
    Severity.INFO,
    source="NCCI PTP edit tables; CMS MLN1783722 (the modifier must be supported by documentation)",
    when="pairs",
)
def modifier_used(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """An NCCI pair bypassed with 59/X{EPSU}: the documentation must support a distinct service."""
    for edit, _, i, modifiers in _pairs(claim, ctx):
        if edit.modifier_indicator == 1 and modifiers & NCCI_BYPASS:
            used = ", ".join(sorted(modifiers & NCCI_BYPASS))
            yield finding(
                "ncci.ptp-modifier-used",
                f"{edit.column2} with {edit.column1}: {used} bypasses the NCCI pair; the note "
                "must show a distinct service (separate minutes, region or encounter).",
                at=i,
                field=f"lines[{i}].modifiers",
                code=edit.column2,
                source=_cite(edit),
            )


@rule(
    "ncci.one-pt-evaluation",
    Severity.ERROR,
    source="NCCI Policy Manual ch. XI §P (via RonCom/policy-rag q37) [S]: one PT evaluation or re-evaluation per date",
    when="pairs",
)
def one_pt_evaluation(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """More than one PT evaluation or re-evaluation code (97161-97164) on one date."""
    if not ctx.payer.ncci:
        return
    seen: dict[object, list[tuple[int, str]]] = {}
    for i, (line, code) in enumerate(zip(claim.lines, ctx.codes, strict=True)):
        if code is not None and code.code in PT_EVALUATIONS:
            seen.setdefault(line.date, []).append((i, code.code))
    for day, found in seen.items():
        if len(found) > 1:
            i = found[1][0]
            yield finding(
                "ncci.one-pt-evaluation",
                f"{day}: {', '.join(c for _, c in found)} billed; only one PT evaluation or "
                "re-evaluation may be billed per date.",
                at=i,
                field=f"lines[{i}].code",
                fix="Keep the one evaluation code that matches the visit.",
                code=found[1][1],
            )


@rule(
    "mue.exceeded",
    Severity.ERROR,
    source="CMS practitioner MUE table (shipped 2026 Q4 therapy rows, or the imported quarter)",
    when="capped",
)
def mue_exceeded(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Units of a code on one date (or one line, MAI 1) above its medically unlikely edit."""
    if not ctx.payer.ncci:
        return
    for (day, code), lines in by_date_and_code(claim, ctx).items():
        limit = ctx.edits.mue.get(code)
        if limit is None:
            continue
        cite = f"MUE {code} = {limit.limit}: {limit.source} [{limit.status}]"
        severity = Severity.WARNING if limit.status == "?" else None
        if limit.per_line:
            for i, line, _ in lines:
                if (line.units or 0) > limit.limit:
                    yield finding(
                        "mue.exceeded",
                        f"{code}: {line.units} units on one line; its MUE is {limit.limit} per line.",
                        at=i, field=f"lines[{i}].units", code=code, source=cite, severity=severity,
                        fix=f"Bill at most {limit.limit} on a line.",
                    )  # fmt: skip
            continue
        units = sum(ln.units if ln.units is not None else 1 for _, ln, _ in lines)
        if units > limit.limit:
            i = lines[0][0]
            yield finding(
                "mue.exceeded",
                f"{code} on {day}: {units} units; its MUE is {limit.limit} per date, so the "
                "line would be denied.",
                at=i, field=f"lines[{i}].units", code=code, source=cite, severity=severity,
                fix=f"Bill at most {limit.limit} unit{'s' * (limit.limit != 1)} of {code} that date.",
            )  # fmt: skip


@rule(
    "mue.code-daily-maximum",
    Severity.ERROR,
    source="therabill code set: max_units_per_day (untimed codes are one unit per session, CMS Pub 100-04 ch.5 §20.2 B)",
    when="capped",
)
def code_daily_maximum(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Units above the code set's daily maximum for a code without an MUE row (e.g. 97161 × 2)."""
    for (day, code), lines in by_date_and_code(claim, ctx).items():
        entry = lines[0][2]
        if entry.max_units_per_day is None or code in ctx.edits.mue or code in GROUP_CODES:
            continue
        units = sum(ln.units if ln.units is not None else 1 for _, ln, _ in lines)
        if units > entry.max_units_per_day:
            i = lines[0][0]
            yield finding(
                "mue.code-daily-maximum",
                f"{code} on {day}: {units} units; it is billed at most "
                f"{entry.max_units_per_day} a day.",
                at=i,
                field=f"lines[{i}].units",
                fix=f"Bill {entry.max_units_per_day}.",
                code=code,
                source=f"{entry.source} (code set max_units_per_day)",
            )
