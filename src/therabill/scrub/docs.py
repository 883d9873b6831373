"""Generate docs/scrub-rules.md from the rule registry, so the rule list cannot drift.

``python -m therabill.scrub.docs`` (part of ``make docs``) rewrites the file; a test fails when
it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import therabill.scrub  # noqa: F401 - registers the rules
from therabill.scrub.context import FEATURES
from therabill.scrub.registry import RULES

RULES_DOC = Path("docs") / "scrub-rules.md"

FAMILIES = {
    "codes": "1. Codes known and active",
    "discipline": "2. Discipline scope",
    "units": "3. Units against minutes",
    "time": "4. Minimum time and add-on codes",
    "ncci": "5-6. NCCI pairs and medically unlikely edits",
    "massage": "7. Massage session with 97124 and 97140",
    "same-day": "8. Same code by another discipline",
    "modifiers": "9. Modifiers",
    "telehealth": "9a. Telehealth place of service and modifiers",
    "kx": "9b. Medicare therapy threshold (KX)",
    "diagnoses": "10. Diagnoses",
    "identity": "11. Identity and dates",
    "documentation": "12. Documentation",
    "group": "13. Group therapy (97150)",
    "payer": "14. Payer profile",
    "plan-of-care": "15. Therapy plan of care, referring provider and visit limits",
    "payer-record": "16. Advice from the payer's own record (posted remittances)",
    "claim": "Claim frequency and size",
    "submission": "Fields an electronic claim needs (837P)",
}


def rules_markdown() -> str:
    """Every registered rule, by family, with id, severity, what it checks and its source."""
    parts = [
        "# Scrub rules\n",
        "Generated from the rule registry (`therabill/scrub/rules/`) by "
        "`python -m therabill.scrub.docs` (`make docs`); do not edit by hand. "
        "`therabill scrub --rules` prints the same list.\n",
        "Severity: **error** blocks submission, **warning** asks for a look, **info** is worth "
        "knowing. Some rules report a finding at another severity when the case is less sure "
        "(the message says so); the severity below is the rule's usual one. The last column "
        "says which claims a rule looks at: the others cannot break it, so it is skipped "
        "for them (a test checks that skipping never hides a finding).\n",
        f"{len(RULES)} rules.\n",
    ]
    order = list(FAMILIES)
    families = sorted(
        {r.family for r in RULES.values()},
        key=lambda f: (f not in order, order.index(f) if f in order else 0, f),
    )
    for family in families:
        parts.append(f"## {FAMILIES.get(family, family)}\n")
        parts.append("| id | severity | checks | source | looked at when |\n|---|---|---|---|---|")
        for rule in sorted((r for r in RULES.values() if r.family == family), key=lambda r: r.id):
            when = FEATURES[rule.when] if rule.when else "always"
            cells = [f"`{rule.id}`", str(rule.severity), rule.summary, rule.source, when]
            parts.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        parts.append("")
    return "\n".join(parts)


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    target = root / RULES_DOC
    target.write_text(rules_markdown(), "utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
