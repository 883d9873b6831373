"""ICD-10-CM look-up for the session form: billable codes by code prefix or words.

The tabular list comes from simple-icd-10-cm (the CDC's ICD-10-CM release it bundles, see
``therabill.identifiers.icd10cm``); only leaves are offered, since a claim needs the most
specific code.
"""

from __future__ import annotations

from functools import cache

import simple_icd_10_cm as icd


@cache
def _billable() -> tuple[tuple[str, str, str], ...]:
    """(code with dot, description, lower-case description) for every billable code."""
    return tuple(
        (code, desc := str(icd.get_description(code)), desc.lower())
        for code in icd.get_all_codes(with_dots=True)
        if icd.is_leaf(code)
    )


def search_diagnoses(text: str, *, limit: int = 12) -> list[tuple[str, str]]:
    """Codes whose code starts with ``text``, else whose description has every word."""
    term = text.strip()
    if len(term) < 2:
        return []
    upper = term.upper()
    compact = upper.replace(".", "")
    by_code = [(c, d) for c, d, _ in _billable() if c.replace(".", "").startswith(compact)]
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
