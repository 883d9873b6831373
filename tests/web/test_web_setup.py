"""Set-up on the pages and the API: providers, fees, payers, policies and authorizations.
A therapist sees (their own clients' insurance only), a biller changes; every change goes
through the store service and is audited; a refused change writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_helpers import NPI_BEN, Practice, api_token, csrf_of, login

from therabill.store.models import (
    AuditEntry,
    Authorization,
    Fee,
    Payer,
    PlanOfCare,
    Policy,
    Provider,
)

NEW_NPI = "1679576722"  # ten digits passing the NPI check digit (CMS NPIcheckdigit.pdf)


def _post(web: TestClient, path: str, data: dict[str, str]) -> Any:
    token = csrf_of(web.get("/password").text)
    return web.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def _audit(practice: Practice, entity: str) -> list[tuple[str, str, str]]:
    with practice.store.sessions() as db:
        return [
            (e.actor, e.action, e.detail or "")
            for e in db.execute(
                select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.seq)
            ).scalars()
        ]


def _policy_of(practice: Practice, client_id: int) -> int:
    with practice.store.sessions() as db:
        return db.execute(select(Policy.id).where(Policy.client_id == client_id)).scalar_one()


def test_a_biller_sets_up_providers_fees_and_payers(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    added = _post(
        web,
        "/providers",
        {"npi": NEW_NPI, "first_name": "Oli", "last_name": "Ng", "discipline": "ot"},
    )
    assert added.status_code == 303
    page = web.get(added.headers["location"])
    assert page.status_code == 200 and "Oli Ng" in page.text
    assert added.headers["location"].endswith("?done=provider-added")
    assert 'role="status"' in page.text and "Provider added." in page.text  # the toast
    provider_id = int(added.headers["location"].split("?")[0].rsplit("/", 1)[1])
    edited = _post(
        web,
        f"/providers/{provider_id}",
        {"npi": NEW_NPI, "first_name": "Oli", "last_name": "Ng", "discipline": "ot",
         "taxonomy": "225x00000x"},
    )  # fmt: skip
    assert edited.status_code == 303
    assert _post(web, f"/providers/{provider_id}/end", {}).status_code == 303
    with practice.store.sessions() as db:
        provider = db.get(Provider, provider_id)
        assert provider is not None and provider.taxonomy == "225X00000X" and not provider.active
    # A duplicate NPI is refused on the page, naming the problem; nothing is added.
    again = _post(
        web,
        "/providers",
        {"npi": NPI_BEN, "first_name": "X", "last_name": "Y", "discipline": "pt"},
    )
    assert again.status_code == 422 and "already exists" in again.text
    assert ("bill", "end", "") in _audit(practice, "provider")

    assert _post(web, "/fees", {"code": "97530", "amount": "52.50"}).status_code == 303
    refused = _post(web, "/fees", {"code": "97530", "amount": "-3"})
    assert refused.status_code == 422 and "amount" in refused.text
    with practice.store.sessions() as db:
        fee = db.get(Fee, (1, "97530"))  # (practice, code)
        assert fee is not None and fee.unit_charge_cents == 5250
    assert 'action="/fees/97530/remove"' in web.get("/fees").text
    assert _post(web, "/fees/97530/remove", {}).status_code == 303
    gone = _post(web, "/fees/97530/remove", {})
    assert gone.status_code == 422 and "there is no fee for 97530" in gone.text
    with practice.store.sessions() as db:
        assert db.get(Fee, (1, "97530")) is None
    assert ("bill", "remove", "5250") in _audit(practice, "fee")

    made = _post(web, "/payers", {"profile": "SAMPLE-MASSAGE-PAYER", "payer_id": "SMP01"})
    assert made.status_code == 303
    with practice.store.sessions() as db:
        payer = db.execute(
            select(Payer).where(Payer.profile_id == "SAMPLE-MASSAGE-PAYER")
        ).scalar_one()
        payer_id = payer.id
    renamed = _post(web, f"/payers/{payer_id}", {"name": "Massage Mutual", "payer_id": "SMP02"})
    assert renamed.status_code == 303
    assert "Massage Mutual" in web.get("/payers").text
    unknown = _post(web, "/payers", {"profile": "NO-SUCH"})
    assert unknown.status_code == 422


def test_a_biller_keeps_a_clients_policy_and_authorization(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    policy_id = _policy_of(practice, practice.ana_client)
    changed = _post(
        web,
        f"/policies/{policy_id}",
        {"member_id": "1EG4TE5MK73", "priority": "primary", "relationship": "spouse",
         "subscriber_first_name": "Raul", "subscriber_last_name": "Cruz",
         "subscriber_birth_date": "1978-02-03", "group_number": "G-12"},
    )  # fmt: skip
    assert changed.status_code == 303
    assert changed.headers["location"] == f"/clients/{practice.ana_client}?done=policy-saved"
    # The subscriber must be named when the client is not the policy holder.
    refused = _post(
        web, f"/policies/{policy_id}", {"member_id": "X1", "relationship": "child",
                                        "subscriber_first_name": "", "subscriber_last_name": ""}
    )  # fmt: skip
    assert refused.status_code == 422 and "name the subscriber" in refused.text
    ended = _post(web, f"/policies/{policy_id}/end", {"on": "2026-12-31"})
    assert ended.status_code == 303
    with practice.store.sessions() as db:
        policy = db.get(Policy, policy_id)
        assert policy is not None
        assert (policy.relationship_to_subscriber, policy.subscriber_first_name) == (
            "spouse",
            "Raul",
        )
        assert policy.member_id == "1EG4TE5MK73" and str(policy.end_date) == "2026-12-31"

    with practice.store.sessions() as db:
        medicare = db.execute(select(Payer.id).where(Payer.profile_id == "MEDICARE")).scalar_one()
    form = web.get(f"/clients/{practice.ana_client}/authorizations/new")
    assert form.status_code == 200 and "New authorization" in form.text
    added = _post(
        web,
        f"/clients/{practice.ana_client}/authorizations",
        {"payer": str(medicare), "number": "PA-77", "start": "2026-11-01", "end": "2027-01-31",
         "codes": "97110, 97112", "units": "24"},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    auth_page = web.get(added.headers["location"])
    assert "0 used of 24" in auth_page.text and "24 left" in auth_page.text
    auth_id = int(added.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert _post(web, f"/authorizations/{auth_id}", {"units": "30"}).status_code == 303
    bad = _post(web, f"/authorizations/{auth_id}", {"units": "many"})
    assert bad.status_code == 422 and "not a whole number" in bad.text
    assert _post(web, f"/authorizations/{auth_id}/end", {"on": "2026-12-15"}).status_code == 303
    with practice.store.sessions() as db:
        auth = db.get(Authorization, auth_id)
        assert auth is not None and auth.units_approved == 30
        assert str(auth.end_date) == "2026-12-15"
    made = _audit(practice, "authorization")
    assert ("bill", "change", "units") in made and ("bill", "end", "2026-12-15") in made
    client_page = web.get(f"/clients/{practice.ana_client}").text
    assert f'href="/authorizations/{auth_id}"' in client_page
    assert f'href="/policies/{policy_id}"' in client_page


def test_a_therapist_sees_but_does_not_change(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    for path, form in (
        ("/providers", "provider-form"),
        ("/fees", "fee-form"),
        ("/payers", "payer-form"),
    ):
        page = web.get(path)
        assert page.status_code == 200 and "Alves" in web.get("/providers").text, path
        assert f'id="{form}"' not in page.text, path
    own = _policy_of(practice, practice.ana_client)
    theirs = _policy_of(practice, practice.ben_client)
    page = web.get(f"/policies/{own}")
    assert page.status_code == 200 and "kept by the practice's billers" in page.text
    assert web.get(f"/policies/{theirs}").status_code == 404
    assert _post(web, f"/policies/{own}/end", {"on": "2026-12-31"}).status_code == 403
    assert _post(web, "/fees", {"code": "97110", "amount": "1.00"}).status_code == 403


# --- the API ----------------------------------------------------------------------------------


def _headers(practice: Practice, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(practice, user)}"}


def test_api_policies_and_authorizations(web: TestClient, practice: Practice) -> None:
    bill, ana, ben = (_headers(practice, u) for u in ("bill", "ana", "ben"))
    client = practice.ana_client
    with practice.store.sessions() as db:
        acme = db.execute(select(Payer.id).where(Payer.name == "Acme Health")).scalar_one()
    created = web.post(
        f"/api/v1/clients/{client}/policies",
        headers=bill,
        json={"payer_id": acme, "member_id": "AC-9", "priority": "secondary"},
    )
    assert created.status_code == 201, created.text
    policy = created.json()["data"]
    assert policy["priority"] == "secondary" and policy["payer"] == "Acme Health"
    assert created.headers["location"] == f"/api/v1/policies/{policy['id']}"
    patched = web.patch(
        f"/api/v1/policies/{policy['id']}",
        headers=bill,
        json={"relationship": "child", "subscriber_first_name": "Rita",
              "subscriber_last_name": "Cruz", "subscriber_birth_date": "1955-01-01"},
    )  # fmt: skip
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["subscriber"]["first_name"] == "Rita"
    listed = web.get(f"/api/v1/clients/{client}/policies", headers=ana)
    assert listed.status_code == 200 and listed.json()["count"] == 2
    assert web.get(f"/api/v1/clients/{client}/policies", headers=ben).status_code == 404
    assert web.get(f"/api/v1/policies/{policy['id']}", headers=ben).status_code == 404
    assert web.patch(f"/api/v1/policies/{policy['id']}", headers=ana, json={}).status_code == 403
    refused = web.patch(
        f"/api/v1/policies/{policy['id']}", headers=bill, json={"subscriber_last_name": None}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "subscriber"
    ended = web.post(
        f"/api/v1/policies/{policy['id']}/end", headers=bill, json={"on": "2026-12-31"}
    )
    assert ended.json()["data"]["end_date"] == "2026-12-31"

    auth = web.post(
        f"/api/v1/clients/{client}/authorizations",
        headers=bill,
        json={"payer_id": acme, "number": "A-1", "start": "2026-11-01", "end": "2027-04-30",
              "codes": ["97110"], "visits": 12},
    )  # fmt: skip
    assert auth.status_code == 201, auth.text
    auth_id = auth.json()["data"]["id"]
    assert auth.json()["data"]["visits_remaining"] == 12
    changed = web.patch(f"/api/v1/authorizations/{auth_id}", headers=bill, json={"visits": 20})
    assert changed.json()["data"]["visits_approved"] == 20
    seen = web.get(f"/api/v1/authorizations/{auth_id}", headers=ana)
    assert seen.status_code == 200 and seen.json()["data"]["visits_remaining"] == 20
    assert web.get(f"/api/v1/authorizations/{auth_id}", headers=ben).status_code == 404
    early = web.post(
        f"/api/v1/authorizations/{auth_id}/end", headers=bill, json={"on": "2026-10-01"}
    )
    assert early.status_code == 422 and early.json()["field"] == "on"
    ended_auth = web.post(
        f"/api/v1/authorizations/{auth_id}/end", headers=bill, json={"on": "2027-01-31"}
    )
    assert ended_auth.json()["data"]["end_date"] == "2027-01-31"
    listed_auths = web.get(f"/api/v1/clients/{client}/authorizations", headers=ana).json()
    assert [a["number"] for a in listed_auths["data"]] == ["A-1"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/providers", {"npi": "1234567890", "first_name": "A", "last_name": "B",
                                "discipline": "pt"}, "npi"),
        ("POST", "/payers", {"profile": "NOPE"}, "profile"),
        ("PUT", "/fees/97110", {"amount": "0"}, "amount"),
        ("PATCH", "/payers/1", {"payer_id": "has space"}, "payer_id"),
    ],
    ids=["npi-check-digit", "unknown-profile", "zero-fee", "payer-id"],
)  # fmt: skip
def test_api_set_up_refusals_name_the_field(
    web: TestClient, practice: Practice, method: str, path: str, body: dict[str, str], field: str
) -> None:
    response = web.request(method, "/api/v1" + path, headers=_headers(practice, "bill"), json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_api_providers_payers_and_fees(web: TestClient, practice: Practice) -> None:
    bill, ana = _headers(practice, "bill"), _headers(practice, "ana")
    made = web.post(
        "/api/v1/providers",
        headers=bill,
        json={"npi": NEW_NPI, "first_name": "Oli", "last_name": "Ng", "discipline": "slp"},
    )
    assert made.status_code == 201, made.text
    provider_id = made.json()["data"]["id"]
    assert (
        web.patch(
            f"/api/v1/providers/{provider_id}", headers=bill, json={"licence": "SLP-1 IL"}
        ).json()["data"]["licence"]
        == "SLP-1 IL"
    )
    left = web.post(f"/api/v1/providers/{provider_id}/end", headers=bill, json={})
    assert left.json()["data"]["active"] is False
    assert web.patch("/api/v1/providers/999", headers=bill, json={}).status_code == 404
    assert web.put("/api/v1/fees/97530", headers=bill, json={"amount": "52.50"}).json()["data"] == {
        "code": "97530",
        "unit_charge_cents": 5250,
    }
    fees = web.get("/api/v1/fees", headers=ana).json()["data"]
    assert {"code": "97530", "unit_charge_cents": 5250} in fees
    assert web.delete("/api/v1/fees/97530", headers=ana).status_code == 403
    assert web.delete("/api/v1/fees/97530", headers=bill).json()["data"] == {
        "code": "97530",
        "removed_unit_charge_cents": 5250,
    }
    assert web.delete("/api/v1/fees/97530", headers=bill).status_code == 422
    profiles = web.get("/api/v1/payer-profiles", headers=ana).json()["data"]
    assert "MEDICARE" in [p["id"] for p in profiles]
    payer = web.post(
        "/api/v1/payers", headers=bill, json={"profile": "MEDICARE", "name": "Medicare (RR)"}
    )
    assert payer.status_code == 201 and payer.json()["data"]["profile"] == "MEDICARE"
    with practice.store.sessions() as db:
        assert db.execute(select(func.count()).select_from(Payer)).scalar_one() == 3
    assert web.post("/api/v1/payers", headers=ana, json={"profile": "MEDICARE"}).status_code == 403


# --- plans of care --------------------------------------------------------------------------


def _plans(practice: Practice, client_id: int) -> list[int]:
    with practice.store.sessions() as db:
        return list(
            db.execute(select(PlanOfCare.id).where(PlanOfCare.client_id == client_id)).scalars()
        )


def test_a_biller_keeps_a_clients_plans_of_care(web: TestClient, practice: Practice) -> None:
    """Add a plan on the client page, record the signature and a progress report; a refused
    plan shows the page again with the reason and writes nothing; a therapist sees only."""
    login(web, "bill")
    client = practice.ana_client
    before = _plans(practice, client)
    today = dt.date.today()
    start = today - dt.timedelta(days=20)
    plan = {
        "discipline": "pt",
        "referring_npi": NEW_NPI,
        "referring_name": "Rosa Diaz",
        "start": start.isoformat(),
    }
    wrong = _post(web, f"/clients/{client}/plans", {**plan, "referring_npi": "1679576723"})
    assert (
        wrong.status_code == 422 and "referring_npi" in wrong.text and "check digit" in wrong.text
    )
    assert 'id="plan-error"' in wrong.text
    too_long = _post(
        web,
        f"/clients/{client}/plans",
        {**plan, "end": (start + dt.timedelta(days=120)).isoformat()},
    )
    assert too_long.status_code == 422 and "at most 90 days" in too_long.text
    assert _plans(practice, client) == before
    added = _post(web, f"/clients/{client}/plans", plan)
    assert (
        added.status_code == 303
        and added.headers["location"] == f"/clients/{client}?done=plan-saved#plans"
    )
    page = web.get(f"/clients/{client}")
    assert "Rosa Diaz" in page.text and "awaiting signature" in page.text
    [plan_id] = sorted(set(_plans(practice, client)) - set(before))
    signed = (start + dt.timedelta(days=3)).isoformat()
    assert _post(web, f"/plans/{plan_id}/certify", {"on": signed}).status_code == 303
    report = (start + dt.timedelta(days=10)).isoformat()
    assert _post(web, f"/plans/{plan_id}/progress", {"on": report}).status_code == 303
    outside = _post(web, f"/plans/{plan_id}/progress", {"on": "2001-01-01"})
    assert outside.status_code == 422 and "outside the plan" in outside.text
    page = web.get(f"/clients/{client}").text
    assert "awaiting signature" not in page and signed in page and report in page
    assert '<table id="plan-list" class="data">' in page and "/progress" in page  # the one table
    assert _post(web, "/plans/99999/certify", {"on": signed}).status_code == 404
    assert _post(web, f"/plans/{plan_id}/unknown", {"on": signed}).status_code == 404
    assert ("bill", "certify", signed) in _audit(practice, "plan_of_care")

    login(web, "ana")
    page = web.get(f"/clients/{client}").text
    assert "Rosa Diaz" in page and 'id="add-plan"' not in page
    assert "/progress" not in page and ">Record<" not in page  # a therapist reads the plans
    assert _post(web, f"/plans/{plan_id}/certify", {"on": signed}).status_code == 403
    login(web, "ben")
    assert _post(web, f"/plans/{plan_id}/certify", {"on": signed}).status_code in (403, 404)


@pytest.mark.parametrize(
    ("target", "what", "address"),
    [
        ("/fees", "fee-saved", "/fees?done=fee-saved"),
        ("/clients/3#plans", "plan-saved", "/clients/3?done=plan-saved#plans"),
        ("/claims?status=ready", "claim-saved", "/claims?status=ready&done=claim-saved"),
    ],
)
def test_a_change_names_its_toast_in_the_redirect(target: str, what: str, address: str) -> None:
    from therabill.web.render import done

    assert done(target, what) == address


def test_only_a_known_toast_is_shown(web: TestClient) -> None:
    """The page shows the fixed words of a known key; an address cannot bring words of its
    own (a link someone sends cannot put "call this number" on a therabill page)."""
    from therabill.web.render import done

    login(web, "bill")
    assert "Fee saved." in web.get("/fees?done=fee-saved").text
    unknown = web.get("/fees", params={"done": "Call 555-0100 now"}).text
    assert 'role="status"' not in unknown and "555-0100" not in unknown
    with pytest.raises(KeyError):
        done("/fees", "fee-eaten")
