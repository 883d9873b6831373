"""Web fixtures: a practice (built once per test run, copied per test), a browser-like
client, and one Chromium per browser test module (launching it is the slow part).

Screenshots are written only when ``THERABILL_SCREENSHOTS=1`` asks (docs/development.md):
an ordinary run leaves docs/images/ and test-artifacts/ as they are.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_helpers import Practice, build_practice

from therabill.store.services import open_store
from therabill.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, launched once per browser test module; each
    test opens its own context (cookies and storage of its own) in it. Not once per run:
    Playwright's sync API keeps an event loop running in the thread while it is open, and
    the tests after it that call asyncio.run() (web limits, read audit) would fail."""
    from playwright.sync_api import expect, sync_playwright

    # A loaded machine answers slower than expect()'s 5 s default: waiting longer is not a
    # timed assertion, it only keeps a slow run from failing.
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def no_second_factor_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most web tests log in as billers and admins with a password alone: the app they make
    requires a second factor of no role (``THERABILL_MFA_ROLES``). The tests of the second
    factor (test_web_mfa.py) give the app its default settings, which require one."""
    monkeypatch.setenv("THERABILL_MFA_ROLES", "")


@pytest.fixture(scope="session")
def practice_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Practice]:
    """The practice database, built once: migrations and password hashing are slow."""
    path = tmp_path_factory.mktemp("web-template") / "practice.sqlite3"
    built = build_practice(f"sqlite:///{path}")
    built.store.dispose()  # the last connection to close folds the WAL into the file
    return path, built


@pytest.fixture
def practice(practice_template: tuple[Path, Practice], tmp_path: Path) -> Iterator[Practice]:
    """A fresh copy of the practice for one test."""
    source, built = practice_template
    target = tmp_path / "practice.sqlite3"
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    url = f"sqlite:///{target}"
    store = open_store(url)
    yield dataclasses.replace(built, url=url, store=store)
    store.dispose()


@pytest.fixture
def web(practice: Practice) -> Iterator[TestClient]:
    """A browser-like client (https, so Secure cookies are sent), not logged in."""
    app = create_app(practice.url)
    with TestClient(app, base_url="https://testserver") as client:
        yield client
    app.state.ctx.store.dispose()
