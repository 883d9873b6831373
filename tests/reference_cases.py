"""The shared reference's worked cases (sourced-cases.json), each with its source and status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


def sourced_cases() -> list[dict[str, Any]]:
    """All 119 cases; callers pick by ``rule`` or ``kind``."""
    cases: list[dict[str, Any]] = json.loads((DATA / "sourced-cases.json").read_text("utf-8"))
    return cases
