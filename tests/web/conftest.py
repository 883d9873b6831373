"""Web fixtures: a practice on a fresh SQLite file and a browser-like client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_helpers import Practice, build_practice

from therabill.web.app import create_app


@pytest.fixture
def practice(tmp_path: Path) -> Iterator[Practice]:
    built = build_practice(f"sqlite:///{tmp_path / 'practice.sqlite3'}")
    yield built
    built.store.dispose()


@pytest.fixture
def web(practice: Practice) -> Iterator[TestClient]:
    """A browser-like client (https, so Secure cookies are sent), not logged in."""
    app = create_app(practice.url)
    with TestClient(app, base_url="https://testserver") as client:
        yield client
    app.state.ctx.store.dispose()
