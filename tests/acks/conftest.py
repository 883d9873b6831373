"""The posting tests' practice fixtures (tests/posting/posting_fixtures.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "posting"))

from posting_fixtures import home, practice

__all__ = ["home", "practice"]
