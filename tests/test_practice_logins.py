"""Practice A's admin against practice B's login, through every edge that reaches the logins'
services (api_tokens, mfa, users.reset_password and kin): revoke B's user's token, reset
B's user's password or second factor, log B's user out (disable), list B's user's tokens,
tie a new login to B's provider. Each is refused, on the web pages and on the command line
(the API has no call for logins at all: checked below), and B's login, tokens, login
sessions and second factor are unchanged, read as the superuser. The same requests on a
login of A's own succeed, so the refusals are the practice check and not a broken request.

The services check the practice themselves (``users.practice_user``), so the generic
service sweep (tests/test_practice_sweep.py) also calls each with B's user's id.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from starlette.routing import Mount
from typer.testing import CliRunner

from practice_sweep import TwoPractices, digest, log_in
from therabill.cli.main import app as cli_app
from therabill.web.app import create_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def home(two: TwoPractices, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("THERABILL_HOME", str(two.home))
    monkeypatch.setenv("THERABILL_MFA_ROLES", "")
    return two.home


def _user_ids(two: TwoPractices, name_like: str) -> list[int]:
    engine = create_engine(two.admin_url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT id FROM users WHERE username LIKE :n ORDER BY id"), {"n": name_like}
        ).scalars()
        ids = [int(i) for i in found]
    engine.dispose()
    return ids


def _b_provider(two: TwoPractices) -> tuple[int, str]:
    """B's first provider: its id and its NPI."""
    engine = create_engine(two.admin_url)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, npi FROM providers WHERE practice_id = :b ORDER BY id LIMIT 1"),
            {"b": two.b},
        ).one()
    engine.dispose()
    return int(row[0]), str(row[1])


def test_as_admin_cannot_reach_bs_login_on_the_web(two: TwoPractices, home: Path) -> None:
    b_provider, b_npi = _b_provider(two)
    app = create_app(two.app_url)
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    with TestClient(app, base_url="https://testserver") as web:
        csrf = log_in(web, "alma")

        def post(path: str, **form: str) -> int:
            answer = web.post(
                path,
                data={"csrf_token": csrf, **form},
                headers={"x-csrf-token": csrf},
                follow_redirects=False,
            )
            assert "bruno" not in answer.text, path
            return answer.status_code

        # A's own: a login added, its password reset, disabled and enabled; a token of
        # alma's made and revoked. Each succeeds.
        assert post("/admin/users", username="sweep-anita", role="biller") == 200
        (anita,) = _user_ids(two, "sweep-anita")
        for action in ("password", "disable", "enable"):
            assert post(f"/admin/users/{anita}/{action}") == 200, action
        assert post("/account/tokens", name="sweep-own") == 200
        own = max(_token_ids(two, two.a_user))
        assert post(f"/account/tokens/{own}/revoke") == 303

        # B's: every one refused as not found.
        for action in ("password", "disable", "enable"):
            assert post(f"/admin/users/{two.b_user}/{action}") == 404, action
        assert post(f"/account/tokens/{two.b_token_id}/revoke") == 404
        assert post("/practice", practice_id=str(two.b)) == 404
        # A login tied to B's provider, by id or NPI, as a therapist or not: refused.
        for role in ("therapist", "biller", "admin"):
            for provider in (str(b_provider), b_npi):
                assert (
                    post("/admin/users", username="sweep-tied", role=role, provider=provider) == 422
                ), (role, provider)
        assert _user_ids(two, "sweep-tied") == []
        # B's login is not in A's list of users.
        assert "bruno" not in web.get("/admin/users").text
        assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
        # B's token still works for B (a read, audited in B's log: after the digest).
        bearer = {"authorization": f"Bearer {two.b_token}"}
        assert web.get("/api/v1/clients", headers=bearer).status_code == 200
    app.state.ctx.store.dispose()


def _token_ids(two: TwoPractices, user_id: int) -> list[int]:
    engine = create_engine(two.admin_url)
    with engine.connect() as conn:
        ids = [
            int(i)
            for i in conn.execute(
                text("SELECT id FROM web_api_tokens WHERE user_id = :u"), {"u": user_id}
            ).scalars()
        ]
    engine.dispose()
    return ids


def test_as_admin_cannot_reach_bs_login_on_the_command_line(
    two: TwoPractices, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``therabill --practice A user …`` on B's login: an error each time, nothing of B's."""
    monkeypatch.setenv("THERABILL_DATABASE_URL", two.app_url)
    monkeypatch.setenv("THERABILL_USER", "alma")
    b_provider, b_npi = _b_provider(two)
    runner = CliRunner()
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))

    def run(*argv: str) -> int:
        result = runner.invoke(cli_app, ["--practice", str(two.a), "user", *argv])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            argv,
            result.exception,
        )
        assert "bruno" not in result.output.replace("'bruno'", ""), (argv, result.output)
        return result.exit_code

    # A's own first: each works.
    assert run("add", "sweep-cli-anita", "--role", "biller") == 0
    assert run("password", "sweep-cli-anita") == 0
    assert run("token", "sweep-cli-anita", "--name", "own") == 0
    (anita,) = _user_ids(two, "sweep-cli-anita")
    own = max(_token_ids(two, anita))
    assert run("token", "sweep-cli-anita", "--list") == 0
    assert run("token", "sweep-cli-anita", "--revoke", str(own)) == 0
    assert run("mfa-reset", "sweep-cli-anita") == 0

    # B's: refused.
    assert run("password", "bruno") != 0
    assert run("token", "bruno", "--name", "sweep") != 0
    assert run("token", "bruno", "--list") != 0
    assert run("token", "bruno", "--revoke", str(two.b_token_id)) != 0
    assert run("token", "alma", "--revoke", str(two.b_token_id)) != 0  # B's token as A's
    assert run("mfa-reset", "bruno") != 0
    for role in ("therapist", "biller"):
        for provider in (str(b_provider), b_npi):
            assert run("add", "sweep-cli-tied", "--role", role, "--provider", provider) != 0
    assert _user_ids(two, "sweep-cli-tied") == []
    listed = runner.invoke(cli_app, ["--practice", str(two.a), "user", "list"])
    assert listed.exit_code == 0 and "alma" in listed.output and "bruno" not in listed.output
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before


LOGIN_WORDS = re.compile(r"user|token|login|password|mfa|second.factor|account/", re.I)


def test_the_api_has_no_call_that_reaches_a_login(two: TwoPractices, home: Path) -> None:
    """No /api/v1 call takes a user, a token or a password (logins are managed on the
    account and admin pages and by ``therabill user``): the API cannot reach the logins'
    services, so there is nothing of B's login to try there. A new call that does fails
    this test, to be swept above."""
    app = create_app(two.app_url)
    api = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "/api/v1")
    spec = api.openapi()
    named: list[str] = []
    for path, operations in spec["paths"].items():
        if LOGIN_WORDS.search(path):
            named.append(path)
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if LOGIN_WORDS.search(parameter["name"]):
                    named.append(f"{method} {path} ({parameter['name']})")
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        for field in schema.get("properties", {}):
            if LOGIN_WORDS.search(field) and field not in ("billed_by_user",):
                named.append(f"{name}.{field}")
    assert len(spec["paths"]) > 30  # the whole API was read
    app.state.ctx.store.dispose()
    assert named == [], f"API calls that name a login: sweep them in this file: {named}"
