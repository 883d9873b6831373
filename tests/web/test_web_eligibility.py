"""Eligibility on the client's page (check, upload a 271, the last answer per policy) and
its one line on the session form."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from web_helpers import Practice, csrf_of, login

from clock import TODAY
from therabill.config import data_dir

DATA = Path(__file__).parent.parent / "eligibility" / "data"


def test_check_upload_and_see_it_at_session_entry(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    page = web.get(f"/clients/{practice.ana_client}")
    assert "Eligibility not checked yet." in page.text
    token = csrf_of(page.text)
    checked = web.post(
        f"/clients/{practice.ana_client}/eligibility/check",
        data={"csrf_token": token, "service_types": "30 PT"},
        follow_redirects=True,
    )
    message = re.search(r'id="eligibility-message">([^<]+)<', checked.text)
    assert message, checked.text
    [written] = list((data_dir() / "outbox").glob("270-*.x12"))
    assert written.name in html.unescape(message.group(1))
    trace = re.search(r"TRN\*1\*([^*]+)\*", written.read_text()).group(1)  # type: ignore[union-attr]

    answer = (DATA / "therabill_commercial_ppo_therapy.271").read_bytes()
    answer = answer.replace(b"P41-20261127101500", trace.encode())
    uploaded = web.post(
        f"/clients/{practice.ana_client}/eligibility/upload",
        data={"csrf_token": token},
        files={"file": ("answer.271", answer, "application/edi-x12")},
        follow_redirects=True,
    )
    assert "1 answer(s) stored." in uploaded.text
    assert "12 of 20 PT visits left; copay $30" in uploaded.text, uploaded.text[
        uploaded.text.find("eligibility-checks") :
    ][:800]

    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    preview = web.post(
        "/sessions/preview",
        data={
            "csrf_token": token,
            "client": str(practice.ana_client),
            "provider": str(practice.ana_provider),
            "date": (TODAY - dt.timedelta(days=1)).isoformat(),
            "place_of_service": "11",
        },
    )
    assert (
        '<p class="small" id="eligibility-line">eligibility checked today: 12 of 20 PT visits '
        "left; copay $30</p>" in preview.text
    )


def test_a_bad_271_is_named_on_the_page(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    token = csrf_of(web.get(f"/clients/{practice.ana_client}").text)
    page = web.post(
        f"/clients/{practice.ana_client}/eligibility/upload",
        data={"csrf_token": token},
        files={
            "file": ("x.271", (DATA / "lfh_subscriber-health-benefit-check-error.271").read_bytes())
        },
        follow_redirects=True,
    )
    error = re.search(r'id="eligibility-error">([^<]+)<', page.text)
    assert error and "SE02" in html.unescape(error.group(1))


def test_a_therapist_cannot_check_eligibility(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    token = csrf_of(web.get(f"/clients/{practice.ana_client}").text)
    refused = web.post(
        f"/clients/{practice.ana_client}/eligibility/check",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert refused.status_code in (403, 404)
