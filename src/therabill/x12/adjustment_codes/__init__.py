"""Code tables an 835 refers to: CARC (why), RARC (remarks) and CAS group codes (who).

The tables are package data (``carc.csv``, ``rarc.csv``, ``groups.csv``) whose headers name
their source: the X12 external code lists. The code values are X12's; the descriptions are
therabill's own short paraphrases. ``actions.csv`` classes each CARC by what the practice
does next (write down, bill the client, correct, appeal, check, other payer), and
``classify()`` turns a group, reason and remarks into that class and the next step; posting
writes down only contractual amounts and opens a denial for the others. ``load_carc()`` / ``load_rarc()`` / ``load_groups()`` read
and validate them once (cached); a broken file is a ``DataFileError`` naming file and row.
CARC and RARC rows carry a status and, for a deactivated code whose stop date is known, that
date (``stopped``): a deactivated code is still described, since reversals and old
remittances keep sending it.
A code missing here is not an error anywhere: payers send new codes before any table has them,
so ``describe_*`` returns a neutral text instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

from therabill.errors import DataFileError

_PATTERNS = {
    "carc.csv": re.compile(r"(?:[1-9]\d{0,2}|[A-Z]\d{1,2})"),
    "rarc.csv": re.compile(r"(?:M|MA|N)\d{1,4}"),
    "groups.csv": re.compile(r"CO|PR|OA|PI"),
}
_STATUSES = {"active", "deactivated"}
_POSTINGS = {"write_off", "patient", "other"}


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One row of a code table; ``extra`` is the status (CARC/RARC) or posting (groups);
    ``stopped`` the day a deactivated code stopped being valid for new use, when known."""

    code: str
    extra: str
    description: str
    stopped: dt.date | None = None


_CODE_COLUMNS = ("code", "status", "stopped", "description")


def _load(name: str, columns: tuple[str, ...], allowed: set[str]) -> dict[str, CodeEntry]:
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    data = [(n, line) for n, line in numbered if not line.startswith("#")]
    if not data:
        raise DataFileError(name, None, "the file is empty")
    rows = csv.reader(io.StringIO("\n".join(line for _, line in data)))
    header = next(rows)
    if tuple(header) != columns:
        raise DataFileError(name, data[0][0], f"the header must be {','.join(columns)}")
    table: dict[str, CodeEntry] = {}
    pattern = _PATTERNS[name]
    for (number, _), row in zip(data[1:], rows, strict=True):
        if len(row) != len(columns):
            raise DataFileError(name, number, f"expected {len(columns)} columns, found {len(row)}")
        cells = dict(zip(columns, (cell.strip() for cell in row), strict=True))
        code, extra, description = cells["code"], cells[columns[1]], cells["description"]
        stopped = _stop_date(name, number, cells.get("stopped", ""), extra)
        if not pattern.fullmatch(code):
            raise DataFileError(name, number, f"{code!r} is not a valid code for this table")
        if code in table:
            raise DataFileError(name, number, f"code {code} appears twice")
        if extra not in allowed:
            raise DataFileError(name, number, f"{columns[1]} must be one of {sorted(allowed)}")
        if not description or len(description) > 120:
            raise DataFileError(name, number, "description must be 1 to 120 characters")
        table[code] = CodeEntry(code, extra, description, stopped)
    return table


def _stop_date(name: str, number: int, text: str, status: str) -> dt.date | None:
    """An ISO date, only on a deactivated code (empty when the date is not known)."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise DataFileError(name, number, f"stopped {text!r} is not a YYYY-MM-DD date") from None
    if status != "deactivated":
        raise DataFileError(name, number, "only a deactivated code has a stop date")
    return day


@functools.cache
def load_carc() -> Mapping[str, CodeEntry]:
    """Claim adjustment reason codes: code -> entry (status active/deactivated)."""
    return _load("carc.csv", _CODE_COLUMNS, _STATUSES)


@functools.cache
def load_rarc() -> Mapping[str, CodeEntry]:
    """Remittance advice remark codes: code -> entry (status active/deactivated)."""
    return _load("rarc.csv", _CODE_COLUMNS, _STATUSES)


@functools.cache
def load_groups() -> Mapping[str, CodeEntry]:
    """CAS group codes CO/PR/OA/PI: code -> entry (posting write_off/patient/other)."""
    return _load("groups.csv", ("code", "posting", "description"), _POSTINGS)


def describe_carc(code: str) -> str:
    entry = load_carc().get(code)
    return entry.description if entry else f"reason code {code} (not in therabill's table)"


def describe_rarc(code: str) -> str:
    entry = load_rarc().get(code)
    return entry.description if entry else f"remark code {code} (not in therabill's table)"


def describe_group(code: str) -> str:
    entry = load_groups().get(code)
    return entry.description if entry else f"group {code}"


class ActionClass(StrEnum):
    """What the practice does next about an adjusted amount (see ``actions.csv``)."""

    CONTRACTUAL = "contractual"
    PATIENT = "patient"
    CORRECT = "correct"
    APPEAL = "appeal"
    INFORMATIONAL = "informational"
    OTHER_PAYER = "other_payer"


CLASS_TEXT = {
    ActionClass.CONTRACTUAL: "contractual write-down: the provider writes it off",
    ActionClass.PATIENT: "patient responsibility: the client's share",
    ActionClass.CORRECT: "correct and resubmit",
    ActionClass.APPEAL: "appeal with documentation",
    ActionClass.INFORMATIONAL: "informational: check it; the payer still owes it until closed",
    ActionClass.OTHER_PAYER: "another payer is responsible: bill it or update the coverage",
}
# Remark codes that say how to resubmit (RARC texts, x12.org/codes; after-submission.md §2.1)
NEW_CLAIM_REMARKS = frozenset({"MA130", "N142", "N517"})
REPLACEMENT_REMARKS = frozenset({"N380", "N704"})


@functools.cache
def load_actions() -> Mapping[str, ActionClass]:
    """CARC -> default class when the group is not PR (``actions.csv``)."""
    name = "actions.csv"
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    rows = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    data = [(n, line) for n, line in rows if not line.startswith("#")]
    if not data or data[0][1].strip() != "code,action":
        raise DataFileError(name, data[0][0] if data else None, "the header must be code,action")
    table: dict[str, ActionClass] = {}
    for number, line in data[1:]:
        code, _, action = (cell.strip() for cell in line.partition(","))
        if not _PATTERNS["carc.csv"].fullmatch(code) or code in table:
            raise DataFileError(name, number, f"{code!r} is not a new valid reason code")
        try:
            table[code] = ActionClass(action)
        except ValueError:
            known = ", ".join(a.value for a in ActionClass)
            raise DataFileError(name, number, f"action must be one of {known}") from None
    return table


@dataclass(frozen=True, slots=True)
class Classified:
    action: ActionClass
    next_action: str

    @property
    def is_denial(self) -> bool:
        """The payer still owes it: neither written down nor the patient's."""
        return self.action not in (ActionClass.CONTRACTUAL, ActionClass.PATIENT)


def classify(group: str, carc: str, remarks: Sequence[str] = ()) -> Classified:
    """The class of one CAS amount and the next step, from group, reason and remarks.

    - PR is always the patient's (CAS01 "patient responsibility", X12 005010X221A1).
    - Otherwise the CARC's class from ``actions.csv``; a patient-class reason under CO or PI
      is not billable to the patient (CO "contractual obligation", PI "payer initiated"), so
      it is an appeal; under OA it is the patient's.
    - OA-23 (the prior payer's impact) is informational.
    - An unknown CARC is never written down on a guess: it is a correct-and-resubmit item.
    """
    group = group.strip().upper()
    code = carc.strip().upper()
    if group == "PR":
        return Classified(ActionClass.PATIENT, "bill the client or the next payer")
    action = load_actions().get(code)
    if action is None:
        action = ActionClass.CORRECT
        step = f"look up reason code {code}, then correct and resubmit or appeal"
        return Classified(action, step)
    if action is ActionClass.PATIENT:
        action = ActionClass.PATIENT if group == "OA" else ActionClass.APPEAL
    if (group, code) == ("OA", "23"):
        action = ActionClass.INFORMATIONAL
    return Classified(action, _next_step(action, code, remarks))


def _next_step(action: ActionClass, carc: str, remarks: Sequence[str]) -> str:
    wanted = {r.strip().upper() for r in remarks if r.strip()}
    if action is ActionClass.CONTRACTUAL:
        return "none: written down under the contract"
    if action is ActionClass.PATIENT:
        return "bill the client"
    step = CLASS_TEXT[action]
    if action is ActionClass.CORRECT:
        if wanted & NEW_CLAIM_REMARKS:
            step = "correct and send a new claim (not a replacement; no appeal rights)"
        elif wanted & REPLACEMENT_REMARKS:
            step = "send a corrected replacement claim (frequency 7)"
    why = [describe_rarc(r) for r in sorted(wanted) if r not in NEW_CLAIM_REMARKS] or [
        describe_carc(carc)
    ]
    return f"{step}: {'; '.join(why)}"[:300]


def describe_class(action: str) -> str:
    try:
        return CLASS_TEXT[ActionClass(action)]
    except ValueError:
        return action
