"""Session entry: live units under the payer's rule, the claim check, saving."""

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
        "date": (TODAY - dt.timedelta(days=1)).isoformat(),  # no other session
        "place_of_service": "11",
        "diagnoses": "M54.50",
    }
    data.update(extra)
    return data


def test_live_units_follow_the_cms_rule_for_medicare(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    # CMS Pub 100-04 ch.5 §20.2 example: 24 min 97112 + 23 min 97110 = 47 min -> 3 units.
    response = web.post(
        "/sessions/preview",
        data=_form(token, practice, code_1="97112", minutes_1="24", code_2="97110", minutes_2="23"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="total-units">3<' in response.text
    assert "CMS" in response.text
    assert "Claim check" in response.text


def test_live_units_name_an_unknown_code(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post(
        "/sessions/preview", data=_form(token, practice, code_1="97111", minutes_1="30")
    )
    assert response.status_code == 200
    assert "97111" in response.text and "not a known procedure code" in response.text


def test_saving_a_session_shows_it(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post(
        "/sessions",
        data=_form(token, practice, code_1="97110", minutes_1="38", modifiers_1="GP"),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("?done=session-saved")
    page = web.get(response.headers["location"])
    assert "Session saved." in page.text and "97110" in page.text  # the success toast
    assert "Session saved." not in web.get(response.headers["location"].split("?")[0]).text


def test_saving_without_minutes_names_the_field(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post("/sessions", data=_form(token, practice))
    assert response.status_code == 422
    assert "code_1" in response.text


def test_saving_a_form_with_several_mistakes_names_each_at_its_field(
    web: TestClient, practice: Practice
) -> None:
    """Every problem at once (not one per save), in the form's order, each linked to its
    field and the field marked invalid; nothing is saved."""
    login(web, "ana")
    sessions_before = web.get("/sessions").text.count("/sessions/")
    token = csrf_of(web.get("/sessions/new").text)
    data = _form(
        token,
        practice,
        start="10:00",
        end="09:30",
        code_1="97110",
        minutes_1="-5",
        code_2="",
        minutes_2="20",
        code_3="97140",
        minutes_3="7",
    )
    del data["provider"]
    response = web.post("/sessions", data=data)
    assert response.status_code == 422
    listed = response.text.split('id="form-problems">')[1].split("</ul>")[0]
    assert [item.split("</a>")[0].split(">")[-1] for item in listed.split("<li")[1:]] == [
        "Provider",
        "End",
        "Minutes, row 1",
        "Code, row 2",
    ]
    assert "4 things to fix" in response.text
    assert "must be a whole number of minutes, 1 to 1440" in listed
    for name in ("provider", "end", "minutes_1", "code_2"):
        assert f'id="field-{name}" required aria-invalid="true"' in response.text or (
            f'id="field-{name}" aria-invalid="true" aria-describedby="problem-{name}"'
            in response.text
        ), name
    assert 'id="field-code_3" aria-invalid' not in response.text
    assert 'value="-5"' in response.text  # what was typed comes back to be fixed
    assert web.get("/sessions").text.count("/sessions/") == sessions_before


def test_the_live_panel_lists_what_it_left_out(web: TestClient, practice: Practice) -> None:
    """A row the form cannot read is not counted: the panel says so instead of silently
    showing units without it."""
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post(
        "/sessions/preview",
        data=_form(token, practice, code_1="97110", minutes_1="30", code_2="97140", minutes_2="x"),
    )
    assert response.status_code == 200
    panel = response.text.split('id="preview-form-problems"')[1].split("</div>")[0]
    assert "Minutes, row 2: must be a whole number of minutes" in panel
    assert 'id="total-units">2<' in response.text


def test_a_therapist_cannot_enter_a_session_for_another_therapists_client(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    data = _form(token, practice, code_1="97110", minutes_1="30")
    data["client"] = str(practice.ben_client)
    assert web.post("/sessions", data=data).status_code == 404
    assert web.post("/sessions/preview", data=data).status_code == 404


def test_diagnosis_search_by_words_and_code(web: TestClient) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    by_code = web.post("/diagnoses/search", data={"csrf_token": token, "diagnoses": "M54.5"})
    assert "M54.50" in by_code.text
    by_words = web.post(
        "/diagnoses/search", data={"csrf_token": token, "diagnoses": "M62.81, low back pain"}
    )
    assert "M54.5" in by_words.text


def test_the_days_other_unbilled_sessions_are_counted_in(
    web: TestClient, practice: Practice
) -> None:
    """claims build pools a client's sessions with one provider on one day into one claim
    (the CMS rule counts the day's total timed minutes), so the live check does too."""
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    today = TODAY.isoformat()  # the fixture has 97110 23 + 97112 24 min today
    response = web.post(
        "/sessions/preview",
        data=_form(token, practice, date=today, code_1="97110", minutes_1="8"),
    )
    assert "Includes 1 other unbilled session" in response.text
    # 31 + 24 = 55 timed minutes: 4 units (53-67 band).
    assert 'id="total-units">4<' in response.text


def test_the_live_check_adds_the_plan_modifier_as_the_build_does(
    web: TestClient, practice: Practice
) -> None:
    """A Medicare PT session of 97110 entered without GP: the build adds GP (CMS Pub 100-04
    ch.5 §20.1, the payer profile requires it), so the live check shows no "needs GP" error."""
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post(
        "/sessions/preview", data=_form(token, practice, code_1="97110", minutes_1="30")
    )
    assert response.status_code == 200
    assert "Claim check" in response.text and 'id="finding-count"' in response.text
    assert "needs GP" not in response.text
    assert "modifier.therapy-plan" not in response.text
