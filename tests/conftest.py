"""Shared fixtures: every test runs with its own therabill home directory, on the frozen
date of tests/clock.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from hypothesis import HealthCheck, settings

from clock import NOW

# Timed assertions do not belong in tests: Hypothesis's per-example deadline and its
# "too slow" health check fail a correct property on a loaded machine, so both are off.
settings.register_profile("therabill", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("therabill")

# The two databases (SQLite, PostgreSQL) of every store-backed test: the ``db_url`` fixture.
pytest_plugins = ["db_backends"]


@pytest.fixture(autouse=True, scope="session")
def frozen_today() -> Iterator[None]:
    """The whole run (session-scoped fixtures included) on ``clock.TODAY``; the clock ticks
    on from noon, so durations and expiries still move forward."""
    with time_machine.travel(NOW, tick=True):
        yield


TEST_AUDIT_KEY = "test-audit-key-" + "0123456789abcdef" * 2


@pytest.fixture(autouse=True, scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Session-scoped fixtures (the web tests' practice template) build databases before any
    test's own home exists: give them a home of their own, and every database of the run one
    audit key, so a database built once and copied into a test still checks out there (key
    file tests unset THERABILL_AUDIT_KEY)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THERABILL_HOME", str(tmp_path_factory.mktemp("therabill-session-home")))
        patch.setenv("THERABILL_AUDIT_KEY", TEST_AUDIT_KEY)
        yield


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


@pytest.fixture(autouse=True)
def _no_practice_chosen() -> Iterator[None]:
    """Each test starts with no practice chosen: ``--practice`` on an in-process CLI run
    chooses one for the rest of the process (tenancy.choose_practice), which would carry
    into the next test of the same worker."""
    from therabill.store import tenancy

    token = tenancy._scope.set(None)
    yield
    tenancy._scope.reset(token)


@pytest.fixture(scope="session")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Two practices in one PostgreSQL database served as a plain role, built once for the
    cross-practice tests (tests/practice_sweep.py); skipped without PostgreSQL."""
    import os

    from db_backends import POSTGRES_ENV

    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} not set")
    from practice_sweep import build

    yield from build(tmp_path_factory.mktemp("sweep-home"))
