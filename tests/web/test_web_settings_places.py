"""The settings page sets the pay-to address and adds service locations (837P 2010AB and
2310C), refusing bad input beside the form."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_helpers import Practice, csrf_of, login

from therabill.store.services import locations
from therabill.store.services import practice as practice_services


def test_pay_to_and_a_location_from_the_settings_page(web: TestClient, practice: Practice) -> None:
    login(web, "root")
    page = web.get("/admin/settings")
    assert page.status_code == 200 and "Pay-to address" in page.text
    token = csrf_of(page.text)
    with practice.store.transaction() as work:
        current = practice_services.practice_row(work)
        fields = {
            "name": current.name,
            "npi": current.npi or "",
            "tax_id": current.tax_id or "",
            "address": current.address or "",
            "city": current.city or "",
            "state": current.state or "",
            "postal_code": current.postal_code or "",
        }
    saved = web.post(
        "/admin/settings",
        data={**fields, "csrf_token": token, "pay_to_address": "PO Box 4410",
              "pay_to_city": "Springfield", "pay_to_state": "IL", "pay_to_postal_code": "62705"},
    )  # fmt: skip
    assert saved.status_code == 200 and "Saved." in saved.text
    added = web.post(
        "/admin/settings/locations",
        data={"csrf_token": token, "name": "Lincoln Elementary School", "address": "40 School St",
              "city": "Springfield", "state": "IL", "postal_code": "62704", "npi": ""},
    )  # fmt: skip
    assert added.status_code == 200 and "Lincoln Elementary School" in added.text
    refused = web.post(
        "/admin/settings/locations",
        data={"csrf_token": token, "name": "Bad", "address": "1 A St", "city": "Springfield",
              "state": "IL", "postal_code": "627", "npi": ""},
    )  # fmt: skip
    assert refused.status_code == 422 and "ZIP code" in refused.text
    with practice.store.transaction() as work:
        row = practice_services.practice_row(work)
        assert (row.pay_to_address, row.pay_to_postal_code) == ("PO Box 4410", "62705")
        assert [loc.name for loc in locations.list_locations(work=work)] == [
            "Lincoln Elementary School"
        ]
