"""Building claims is Post/Redirect/Get: 303 to the job's page, which follows the background
build to what it built."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_helpers import Practice, csrf_of, login, run_jobs

from clock import TODAY
from therabill.store.models import AuditEntry, ClaimLine, ClaimRecord
from therabill.store.services.sessions import ServiceMinutes, add_session


def test_build_answers_with_the_job_page_which_shows_what_was_built(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/claims").text)
    response = web.post("/claims/build", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    job = response.headers["location"]
    assert re.fullmatch(r"/jobs/\d+", job)  # no query string, no client data
    waiting = web.get(job).text  # nothing built yet: the page asks again until it is
    assert 'id="job-state">queued<' in waiting and f'hx-get="{job}/status"' in waiting
    assert run_jobs(practice) == [int(job.rsplit("/", 1)[1])]
    with practice.store.sessions() as db:
        built = db.execute(select(func.count()).select_from(ClaimRecord)).scalar_one()
    assert built == 2
    status = web.get(job + "/status").text  # the poll's answer: the result, and no more poll
    assert 'id="job-state">done<' in status and "hx-get" not in status
    page = web.get(job).text
    assert 'id="job-result">Built 2 claims (' in page and "from 2 sessions." in page
    assert 'href="/claims" id="job-next"' in page
    assert f'href="{job}"' in web.get("/jobs").text  # the Jobs page lists it


def test_a_second_build_of_the_same_sessions_bills_nothing(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/claims").text)
    first = web.post("/claims/build", data={"csrf_token": token}, follow_redirects=False)
    second = web.post("/claims/build", data={"csrf_token": token}, follow_redirects=False)
    assert len(run_jobs(practice)) == 2
    assert "Built 2 claims" in web.get(first.headers["location"]).text
    assert "Built 0 claims" in web.get(second.headers["location"]).text


def test_submit_redirects_to_what_was_written_shown_once(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/claims").text)
    web.post("/claims/build", data={"csrf_token": token})
    run_jobs(practice)
    with practice.store.sessions() as db:
        ids = list(
            db.execute(select(ClaimRecord.id).where(ClaimRecord.status == "ready")).scalars()
        )
    assert ids
    response = web.post(
        "/claims/submit",
        data={"csrf_token": token, "claim": [str(i) for i in ids]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/claims/submitted"
    page = web.get("/claims/submitted")
    assert f"{len(ids)} claim" in page.text and "837P-" in page.text
    # Downloading the file (client health data) is audited with who and which file.
    name = re.search(r"/outbox/(837P-[A-Z0-9-]+\.x12)", page.text)
    assert name is not None
    download = web.get(f"/outbox/{name.group(1)}")
    assert download.status_code == 200 and download.text.startswith("ISA*")
    with practice.store.sessions() as db:
        audited = db.execute(
            select(AuditEntry.actor, AuditEntry.entity_id).where(AuditEntry.action == "download")
        ).all()
    assert audited == [("bill", name.group(1))]
    assert web.get("/outbox/..%2Fpractice.sqlite3").status_code == 404
    again = web.get("/claims/submitted", follow_redirects=False)  # a reload submits nothing
    assert again.status_code == 303 and again.headers["location"] == "/claims"
    with practice.store.sessions() as db:
        statuses = set(
            db.execute(select(ClaimRecord.status).where(ClaimRecord.id.in_(ids))).scalars()
        )
    assert statuses == {"submitted"}


def test_a_session_the_unit_engine_adds_an_addon_to_builds_from_the_button(
    web: TestClient, practice: Practice
) -> None:
    """97550=40 is 97550 (first 30 minutes) + 97551 (10 more): the build button made a 500
    (KeyError on the code the session did not list)."""
    with practice.store.transaction(actor="ana") as work:
        session, _ = add_session(
            work=work,
            client=practice.ana_client,
            provider=practice.ana_provider,
            day=TODAY - dt.timedelta(days=1),
            services=[ServiceMinutes("97550", 40)],
            diagnoses=["M5450"],
        )
    login(web, "bill")
    token = csrf_of(web.get("/claims").text)
    response = web.post("/claims/build", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    run_jobs(practice)
    with practice.store.sessions() as db:
        lines = db.execute(
            select(ClaimLine.code, ClaimLine.units, ClaimLine.session_id)
            .where(ClaimLine.session_id == session.id)
            .order_by(ClaimLine.line_number)
        ).all()
    assert [tuple(line) for line in lines] == [("97550", 1, session.id), ("97551", 1, session.id)]
    assert "Built 3 claims" in web.get(response.headers["location"]).text


def test_a_biller_builds_claims_from_the_ticked_unbilled_sessions_only(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    page = web.get("/sessions?billed=no").text
    ticked = re.findall(r'name="id" value="(\d+)" form="bulk-sessions"', page)
    assert len(ticked) == 2 and 'class="select-all"' in page
    token = csrf_of(page)
    nothing = web.post("/claims/build-ticked", data={"csrf_token": token})
    assert "Tick at least one session." in nothing.text
    queued = web.post(
        "/claims/build-ticked", data={"csrf_token": token, "id": ticked[0]}, follow_redirects=False
    )
    run_jobs(practice)
    built = web.get(queued.headers["location"])
    assert "Built 1 claim (" in built.text and "from 1 session." in built.text
    with practice.store.sessions() as db:
        billed = db.execute(select(ClaimLine.session_id)).scalars().all()
    assert set(billed) == {int(ticked[0])}
    # a therapist's list of the same sessions has no boxes: building is a biller's
    login(web, "ana")
    assert 'form="bulk-sessions"' not in web.get("/sessions?billed=no").text
