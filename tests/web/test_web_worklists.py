"""The dashboard's work queues each open their list with as many rows as the figure says; the
client list shows payer, balances, last visit and authorization left; the session form takes
as many code rows as a session needs and offers what applies; an unknown code suggests the
right one; diagnoses are shown with their dot."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import Practice, csrf_of, login, run_jobs

from clock import TODAY
from therabill.store.models import Authorization, ClaimRecord, Denial, Policy


def _queues(html: str) -> dict[str, tuple[int, str]]:
    found = re.findall(
        r'href="([^"]+)" id="queue-([a-z]+)">\s*<span class="figure">([\d,]+)</span>', html
    )
    return {
        key: (int(figure.replace(",", "")), href.replace("&amp;", "&"))
        for href, key, figure in found
    }


def _listed(html: str) -> int:
    match = re.search(r'class="count" id="[\w-]+-count">\d+–\d+ of ([\d,]+)', html)
    if match is None:
        assert '<tr class="empty">' in html, "neither a count above the list nor its empty row"
        return 0
    return int(match.group(1).replace(",", ""))


@pytest.mark.parametrize("when", ["before", "after"], ids=["unbilled", "built"])
def test_every_queue_figure_opens_a_list_of_that_many(
    web: TestClient, practice: Practice, when: str
) -> None:
    login(web, "bill")
    if when == "after":
        web.post("/claims/build", data={"csrf_token": csrf_of(web.get("/claims").text)})
        run_jobs(practice)
    queues = _queues(web.get("/").text)
    assert set(queues) == {
        "unbilled",
        "drafts",
        "ready",
        "rejected",
        "denials",
        "exceptions",
        "statements",
        "authorizations",
        "certifications",
    }
    assert queues["unbilled"][0] == (2 if when == "before" else 0)
    assert queues["ready"][0] == (0 if when == "before" else 2)
    for key, (figure, href) in queues.items():
        if href.startswith(("/claims", "/sessions", "/clients")):
            assert _listed(web.get(href).text) == figure, (key, href)
        else:
            assert web.get(href).status_code == 200, href


def test_a_therapist_sees_their_own_queues_only(web: TestClient) -> None:
    login(web, "ana")
    queues = _queues(web.get("/").text)
    assert set(queues) == {"unbilled", "certifications"}
    assert queues["unbilled"][0] == 1  # Ana's session, not Ben's
    assert _listed(web.get("/sessions?billed=no").text) == 1


def test_the_client_list_says_payer_balance_last_visit_and_authorization(
    web: TestClient, practice: Practice
) -> None:
    with practice.store.transaction(actor="t") as work:
        payer_id = work.db.execute(
            select(Policy.payer_id).where(Policy.client_id == practice.ana_client)
        ).scalar_one()
        work.db.add(
            Authorization(
                client_id=practice.ana_client,
                payer_id=payer_id,
                number="PA-7",
                start_date=TODAY - dt.timedelta(days=10),
                end_date=TODAY + dt.timedelta(days=5),
                units_approved=12,
            )
        )
    login(web, "bill")
    web.post("/claims/build", data={"csrf_token": csrf_of(web.get("/claims").text)})
    run_jobs(practice)
    page = web.get("/clients").text
    for header in ("Payer", "Last visit", "Client owes", "Insurers owe", "Authorization left"):
        assert f">{header}<" in page
    assert "Medicare Part B" in page and "Acme Health" in page
    assert TODAY.isoformat() in page  # the last visit
    ends = (TODAY + dt.timedelta(days=5)).isoformat()
    assert re.search(rf"\b([0-9]|1[0-2]) units left, to {ends}", page)  # the build used some
    running_out = web.get("/clients?watch=authorizations").text
    assert _listed(running_out) == 1 and "Cruz, Carla" in running_out
    assert "Total" in page and re.search(r'<td class="num">\$[\d,]+\.\d\d</td>', page)
    login(web, "ana")
    mine = web.get("/clients").text
    assert "Client owes" not in mine and "Insurers owe" not in mine  # no money for therapists


def test_the_session_form_takes_added_rows_and_hints_only_what_applies(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    form = web.get(f"/sessions/new?client={practice.ana_client}").text
    assert 'data-add-row="service-rows"' in form and "code_3" in form and "code_4" not in form
    assert re.search(r'data-modifier="GP"[^>]*>Ana Alves \(pt\)', form)
    assert re.search(r'data-modifier=""[^>]*>Ben Brook \(massage\)', form)
    assert 'data-fill="97110" data-mode="code"' in form  # the practice's codes, clickable
    fields = {
        "csrf_token": csrf_of(form),
        "client": str(practice.ben_client),
        "provider": str(practice.ben_provider),
        "date": TODAY.isoformat(),
        "start": "09:00",
        "end": "10:00",
        "code_7": "97124",  # a row the browser added
        "minutes_7": "30",
        "diagnoses": "M62.830",
    }
    refused = web.post("/sessions", data={**fields, "provider": ""})
    assert refused.status_code == 422
    assert 'name="code_7"' in refused.text and 'value="97124"' in refused.text  # kept
    assert 'placeholder="GP"' not in refused.text  # no provider chosen: no hint
    saved = web.post("/sessions", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    page = web.get(saved.headers["location"]).text
    assert "97124-" not in page and "97124 30 min" in page
    assert "M62.830" in page  # with its dot


def test_a_massage_therapists_form_shows_no_gp_placeholder(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ben")
    form = web.get("/sessions/new").text
    assert 'placeholder="GP"' not in form
    login(web, "ana")
    assert 'placeholder="GP"' in web.get("/sessions/new").text


def test_diagnosis_suggestions_are_buttons_that_add_the_dotted_code(web: TestClient) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/sessions/new").text)
    found = web.post("/diagnoses/search", data={"csrf_token": token, "diagnoses": "F41.1, M545"})
    assert '<button type="button" data-fill="M54.50" data-target="#diagnoses"' in found.text


@pytest.mark.parametrize(
    ("typed", "suggested"), [("97410", "97140"), ("9711", "97110")], ids=["swapped", "dropped"]
)
def test_an_unknown_code_suggests_the_right_one(
    web: TestClient, typed: str, suggested: str
) -> None:
    login(web, "ana")
    page = web.get(f"/codes/{typed}")
    assert page.status_code == 404
    assert f"{typed} is not a known procedure code." in page.text
    assert f'href="/codes/{suggested}"' in page.text
    assert '<nav class="main"' in page.text


def test_the_denials_tile_counts_reasons_and_says_how_many_claims(
    web: TestClient, practice: Practice
) -> None:
    """A denial is one reason on one line (what the denials list shows, one row each), so two
    reasons on one claim read "2 … On 1 claim", not two denied claims."""
    login(web, "bill")
    web.post("/claims/build", data={"csrf_token": csrf_of(web.get("/claims").text)})
    run_jobs(web.app.state.ctx.store)  # type: ignore[attr-defined]
    with practice.store.transaction(actor="bill") as work:
        claim_id = work.db.execute(select(ClaimRecord.id).limit(1)).scalar_one()
        for carc in ("50", "197"):
            work.db.add(
                Denial(
                    claim_id=claim_id, group_code="CO", carc=carc, amount_cents=5000,
                    action_class="appeal", opened_on=TODAY,
                )
            )  # fmt: skip
    html = web.get("/").text
    assert _queues(html)["denials"][0] == 2
    tile = html.split('id="queue-denials"')[1].split("</a>")[0]
    assert "On 1 claim: appeal, correct, transfer or write off" in tile
