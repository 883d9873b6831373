"""Findings: what is wrong (or worth a look) with a session or a claim, and why.

Every finding names its source, so a biller can trace it to a manual section, an edit table,
a payer profile entry or a rule of therabill's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # blocks submission
    WARNING = "warning"  # asks for a look
    INFO = "info"  # worth knowing (money left on the table, how a figure was reached)


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    severity: Severity
    message: str
    source: str
    line: int | None = None
    field: str | None = None
    fix: str | None = None
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # field by field, not dataclasses.asdict (which deep-copies): a claims build turns
        # every finding of every claim into a dict
        return {
            "id": self.id,
            "severity": str(self.severity),
            "message": self.message,
            "source": self.source,
            "line": self.line,
            "field": self.field,
            "fix": self.fix,
            "code": self.code,
        }
