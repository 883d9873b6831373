"""The session form's client search: a POST of what was typed, only clients the user may see,
the picked client kept, a page of matches whatever the practice's size."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import insert
from web_helpers import Practice, counting_queries, csrf_of, login

from clock import NOW
from therabill.store.models import CaseloadEntry, Client
from therabill.web.routes.sessions import CLIENT_MATCHES


def _search(web: TestClient, token: str, typed: str, picked: int | None = None) -> str:
    data = {"csrf_token": token, "client_search": typed}
    if picked is not None:
        data["client"] = str(picked)
    response = web.post("/sessions/clients", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.text


def test_a_therapist_finds_their_own_and_their_caseloads_clients_only(
    web: TestClient, practice: Practice
) -> None:
    with practice.store.transaction(actor="fixture") as work:
        new = Client(first_name="Fay", last_name="Cross", birth_date=dt.date(2001, 1, 1))
        work.db.add(new)
        work.db.flush()
        work.db.add(CaseloadEntry(client_id=new.id, provider_id=practice.ana_provider))
        new_id = new.id
    login(web, "ana")
    page = web.get("/sessions/new")
    assert 'name="client_search"' in page.text and '<select name="client"' not in page.text
    token = csrf_of(page.text)
    found = _search(web, token, "cr")
    assert f'value="{practice.ana_client}"' in found  # Cruz: seen by Ana
    assert f'value="{new_id}"' in found  # Cross: never seen, on Ana's caseload
    assert f'value="{practice.ben_client}"' not in _search(web, token, "dale")
    assert 'id="no-client-match"' in _search(web, token, "dale")
    # Another therapist's client cannot be slipped in as the picked one.
    data = {"csrf_token": token, "client_search": "", "client": str(practice.ben_client)}
    assert web.post("/sessions/clients", data=data).status_code == 404


def test_the_picked_client_stays_picked(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    page = web.get(f"/sessions/new?client={practice.ana_client}")
    assert f'value="{practice.ana_client}" checked' in page.text
    token = csrf_of(page.text)
    # Searching for someone else keeps the picked client, checked, above the matches.
    found = _search(web, token, "dale", picked=practice.ana_client)
    assert f'value="{practice.ana_client}" checked' in found
    assert f'value="{practice.ben_client}" required>' in found
    # A form sent back (nothing to save yet) comes back with the client still picked.
    again = web.post(
        "/sessions",
        data={"csrf_token": token, "client": str(practice.ana_client), "client_search": "x"},
    )
    assert again.status_code == 422
    assert f'value="{practice.ana_client}" checked' in again.text


def test_ten_thousand_clients_give_a_page_of_matches_in_as_many_queries_as_two(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    page = web.get("/sessions/new")
    token = csrf_of(page.text)
    with counting_queries() as few:
        assert 'id="no-client-match"' in _search(web, token, "zimmer07")
    rows = [
        {
            "first_name": f"Pat{n:05d}",
            "last_name": f"Zimmer{n % 100:02d}",
            "birth_date": dt.date(1970, 1, 1) + dt.timedelta(days=n),
            "sex": "U",
            "chart_number": f"Z-{n:05d}",
            "created_at": NOW,
        }
        for n in range(10_000)
    ]
    with practice.store.transaction(actor="fixture") as work:
        work.db.execute(insert(Client), rows)
    page = web.get("/sessions/new")
    assert page.text.count('name="client"') == CLIENT_MATCHES
    with counting_queries() as many:
        found = _search(web, token, "zimmer07")
    assert found.count('name="client"') == CLIENT_MATCHES  # 100 match; a page is shown
    assert "type more of the name" in found
    # The same statements with 10,000 clients as with two: one LIMITed client query, no
    # query per match shown. (The login session's last-seen time is written at most every
    # 30 s, by whichever request comes then: not the search's work.)
    many, few = ([s for s in run if "UPDATE web_sessions" not in s] for run in (many, few))
    # the login, its practices (issue 17: a role per practice), the user, the page: 9 at most
    assert many == few and len(many) <= 9, many
    (clients_query,) = [s for s in many if "FROM clients" in s]
    assert "LIMIT" in clients_query
    narrowed = _search(web, token, "Z-00107")
    assert narrowed.count('name="client"') == 1 and "Pat00107" in narrowed
