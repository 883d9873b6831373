"""The practice fixtures live in tests/posting_fixtures.py, shared with tests/acks (a conftest
cannot be imported from another folder: conftest module names collide)."""

from posting_fixtures import cob_practice, home, practice

__all__ = ["cob_practice", "home", "practice"]
