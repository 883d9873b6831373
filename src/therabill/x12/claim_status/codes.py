"""Claim status category codes (X12 code list 507) and claim status codes (list 508) in plain
words, from ``data/status_codes.csv`` (sources in its header). The 277 claim status reader and
the 277CA acknowledgement reader both describe statuses with this one table."""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from therabill.errors import DataFileError

FILE = "status_codes.csv"
TABLES = ("category", "status", "entity")
ACTIONS = frozenset({"correct", "wait", "answer", "done", "retry", ""})


@dataclass(frozen=True, slots=True)
class StatusCode:
    """One row: a code of list 507 (``category``) or 508 (``status``)."""

    table: str
    code: str
    description: str
    source: str
    action: str = ""  # categories: correct, wait, answer, done or retry
    stopped: str = ""  # the day X12 stopped using it (ISO date), if it did


@functools.cache
def status_codes() -> dict[tuple[str, str], StatusCode]:
    """Every row of the table by (table, code); a malformed row is a ``DataFileError``."""
    text = resources.files(__package__).joinpath("data", FILE).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    found: dict[tuple[str, str], StatusCode] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), 2):
        try:
            entry = StatusCode(**row)
        except TypeError as exc:
            raise DataFileError(FILE, number, f"malformed row: {exc}") from None
        if entry.table not in TABLES or entry.action not in ACTIONS or not entry.description:
            raise DataFileError(FILE, number, f"bad table, action or description: {row}")
        if (entry.table, entry.code) in found:
            raise DataFileError(FILE, number, f"{entry.table} {entry.code} appears twice")
        found[entry.table, entry.code] = entry
    return found


def describe_category(code: str) -> str:
    """``"F2"`` → ``"finalized: denied"``; an unknown code is named as such."""
    entry = status_codes().get(("category", code))
    return entry.description if entry else f"category {code}"


def describe_status(code: str) -> str:
    """``"187"`` → ``"the date(s) of service"``; an unknown code is named as such."""
    entry = status_codes().get(("status", code))
    return entry.description if entry else f"status code {code}"


def describe_entity(code: str) -> str:
    """``"85"`` → ``"billing provider"`` (X12 element 98)."""
    entry = status_codes().get(("entity", code))
    return entry.description if entry else f"entity {code}"


def category_action(code: str) -> str:
    """What a biller does about a category: correct, wait, answer, done, retry ('' unknown)."""
    entry = status_codes().get(("category", code))
    return entry.action if entry else ""


SAYS_WHICH = " (the status code says which)"
"""The end of categories A6/A7's words (information missing or invalid), true only when no
status code follows: :func:`plain_status` drops it when one does."""
THE_ENTITYS = "the entity's "


def plain_status(category: str, code: str, entity: str = "") -> str:
    """A status composite in a biller's words: the category's, then the status code's with
    the entity it concerns put in its place (``"A7", "158", "QC"`` → ``"rejected:
    information is invalid: the patient's date of birth"``). A status code that does not
    begin "the entity's" keeps the entity after it in brackets."""
    said = describe_category(category)
    who = describe_entity(entity) if entity else ""
    if not code:
        return f"{said} ({who})" if who else said
    status = describe_status(code)
    if who and status.startswith(THE_ENTITYS):
        status = f"the {who}'s {status.removeprefix(THE_ENTITYS)}"
    elif who:
        status = f"{status} ({who})"
    return f"{said.removesuffix(SAYS_WHICH)}: {status}"
