"""The claim page's print buttons: the CMS-1500 PDF from the same service as the CLI."""

from __future__ import annotations

import io

import pdfplumber
from fastapi.testclient import TestClient
from web_helpers import Practice, login

from therabill.store.services import build


def test_the_claim_page_prints_the_cms1500(web: TestClient, practice: Practice) -> None:
    with practice.store.transaction(actor="bill") as work:
        claim_id = build.build_claims(work=work).claims[0]
    login(web, "bill")
    page = web.get(f"/claims/{claim_id}").text
    assert f'href="/claims/{claim_id}/cms1500.pdf"' in page
    for query, drawn in (("", True), ("?data_only=true", False)):
        response = web.get(f"/claims/{claim_id}/cms1500.pdf{query}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        with pdfplumber.open(io.BytesIO(response.content)) as doc:
            shown = doc.pages[0].extract_text()
            assert "CRUZ, CARLA" in shown
            assert ("HEALTH INSURANCE CLAIM FORM" in shown) is drawn


def test_a_therapist_cannot_print_another_therapists_claim(
    web: TestClient, practice: Practice
) -> None:
    with practice.store.transaction(actor="bill") as work:
        claims = build.build_claims(work=work).claims
    login(web, "ana")
    assert all(web.get(f"/claims/{c}/cms1500.pdf").status_code in (403, 404) for c in claims)
