"""The practice fixtures of tests/posting_fixtures.py: a practice that sends 837Ps and posts
835s, on SQLite and (with THERABILL_TEST_POSTGRES_URL) PostgreSQL."""

from posting_fixtures import cob_practice, home, practice

__all__ = ["cob_practice", "home", "practice"]
