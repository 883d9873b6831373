"""The corrections tests' practice (tests/corrections_fixtures.py)."""

from corrections_fixtures import home, practice

__all__ = ["home", "practice"]
