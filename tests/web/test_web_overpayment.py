"""A client payment larger than what the client owes is refused on every path that takes
client money (the page, the API), with what is owed and how to keep the rest as a credit;
nothing is recorded until the user asks for the credit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_helpers import Practice, api_token, csrf_of, login

from therabill.ledger import EntryKind
from therabill.store.models import ClaimRecord, ClientPayment, LedgerEntry
from therabill.store.services import build, ledger


def _owes(practice: Practice, cents: int) -> int:
    """The client of Ana owes ``cents`` on the first line of their claim; its line id."""
    with practice.store.transaction(actor="bill") as work:
        for claim_id in build.build_claims(work=work).claims:
            claim = work.db.get(ClaimRecord, claim_id)
            assert claim is not None
            if claim.client_id == practice.ana_client:
                ledger.post_entry(
                    work=work, kind=EntryKind.TRANSFER_TO_PATIENT, amount_cents=cents,
                    client_id=claim.client_id, claim_line=claim.lines[0],
                )  # fmt: skip
                return claim.lines[0].id
    raise AssertionError("no claim for the client")


def _recorded(practice: Practice) -> tuple[int, int]:
    with practice.store.sessions() as db:
        return (
            db.execute(select(func.count()).select_from(ClientPayment)).scalar_one(),
            db.execute(
                select(func.count())
                .select_from(LedgerEntry)
                .where(LedgerEntry.kind == EntryKind.PATIENT_PAYMENT.value)
            ).scalar_one(),
        )


def test_the_page_refuses_and_names_the_check_box(web: TestClient, practice: Practice) -> None:
    _owes(practice, 3000)
    login(web, "bill")
    token = csrf_of(web.get(f"/clients/{practice.ana_client}/account").text)
    form = {"csrf_token": token, "kind": "payment", "amount": "45.00", "method": "cash"}
    over = web.post(f"/clients/{practice.ana_client}/payments", data=form)
    assert "the client owes 30.00; this payment is 15.00 more." in over.text
    assert "tick “Keep anything more than owed as a credit”" in over.text
    assert _recorded(practice) == (0, 0)
    kept = web.post(f"/clients/{practice.ana_client}/payments", data={**form, "keep_credit": "1"})
    assert "Receipt R-2026-" in kept.text and 'id="client-credit">$15.00' in kept.text
    assert _recorded(practice) == (1, 2)


def test_the_api_refuses_with_422_then_keeps_the_asked_credit(
    web: TestClient, practice: Practice
) -> None:
    line = _owes(practice, 3000)
    headers = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    url = f"/api/v1/clients/{practice.ana_client}/payments"
    over = web.post(
        url, headers=headers, json={"amount": "45.00", "method": "card", "reference": "ch_1"}
    )
    assert over.status_code == 422
    assert over.json()["field"] == "amount"
    assert "the client owes 30.00; this payment is 15.00 more." in over.json()["detail"]
    chosen = web.post(
        url, headers=headers, json={"amount": "20.00", "method": "cash", "amounts": {str(line): "10.00"}}
    )  # fmt: skip
    assert chosen.status_code == 422
    assert "the lines chosen owe 10.00; this payment is 10.00 more." in chosen.json()["detail"]
    assert _recorded(practice) == (0, 0)
    kept = web.post(
        url,
        headers=headers,
        json={"amount": "45.00", "method": "card", "reference": "ch_1", "keep_credit": True},
    )
    assert kept.status_code == 201, kept.text
    data = kept.json()["data"]
    assert data["credit_cents"] == 1500 and data["client_balance_cents"] == -1500
    assert data["applied"] == [{"claim_line_id": line, "amount_cents": 3000}]
    listed = web.get(url, headers=headers).json()
    assert listed["count"] == 1 and listed["data"][0]["receipt"] == data["receipt"]
    receipt = web.get(f"/api/v1/receipts/{data['receipt']}.pdf", headers=headers)
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


def test_the_api_refuses_a_therapist_and_an_unknown_client(
    web: TestClient, practice: Practice
) -> None:
    _owes(practice, 3000)
    body = {"amount": "10.00", "method": "cash"}
    ana = {"Authorization": f"Bearer {api_token(practice, 'ana')}"}
    refused = web.post(f"/api/v1/clients/{practice.ana_client}/payments", headers=ana, json=body)
    assert refused.status_code == 403
    bill = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    assert web.post("/api/v1/clients/999999/payments", headers=bill, json=body).status_code == 404
    bad = web.post(
        f"/api/v1/clients/{practice.ana_client}/payments", headers=bill,
        json={"amount": "-5", "method": "cash"},
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "amount"
    assert _recorded(practice) == (0, 0)
