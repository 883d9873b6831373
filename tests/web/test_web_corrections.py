"""The claim page edits an unsent claim, corrects, voids and closes (the same services as the
CLI, with their refusals shown on the page); the session page changes or deletes a session
no claim bills yet, and sends a billed one to its claim."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import Practice, api_token, csrf_of, login

from therabill.claims.number import claim_number
from therabill.store.models import ClaimRecord, Client, TherapySession
from therabill.store.services import build, clients, submission
from therabill.store.services.clients import CLIENT_COLUMNS, ClientInput
from therabill.x12.acknowledgements.model import ClaimAck, Status


def _build(practice: Practice) -> list[int]:
    with practice.store.transaction(actor="bill") as work:
        return build.build_claims(work=work).claims


def test_the_claim_page_edits_scrubs_and_shows_the_history(
    web: TestClient, practice: Practice
) -> None:
    claim_id = _build(practice)[0]
    login(web, "bill")
    page = web.get(f"/claims/{claim_id}").text
    assert 'id="edit-form"' in page and 'id="void-form"' not in page  # not sent: no void
    response = web.post(
        f"/claims/{claim_id}/edit",
        data={
            "csrf_token": csrf_of(page),
            "line": "1",
            "charge": "99.00",
            "reason": "contract rate",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[response.text.find("claim-error") :][:300]
    assert response.headers["location"] == f"/claims/{claim_id}"
    shown = web.get(f"/claims/{claim_id}").text
    assert 'id="claim-message">Claim' in shown
    assert "→ 99.00" in shown and "contract rate" in shown
    again = web.get(f"/claims/{claim_id}").text
    assert 'id="claim-message"' not in again  # shown once


def test_a_refusal_is_shown_on_the_page_and_changes_nothing(
    web: TestClient, practice: Practice
) -> None:
    claim_id = _build(practice)[0]
    login(web, "bill")
    token = csrf_of(web.get(f"/claims/{claim_id}").text)
    response = web.post(
        f"/claims/{claim_id}/void", data={"csrf_token": token, "reason": "wrong client"}
    )
    assert response.status_code == 422
    assert "no payer has it, so there is nothing to void" in response.text
    closing = web.post(
        f"/claims/{claim_id}/close",
        data={"csrf_token": token, "reason": "built by mistake"},
        follow_redirects=False,
    )
    assert closing.status_code == 303
    with practice.store.sessions() as db:
        claim = db.get(ClaimRecord, claim_id)
        assert claim is not None and claim.status == "closed"
        freed = db.execute(
            select(TherapySession.claim_id).where(TherapySession.id == practice.ana_session)
        ).scalar_one()
    assert freed is None
    assert web.post(f"/claims/{claim_id}/frobnicate", data={"csrf_token": token}).status_code == 404


def test_a_therapist_changes_an_unbilled_session_but_not_a_billed_one(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ana")
    page = web.get(f"/sessions/{practice.ana_session}").text
    assert 'id="session-edit"' in page
    response = web.post(
        f"/sessions/{practice.ana_session}/edit",
        data={"csrf_token": csrf_of(page), "services": "97110:GP=38", "diagnoses": "M54.50"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with practice.store.sessions() as db:
        session = db.get(TherapySession, practice.ana_session)
        assert session is not None
        assert [(s.code, s.minutes) for s in session.services] == [("97110", 38)]
    claim_id = _build(practice)[0]
    page = web.get(f"/sessions/{practice.ana_session}").text
    assert 'id="session-edit"' not in page and "This session is billed" in page
    refused = web.post(
        f"/sessions/{practice.ana_session}/delete",
        data={"csrf_token": csrf_of(page), "confirm": "yes"},
    )
    assert refused.status_code == 422
    assert f"billed on claim {claim_id}" in refused.text


def test_the_api_changes_sessions_and_claims_with_the_same_rules(
    web: TestClient, practice: Practice
) -> None:
    ana = {"Authorization": f"Bearer {api_token(practice, 'ana')}"}
    bill = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    changed = web.patch(
        f"/api/v1/sessions/{practice.ana_session}",
        json={"services": [{"code": "97110", "minutes": 38, "modifiers": ["GP"]}]},
        headers=ana,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["units"]["lines"][0]["units"] == 3
    claim_id = _build(practice)[0]
    refused = web.delete(f"/api/v1/sessions/{practice.ana_session}", headers=ana)
    assert refused.status_code == 422 and f"claims edit {claim_id}" in refused.text
    therapist = web.post(f"/api/v1/claims/{claim_id}/close", json={"reason": "x"}, headers=ana)
    assert therapist.status_code == 403
    edited = web.post(
        f"/api/v1/claims/{claim_id}/edit",
        json={"line": 1, "charge": "99.00", "reason": "contract rate"},
        headers=bill,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["data"]["changes"][0]["after"] == "99.00"
    void = web.post(f"/api/v1/claims/{claim_id}/void", json={"reason": "x"}, headers=bill)
    assert void.status_code == 422 and "nothing to void" in void.text
    closed = web.post(f"/api/v1/claims/{claim_id}/close", json={"reason": "redo"}, headers=bill)
    assert closed.status_code == 200 and closed.json()["data"]["status"] == "closed"
    assert closed.json()["data"]["sessions_released"] == [practice.ana_session]


def test_a_rejected_claim_says_why_and_is_fixed_checked_and_sent_from_its_page(
    web: TestClient, practice: Practice, tmp_path: Path
) -> None:
    """A 277CA rejects a claim for the patient's birth date: the claim page says so at the
    top; the biller fixes the client's record, checks the claim again with today's records
    (it is corrected and carries the new date) and sends it from the same page."""
    claim_id = _build(practice)[0]
    with practice.store.transaction(actor="bill") as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[claim_id])
        submission.apply_acknowledgements(
            work=work,
            acks=[
                ClaimAck("t.277", claim_number(claim_id), "A7", "158", "", statuses=(
                    Status("A7", "158", "QC"),
                ))
            ],
        )  # fmt: skip
    login(web, "bill")
    page = web.get(f"/claims/{claim_id}").text
    because = page[page.find('id="rejected-because"') :][:600]
    assert "277CA A7:158: rejected: information is invalid: the patient's date of birth" in (
        because.replace("&#39;", "'")
    )
    assert 'id="recheck-form"' in page and 'id="submit-form"' not in page  # fix it first
    with practice.store.transaction(actor="bill") as work:
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        client = work.db.get(Client, claim.client_id)
        assert client is not None
        given = {name: getattr(client, name) for name in CLIENT_COLUMNS}
        clients.update_client(
            work=work,
            client_id=client.id,
            data=ClientInput(**{**given, "birth_date": dt.date(1981, 6, 2)}),
        )
    checked = web.post(
        f"/claims/{claim_id}/recheck", data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert checked.status_code == 303 and checked.headers["location"] == f"/claims/{claim_id}"
    shown = web.get(f"/claims/{claim_id}").text
    assert "checked again with today&#39;s records: no errors; it is corrected" in shown
    assert 'id="rejected-because"' not in shown and 'id="submit-form"' in shown
    with practice.store.sessions() as db:
        claim = db.get(ClaimRecord, claim_id)
        assert claim is not None and claim.status == "corrected"
        assert '"birth_date":"1981-06-02"' in claim.document_json.replace(" ", "")
    sent = web.post(
        "/claims/submit",
        data={"csrf_token": csrf_of(shown), "claim": str(claim_id)},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/claims/submitted"
    with practice.store.sessions() as db:
        claim = db.get(ClaimRecord, claim_id)
        assert claim is not None and claim.status == "submitted"


def test_checking_a_sent_claim_again_is_refused_on_its_page(
    web: TestClient, practice: Practice, tmp_path: Path
) -> None:
    claim_id = _build(practice)[0]
    with practice.store.transaction(actor="bill") as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[claim_id])
    login(web, "bill")
    page = web.get(f"/claims/{claim_id}").text
    assert 'id="recheck-form"' not in page and 'id="submit-form"' not in page
    response = web.post(f"/claims/{claim_id}/recheck", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 422 and 'id="claim-error"' in response.text
