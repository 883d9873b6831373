"""The practice fixtures live in tests/posting_fixtures.py, shared with tests/acks (a conftest
cannot be imported from another folder: conftest module names collide)."""

from posting_fixtures import bulk, cob_practice, home, practice

__all__ = ["bulk", "cob_practice", "home", "practice"]
