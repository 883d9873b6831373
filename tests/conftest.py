"""Shared fixtures: every test runs with its own therabill home directory."""

from __future__ import annotations

from pathlib import Path

import pytest

# The two databases (SQLite, PostgreSQL) of every store-backed test: the ``db_url`` fixture.
pytest_plugins = ["db_backends"]


@pytest.fixture(autouse=True)
def therabill_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep the user's real data directory out of every test."""
    home = tmp_path_factory.mktemp("therabill-home")
    monkeypatch.setenv("THERABILL_HOME", str(home))
    monkeypatch.delenv("THERABILL_CODESET", raising=False)
    monkeypatch.delenv("THERABILL_DATABASE_URL", raising=False)
    return home
