"""Builders for claim documents in scrub tests, and a shared context with a fixed 'today'."""

from __future__ import annotations

import functools
from typing import Any

from clock import TODAY
from therabill.claims import Claim
from therabill.findings import Finding
from therabill.scrub import RULES, ScrubContext, prepare

DAY = "2026-11-20"
ADDRESS = {"line1": "12 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}
# The billing provider's address needs ZIP+4 (837P loop 2010AA N403).
BILLING_ADDRESS = {**ADDRESS, "zip": "62701-1234"}
NPI = {"pt": "1234567893", "billing": "1558598797"}


@functools.cache
def context() -> ScrubContext:
    """Loaded once for all scrub tests (shipped payers and edits only)."""
    from therabill.codes import load_code_set
    from therabill.edits import EditTables
    from therabill.edits.tables import _package_text, parse_mue, parse_ptp
    from therabill.payers import shipped_profiles

    edits = EditTables.build(
        parse_ptp(_package_text("ptp.csv"), "ptp.csv"),
        parse_mue(_package_text("mue.csv"), "mue.csv"),
    )
    return ScrubContext(load_code_set(), shipped_profiles(), edits, TODAY)


def line(
    code: str,
    minutes: int | None = None,
    units: int | None = None,
    *,
    date: str = DAY,
    modifiers: list[str] | None = None,
    pointers: list[int] | None = None,
    charge: str = "50.00",
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date": date,
        "code": code,
        "modifiers": modifiers or [],
        "diagnosis_pointers": [1] if pointers is None else pointers,
        "charge": charge,
    }
    if minutes is not None:
        data["minutes"] = minutes
    if units is not None:
        data["units"] = units
    return data


def claim(
    *lines: dict[str, Any],
    discipline: str = "pt",
    payer: str = "COMMERCIAL",
    pos: str = "11",
    start: str | None = "10:00",
    end: str | None = "10:30",
    techniques: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A complete claim (every 837P field present); by default one clean PT line."""
    data: dict[str, Any] = {
        "claim_id": "T-1",
        "frequency": "original",
        "payer": {"id": payer, "name": "Test payer", "payer_id": "60054"},
        "provider": {"npi": NPI["pt"], "name": "Sam Lee, PT", "discipline": discipline,
                     "taxonomy": "225100000X"},
        "billing_provider": {"npi": NPI["billing"], "name": "Lee Therapy LLC",
                             "tax_id": "12-3456789", "address": BILLING_ADDRESS},
        "client": {"id": "CL-1", "first_name": "Ana", "last_name": "Lopez",
                   "birth_date": "1970-05-01", "member_id": "XYZ123", "sex": "F",
                   "address": ADDRESS},
        "diagnoses": ["M54.50"],
        "place_of_service": pos,
        "lines": list(lines) or [line("97110", 23, 2)],
        "session": {"start": start, "end": end,
                    "techniques": ["therapeutic exercise"] if techniques is None else techniques,
                    "note": "Treated."},
    }  # fmt: skip
    data.update(extra)
    return data


def run_rule(rule_id: str, data: dict[str, Any], ctx: ScrubContext | None = None) -> list[Finding]:
    """The findings of one rule, called directly (no safety net), on a claim dict."""
    document = Claim.model_validate(data)
    context_ = ctx or context()
    return list(RULES[rule_id].check(document, prepare(document, context_)))
