"""Fixtures live in posting_fixtures.py (conftest module names collide across folders)."""

from posting_fixtures import home, practice

__all__ = ["home", "practice"]
