"""The posting tests' practice fixtures (tests/posting_fixtures.py)."""

from posting_fixtures import home, practice

__all__ = ["home", "practice"]
