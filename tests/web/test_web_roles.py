"""Role isolation: every route tried by every role (and by no one).

Therapists see their own clients and sessions only (another therapist's are 404, so ids
cannot be probed); billing pages are for billers and admins; users and settings for admins.
A test fails when a route exists that this table does not list, so no route is forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount
from web_helpers import Practice, api_token, csrf_of, login

ALL = frozenset({"ana", "bill", "root"})
BILLING = frozenset({"bill", "root"})
ADMIN = frozenset({"root"})


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    allowed: frozenset[str]


PAGES = [
    Route("GET", "/", ALL),
    Route("GET", "/codes", ALL),
    Route("GET", "/codes/search", ALL),
    Route("GET", "/codes/{code}", ALL),
    Route("GET", "/clients", ALL),
    Route("POST", "/clients/search", ALL),
    Route("GET", "/clients/{client_id}", ALL),
    Route("GET", "/clients/new", ALL),
    Route("POST", "/clients/new", ALL),
    Route("GET", "/clients/{client_id}/edit", ALL),
    Route("POST", "/clients/{client_id}/edit", ALL),
    Route("POST", "/clients/{client_id}/policies", BILLING),
    Route("POST", "/clients/{client_id}/eligibility/check", BILLING),
    Route("POST", "/clients/{client_id}/eligibility/upload", BILLING),
    Route("GET", "/sessions", ALL),
    Route("GET", "/sessions/new", ALL),
    Route("POST", "/sessions/preview", ALL),
    Route("POST", "/advice/session", ALL),
    Route("GET", "/advice/codes.json", ALL),
    Route("GET", "/insights", BILLING),
    Route("GET", "/underpayments", BILLING),
    Route("GET", "/reports", BILLING),
    Route("GET", "/reports/export.xlsx", BILLING),
    Route("GET", "/reports/{name}.csv", BILLING),
    Route("POST", "/underpayments/{underpayment_id}/status", BILLING),
    Route("POST", "/sessions/clients", ALL),
    Route("POST", "/sessions", ALL),
    Route("GET", "/sessions/{session_id}", ALL),
    Route("POST", "/sessions/{session_id}/edit", ALL),
    Route("POST", "/sessions/{session_id}/delete", ALL),
    Route("POST", "/diagnoses/search", ALL),
    Route("GET", "/claims", BILLING),
    Route("POST", "/claims/build", BILLING),
    Route("POST", "/claims/build-ticked", BILLING),
    Route("GET", "/claims/{claim_id}", BILLING),
    Route("POST", "/claims/{claim_id}/{action}", BILLING),
    Route("POST", "/claims/submit", BILLING),
    Route("POST", "/claims/print", BILLING),
    Route("GET", "/claims/submitted", BILLING),
    Route("GET", "/outbox/{name}", BILLING),
    Route("GET", "/remittances", BILLING),
    Route("GET", "/clearinghouse", BILLING),
    Route("POST", "/remittances", BILLING),
    Route("POST", "/remittances/exceptions/{exception_id}/resolve", BILLING),
    Route("POST", "/remittances/quarantined/{quarantine_id}/post", BILLING),
    Route("GET", "/jobs", BILLING),
    Route("GET", "/jobs/{job_id}", BILLING),
    Route("GET", "/jobs/{job_id}/status", BILLING),
    Route("POST", "/jobs/{job_id}/cancel", BILLING),
    Route("GET", "/jobs/month-end", ADMIN),
    Route("POST", "/jobs/month-end", ADMIN),
    Route("POST", "/eligibility/batch", BILLING),
    Route("POST", "/clearinghouse/fetch", BILLING),
    Route("POST", "/reports/refresh", BILLING),
    Route("GET", "/denials", BILLING),
    Route("POST", "/denials/bulk", BILLING),
    Route("GET", "/denials/{denial_id}/letter", BILLING),
    Route("POST", "/denials/{denial_id}/appeal", BILLING),
    Route("POST", "/denials/{denial_id}/write-off", BILLING),
    Route("POST", "/denials/{denial_id}/transfer", BILLING),
    Route("POST", "/denials/{denial_id}/transfer-payer", BILLING),
    Route("POST", "/denials/{denial_id}/resubmitted", BILLING),
    Route("GET", "/payers", ALL),
    Route("POST", "/payers", BILLING),
    Route("POST", "/payers/{payer_id}", BILLING),
    Route("GET", "/providers", ALL),
    Route("POST", "/providers", BILLING),
    Route("GET", "/providers/{provider_id}", ALL),
    Route("POST", "/providers/{provider_id}", BILLING),
    Route("POST", "/providers/{provider_id}/end", BILLING),
    Route("GET", "/fees", ALL),
    Route("POST", "/fees", BILLING),
    Route("POST", "/fees/{code}/remove", BILLING),
    Route("GET", "/policies/{policy_id}", ALL),
    Route("POST", "/policies/{policy_id}", BILLING),
    Route("POST", "/policies/{policy_id}/end", BILLING),
    Route("GET", "/clients/{client_id}/authorizations/new", BILLING),
    Route("POST", "/clients/{client_id}/authorizations", BILLING),
    Route("GET", "/authorizations/{authorization_id}", ALL),
    Route("POST", "/authorizations/{authorization_id}", BILLING),
    Route("POST", "/authorizations/{authorization_id}/end", BILLING),
    Route("POST", "/clients/{client_id}/plans", BILLING),
    Route("POST", "/plans/{plan_id}/{action}", BILLING),
    Route("GET", "/payers/profiles/{profile_id}", BILLING),
    Route("POST", "/payers/profiles/{profile_id}", BILLING),
    Route("GET", "/claims/{claim_id}/cms1500.pdf", BILLING),
    Route("GET", "/clients/{client_id}/superbill.pdf", BILLING),
    Route("GET", "/clients/{client_id}/statement.pdf", BILLING),
    Route("POST", "/clients/{client_id}/payments", BILLING),
    Route("POST", "/clients/{client_id}/apply-credit", BILLING),
    Route("GET", "/clients/{client_id}/account", BILLING),
    Route("POST", "/clients/{client_id}/payment-plan", BILLING),
    Route("POST", "/clients/{client_id}/payment-plan/end", BILLING),
    Route("POST", "/clients/{client_id}/statement-hold", BILLING),
    Route("GET", "/receipts/{number}.pdf", BILLING),
    Route("GET", "/statements", BILLING),
    Route("POST", "/statements/run", BILLING),
    Route("POST", "/statements/hold", BILLING),
    Route("POST", "/statements/settings", BILLING),
    Route("POST", "/statements/reminders", BILLING),
    Route("POST", "/statements/reminder-settings", BILLING),
    Route("GET", "/statements/{number}.pdf", BILLING),
    Route("GET", "/admin/users", ADMIN),
    Route("POST", "/admin/users", ADMIN),
    Route("POST", "/admin/users/{user_id}/{action}", ADMIN),
    Route("GET", "/admin/settings", ADMIN),
    Route("POST", "/admin/settings", ADMIN),
    Route("POST", "/admin/settings/locations", ADMIN),
    Route("GET", "/account", ALL),
    Route("GET", "/practice", ALL),
    Route("POST", "/practice", ALL),
    Route("POST", "/account/tokens", ALL),
    Route("POST", "/account/tokens/{token_id}/revoke", ALL),
    Route("GET", "/account/mfa", ALL),
    Route("POST", "/account/mfa", ALL),
    Route("POST", "/account/mfa/recovery-codes", ALL),
    Route("GET", "/login/code", ALL),
    Route("POST", "/login/code", ALL),
    Route("GET", "/password", ALL),
    Route("POST", "/password", ALL),
    Route("POST", "/logout", ALL),
]
PUBLIC = {("GET", "/login"), ("POST", "/login")}
API = [
    Route("POST", "/units", ALL),
    Route("POST", "/scrub", ALL),
    Route("GET", "/clients", ALL),
    Route("POST", "/clients", ALL),
    Route("POST", "/clients/search", ALL),
    Route("GET", "/clients/{client_id}", ALL),
    Route("PATCH", "/clients/{client_id}", ALL),
    Route("GET", "/sessions/{session_id}", ALL),
    Route("POST", "/sessions", ALL),
    Route("PATCH", "/sessions/{session_id}", ALL),
    Route("DELETE", "/sessions/{session_id}", ALL),
    Route("GET", "/claims", BILLING),
    Route("GET", "/claims/{claim_id}", BILLING),
    Route("POST", "/claims/{claim_id}/edit", BILLING),
    Route("POST", "/claims/{claim_id}/correct", BILLING),
    Route("POST", "/claims/{claim_id}/void", BILLING),
    Route("POST", "/claims/{claim_id}/close", BILLING),
    Route("POST", "/claims/{claim_id}/secondary", BILLING),
    Route("POST", "/remittances", BILLING),
    Route("POST", "/remittances/quarantined/{quarantine_id}", BILLING),
    Route("GET", "/clients/{client_id}/policies", ALL),
    Route("POST", "/clients/{client_id}/policies", BILLING),
    Route("GET", "/policies/{policy_id}", ALL),
    Route("PATCH", "/policies/{policy_id}", BILLING),
    Route("POST", "/policies/{policy_id}/end", BILLING),
    Route("GET", "/clients/{client_id}/authorizations", ALL),
    Route("POST", "/clients/{client_id}/authorizations", BILLING),
    Route("GET", "/authorizations/{authorization_id}", ALL),
    Route("PATCH", "/authorizations/{authorization_id}", BILLING),
    Route("POST", "/authorizations/{authorization_id}/end", BILLING),
    Route("GET", "/payers", ALL),
    Route("POST", "/payers", BILLING),
    Route("PATCH", "/payers/{payer_id}", BILLING),
    Route("GET", "/payer-profiles", ALL),
    Route("GET", "/providers", ALL),
    Route("POST", "/providers", BILLING),
    Route("PATCH", "/providers/{provider_id}", BILLING),
    Route("POST", "/providers/{provider_id}/end", BILLING),
    Route("GET", "/fees", ALL),
    Route("PUT", "/fees/{code}", BILLING),
    Route("DELETE", "/fees/{code}", BILLING),
    Route("GET", "/clients/{client_id}/account", BILLING),
    Route("POST", "/clients/{client_id}/payments", BILLING),
    Route("GET", "/clients/{client_id}/payments", BILLING),
    Route("POST", "/clients/{client_id}/refunds", BILLING),
    Route("GET", "/receipts/{number}.pdf", BILLING),
    Route("GET", "/clients/{client_id}/payment-plans", BILLING),
    Route("POST", "/clients/{client_id}/payment-plans", BILLING),
    Route("POST", "/clients/{client_id}/payment-plans/end", BILLING),
    Route("GET", "/payment-plans/due", BILLING),
]


def _fill(template: str, practice: Practice, *, own_for: str) -> str:
    """Ids of records the user may see (``own_for`` = whose client to use)."""
    client = practice.ana_client if own_for == "ana" else practice.ben_client
    session = practice.ana_session if own_for == "ana" else practice.ben_session
    return (
        template.replace("{client_id}", str(client))
        .replace("{session_id}", str(session))
        .replace("{claim_id}", "1")
        .replace("{code}", "97110")
        .replace("{name}", "837P-X-000000001.x12")
        .replace("{profile_id}", "COMMERCIAL")
        .replace("{user_id}", "1")
        .replace("{action}", "enable")
        .replace("{exception_id}", "1")
        .replace("{job_id}", "1")
        .replace("{denial_id}", "1")
        .replace("{policy_id}", "1" if own_for == "ana" else "2")
        .replace("{authorization_id}", "1")
        .replace("{payer_id}", "1")
        .replace("{provider_id}", "1")
        .replace("{plan_id}", "1")
        .replace("{token_id}", "1")
        .replace("{underpayment_id}", "1")
        .replace("{name}", "revenue")
        .replace("{number}", "R-2026-000001")
    )


def _listed(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, from its own route table (OpenAPI)."""
    found = {
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    }
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/api/v1":
            api = route.app
            assert isinstance(api, FastAPI)
            found |= {
                (method.upper(), "/api/v1" + path)
                for path, item in api.openapi()["paths"].items()
                for method in item
            }
    return found


def test_every_route_is_in_the_role_table(web: TestClient) -> None:
    listed = _listed(web.app)  # type: ignore[arg-type]
    table = {(r.method, r.template) for r in PAGES} | PUBLIC
    table |= {(r.method, "/api/v1" + r.template) for r in API}
    assert listed == table


def test_pages_without_a_login_send_to_the_login_page(web: TestClient, practice: Practice) -> None:
    for route in PAGES:
        path = _fill(route.template, practice, own_for="ana")
        response = web.request(route.method, path, follow_redirects=False)
        assert response.status_code == 303, route
        assert response.headers["location"] == "/login", route


@pytest.mark.parametrize("user", ["ana", "bill", "root"])
def test_pages_by_role(web: TestClient, practice: Practice, user: str) -> None:
    """Each page tried by a logged-in user of each role (logout last: it ends the login):
    refused (403) unless the role may, and never a server error, whoever asks."""
    login(web, user)
    token = csrf_of(web.get("/password").text)
    for route in sorted(PAGES, key=lambda r: r.template == "/logout"):
        path = _fill(route.template, practice, own_for="ana")
        response = web.request(
            route.method,
            path,
            data={"csrf_token": token} if route.method == "POST" else None,
            follow_redirects=False,
        )
        assert response.status_code < 500, (route, response.status_code)  # whoever asks
        if user in route.allowed:
            assert response.status_code not in (401, 403), (route, response.status_code)
        else:
            assert response.status_code == 403, (route, response.status_code)


OTHER_THERAPISTS = [
    r
    for r in PAGES
    if ("{client_id}" in r.template or "{session_id}" in r.template) and "ana" in r.allowed
]


@pytest.mark.parametrize("route", OTHER_THERAPISTS, ids=lambda r: f"{r.method} {r.template}")
def test_a_therapist_cannot_see_another_therapists_records(
    web: TestClient, practice: Practice, route: Route
) -> None:
    login(web, "ana")
    # A POST carries the CSRF token and an empty form: theirs is 404 before the form is read,
    # mine is read (and refused for what it lacks).
    data = {"csrf_token": csrf_of(web.get("/password").text)} if route.method == "POST" else None
    theirs = _fill(route.template, practice, own_for="ben")
    assert web.request(route.method, theirs, data=data).status_code == 404
    mine = _fill(route.template, practice, own_for="ana")
    expected = 200 if route.method == "GET" else 422
    assert web.request(route.method, mine, data=data).status_code == expected


def test_a_therapists_client_list_holds_only_their_clients(web: TestClient) -> None:
    login(web, "ana")
    page = web.get("/clients").text
    assert "Cruz" in page and "Dale" not in page
    login(web, "bill")
    page = web.get("/clients").text
    assert "Cruz" in page and "Dale" in page


def test_api_without_a_token_is_401(web: TestClient, practice: Practice) -> None:
    for route in API:
        path = "/api/v1" + _fill(route.template, practice, own_for="ana")
        response = web.request(route.method, path, json={})
        assert response.status_code == 401, route
        assert response.headers["content-type"] == "application/problem+json"
        bad = web.request(route.method, path, json={}, headers={"Authorization": "Bearer tb_x"})
        assert bad.status_code == 401, route


@pytest.mark.parametrize("user", ["ana", "bill", "root"])
def test_api_by_role(web: TestClient, practice: Practice, user: str) -> None:
    headers = {"Authorization": f"Bearer {api_token(practice, user)}"}
    for route in API:
        path = "/api/v1" + _fill(route.template, practice, own_for="ana")
        response = web.request(route.method, path, headers=headers, json={})
        assert response.status_code < 500, (route, response.status_code)  # whoever asks
        if user in route.allowed:
            assert response.status_code not in (401, 403), (route, response.status_code)
        else:
            assert response.status_code == 403, (route, response.status_code)
            assert response.json()["status"] == 403


def test_api_therapist_gets_404_for_another_therapists_client(
    web: TestClient, practice: Practice
) -> None:
    headers = {"Authorization": f"Bearer {api_token(practice, 'ana')}"}
    assert web.get(f"/api/v1/clients/{practice.ben_client}", headers=headers).status_code == 404
    assert web.get(f"/api/v1/sessions/{practice.ben_session}", headers=headers).status_code == 404
    scrub = web.post(
        "/api/v1/scrub",
        headers=headers,
        json={"client_id": practice.ben_client, "services": [{"code": "97110", "minutes": 30}]},
    )
    assert scrub.status_code == 404
    assert web.get(f"/api/v1/clients/{practice.ana_client}", headers=headers).status_code == 200
