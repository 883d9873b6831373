"""Login, logout, session expiry, CSRF, throttling and the security headers."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from web_helpers import PASSWORD, Practice, api_token, counting_queries, csrf_of, login

from therabill.store.models import Practice as Practice_
from therabill.store.models import User
from therabill.store.services import login_sessions, users
from therabill.store.web_tables import web_sessions


def test_pages_without_login_redirect_to_login(web: TestClient) -> None:
    for path in ("/", "/clients", "/clients/1", "/codes", "/claims", "/sessions/new"):
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/login"


def test_login_sets_a_hardened_cookie_and_shows_the_dashboard(web: TestClient) -> None:
    page = web.get("/login")
    response = web.post(
        "/login",
        data={"username": "bill", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "therabill_session=" in cookie
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    home = web.get("/")
    assert home.status_code == 200 and "Dashboard" in home.text


def test_wrong_password_is_refused_with_one_message(web: TestClient) -> None:
    page = web.get("/login")
    response = web.post(
        "/login",
        data={"username": "bill", "password": "wrong password!", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "do not match" in response.text
    unknown = web.post(
        "/login",
        data={
            "username": "nobody",
            "password": "wrong password!",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert unknown.status_code == 401 and "do not match" in unknown.text


def test_login_without_its_csrf_token_is_refused(web: TestClient) -> None:
    web.get("/login")
    response = web.post("/login", data={"username": "bill", "password": PASSWORD})
    assert response.status_code == 403
    assert web.get("/", follow_redirects=False).status_code == 303


def _try(web: TestClient, token: str, password: str, user: str = "bill") -> int:
    answer = web.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer.status_code


def _age_failures(practice: Practice, seconds: int) -> None:
    """Move every recorded failure ``seconds`` into the past (time passing for the delay)."""
    from therabill.store.web_tables import web_login_failures

    with practice.store.engine.begin() as conn:
        for row in conn.execute(web_login_failures.select()).all():
            conn.execute(
                update(web_login_failures)
                .where(web_login_failures.c.id == row.id)
                .values(at=row.at - dt.timedelta(seconds=seconds))
            )


def test_failed_logins_slow_down_without_locking_the_real_user_out(
    web: TestClient, practice: Practice
) -> None:
    """After a few failures each try waits longer (1, 2, 4 … s, at most a minute) and a try
    before then is refused unchecked; once the wait is over, the right password works: an
    attacker cannot keep the real user out for 15 minutes with five wrong passwords."""
    token = csrf_of(web.get("/login").text)
    for _ in range(login_sessions.FREE_TRIES):
        assert _try(web, token, "nope nope nope") == 401
    refused = web.post(
        "/login", data={"username": "bill", "password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 429
    assert "Wait 1 second and try again" in refused.text
    _age_failures(practice, 2)
    assert _try(web, token, PASSWORD) == 303  # the wait is over: the real user gets in
    assert [login_sessions.delay_after(n) for n in range(1, 12)] == [
        0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60,
    ]  # fmt: skip


def test_every_failed_login_and_delay_is_audited(web: TestClient, practice: Practice) -> None:
    from sqlalchemy import select

    from therabill.store.models import AuditEntry

    token = csrf_of(web.get("/login").text)
    for _ in range(login_sessions.FREE_TRIES):
        _try(web, token, "nope nope nope")
    _try(web, token, "whatever", user="nobody")
    with practice.store.sessions() as db:
        entries = db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
        seen = [(e.action, e.entity_id, e.detail) for e in entries if e.action.startswith("login-")]
    assert [a for a, _, _ in seen] == ["login-failed"] * 3 + ["login-delayed", "login-failed"]
    assert seen[2][2].startswith("from testclient; 3 in 15 min")
    assert seen[3][2] == "1 s"
    assert seen[4][1] == "unknown" and "nobody" not in str(seen)


def test_failures_from_one_address_count_only_behind_a_configured_proxy(
    practice: Practice,
) -> None:
    """Without --proxy-headers every client behind a proxy shares its address: 20 failures
    from it must not shut out everyone. With it, an address is limited too."""
    from therabill.store.services import login_sessions as ls

    for i in range(ls.MAX_FAILURES_PER_ADDRESS):
        ls.record_failure(practice.store.engine, f"user{i}", "10.0.0.9")
    assert ls.login_wait(practice.store.engine, "bill", "10.0.0.9") == 0
    behind = ls.login_wait(practice.store.engine, "bill", "10.0.0.9", by_address=True)
    assert 0 < behind <= ls.FAILURE_WINDOW.total_seconds()
    assert ls.login_wait(practice.store.engine, "bill", "10.0.0.8", by_address=True) == 0


def test_logout_really_ends_the_session(web: TestClient) -> None:
    login(web, "bill")
    secret = web.cookies.get("therabill_session")
    assert secret
    home = web.get("/")
    web.post("/logout", data={"csrf_token": csrf_of(home.text)})
    # Replaying the old cookie does not bring the session back.
    web.cookies.set("therabill_session", secret, domain="testserver")
    assert web.get("/", follow_redirects=False).status_code == 303


def test_inactivity_ends_the_session(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    assert web.get("/").status_code == 200
    idle = web.app.state.ctx.settings.idle  # type: ignore[attr-defined]
    with practice.store.engine.begin() as conn:
        conn.execute(
            update(web_sessions).values(
                last_seen_at=dt.datetime.now(dt.UTC) - idle - dt.timedelta(seconds=1)
            )
        )
    assert web.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_form_without_the_csrf_token_is_refused(web: TestClient) -> None:
    login(web, "bill")
    response = web.post("/logout", data={})
    assert response.status_code == 403
    assert web.get("/").status_code == 200  # still logged in: the forged logout did nothing
    forged = web.post("/logout", data={"csrf_token": "x" * 43})
    assert forged.status_code == 403


@pytest.mark.parametrize("path", ["/login", "/", "/codes", "/static/app.css"])
def test_security_headers_on_every_response(web: TestClient, path: str) -> None:
    login(web, "bill")
    response = web.get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_icon_browsers_ask_for_is_the_pages_own_without_a_login(web: TestClient) -> None:
    """A browser asks for /favicon.ico on a page without an icon link (a text file, a PDF):
    it gets the pages' icon, even before logging in, not a 404."""
    moved = web.get("/favicon.ico", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/static/favicon.svg"
    icon = web.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"


def test_no_inline_script_in_any_page(web: TestClient) -> None:
    login(web, "root")
    for path in ("/", "/codes", "/clients", "/login"):
        html = web.get(path).text
        assert "<script>" not in html and " on" + "click=" not in html
        for tag in html.split("<script")[1:]:
            assert "src=" in tag.split(">")[0], path


def test_one_time_password_must_be_changed_first(web: TestClient, practice: Practice) -> None:
    from therabill.store.services import users

    with practice.store.transaction(actor="t") as work:
        users.create_user(
            work,
            username="newbie",
            role=users.Role.BILLER,
            password="one-time-secret-1",
            must_change_password=True,
        )
    login(web, "newbie", "one-time-secret-1")
    assert web.get("/", follow_redirects=False).headers["location"] == "/password"
    page = web.get("/password")
    response = web.post(
        "/password",
        data={
            "csrf_token": csrf_of(page.text),
            "current": "one-time-secret-1",
            "password": "my own long secret",
            "again": "my own long secret",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert web.get("/").status_code == 200


def test_reads_of_client_data_are_audited_with_who(web: TestClient, practice: Practice) -> None:
    from sqlalchemy import select

    from therabill.store.models import AuditEntry

    login(web, "bill")
    assert web.get(f"/clients/{practice.ana_client}").status_code == 200
    with practice.store.sessions() as db:
        entries = db.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(5))
        seen = {(e.actor, e.action, e.entity, e.entity_id) for e in entries.scalars()}
    assert ("bill", "read", "client", str(practice.ana_client)) in seen
    assert ("bill", "read", "ledger", str(practice.ana_client)) in seen


def test_the_log_never_holds_a_query_string(
    web: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    login(web, "bill")
    with caplog.at_level("INFO", logger="therabill.web"):
        web.get("/codes?q=secret-words")
    assert any("/codes" in r.getMessage() for r in caplog.records)
    assert not any("secret-words" in r.getMessage() for r in caplog.records)


def test_an_unexpected_error_is_logged_without_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from therabill.web.problems import log_failure

    try:
        raise ValueError("INSERT … parameters ('Carla', 'Cruz', '1980-05-01')")
    except ValueError as exc:
        with caplog.at_level("ERROR"):
            log_failure(logging.getLogger("therabill.web"), exc)
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in text and "Cruz" not in text


@pytest.mark.parametrize("prefix", ["", "/api/v1"], ids=["page", "api"])
def test_a_crash_reaches_neither_the_server_log_nor_the_response_with_its_message(
    practice: Practice, caplog: pytest.LogCaptureFixture, prefix: str
) -> None:
    """An exception escaping a route is logged as type, place and request id, answered 500
    naming the request id, and not raised on to the server (uvicorn would log the whole
    traceback, message and all)."""
    from therabill.web.app import create_app

    app = create_app(practice.url)
    api = next(r for r in app.routes if getattr(r, "path", "") == "/api/v1")
    target = app if not prefix else api.app  # type: ignore[attr-defined]

    def crash() -> None:
        raise ValueError("INSERT … parameters ('Carla', 'Cruz', '1980-05-01')")

    target.add_api_route("/crash", crash)
    with (
        caplog.at_level("INFO"),
        TestClient(app, base_url="https://testserver") as web,  # raises what escapes the app
    ):
        answer = web.get(f"{prefix}/crash")
    app.state.ctx.store.dispose()
    assert answer.status_code == 500
    request_id = answer.headers["x-request-id"]
    assert request_id in answer.text and "Cruz" not in answer.text
    logged = [(r.getMessage(), r.exc_info) for r in caplog.records]
    assert any("ValueError" in m and request_id in m for m, _ in logged)
    assert not any("Cruz" in m or info for m, info in logged)


def test_the_api_refuses_a_user_who_must_change_their_password(
    web: TestClient, practice: Practice
) -> None:
    from web_helpers import api_token

    from therabill.store.services import users

    with practice.store.transaction(actor="t") as work:
        users.create_user(
            work,
            username="newbie",
            role=users.Role.BILLER,
            password="one-time-secret-1",
            must_change_password=True,
        )
    headers = {"Authorization": f"Bearer {api_token(practice, 'newbie')}"}
    refused = web.get("/api/v1/claims", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["title"] == "Password change required"
    assert "choose a new password" in refused.json()["detail"]


def test_a_user_of_two_practices_chooses_one_after_login_and_can_switch(
    web: TestClient, practice: Practice
) -> None:
    """Several practices (PostgreSQL's case; the rows are made directly here): nothing opens
    before the choice, the header names the practice, and a practice the user does not
    belong to is not there for them."""
    with practice.store.transaction(actor="admin") as work:
        other = Practice_(name="Bay Speech")
        work.db.add(other)
        work.db.flush()
        bill = work.db.execute(select(User.id).where(User.username == "bill")).scalar_one()
        users.join(work, user_id=bill, practice_id=other.id, role=users.Role.ADMIN)
        stranger = Practice_(name="Not Bill's")
        work.db.add(stranger)
        work.db.flush()
        second, third = other.id, stranger.id
        first = work.db.get(Practice_, 1)
        assert first is not None
        home_name = first.name
    login(web, "bill")
    response = web.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/practice"
    page = web.get("/practice")
    assert "Bay Speech" in page.text and home_name in page.text
    assert "Not Bill" not in page.text
    token = csrf_of(page.text)
    refused = web.post("/practice", data={"practice_id": third, "csrf_token": token})
    assert refused.status_code == 404
    chosen = web.post(
        "/practice", data={"practice_id": second, "csrf_token": token}, follow_redirects=False
    )
    assert chosen.status_code == 303
    home = web.get("/")
    assert home.status_code == 200 and "Bay Speech" in home.text and "admin" in home.text
    web.post("/practice", data={"practice_id": 1, "csrf_token": token})
    back = web.get("/")
    assert home_name in back.text and "biller" in back.text


def test_a_request_looks_its_login_and_account_up_in_one_statement(
    web: TestClient, practice: Practice
) -> None:
    """Every page and API request checks who is asking: the session (or the token), the
    user, their web account, authenticator and practices come in one prebuilt statement,
    not one each (issue 17: the live check's budget is about 3 ms of CPU)."""
    login(web, "ana")
    assert web.get("/clients").status_code == 200  # the session's touch is done
    with counting_queries() as seen:
        assert web.get("/clients").status_code == 200
    looked_up = [s for s in seen if "web_sessions" in s or "practice_members" in s]
    assert len(looked_up) == 1 and "web_mfa" in looked_up[0]
    bearer = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    with counting_queries() as seen:
        assert web.get("/api/v1/clients", headers=bearer).status_code == 200
    looked_up = [s for s in seen if "web_api_tokens" in s or "practice_members" in s]
    assert len(looked_up) == 1 and "web_mfa" in looked_up[0]
