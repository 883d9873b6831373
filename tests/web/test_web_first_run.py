"""First run and the user commands: an empty database gets a practice and an admin with a
one-time password, printed once; `therabill user add` makes real logins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_helpers import csrf_of

from therabill.cli.main import app as cli
from therabill.store.services import open_store
from therabill.store.services.first_run import prepare
from therabill.web.app import create_app


def test_first_run_creates_the_practice_and_a_one_time_admin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    store = open_store(url)
    first = prepare(store)
    assert first.created_practice and first.admin_username == "admin"
    assert first.admin_password
    again = prepare(store)
    assert not again.created_practice and again.admin_password is None
    store.dispose()
    with TestClient(create_app(url), base_url="https://testserver") as web:
        page = web.get("/login")
        web.post(
            "/login",
            data={
                "username": "admin",
                "password": first.admin_password,
                "csrf_token": csrf_of(page.text),
            },
        )
        # The one-time password leads straight to choosing one's own.
        assert web.get("/", follow_redirects=False).headers["location"] == "/password"


def test_an_uninitialised_database_is_refused_with_a_hint(tmp_path: Path) -> None:
    from therabill.errors import TherabillError

    with pytest.raises(TherabillError, match="not set up"):
        create_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


def test_user_add_prints_a_one_time_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("THERABILL_DATABASE_URL", url)
    store = open_store(url)
    prepare(store)
    store.dispose()
    runner = CliRunner()
    added = runner.invoke(cli, ["user", "add", "ana.b", "--role", "biller", "--json"])
    assert added.exit_code == 0, added.output
    shown = json.loads(added.stdout)
    assert shown["role"] == "biller" and len(shown["one_time_password"]) >= 12
    twice = runner.invoke(cli, ["user", "add", "ana.b"])
    assert twice.exit_code == 2 and "already exists" in twice.stderr
    therapist = runner.invoke(cli, ["user", "add", "tess", "--role", "therapist"])
    assert therapist.exit_code == 2 and "provider" in therapist.stderr
    token = runner.invoke(cli, ["user", "token", "ana.b", "--json"])
    assert json.loads(token.stdout)["token"].startswith("tb_")
