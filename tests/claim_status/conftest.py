"""The practice fixtures live in tests/posting_fixtures.py (shared with tests/posting and
tests/acks)."""

from posting_fixtures import home, practice

__all__ = ["home", "practice"]
