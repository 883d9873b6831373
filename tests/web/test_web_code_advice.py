"""The code advisor beside the session form: the provider's discipline and the client's payer
decide what it offers; the same answer as JSON."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from web_helpers import Practice, csrf_of, login

from clock import TODAY


def _form(token: str, practice: Practice, **extra: str) -> dict[str, str]:
    data = {
        "csrf_token": token,
        "client": str(practice.ana_client),
        "provider": str(practice.ana_provider),
        "date": (TODAY - dt.timedelta(days=1)).isoformat(),
    }
    return data | extra


def test_the_session_form_offers_the_button(web: TestClient) -> None:
    login(web, "ana")
    page = web.get("/sessions/new").text
    assert 'id="suggest-codes"' in page and 'hx-post="/advice/session"' in page


def test_suggested_codes_follow_the_techniques_and_name_the_payer(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post(
        "/advice/session",
        data=_form(token, practice, techniques="gait training with a walker\nstair climbing"),
    )
    assert response.status_code == 200
    assert "<strong>97116</strong>" in response.text
    assert "takes it" in response.text  # the client's primary payer's word on the code


def test_no_words_no_advice(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post("/advice/session", data=_form(token, practice))
    assert response.status_code == 200 and "Type the techniques" in response.text


def test_a_therapist_gets_no_advice_on_another_therapists_client(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    data = _form(token, practice, techniques="massage")
    data["client"] = str(practice.ben_client)
    assert web.post("/advice/session", data=data).status_code == 404


def test_the_json_route_answers_like_the_cli(web: TestClient) -> None:
    login(web, "ana")
    response = web.get(
        "/advice/codes.json", params={"text": "Swedish massage", "discipline": "massage"}
    )
    assert response.status_code == 200
    data = response.json()
    assert list(data)[:2] == ["suggestions", "avoid"]
    assert data["suggestions"][0]["code"] == "97124"
    assert {"97112", "97530"} <= {a["code"] for a in data["avoid"]}
    bad = web.get("/advice/codes.json", params={"text": " "})
    assert bad.status_code == 422 and bad.json()["field"] == "text"
