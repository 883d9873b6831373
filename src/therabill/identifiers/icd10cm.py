"""ICD-10-CM diagnosis codes: valid, and billable (a leaf, the most specific code).

Validity and billability come from the simple-icd-10-cm package, which ships the CDC's
ICD-10-CM tabular list (the release it bundles is reported by ``RELEASE``). A category such as
M54.5 is a valid code but not billable: a claim needs one of its children (M54.50 …).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from typing import Any

from therabill.identifiers import icd10cm_releases
from therabill.identifiers.exceptions import InvalidComponent, InvalidFormat, InvalidLength

SOURCE = "CDC ICD-10-CM tabular list via the simple-icd-10-cm package"


@functools.cache
def _icd() -> Any:
    """The simple-icd-10-cm module, imported on first use: reading its tabular list takes
    about two seconds, which commands that never look at a diagnosis should not pay."""
    return importlib.import_module("simple_icd_10_cm")


def preload() -> None:
    """Read the ICD-10-CM tables now (a scrub run does it once, before the first claim)."""
    icd10cm_releases.releases()
    _icd()


RELEASE = "April 2026 release in simple-icd-10-cm 1.5"


def compact(code: str) -> str:
    """Upper case, without spaces or the dot: M54.50 → M5450."""
    return "".join(str(code).split()).replace(".", "").upper()


def format(code: str) -> str:
    """With the dot after the third character, as claims and notes show it: M5450 → M54.50."""
    compacted = compact(code)
    return compacted if len(compacted) <= 3 else f"{compacted[:3]}.{compacted[3:]}"


@functools.lru_cache(maxsize=4096)
def _lookup(compacted: str) -> tuple[bool, bool]:
    dotted = format(compacted)
    if not _icd().is_valid_item(dotted):
        return False, False
    return True, bool(_icd().is_leaf(dotted))


def validate(code: str) -> str:
    """The code with its dot if it is a billable ICD-10-CM code; else why not."""
    compacted = compact(code)
    if not compacted.isascii() or not compacted.isalnum() or not compacted[:1].isalpha():
        raise InvalidFormat(f"{code!r} is not an ICD-10-CM code (a letter, then digits).")
    if not 3 <= len(compacted) <= 7:
        raise InvalidLength(f"{code!r} is not an ICD-10-CM code (3 to 7 characters).")
    valid, leaf = _lookup(compacted)
    if not valid:
        raise InvalidComponent(f"{format(compacted)} is not in the ICD-10-CM code set.")
    if not leaf:
        children = ", ".join(_icd().get_children(format(compacted))[:4])
        raise InvalidComponent(
            f"{format(compacted)} is a heading, not a billable code.",
            hint=f"Use a more specific code ({children} …)." if children else None,
        )
    return format(compacted)


@functools.lru_cache(maxsize=65536)
def problem(code: str) -> InvalidFormat | InvalidLength | InvalidComponent | None:
    """Why a diagnosis code may not be billed (None when it may); cached."""
    try:
        validate(code)
    except (InvalidFormat, InvalidLength, InvalidComponent) as exc:
        return exc
    return None


Problem = InvalidFormat | InvalidLength | InvalidComponent


@functools.lru_cache(maxsize=65536)
def problem_on(code: str, day: dt.date) -> Problem | None:
    """Why a diagnosis code may not be billed for a service on ``day`` (None when it may).

    Validity follows the ICD-10-CM release in force on the date (``icd10cm_releases``): M54.5
    is billable on 2021-09-30 and a heading from 2021-10-01 (FY2022), when M54.50 starts.
    """
    compacted = compact(code)
    if not compacted.isascii() or not compacted.isalnum() or not compacted[:1].isalpha():
        return InvalidFormat(f"{code!r} is not an ICD-10-CM code (a letter, then digits).")
    if not 3 <= len(compacted) <= 7:
        return InvalidLength(f"{code!r} is not an ICD-10-CM code (3 to 7 characters).")
    data = icd10cm_releases.releases()
    if data.billable_on(compacted, day):
        return None
    shown = format(compacted)
    later = data.change_after(compacted, day)
    if later is not None and later[1] == "added":
        starts = icd10cm_releases.release_name(later[0])
        broader = next(
            (format(compacted[:end]) for end in range(len(compacted) - 1, 2, -1)
             if data.billable_on(compacted[:end], day)),
            None,
        )  # fmt: skip
        return InvalidComponent(
            f"{shown} is not valid on {day}: it is billable from {later[0]} ({starts}).",
            hint=f"For a service before {later[0]} use {broader}." if broader else None,
        )
    children = [format(c) for c in data.billable_children(compacted, day)]
    hint = f"Use a more specific code ({', '.join(children)} …)." if children else None
    ended = data.change_until(compacted, day)
    if ended is not None and ended[1] == "deleted":
        since = icd10cm_releases.release_name(ended[0])
        what = "a heading" if children else "no longer in ICD-10-CM"
        return InvalidComponent(
            f"{shown} is {what} from {ended[0]} ({since}): not billable on {day}.", hint=hint
        )
    if children:
        return InvalidComponent(f"{shown} is a heading, not a billable code.", hint=hint)
    return InvalidComponent(f"{shown} is not in the ICD-10-CM code set.")


def is_valid(code: str) -> bool:
    """Whether the code exists in ICD-10-CM (billable or not)."""
    compacted = compact(code)
    return compacted.isascii() and compacted.isalnum() and _lookup(compacted)[0]


def is_billable(code: str) -> bool:
    """Whether the code may be put on a claim (it exists and is a leaf)."""
    try:
        return bool(validate(code))
    except (InvalidFormat, InvalidLength, InvalidComponent):
        return False


def description(code: str) -> str | None:
    """The CDC's title of the code, when it exists."""
    return str(_icd().get_description(format(code))) if is_valid(code) else None


@functools.cache
def _billable() -> tuple[tuple[str, str, str], ...]:
    """(code with dot, description, lower-case description) for every billable code."""
    icd = _icd()
    return tuple(
        (code, desc := str(icd.get_description(code)), desc.lower())
        for code in icd.get_all_codes(with_dots=True)
        if icd.is_leaf(code)
    )


def search_billable(text: str, *, limit: int = 12) -> list[tuple[str, str]]:
    """Billable codes (code, description) for a look-up box: those whose code starts with
    ``text``, else those whose description has every word of it. Only leaves are offered,
    since a claim needs the most specific code."""
    term = text.strip()
    if len(term) < 2:
        return []
    prefix = compact(term)
    by_code = [(c, d) for c, d, _ in _billable() if c.replace(".", "").startswith(prefix)]
    if by_code:
        return by_code[:limit]
    words = term.lower().split()
    found: list[tuple[str, str]] = []
    for code, desc, lower in _billable():
        if all(w in lower for w in words):
            found.append((code, desc))
            if len(found) >= limit:
                break
    return found
