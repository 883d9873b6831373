"""The posting tests' practice fixtures (tests/posting/posting_fixtures.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "posting"))

from posting_fixtures import db_url, home, practice

__all__ = ["db_url", "home", "practice"]
