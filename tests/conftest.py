"""Shared fixtures: every test runs with its own therabill home directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


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


def sourced_cases() -> list[dict[str, Any]]:
    """The shared reference's worked cases, each with its source and how sure it is."""
    cases: list[dict[str, Any]] = json.loads((DATA / "sourced-cases.json").read_text("utf-8"))
    return cases
