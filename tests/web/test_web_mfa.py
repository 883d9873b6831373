"""The second factor (issue 14): an authenticator app (TOTP, RFC 6238) with recovery codes,
required of admins and billers by default, enrolled in the web app with a QR code drawn
locally, asked at login; the CLI admin resets it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pyotp
import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import PASSWORD, Practice, csrf_of

from therabill.store.models import AuditEntry, User
from therabill.store.services import mfa
from therabill.store.web_tables import web_mfa, web_mfa_recovery
from therabill.web.app import create_app
from therabill.web.context import MFA_ROLES, WebSettings


@pytest.fixture
def strict(practice: Practice) -> Iterator[TestClient]:
    """The app with its default settings: admins and billers need a second factor."""
    app = create_app(practice.url, settings=WebSettings())
    with TestClient(app, base_url="https://testserver") as client:
        yield client
    app.state.ctx.store.dispose()


def _password_login(web: TestClient, username: str) -> str:
    page = web.get("/login")
    answer = web.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _secret(practice: Practice, username: str) -> str:
    with practice.store.sessions() as db:
        user_id = db.execute(select(User.id).where(User.username == username)).scalar_one()
        return str(
            db.execute(select(web_mfa.c.secret).where(web_mfa.c.user_id == user_id)).scalar_one()
        )


def _code(secret: str, at: dt.datetime | None = None) -> str:
    return pyotp.TOTP(secret).at(at or dt.datetime.now(dt.UTC))


def _enrol(web: TestClient, practice: Practice, username: str) -> list[str]:
    assert _password_login(web, username) == "/"
    assert web.get("/", follow_redirects=False).headers["location"] == "/account/mfa"
    page = web.get("/account/mfa")
    assert page.status_code == 200
    assert 'href="/claims"' not in page.text  # no menu until it is set up: it leads nowhere
    shown = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page.text)
    assert shown is not None
    secret = shown.group(1).replace(" ", "")
    assert secret == _secret(practice, username)
    wrong = web.post("/account/mfa", data={"csrf_token": csrf_of(page.text), "code": "000000"})
    assert wrong.status_code == 422 and "does not match" in wrong.text
    done = web.post("/account/mfa", data={"csrf_token": csrf_of(page.text), "code": _code(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", done.text)
    assert len(codes) == mfa.RECOVERY_CODES
    assert web.get("/").status_code == 200
    web.post("/logout", data={"csrf_token": csrf_of(done.text)})
    return codes


def test_admins_and_billers_must_set_up_a_second_factor_by_default(
    strict: TestClient, practice: Practice
) -> None:
    assert {"admin", "biller"} <= MFA_ROLES and WebSettings().mfa_roles == MFA_ROLES
    for username in ("root", "bill"):
        assert _password_login(strict, username) == "/"
        for path in ("/", "/claims", "/clients", "/account"):
            answer = strict.get(path, follow_redirects=False)
            assert answer.headers["location"] == "/account/mfa", (username, path)
        strict.cookies.clear()
    # A therapist is not asked (the setting names the roles).
    assert _password_login(strict, "ana") == "/"
    assert strict.get("/", follow_redirects=False).status_code == 200


def test_the_enrolment_qr_code_is_drawn_here(strict: TestClient, practice: Practice) -> None:
    _password_login(strict, "root")
    page = strict.get("/account/mfa").text
    image = re.search(r'id="mfa-qr" src="data:image/svg\+xml;charset=utf-8,([^"]+)"', page)
    assert image is not None, "the QR code is a data: image, from no other origin"
    from urllib.parse import unquote

    svg = unquote(image.group(1))
    assert svg.startswith("<svg xmlns='http://www.w3.org/2000/svg'") and "<path" in svg
    assert "href" not in svg  # nothing it would fetch


def test_login_asks_for_the_code_and_refuses_a_replay(
    strict: TestClient, practice: Practice
) -> None:
    codes = _enrol(strict, practice, "root")
    secret = _secret(practice, "root")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=True):
        assert _password_login(strict, "root") == "/login/code"
        # Half logged in: nothing but the code page.
        assert strict.get("/clients", follow_redirects=False).headers["location"] == "/login/code"
        page = strict.get("/login/code")
        assert "Authenticator code" in page.text and 'href="/claims"' not in page.text
        token = csrf_of(page.text)
        half = strict.cookies.get("therabill_session")
        wrong = strict.post("/login/code", data={"csrf_token": token, "code": "123456"})
        assert wrong.status_code == 401 and "does not match" in wrong.text
        code = _code(secret)
        right = strict.post(
            "/login/code", data={"csrf_token": token, "code": code}, follow_redirects=False
        )
        assert right.status_code == 303 and right.headers["location"] == "/"
        assert strict.cookies.get("therabill_session") != half  # a new session secret
        assert strict.get("/claims").status_code == 200
        # The same code again (another browser, same 30 s): refused.
        other = TestClient(strict.app, base_url="https://testserver")
        assert _password_login(other, "root") == "/login/code"
        token2 = csrf_of(other.get("/login/code").text)
        replay = other.post("/login/code", data={"csrf_token": token2, "code": code})
        assert replay.status_code == 401
        # A recovery code works once.
        used = other.post(
            "/login/code",
            data={"csrf_token": token2, "code": codes[0].upper()},
            follow_redirects=False,
        )
        assert used.status_code == 303
    with practice.store.sessions() as db:
        left = db.execute(
            select(web_mfa_recovery.c.id).where(web_mfa_recovery.c.used_at.is_(None))
        ).all()
        actions = [e.action for e in db.execute(select(AuditEntry)).scalars()]
    assert len(left) == mfa.RECOVERY_CODES - 1
    assert {"mfa-on", "mfa-passed", "mfa-failed"} <= set(actions)


def test_wrong_codes_end_the_half_login(strict: TestClient, practice: Practice) -> None:
    from therabill.store.services import login_sessions

    _enrol(strict, practice, "bill")
    assert _password_login(strict, "bill") == "/login/code"
    token = csrf_of(strict.get("/login/code").text)
    for _ in range(login_sessions.MAX_CODE_FAILURES - 1):
        assert (
            strict.post("/login/code", data={"csrf_token": token, "code": "111111"}).status_code
            == 401
        )
    last = strict.post("/login/code", data={"csrf_token": token, "code": "111111"})
    assert last.status_code == 429
    assert strict.get("/login/code", follow_redirects=False).headers["location"] == "/login"


def test_the_cli_admin_resets_a_users_second_factor(
    strict: TestClient, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from therabill.cli.main import app

    _enrol(strict, practice, "bill")
    monkeypatch.setenv("THERABILL_DATABASE_URL", practice.url)
    result = CliRunner().invoke(app, ["user", "mfa-reset", "bill", "--json"])
    assert result.exit_code == 0, result.output
    assert '"mfa": "reset"' in result.output
    # Next login: set it up again.
    assert _password_login(strict, "bill") == "/"
    assert strict.get("/", follow_redirects=False).headers["location"] == "/account/mfa"
    unknown = CliRunner().invoke(app, ["user", "mfa-reset", "nobody"])
    assert unknown.exit_code == 2 and "Error:" in unknown.output
