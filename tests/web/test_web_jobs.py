"""Jobs in the web app: the pages where a biller starts an eligibility batch (Clients), a
clearinghouse fetch (Clearinghouse) and a report refresh (Reports), each answered with the
job's page; cancelling a job from its page; following a running job's progress on SQLite
while its transaction holds the write lock; an office administrator's month-end."""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_helpers import Practice, csrf_of, login, run_jobs

from therabill.store.models import AuditEntry, ClaimRecord
from therabill.store.services import jobs


def start(web: TestClient, page: str, action: str, data: dict[str, str] | None = None) -> str:
    token = csrf_of(web.get(page).text)
    response = web.post(action, data={"csrf_token": token, **(data or {})}, follow_redirects=False)
    assert response.status_code == 303, response.text
    job = response.headers["location"]
    assert re.fullmatch(r"/jobs/\d+", job)
    return job


def test_an_eligibility_batch_starts_from_the_clients_page(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    assert 'id="eligibility-batch-start"' in web.get("/clients").text
    job = start(web, "/clients", "/eligibility/batch", {"date_of_service": "2026-11-02"})
    assert 'id="job-state">queued<' in web.get(job).text
    run_jobs(practice)
    page = web.get(job).text
    assert re.search(r'id="job-message">2 eligibility inquiries written, 0 refused\.<', page)
    assert 'href="/clients" id="job-next"' in page


def test_a_therapist_sees_no_batch_and_cannot_start_one(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ana")
    page = web.get("/clients").text
    assert "eligibility-batch" not in page
    refused = web.post("/eligibility/batch", data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 403


def test_fetch_now_and_report_refresh_start_their_jobs(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    assert 'id="fetch-now"' in web.get("/clearinghouse").text
    fetch = start(web, "/clearinghouse", "/clearinghouse/fetch", {"clearinghouse": "default"})
    assert "Clearinghouse fetch" in web.get(fetch).text
    token = csrf_of(web.get("/clearinghouse").text)
    unknown = web.post(
        "/clearinghouse/fetch", data={"csrf_token": token, "clearinghouse": "nowhere"}
    )
    assert unknown.status_code == 422 and "no clearinghouse profile 'nowhere'" in unknown.text
    refresh = start(web, "/reports", "/reports/refresh", {"from": "2026-10-01", "to": ""})
    # the fetch has no clearinghouse to reach here (tests/clearinghouse runs one for real)
    jobs.cancel(practice.store, int(fetch.rsplit("/", 1)[1]), actor="bill")
    run_jobs(practice)
    page = web.get(refresh).text
    assert re.search(r'id="job-message">\d+ reports as of ', page)
    assert 'id="job-reports"' in page and 'href="/reports" id="job-next"' in page


def test_a_queued_job_is_cancelled_from_its_page(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    job = start(web, "/claims", "/claims/build")
    page = web.get(job).text
    assert 'id="job-cancel"' in page and "It has not started: it will not run." in page
    cancelled = web.post(
        f"{job}/cancel", data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert (cancelled.status_code, cancelled.headers["location"]) == (303, f"{job}?cancel=done")
    page = web.get(job).text
    assert 'id="job-state">cancelled<' in page and 'id="job-cancel"' not in page
    assert 'id="job-cancelled">Cancelled by bill before it ran.<' in page
    assert run_jobs(practice) == []  # nothing left to run
    again = web.post(f"{job}/cancel", data={"csrf_token": csrf_of(page)})
    assert again.status_code == 409 and "has already ended (cancelled)" in again.text
    assert web.post("/jobs/999/cancel", data={"csrf_token": csrf_of(page)}).status_code == 404


def test_a_running_jobs_progress_shows_and_it_can_be_stopped(
    web: TestClient, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: the build's transaction holds the only write lock while it runs. Its page
    still shows how far it got (the heartbeat writes progress beside the database) and its
    Cancel button works (the request to stop waits there too); it stops at its next claim
    with nothing written."""
    started, go = threading.Event(), threading.Event()
    real = jobs.KINDS["claims-build"]

    def paused(work: Any, job: jobs.Running) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            job.progress(done, total)
            if done == 1:
                started.set()
                go.wait(30)
                job.progress(done, total)

        return real.run(work, dataclasses.replace(job, progress=progress))

    monkeypatch.setitem(jobs.KINDS, "claims-build", dataclasses.replace(real, run=paused))
    login(web, "bill")
    job = start(web, "/claims", "/claims/build")
    job_id = int(job.rsplit("/", 1)[1])
    ended: list[str] = []
    worker = threading.Thread(target=lambda: ended.append(jobs.run_job(practice.store, job_id)))
    worker.start()
    try:
        assert started.wait(30)
        for _ in range(50):
            status = web.get(f"{job}/status").text
            if 'value="1"' in status:
                break
            time.sleep(0.1)
        assert 'id="job-state">running<' in status
        assert re.search(r'<progress id="job-progress" max="2" value="1">', status), status
        page = web.get(job).text
        asked = web.post(
            f"{job}/cancel", data={"csrf_token": csrf_of(page)}, follow_redirects=False
        )
        assert asked.headers["location"] == f"{job}?cancel=asked"
        note = web.get(asked.headers["location"]).text
        assert "Asked to stop: it stops after the claim drafted it is on" in note
    finally:
        go.set()
        worker.join(30)
    assert ended == ["cancelled"]
    page = web.get(job).text
    assert "Cancelled by bill while it ran; nothing it did was kept." in page
    with practice.store.sessions() as db:
        assert db.execute(select(func.count()).select_from(ClaimRecord)).scalar_one() == 0
        assert db.execute(
            select(AuditEntry.actor).where(AuditEntry.action == "cancel")
        ).scalars().all() == ["bill"]


def test_an_office_administrator_starts_month_end_for_every_practice(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    assert "month-end-link" not in web.get("/jobs").text
    assert web.get("/jobs/month-end").status_code == 403
    web.post("/logout", data={"csrf_token": csrf_of(web.get("/jobs").text)})
    login(web, "root")
    assert 'id="month-end-link"' in web.get("/jobs").text
    page = web.get("/jobs/month-end").text
    assert "No month-end yet." in page
    token = csrf_of(page)
    bad = web.post("/jobs/month-end", data={"csrf_token": token, "through": "2099-01-31"})
    assert bad.status_code == 422 and "cannot be for a day still to come" in bad.text
    started = web.post(
        "/jobs/month-end", data={"csrf_token": token, "through": "2026-10-31"},
        follow_redirects=False,
    )  # fmt: skip
    assert started.headers["location"] == "/jobs/month-end"
    following = web.get("/jobs/month-end").text
    assert ">queued<" in following and 'hx-get="/jobs/month-end"' in following
    run_jobs(practice)
    done = web.get("/jobs/month-end").text
    assert ">done<" in done and "Month-end through 2026-10-31: Built " in done
    assert 'hx-get="/jobs/month-end"' not in done


def test_a_biller_saves_a_payment_while_the_build_runs(
    web: TestClient, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: a build started from Claims (slowed: its first part holds its transaction
    1.5 s, its second waits for the save) and, while it runs, the biller records a client's
    payment on the account page.
    The save answers within a part's time and is recorded while the build still runs (it
    used to wait for the whole build's transaction, or fail after 30 s); the build ends
    with both sessions billed."""
    monkeypatch.setattr(jobs, "BUILD_CHUNK_SESSIONS", 1)  # one part per client
    started, saved_then = threading.Event(), threading.Event()
    real = jobs.KINDS["claims-build"]

    def slow(units: Any, job: jobs.Running) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            job.progress(done, total)
            if not started.is_set():
                started.set()
                time.sleep(1.5)  # in the first part's transaction: the lock is held
            else:  # the second part waits until the save has answered (at most 10 s)
                saved_then.wait(10)

        return real.run(units, dataclasses.replace(job, progress=progress))

    monkeypatch.setitem(jobs.KINDS, "claims-build", dataclasses.replace(real, run=slow))
    login(web, "bill")
    job = start(web, "/claims", "/claims/build")
    job_id = int(job.rsplit("/", 1)[1])
    account = f"/clients/{practice.ana_client}"
    token = csrf_of(web.get(f"{account}/account").text)
    form = {"csrf_token": token, "kind": "payment", "amount": "20.00", "method": "cash",
            "keep_credit": "1"}  # fmt: skip
    ended: list[str] = []
    worker = threading.Thread(target=lambda: ended.append(jobs.run_job(practice.store, job_id)))
    worker.start()
    try:
        assert started.wait(30)
        began = time.monotonic()
        saved = web.post(f"{account}/payments", data=form)
        waited = time.monotonic() - began
        status = web.get(f"{job}/status").text
    finally:
        saved_then.set()
        worker.join(60)
    assert ended == ["done"]
    assert saved.status_code == 200 and "Receipt R-2026-" in saved.text
    assert waited < 3.0, f"the save waited {waited:.1f} s"
    assert 'id="job-state">running<' in status  # saved while the build went on
    assert "Built 2 claims" in web.get(job).text
