"""Adding and changing clients through the API (POST /clients, PATCH /clients/{id}): the
same checks, messages, access rules and audit entries as the pages, and nothing half-written."""

from __future__ import annotations

from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_helpers import EXAMPLE_CLIENT, NPI_ANA, Practice, api_token

from therabill.store.models import AuditEntry, CaseloadEntry, Client


def _headers(practice: Practice, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(practice, user)}"}


def _counts(practice: Practice) -> tuple[int, int]:
    """Clients and caseload entries stored: unchanged after a refused request."""
    with practice.store.sessions() as db:
        clients = db.execute(select(func.count()).select_from(Client)).scalar_one()
        entries = db.execute(select(func.count()).select_from(CaseloadEntry)).scalar_one()
        return clients, entries


def _audit_since(practice: Practice, seq: int) -> list[AuditEntry]:
    with practice.store.sessions() as db:
        return list(
            db.execute(
                select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)
            ).scalars()
        )


def _last_seq(practice: Practice) -> int:
    with practice.store.sessions() as db:
        return db.execute(select(func.max(AuditEntry.seq))).scalar_one() or 0


def test_a_biller_creates_a_client_and_reads_it_back(web: TestClient, practice: Practice) -> None:
    headers = _headers(practice, "bill")
    before = _last_seq(practice)
    created = web.post(
        "/api/v1/clients",
        headers=headers,
        json={**EXAMPLE_CLIENT, "caseload": [practice.ana_provider]},
    )
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["name"] == "Evans, Eve" and data["birth_date"] == "1990-06-15"
    assert data["caseload"] == [practice.ana_provider]
    assert created.headers["location"] == f"/api/v1/clients/{data['id']}"
    read = web.get(f"/api/v1/clients/{data['id']}", headers=headers)
    assert read.status_code == 200 and read.json()["data"] == data
    # The entries the store services make; details hold provider ids, never client data.
    entries = _audit_since(practice, before)
    made = {(e.actor, e.action, e.entity, e.entity_id) for e in entries}
    assert {
        ("bill", "create", "client", str(data["id"])),
        ("bill", "change", "caseload", str(data["id"])),
    } <= made
    for entry in entries:
        for value in (v for v in EXAMPLE_CLIENT.values() if len(v) > 2):
            assert value not in (entry.detail or ""), (entry.action, entry.entity)
    # Ana sees the new client (her caseload); Ben does not.
    ana, ben = _headers(practice, "ana"), _headers(practice, "ben")
    assert web.get(f"/api/v1/clients/{data['id']}", headers=ana).status_code == 200
    assert web.get(f"/api/v1/clients/{data['id']}", headers=ben).status_code == 404


def test_a_therapists_new_client_goes_on_their_own_caseload(
    web: TestClient, practice: Practice
) -> None:
    ana = _headers(practice, "ana")
    sent = {**EXAMPLE_CLIENT, "chart_number": None}
    created = web.post("/api/v1/clients", headers=ana, json=sent)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["caseload"] == [practice.ana_provider] and "balance" not in data
    assert web.get(f"/api/v1/clients/{data['id']}", headers=ana).json()["data"] == data
    ben = _headers(practice, "ben")
    assert web.get(f"/api/v1/clients/{data['id']}", headers=ben).status_code == 404


def test_patch_changes_only_the_fields_sent(web: TestClient, practice: Practice) -> None:
    headers = _headers(practice, "ana")
    path = f"/api/v1/clients/{practice.ana_client}"
    before_data = web.get(path, headers=headers).json()["data"]
    before = _last_seq(practice)
    changed = web.patch(path, headers=headers, json={"phone": " 217-555-0199 "})
    assert changed.status_code == 200, changed.text
    after = changed.json()["data"]
    assert after["phone"] == "217-555-0199"
    assert {k: v for k, v in after.items() if k != "phone"} == {
        k: v for k, v in before_data.items() if k != "phone"
    }
    assert web.get(path, headers=headers).json()["data"] == after
    entries = [e for e in _audit_since(practice, before) if e.action == "change"]
    # The audit entry names the field that changed, never its value.
    assert [(e.actor, e.entity, e.entity_id, e.detail) for e in entries] == [
        ("ana", "client", str(practice.ana_client), "phone")
    ]
    # null clears an optional field.
    cleared = web.patch(path, headers=headers, json={"phone": None, "city": ""})
    assert cleared.json()["data"]["phone"] is None and cleared.json()["data"]["city"] is None


def test_a_biller_sets_and_clears_the_caseload(web: TestClient, practice: Practice) -> None:
    bill = _headers(practice, "bill")
    path = f"/api/v1/clients/{practice.ben_client}"
    both = [practice.ana_provider, practice.ben_provider]
    set_ = web.patch(path, headers=bill, json={"caseload": both})
    assert set_.status_code == 200 and sorted(set_.json()["data"]["caseload"]) == sorted(both)
    # Ana now sees Ben's client; a patch without caseload keeps it.
    ana = _headers(practice, "ana")
    assert web.get(path, headers=ana).status_code == 200
    kept = web.patch(path, headers=bill, json={"city": "Shelbyville"})
    assert sorted(kept.json()["data"]["caseload"]) == sorted(both)
    cleared = web.patch(path, headers=bill, json={"caseload": []})
    assert cleared.json()["data"]["caseload"] == []
    assert web.get(path, headers=ana).status_code == 404


@pytest.mark.parametrize("user", ["bill", "root"])
def test_billers_and_admins_create_and_patch_any_client(
    web: TestClient, practice: Practice, user: str
) -> None:
    headers = _headers(practice, user)
    created = web.post("/api/v1/clients", headers=headers, json=EXAMPLE_CLIENT)
    assert created.status_code == 201
    assert created.json()["data"]["caseload"] == []
    assert "balance" in created.json()["data"]
    for client_id in (practice.ana_client, practice.ben_client):
        patched = web.patch(
            f"/api/v1/clients/{client_id}", headers=headers, json={"city": "Capital City"}
        )
        assert patched.status_code == 200 and patched.json()["data"]["city"] == "Capital City"


def test_a_therapist_cannot_patch_another_therapists_client(
    web: TestClient, practice: Practice
) -> None:
    ana = _headers(practice, "ana")
    before = _last_seq(practice)
    response = web.patch(
        f"/api/v1/clients/{practice.ben_client}", headers=ana, json={"city": "Nowhere"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    # A bad body does not turn the 404 into a 422 that would tell the client exists.
    bad = web.patch(f"/api/v1/clients/{practice.ben_client}", headers=ana, json={"sex": "X"})
    assert bad.status_code == 404
    assert web.patch("/api/v1/clients/999999", headers=ana, json={}).status_code == 404
    assert not [e for e in _audit_since(practice, before) if e.action == "change"]
    ben = _headers(practice, "ben")
    unchanged = web.get(f"/api/v1/clients/{practice.ben_client}", headers=ben).json()["data"]
    assert unchanged["city"] == "Springfield"


def test_a_therapist_sending_a_caseload_gets_403(web: TestClient, practice: Practice) -> None:
    ana = _headers(practice, "ana")
    counts = _counts(practice)
    created = web.post(
        "/api/v1/clients", headers=ana, json={**EXAMPLE_CLIENT, "caseload": [practice.ana_provider]}
    )
    assert created.status_code == 403
    problem = created.json()
    assert problem["field"] == "caseload" and "billers and admins" in problem["detail"]
    patched = web.patch(
        f"/api/v1/clients/{practice.ana_client}",
        headers=ana,
        json={"caseload": [practice.ben_provider]},
    )
    assert patched.status_code == 403 and patched.json()["field"] == "caseload"
    assert _counts(practice) == counts


def test_without_a_token_is_401(web: TestClient, practice: Practice) -> None:
    assert web.post("/api/v1/clients", json=EXAMPLE_CLIENT).status_code == 401
    path = f"/api/v1/clients/{practice.ana_client}"
    assert web.patch(path, json={"city": "X"}).status_code == 401


BAD_FIELDS = [
    pytest.param({"birth_date": "1990-13-45"}, "birth_date", "is not a date", id="bad-date"),
    pytest.param(
        {"birth_date": "2990-01-01"}, "birth_date", "not a plausible birth date", id="future-date"
    ),
    pytest.param({"sex": "X"}, "sex", "must be F, M or U", id="bad-sex"),
    pytest.param({"last_name": ""}, "last_name", "is required", id="empty-last-name"),
    pytest.param({"last_name": "   "}, "last_name", "is required", id="blank-last-name"),
    pytest.param(
        {"first_name": "E" * 101}, "first_name", "is longer than 100 characters", id="long-name"
    ),
    pytest.param(
        {"chart_number": "C" * 41}, "chart_number", "is longer than 40 characters", id="long-chart"
    ),
    pytest.param({"state": "I1"}, "state", "is not two letters", id="bad-state"),
    pytest.param({"state": "XX"}, "state", "is not a US state", id="no-such-state"),
    pytest.param({"postal_code": "6270"}, "postal_code", "is not a ZIP code", id="bad-zip"),
    pytest.param({"email": "eve@"}, "email", "is not an email address", id="bad-email"),
    pytest.param({"caseload": [999999]}, "caseload", "no provider 999999", id="unknown-provider"),
    pytest.param({"chart_number": "C-1"}, "chart_number", "is taken", id="chart-number-taken"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_FIELDS)
def test_a_bad_field_is_named_and_nothing_is_written(
    web: TestClient, practice: Practice, change: dict[str, Any], field: str, message: str
) -> None:
    headers = _headers(practice, "bill")
    counts = _counts(practice)
    created = web.post("/api/v1/clients", headers=headers, json={**EXAMPLE_CLIENT, **change})
    assert created.status_code == 422, created.text
    assert created.headers["content-type"] == "application/problem+json"
    problem = created.json()
    assert problem["field"] == field and message in problem["detail"], problem
    assert _counts(practice) == counts
    if field == "chart_number" and "taken" in message:
        change = {"chart_number": "C-2"}  # Dan's: taken by someone other than Carla
    path = f"/api/v1/clients/{practice.ana_client}"
    before = web.get(path, headers=headers).json()["data"]
    patched = web.patch(path, headers=headers, json=change)
    assert patched.status_code == 422 and patched.json()["field"] == field, patched.text
    assert web.get(path, headers=headers).json()["data"] == before


def test_the_page_and_the_api_give_the_same_message(web: TestClient, practice: Practice) -> None:
    """The message beside the page's field is the API's detail after ``field: ``."""
    from therabill.store.services.clients import read_client

    for param in BAD_FIELDS[:6]:
        change = cast(dict[str, Any], param.values[0])
        _data, problems = read_client({**EXAMPLE_CLIENT, **change})
        answer = web.post(
            "/api/v1/clients", headers=_headers(practice, "bill"), json={**EXAMPLE_CLIENT, **change}
        ).json()
        assert answer["detail"] == f"{problems[0].field}: {problems[0].message}"


def test_every_bad_field_is_listed(web: TestClient, practice: Practice) -> None:
    response = web.post(
        "/api/v1/clients",
        headers=_headers(practice, "bill"),
        json={**EXAMPLE_CLIENT, "birth_date": "tomorrow", "sex": "Q", "last_name": ""},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"birth_date", "sex", "last_name"}


def test_missing_and_unknown_fields_are_named(web: TestClient, practice: Practice) -> None:
    headers = _headers(practice, "bill")
    missing = web.post(
        "/api/v1/clients", headers=headers, json={"first_name": "Eve", "last_name": "Evans"}
    )
    assert missing.status_code == 422
    assert missing.json()["field"] == "birth_date"
    assert missing.json()["detail"] == "birth_date: is required"
    # Policies are added by billers on their own (as on the page), not with the client.
    extra = web.post(
        "/api/v1/clients", headers=headers, json={**EXAMPLE_CLIENT, "payer": "Acme Health"}
    )
    assert extra.status_code == 422 and extra.json()["field"] == "payer"
    # The caseload is provider ids, not NPIs.
    npi = web.post(
        "/api/v1/clients", headers=headers, json={**EXAMPLE_CLIENT, "caseload": [NPI_ANA]}
    )
    assert npi.status_code == 422 and npi.json()["field"] == "caseload"
    assert npi.json()["detail"] == f"caseload: no provider {NPI_ANA}"


def test_the_openapi_document_lists_the_new_operations(web: TestClient) -> None:
    spec = web.get("/api/v1/openapi.json").json()
    assert {"get", "post"} <= set(spec["paths"]["/clients"])
    assert {"get", "patch"} <= set(spec["paths"]["/clients/{client_id}"])
    create = spec["paths"]["/clients"]["post"]
    assert "201" in create["responses"] and "422" in create["responses"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["ClientIn"]["required"]) == {"first_name", "last_name", "birth_date"}
    assert schemas["ClientIn"]["properties"]["last_name"]["maxLength"] == 100
    assert "required" not in schemas["ClientChange"]


@pytest.mark.parametrize("chart_number", ["C-2", "C-77"], ids=["another-caseload's", "free"])
def test_a_therapist_gets_one_answer_for_any_chart_number(
    web: TestClient, practice: Practice, chart_number: str
) -> None:
    ana = _headers(practice, "ana")
    created = web.post(
        "/api/v1/clients", headers=ana, json={**EXAMPLE_CLIENT, "chart_number": chart_number}
    )
    assert created.status_code == 422
    assert created.json()["field"] == "chart_number"
    assert created.json()["detail"] == (
        "chart_number: is assigned by billing staff; leave it empty and a biller will add it"
    )
