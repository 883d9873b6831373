"""The claim page's print buttons: the CMS-1500 PDF from the same service as the CLI."""

from __future__ import annotations

import io
import re

import pdfplumber
from fastapi.testclient import TestClient
from web_helpers import Practice, csrf_of, login, post_and_follow

from therabill.store.models import ClaimRecord, Payer
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


def test_the_payers_page_keeps_the_address_printed_in_the_carrier_block(
    web: TestClient, practice: Practice
) -> None:
    """NUCC 1500 manual, "Carrier Block": the payer's name and mailing address."""
    with practice.store.transaction(actor="bill") as work:
        claim_id = build.build_claims(work=work).claims[0]
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        payer = work.db.get(Payer, claim.payer_id)
        assert payer is not None
        payer_id, name = payer.id, payer.name
    login(web, "bill")
    page = web.get("/payers").text
    fields = {"address": "PO Box 7", "address2": "", "city": "Albany", "state": "NY",
              "zip": "12201", "name": name, "csrf_token": csrf_of(page)}  # fmt: skip
    bad = web.post(f"/payers/{payer_id}", data={**fields, "zip": "1220"})
    assert bad.status_code == 422 and "is not a ZIP code" in bad.text
    saved = web.post(f"/payers/{payer_id}", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    assert "PO Box 7, Albany, NY 12201" in web.get("/payers").text
    with pdfplumber.open(io.BytesIO(web.get(f"/claims/{claim_id}/cms1500.pdf").content)) as doc:
        shown = doc.pages[0].extract_text()
    assert "PO BOX 7" in shown and "ALBANY, NY 12201" in shown


def test_a_therapist_cannot_print_another_therapists_claim(
    web: TestClient, practice: Practice
) -> None:
    with practice.store.transaction(actor="bill") as work:
        claims = build.build_claims(work=work).claims
    login(web, "ana")
    assert all(web.get(f"/claims/{c}/cms1500.pdf").status_code in (403, 404) for c in claims)


def test_the_client_page_prints_a_superbill(web: TestClient, practice: Practice) -> None:
    with practice.store.transaction(actor="bill") as work:
        build.build_claims(work=work)
    login(web, "bill")
    page = web.get(f"/clients/{practice.ana_client}/account").text
    assert 'id="superbill-form"' in page
    day = "2026-11-28"
    response = web.get(f"/clients/{practice.ana_client}/superbill.pdf?from={day}&to={day}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as doc:
        assert "Carla Cruz" in doc.pages[0].extract_text()
    backwards = web.get(f"/clients/{practice.ana_client}/superbill.pdf?from={day}&to=2026-11-01")
    assert backwards.status_code == 422 and "runs backwards" in backwards.text
    login(web, "ana")  # therapists do not print account documents
    assert (
        web.get(f"/clients/{practice.ana_client}/superbill.pdf?from={day}&to={day}").status_code
        == 403
    )


def _owes(practice: Practice, cents: int) -> None:
    from therabill.ledger import EntryKind
    from therabill.store.models import ClaimRecord
    from therabill.store.services import ledger

    with practice.store.transaction(actor="bill") as work:
        for claim_id in build.build_claims(work=work).claims:
            claim = work.db.get(ClaimRecord, claim_id)
            assert claim is not None
            if claim.client_id == practice.ana_client:
                ledger.post_entry(
                    work=work, kind=EntryKind.TRANSFER_TO_PATIENT, amount_cents=cents,
                    client_id=claim.client_id, claim_line=claim.lines[0],
                )  # fmt: skip


def test_take_a_card_payment_and_print_its_receipt(web: TestClient, practice: Practice) -> None:
    _owes(practice, 3000)
    login(web, "bill")
    page = web.get(f"/clients/{practice.ana_client}/account").text
    assert 'id="payment-form"' in page and 'id="client-owes">$30.00' in page
    token = csrf_of(page)
    over = web.post(
        f"/clients/{practice.ana_client}/payments",
        data={"csrf_token": token, "kind": "payment", "amount": "50.00", "method": "card", "reference": "ch_1"},
    )  # fmt: skip
    assert 'id="account-error"' in over.text and "keep the rest as a credit" in over.text
    taken = web.post(
        f"/clients/{practice.ana_client}/payments",
        data={"csrf_token": token, "kind": "payment", "amount": "20.00", "method": "card", "reference": "ch_2"},
    )  # fmt: skip
    assert 'id="account-message">Receipt R-2026-' in taken.text
    assert 'id="client-owes">$10.00' in taken.text
    receipt = re.search(r'href="(/receipts/R-2026-\d+\.pdf)"', taken.text)
    assert receipt
    pdf = web.get(receipt.group(1))
    assert pdf.status_code == 200
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        shown = doc.pages[0].extract_text()
    assert "Card (reference ch_2)" in shown and "Balance still owed: $10.00" in shown


def test_a_copay_at_the_session_then_applied(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    page = web.get(f"/clients/{practice.ana_client}/account").text
    copay = web.post(
        f"/clients/{practice.ana_client}/payments",
        data={"csrf_token": csrf_of(page), "kind": "copay", "amount": "25.00", "method": "cash",
              "session_id": str(practice.ana_session)},
    )  # fmt: skip
    assert 'id="client-credit">$25.00' in copay.text
    _owes(practice, 2000)
    applied = web.post(
        f"/clients/{practice.ana_client}/apply-credit", data={"csrf_token": csrf_of(copay.text)}
    )
    assert (
        "Applied $20.00 of credit." in applied.text and 'id="client-credit">$5.00' in applied.text
    )


def test_the_statements_page_runs_a_period_once(
    web: TestClient, practice: Practice, therabill_home: object
) -> None:
    _owes(practice, 3000)
    login(web, "bill")
    page = web.get("/statements").text
    assert 'id="run-form"' in page and "No statement runs yet." in page
    token = csrf_of(page)
    first = post_and_follow(web, "/statements/run", {"csrf_token": token, "through": "2026-11-28"})
    assert "1 made, 0 already made" in first.text
    second = post_and_follow(web, "/statements/run", {"csrf_token": token, "through": "2026-11-28"})
    assert "0 made, 1 already made" in second.text
    second = web.get("/statements")
    number = re.search(r'href="/statements/(S-\d+-\d+)\.pdf"', second.text)
    assert number
    pdf = web.get(f"/statements/{number.group(1)}.pdf")
    assert pdf.status_code == 200
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        assert "Amount due" in doc.pages[0].extract_text()
    client = web.get(f"/clients/{practice.ana_client}/account").text
    assert number.group(1) in client and 'id="statement-preview"' in client
    preview = web.get(f"/clients/{practice.ana_client}/statement.pdf")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    future = web.post("/statements/run", data={"csrf_token": token, "through": "2027-01-01"})
    assert 'id="toast-error"' in future.text and "still to come" in future.text
