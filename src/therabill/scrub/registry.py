"""The rule registry: every scrub rule is a small pure function registered with a decorator.

A rule is ``(claim, context) -> Iterable[Finding]``; the decorator records its id, default
severity, source and family (the module it lives in), so the CLI can list rules and docs/
scrub-rules.md can be generated from the registry. ``finding()`` builds a ``Finding`` with the
rule's severity and source, so rule bodies only say what is wrong and how to fix it; a
diagnosis it names is shown as a biller reads it, with its dot (M6281 → M62.81).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from therabill.findings import Finding, Severity
from therabill.identifiers import icd10cm

if TYPE_CHECKING:
    from therabill.claims import Claim
    from therabill.scrub.context import ClaimContext

RuleFunction = Callable[["Claim", "ClaimContext"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    source: str
    family: str
    summary: str
    check: RuleFunction
    when: str | None = None  # a claim feature (see ``context.FEATURES``) the rule needs


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, severity: Severity, *, source: str, when: str | None = None
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function; its docstring's first line is its summary in the docs.

    ``when`` names a claim feature the rule needs (e.g. ``"pairs"``: some date has two or more
    codes); the engine skips the rule for claims without it, which keeps the loop fast. A rule
    must still be correct when called without the feature (it then finds nothing).
    """

    def register(func: RuleFunction) -> RuleFunction:
        if rule_id in RULES:
            raise ValueError(f"scrub rule {rule_id} is registered twice")
        family = func.__module__.rsplit(".", 1)[-1].replace("_", "-")
        summary = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else rule_id
        RULES[rule_id] = Rule(rule_id, severity, source, family, summary, func, when)
        return func

    return register


def finding(
    rule_id: str,
    message: str,
    *,
    at: int | None = None,
    field: str | None = None,
    fix: str | None = None,
    code: str | None = None,
    source: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of a registered rule; ``at`` is the 0-based index of the service line. When
    the finding is about a diagnosis (``field`` ``diagnoses…`` and its ``code``), the code in
    the message and the fix is written with its dot, as on the claim form (CMS-1500 box 21
    shows ICD-10-CM codes dotted; the 837P carries them without)."""
    registered = RULES[rule_id]
    if code and field and field.startswith("diagnoses"):
        message = dotted_diagnosis(message, code)
        fix = None if fix is None else dotted_diagnosis(fix, code)
    return Finding(
        id=rule_id,
        severity=severity or registered.severity,
        message=message,
        source=source or registered.source,
        line=None if at is None else at + 1,
        field=field,
        fix=fix,
        code=code,
    )


def dotted_diagnosis(text: str, code: str) -> str:
    """``text`` with the diagnosis ``code`` (as the claim holds it, with or without its dot)
    written with its dot: "M6281 is listed twice." → "M62.81 is listed twice."."""
    shown = icd10cm.format(code)
    if shown == code:
        return text
    return re.sub(rf"(?<![\w.]){re.escape(code)}(?!\w)", shown, text)
