"""The code tables a 271 refers to: service types (EB03/EQ01), rejection reasons (AAA03) and
follow-up actions (AAA04), and the benefit element codes the summary reads (EB01, EB02, EB06,
EB09, EB12).

The three tables are package data (``data/*.csv``) whose headers name their source; they are
read and checked once (cached): a broken file is a ``DataFileError`` naming the file and the
row. A code missing from a table is never an error: payers send codes no table has yet, so
``describe_*`` returns a neutral text.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources

from therabill.errors import DataFileError, InvalidInput

GROUPS = {
    "general": "general coverage",
    "physical_therapy": "physical therapy",
    "occupational_therapy": "occupational therapy",
    "speech_therapy": "speech therapy",
    "chiropractic": "chiropractic",
    "mental_health": "mental health",
    "massage": "massage therapy",
    "other": "other",
}
"""Service type groups a therapy practice reads together, with how the summary names them."""

SHORT = {
    "physical_therapy": "PT",
    "occupational_therapy": "OT",
    "speech_therapy": "speech",
    "chiropractic": "chiropractic",
    "mental_health": "mental health",
    "massage": "massage",
}
"""How a one-line headline names a group ("12 of 20 PT visits left")."""

DISCIPLINE_GROUPS = {
    "pt": "physical_therapy",
    "ot": "occupational_therapy",
    "slp": "speech_therapy",
    "behavioral": "mental_health",
    "massage": "massage",
}
"""A provider's discipline (``therabill.codes.DISCIPLINES``) to the group its visits count in."""

QUERY_SERVICE_TYPES = {
    "pt": ("30", "PT", "AE"),
    "ot": ("30", "AD"),
    "slp": ("30", "AF"),
    "behavioral": ("30", "MH"),
    "massage": ("30", "BE"),
    "music": ("30",),
    "at": ("30", "PT"),
}
"""What a 270 asks about by default for a discipline: always 30 (the plan), then the
discipline's own codes. Many payers answer only 30 (after-submission.md 6.2-6.3)."""

ACTIVE = frozenset("12345")  # EB01 1 active; 2-5 active with capitation or pending
INACTIVE = frozenset("678")  # EB01 6 inactive; 7-8 inactive, pending update or investigation
# EB01 values the summary reads (X12 element 1390, as allowed by 005010X279A1).
COINSURANCE, COPAY, DEDUCTIBLE, LIMITATION, OUT_OF_POCKET = "A", "B", "C", "F", "G"
NON_COVERED = "I"
LEVELS = {
    "IND": "individual",
    "FAM": "family",
    "EMP": "employee",
    "ESP": "employee and spouse",
    "ECH": "employee and children",
    "CHD": "children",
    "DEP": "dependents",
    "SPC": "spouse and children",
    "SPO": "spouse",
}
"""EB02 coverage level (X12 element 1207)."""
NETWORKS = {"Y": "in", "N": "out", "W": "any", "U": "unknown"}
"""EB12 in plan network (X12 element 1073): W = applies in and out of network."""
PERIODS = {
    "6": "hour",
    "7": "day",
    "13": "24 hours",
    "21": "year",
    "22": "service year",
    "23": "calendar year",
    "24": "year to date",
    "25": "contract",
    "26": "episode",
    "27": "visit",
    "28": "outlier",
    "29": "remaining",
    "30": "exceeded",
    "31": "not exceeded",
    "32": "lifetime",
    "33": "lifetime remaining",
    "34": "month",
    "35": "week",
    "36": "admission",
}
"""EB06 / HSD05 time period qualifier (X12 element 615) as allowed by 005010X279A1."""
REMAINING_PERIODS = frozenset({"29", "33"})
USED_PERIODS = frozenset({"24"})


@dataclass(frozen=True, slots=True)
class ServiceType:
    code: str
    meaning: str
    group: str


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    meaning: str
    action: str


def _rows(name: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    text = resources.files(__package__).joinpath("data", name).read_text("utf-8")
    data = [
        (n, line)
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]
    if not data:
        raise DataFileError(name, None, "the file is empty")
    reader = csv.reader(io.StringIO("\n".join(line for _, line in data)))
    header = next(reader)
    if tuple(header) != columns:
        raise DataFileError(name, data[0][0], f"the header must be {','.join(columns)}")
    out: list[tuple[int, dict[str, str]]] = []
    seen: set[str] = set()
    for (number, _), row in zip(data[1:], reader, strict=True):
        if len(row) != len(columns):
            raise DataFileError(name, number, f"expected {len(columns)} columns, found {len(row)}")
        cells = {c: v.strip() for c, v in zip(columns, row, strict=True)}
        code = cells["code"]
        if not re.fullmatch(r"[A-Z0-9]{1,2}", code):
            raise DataFileError(name, number, f"{code!r} is not a code")
        if code in seen:
            raise DataFileError(name, number, f"code {code} appears twice")
        if not 1 <= len(cells[columns[1]]) <= 120:
            raise DataFileError(name, number, f"{columns[1]} must be 1 to 120 characters")
        seen.add(code)
        out.append((number, cells))
    return out


@functools.cache
def service_types() -> dict[str, ServiceType]:
    table = {}
    for number, cells in _rows("service_types.csv", ("code", "meaning", "group")):
        if cells["group"] not in GROUPS:
            raise DataFileError(
                "service_types.csv", number, f"group must be one of {sorted(GROUPS)}"
            )
        table[cells["code"]] = ServiceType(cells["code"], cells["meaning"], cells["group"])
    return table


@functools.cache
def reject_reasons() -> dict[str, Reason]:
    return {
        cells["code"]: Reason(cells["code"], cells["meaning"], cells["action"])
        for _, cells in _rows("reject_reasons.csv", ("code", "meaning", "action"))
    }


@functools.cache
def follow_ups() -> dict[str, str]:
    return {
        cells["code"]: cells["meaning"] for _, cells in _rows("follow_ups.csv", ("code", "meaning"))
    }


def describe_service_type(code: str) -> str:
    found = service_types().get(code)
    return found.meaning if found else f"service type {code[:4]}"


def group_of(code: str) -> str:
    found = service_types().get(code)
    return found.group if found else "other"


def describe_rejection(code: str) -> Reason:
    found = reject_reasons().get(code)
    if found:
        return found
    return Reason(
        code, f"the payer refused the request (reason {code[:4] or 'not given'})", "call the payer"
    )


def describe_follow_up(code: str) -> str:
    return follow_ups().get(code, "")


def check_service_type(code: str) -> str:
    """A service type code for a 270 (``--service-type``): upper case, in the table."""
    clean = code.strip().upper()
    if clean not in service_types():
        raise InvalidInput(
            f"{code!r} is not a service type code therabill knows",
            field="--service-type",
            hint="Use e.g. 30 (plan coverage), PT, AE, AD (OT), AF (speech), 33 (chiropractic), MH.",
        )
    return clean
