"""API tokens and password changes on the web (issue 14): tokens are named, expire, are
listed and revoked on "Your account"; a password change asks for the current password and
ends the user's other sessions and tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from web_helpers import PASSWORD, Practice, api_token, csrf_of, login

from therabill.web.app import create_app


def test_a_user_creates_lists_and_revokes_their_tokens(web: TestClient) -> None:
    login(web, "ana")
    page = web.get("/account")
    assert page.status_code == 200 and "No tokens." in page.text
    made = web.post(
        "/account/tokens", data={"csrf_token": csrf_of(page.text), "name": "sync", "days": "30"}
    )
    assert made.status_code == 200
    found = re.search(r'id="new-token">(tb_[A-Za-z0-9_-]+)<', made.text)
    assert found is not None
    bearer = {"Authorization": f"Bearer {found.group(1)}"}
    assert web.get("/api/v1/clients", headers=bearer).status_code == 200
    row = re.search(
        r'<tr id="token-(\d+)">\s*<td>sync</td>\s*<td class="date">([\d-]+)</td>\s*'
        r'<td class="date">([\d-]+)</td>',
        made.text,
    )
    assert row is not None
    assert web.get("/account").text.count(found.group(1)) == 0  # shown once only
    revoked = web.post(
        f"/account/tokens/{row.group(1)}/revoke",
        data={"csrf_token": csrf_of(made.text)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert web.get("/api/v1/clients", headers=bearer).status_code == 401
    assert ">revoked<" in web.get("/account").text


def test_a_user_cannot_revoke_someone_elses_token(web: TestClient, practice: Practice) -> None:
    api_token(practice, "bill")  # token 1, Bill's
    login(web, "ana")
    token = csrf_of(web.get("/account").text)
    answer = web.post("/account/tokens/1/revoke", data={"csrf_token": token})
    assert answer.status_code == 404


def test_a_password_change_needs_the_current_one_and_ends_other_access(
    practice: Practice,
) -> None:
    """The review found a change asked no current password and left other sessions and
    tokens alive: a stolen session could lock the user out for good."""
    app = create_app(practice.url)
    with (
        TestClient(app, base_url="https://testserver") as here,
        TestClient(app, base_url="https://testserver") as there,
    ):
        login(here, "bill")
        login(there, "bill")
        bearer = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
        page = here.get("/password")
        fields = {"csrf_token": csrf_of(page.text), "again": "plum orchard lantern 42"}
        fields["password"] = fields["again"]
        no_current = here.post("/password", data=fields)
        assert no_current.status_code == 422
        assert "Current password is not your current password" in no_current.text
        weak = here.post(
            "/password",
            data={
                **fields,
                "current": PASSWORD,
                "password": "password1234",
                "again": "password1234",
            },
        )
        assert weak.status_code == 422 and "too easy to guess" in weak.text
        changed = here.post(
            "/password", data={**fields, "current": PASSWORD}, follow_redirects=False
        )
        assert changed.status_code == 303
        assert here.get("/").status_code == 200  # this browser stays logged in
        assert there.get("/", follow_redirects=False).headers["location"] == "/login"
        assert here.get("/api/v1/clients", headers=bearer).status_code == 401
    app.state.ctx.store.dispose()
