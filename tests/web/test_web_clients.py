"""Adding and changing a client in the web app, and caseloads: who sees which client."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_helpers import EXAMPLE_CLIENT, Practice, csrf_of, login

from therabill.store.models import AuditEntry, CaseloadEntry, Client, Payer, Policy, Provider


def _new_client(token: str, **extra: str | list[str]) -> dict[str, str | list[str]]:
    return {"csrf_token": token, **EXAMPLE_CLIENT, **extra}


def _client_count(practice: Practice) -> int:
    with practice.store.sessions() as db:
        return db.execute(select(func.count()).select_from(Client)).scalar_one()


def _audit(practice: Practice) -> set[tuple[str, str, str, str]]:
    with practice.store.sessions() as db:
        rows = db.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(20)).scalars()
        return {(e.actor, e.action, e.entity, e.entity_id) for e in rows}


def _saved_id(response_location: str) -> int:
    found = re.fullmatch(r"/clients/(\d+)\?done=client-saved", response_location)
    assert found, response_location
    return int(found.group(1))


def test_a_biller_adds_a_client_on_a_therapists_caseload(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    page = web.get("/clients/new")
    assert page.status_code == 200 and 'id="caseload"' in page.text
    response = web.post(
        "/clients/new",
        data=_new_client(csrf_of(page.text), providers=[str(practice.ana_provider)]),
        follow_redirects=False,
    )
    assert response.status_code == 303
    client_id = _saved_id(response.headers["location"])
    shown = web.get(f"/clients/{client_id}").text
    assert "Evans, Eve" in shown and "Ana Alves" in shown
    assert ("bill", "create", "client", str(client_id)) in _audit(practice)
    assert ("bill", "change", "caseload", str(client_id)) in _audit(practice)

    # Ana has never seen Eve, but Eve is on her caseload: she sees and can pick her.
    login(web, "ana")
    assert "Evans" in web.get("/clients").text
    assert web.get(f"/clients/{client_id}").status_code == 200
    login(web, "ben")
    assert "Evans" not in web.get("/clients").text
    assert web.get(f"/clients/{client_id}").status_code == 404


def test_a_therapists_new_client_goes_on_their_own_caseload(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ana")
    page = web.get("/clients/new")
    assert 'id="caseload"' not in page.text  # a therapist assigns no one
    response = web.post(
        "/clients/new",
        # A therapist cannot put the client on someone else's caseload.
        data=_new_client(
            csrf_of(page.text), providers=[str(practice.ben_provider)], chart_number=""
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303
    client_id = _saved_id(response.headers["location"])
    with practice.store.sessions() as db:
        caseload = db.execute(
            select(CaseloadEntry.provider_id).where(CaseloadEntry.client_id == client_id)
        ).scalars()
        assert list(caseload) == [practice.ana_provider]
    assert web.get(f"/clients/{client_id}").status_code == 200
    login(web, "ben")
    assert web.get(f"/clients/{client_id}").status_code == 404
    assert web.get(f"/clients/{client_id}/edit").status_code == 404


def test_every_bad_field_is_named_beside_it_and_nothing_is_saved(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    before = _client_count(practice)
    token = csrf_of(web.get("/clients/new").text)
    response = web.post(
        "/clients/new",
        data=_new_client(
            token,
            first_name="",
            birth_date="1990-13-40",
            postal_code="6270",
            state="Illinois",
            phone="2" * 31,
        ),
    )
    assert response.status_code == 422
    page = response.text
    assert 'id="first_name-error">First name: is required<' in page
    assert 'id="birth_date-error">Date of birth: &#39;1990-13-40&#39; is not a date' in page
    assert 'id="postal_code-error">ZIP code: &#39;6270&#39; is not a ZIP code<' in page
    assert (
        'id="state-error">State: &#39;Illinois&#39; is not two letters: use the USPS abbreviation (IL, NY, PR …)<'
        in page
    )
    assert 'id="phone-error">Phone: is longer than 30 characters<' in page
    assert 'value="Evans"' in page  # what was typed is kept
    assert _client_count(practice) == before


def test_a_taken_chart_number_is_refused_with_nothing_half_written(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    before = _client_count(practice)
    token = csrf_of(web.get("/clients/new").text)
    response = web.post(
        "/clients/new",
        data=_new_client(token, chart_number="C-1", providers=[str(practice.ana_provider)]),
    )
    assert response.status_code == 422
    assert "chart number &#39;C-1&#39; is taken" in response.text
    assert _client_count(practice) == before
    # An unknown provider is refused the same way, after the client row was flushed: rolled back.
    response = web.post("/clients/new", data=_new_client(token, providers=["999"]))
    assert response.status_code == 422
    assert 'id="providers-error">Providers: no provider 999' in response.text
    assert _client_count(practice) == before
    with practice.store.sessions() as db:
        assert db.execute(select(func.count()).select_from(CaseloadEntry)).scalar_one() == 0


def test_editing_a_client_changes_them_and_their_caseload(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    page = web.get(f"/clients/{practice.ana_client}")
    assert f'href="/clients/{practice.ana_client}/edit"' in page.text
    form = web.get(f"/clients/{practice.ana_client}/edit").text
    assert 'value="Carla"' in form and 'value="1980-05-01"' in form
    response = web.post(
        f"/clients/{practice.ana_client}/edit",
        data=_new_client(
            csrf_of(form),
            first_name="Carla",
            last_name="Cruz-Lopez",
            chart_number="C-1",
            birth_date="1980-05-01",
            providers=[str(practice.ben_provider)],
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/clients/{practice.ana_client}?done=client-saved"
    assert 'role="status"' in web.get(response.headers["location"]).text  # the toast
    with practice.store.sessions() as db:
        client = db.get(Client, practice.ana_client)
        assert client is not None
        assert (client.last_name, client.phone) == ("Cruz-Lopez", "217-555-0100")
    # Ben's caseload now holds Carla; Ana still sees her through her session.
    login(web, "ben")
    assert web.get(f"/clients/{practice.ana_client}").status_code == 200
    login(web, "ana")
    assert web.get(f"/clients/{practice.ana_client}").status_code == 200
    with practice.store.sessions() as db:
        change = db.execute(
            select(AuditEntry).where(AuditEntry.action == "change", AuditEntry.entity == "client")
        ).scalar_one()
    assert change.actor == "bill" and change.entity_id == str(practice.ana_client)
    # The fields that changed are named; their values are not (no client data in the audit).
    assert "last_name" in change.detail and "Cruz" not in change.detail


def test_a_therapist_edits_only_clients_they_can_see(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/password").text)
    assert web.get(f"/clients/{practice.ben_client}/edit").status_code == 404
    theirs = web.post(f"/clients/{practice.ben_client}/edit", data=_new_client(token))
    assert theirs.status_code == 404
    with practice.store.sessions() as db:
        ben_client = db.get(Client, practice.ben_client)
        assert ben_client is not None and ben_client.first_name == "Dan"
    mine = web.post(
        f"/clients/{practice.ana_client}/edit",
        data=_new_client(token, chart_number="C-1", providers=[str(practice.ben_provider)]),
        follow_redirects=False,
    )
    assert mine.status_code == 303
    with practice.store.sessions() as db:
        # A therapist's edit leaves caseloads as they were.
        assert db.execute(select(func.count()).select_from(CaseloadEntry)).scalar_one() == 0


def test_the_client_forms_need_the_csrf_token(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    data = _new_client("not-the-token")
    assert web.post("/clients/new", data=data).status_code == 403
    edit = web.post(f"/clients/{practice.ana_client}/edit", data=data)
    assert edit.status_code == 403


def _policies(practice: Practice, client_id: int) -> list[Policy]:
    with practice.store.sessions() as db:
        return list(db.execute(select(Policy).where(Policy.client_id == client_id)).scalars())


def test_a_biller_adds_a_policy_on_the_edit_page(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    page = web.get(f"/clients/{practice.ben_client}/edit")
    assert 'id="policy-form"' in page.text and "ACM123" in page.text
    with practice.store.sessions() as db:
        medicare = db.execute(select(Payer.id).where(Payer.name == "Medicare Part B")).scalar_one()
    response = web.post(
        f"/clients/{practice.ben_client}/policies",
        data={
            "csrf_token": csrf_of(page.text),
            "payer": str(medicare),
            "member_id": "9AB8CD7EF65",
            "priority": "secondary",
            "relationship": "spouse",
            "subscriber_first_name": "Dora",
            "subscriber_last_name": "Dale",
            "subscriber_birth_date": "1974-01-02",
            "start_date": "2026-01-01",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/clients/{practice.ben_client}?done=policy-saved"
    added = [p for p in _policies(practice, practice.ben_client) if p.priority == "secondary"]
    assert [(p.member_id, p.subscriber_first_name) for p in added] == [("9AB8CD7EF65", "Dora")]
    assert ("bill", "create", "policy", str(added[0].id)) in _audit(practice)
    edit = web.get(f"/clients/{practice.ben_client}/edit").text
    listed = edit.partition('<table id="policy-list" class="data">')[2].partition("</table>")[0]
    assert "9AB8CD7EF65" in listed and ">Group<" in listed  # the one table, group number too


def test_a_child_s_policy_keeps_the_parent_s_sex_and_address(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    page = web.get(f"/clients/{practice.ben_client}/edit")
    assert 'id="p-subscriber_postal_code"' in page.text
    with practice.store.sessions() as db:
        medicare = db.execute(select(Payer.id).where(Payer.name == "Medicare Part B")).scalar_one()
    response = web.post(
        f"/clients/{practice.ben_client}/policies",
        data={
            "csrf_token": csrf_of(page.text),
            "payer": str(medicare),
            "member_id": "9AB8CD7EF66",
            "priority": "tertiary",
            "relationship": "child",
            "subscriber_first_name": "Dora",
            "subscriber_last_name": "Dale",
            "subscriber_sex": "f",
            "subscriber_address": "12 Elm Rd",
            "subscriber_city": "Portland",
            "subscriber_state": "me",
            "subscriber_postal_code": "04102",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    (added,) = [p for p in _policies(practice, practice.ben_client) if p.priority == "tertiary"]
    assert (added.subscriber_sex, added.subscriber_state, added.subscriber_postal_code) == (
        "F",
        "ME",
        "04102",
    )


def test_a_bad_policy_is_named_beside_its_field_and_not_added(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    token = csrf_of(web.get(f"/clients/{practice.ana_client}/edit").text)
    before = len(_policies(practice, practice.ana_client))
    url = f"/clients/{practice.ana_client}/policies"
    cases = [
        ({"member_id": "X1"}, "policy-payer-error", "Payer: choose the payer"),
        ({"payer": "1", "member_id": ""}, "policy-member_id-error", "Member id: is required"),
        (
            {"payer": "1", "member_id": "X1", "start_date": "2026-02-30"},
            "policy-start_date-error",
            "Coverage from: &#39;2026-02-30&#39; is not a date",
        ),
        (
            {"payer": "1", "member_id": "X1", "relationship": "child"},
            "policy-subscriber-error",
            "Subscriber: name the subscriber when the client is not",
        ),
        (
            {"payer": "1", "member_id": "X1", "start_date": "2026-03-01", "end_date": "2026-02-01"},
            "policy-end_date-error",
            "Coverage to: is before the start of coverage",
        ),
    ]
    for fields, error_id, message in cases:
        response = web.post(url, data={"csrf_token": token, **fields})
        assert response.status_code == 422, fields
        assert f'id="{error_id}">{message}' in response.text, fields
    assert len(_policies(practice, practice.ana_client)) == before


def test_policies_are_for_billers(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    page = web.get(f"/clients/{practice.ana_client}/edit")
    assert page.status_code == 200 and 'id="policy-form"' not in page.text
    data = {"csrf_token": csrf_of(page.text), "payer": "1", "member_id": "X1"}
    assert web.post(f"/clients/{practice.ana_client}/policies", data=data).status_code == 403


def test_an_inactive_provider_on_the_caseload_is_kept_by_an_edit(
    web: TestClient, practice: Practice
) -> None:
    with practice.store.transaction(actor="fixture") as work:
        work.db.add(CaseloadEntry(client_id=practice.ben_client, provider_id=practice.ben_provider))
        ben = work.db.get(Provider, practice.ben_provider)
        assert ben is not None
        ben.active = False
    login(web, "bill")
    form = web.get(f"/clients/{practice.ben_client}/edit").text
    assert f'value="{practice.ben_provider}" checked' in form
    response = web.post(
        f"/clients/{practice.ben_client}/edit",
        data=_new_client(
            csrf_of(form),
            first_name="Dan",
            last_name="Dale",
            chart_number="C-2",
            providers=[str(practice.ben_provider)],
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303
    with practice.store.sessions() as db:
        kept = db.execute(
            select(CaseloadEntry.provider_id).where(CaseloadEntry.client_id == practice.ben_client)
        ).scalars()
        assert list(kept) == [practice.ben_provider]


@pytest.mark.parametrize("chart_number", ["C-2", "C-77"], ids=["another-caseload's", "free"])
def test_a_therapist_cannot_probe_chart_numbers(
    web: TestClient, practice: Practice, chart_number: str
) -> None:
    """C-2 is Ben's client's chart number: Ana gets the same answer for it as for a free one
    (billing staff assign chart numbers), so "is taken" tells her nothing (issue 14)."""
    login(web, "ana")
    page = web.get("/clients/new")
    assert 'name="chart_number"' not in page.text
    response = web.post(
        "/clients/new", data=_new_client(csrf_of(page.text), chart_number=chart_number)
    )
    assert response.status_code == 422
    assert "is taken" not in response.text
    assert "assigned by billing staff" in response.text
    edit = web.get(f"/clients/{practice.ana_client}/edit")
    fields = {"csrf_token": csrf_of(edit.text), **EXAMPLE_CLIENT, "chart_number": chart_number}
    changed = web.post(f"/clients/{practice.ana_client}/edit", data=fields)
    assert changed.status_code == 422 and "is taken" not in changed.text
    # Her own client keeps its number when she saves without one.
    fields["chart_number"] = ""
    kept = web.post(f"/clients/{practice.ana_client}/edit", data=fields, follow_redirects=False)
    assert kept.status_code == 303
    with practice.store.sessions() as db:
        assert db.get(Client, practice.ana_client).chart_number == "C-1"  # type: ignore[union-attr]
