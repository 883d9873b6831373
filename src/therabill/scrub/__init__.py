"""The claim scrubber: registered rules, each a pure function with id, severity and source."""

from therabill.scrub.context import ClaimContext, ScrubContext, prepare
from therabill.scrub.engine import ScrubbedLine, ScrubResult, scrub_claim, scrub_claims, scrub_text
from therabill.scrub.registry import RULES, Rule, finding, rule

__all__ = [
    "RULES",
    "ClaimContext",
    "Rule",
    "ScrubContext",
    "ScrubResult",
    "ScrubbedLine",
    "finding",
    "prepare",
    "rule",
    "scrub_claim",
    "scrub_claims",
    "scrub_text",
]
