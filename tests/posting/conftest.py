"""Fixtures live in posting_fixtures.py (conftest module names collide across folders)."""

from posting_fixtures import db_url, home, practice

__all__ = ["db_url", "home", "practice"]
