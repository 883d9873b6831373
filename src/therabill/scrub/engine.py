"""Run every registered rule over a claim and collect the findings.

``scrub_claim(claim, context)`` is pure: same claim and context, same result. A rule that
raises is a bug in therabill, reported as a ``TherabillError`` naming the rule and claim
rather than a traceback. ``scrub_text`` reads raw JSON (one claim, a list, JSON Lines).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from therabill.claims import Claim, iter_claims
from therabill.errors import TherabillError
from therabill.findings import Finding, Severity
from therabill.scrub import rules as _rules  # noqa: F401 - registers the rules
from therabill.scrub.context import ClaimContext, ScrubContext, prepare
from therabill.scrub.registry import RULES, Rule

SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class ScrubbedLine:
    """A service line as it would be billed: units as given, or as computed from minutes."""

    line: int
    date: str
    code: str
    minutes: int | None
    units: int | None
    units_computed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "date": self.date,
            "code": self.code,
            "minutes": self.minutes,
            "units": self.units,
            "units_computed": self.units_computed,
        }


@dataclass(frozen=True, slots=True)
class ScrubResult:
    claim_id: str
    ok: bool
    findings: tuple[Finding, ...]
    lines: tuple[ScrubbedLine, ...]

    def __iter__(self) -> Iterator[Finding]:
        """Iterating a result gives its findings (callers that only want the findings)."""
        return iter(self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "ok": self.ok,
            "findings": [_finding_dict(f) for f in self.findings],
            "lines": [line.to_dict() for line in self.lines],
        }


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "severity": str(f.severity),
        "line": f.line,
        "field": f.field,
        "message": f.message,
        "fix": f.fix,
        "source": f.source,
        "code": f.code,
    }


def _lines(claim: Claim, ctx: ClaimContext) -> tuple[ScrubbedLine, ...]:
    out = []
    seen: set[tuple[object, str]] = set()
    for i, (line, code) in enumerate(zip(claim.lines, ctx.codes, strict=True)):
        units, computed = line.units, False
        if units is None and code is not None and line.date in ctx.days:
            key = (line.date, code.code)
            # the day's units of a code go to its first line; repeated lines add minutes to it
            units = 0 if key in seen else ctx.days[line.date].units(code.code)
            computed = units is not None
            seen.add(key)
        out.append(
            ScrubbedLine(i + 1, line.date.isoformat(), line.code, line.minutes, units, computed)
        )
    return tuple(out)


def scrub_claim(
    claim: Claim, context: ScrubContext, rules: Iterable[Rule] | None = None
) -> ScrubResult:
    """Every finding for one claim (errors first, then warnings, then info, by line)."""
    ctx = prepare(claim, context)
    found: list[Finding] = []
    rule: Rule | None = None
    try:
        features = ctx.features
        for rule in rules if rules is not None else RULES.values():
            if rule.when is None or rule.when in features:
                found.extend(rule.check(claim, ctx))
    except TherabillError:
        raise
    except Exception as exc:  # a bug in a rule: say which, never a traceback to the user
        name = rule.id if rule is not None else "(preparation)"
        raise TherabillError(
            f"scrub rule {name} failed on claim {claim.claim_id}: {type(exc).__name__}: {exc}",
            hint="This is a bug in therabill; please report it with the claim (without "
            "patient data).",
        ) from exc
    if found:
        found.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.line or 0))
    ok = not any(f.severity is Severity.ERROR for f in found)
    return ScrubResult(claim.claim_id, ok, tuple(found), _lines(claim, ctx))


def scrub_claims(claims: Iterable[Claim], context: ScrubContext) -> Iterator[ScrubResult]:
    for claim in claims:
        yield scrub_claim(claim, context)


def scrub_text(text: str, context: ScrubContext, *, source: str = "<stdin>") -> list[ScrubResult]:
    """Scrub raw JSON: one claim, a JSON list, or JSON Lines.

    Unreadable input raises ``InvalidInput`` naming the file, the position and the field;
    no result is returned for a partly readable input.
    """
    claims = list(iter_claims(text, source))
    return [scrub_claim(claim, context) for claim in claims]
