"""The client's account page: who owes what per visit, the ledger with signs and running
balances, a payment plan set up and ended, statements held; the API's account picture and
payment plans."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from test_web_overpayment import _owes
from web_helpers import Practice, api_token, csrf_of, login

from therabill.store.services import payments


def test_the_ledger_shows_signs_running_balances_and_who_owes(
    web: TestClient, practice: Practice
) -> None:
    _owes(practice, 3000)
    with practice.store.transaction(actor="bill") as work:
        payments.take_payment(
            work=work, client=practice.ana_client, amount_cents=1000, method="cash"
        )
    login(web, "bill")
    client_page = web.get(f"/clients/{practice.ana_client}").text
    assert f'href="/clients/{practice.ana_client}/account" id="account-link"' in client_page
    page = web.get(f"/clients/{practice.ana_client}/account").text
    assert 'id="client-owes">$20.00' in page
    rows = re.findall(r'<tr id="entry-\d+">(.*?)</tr>', page, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    charge, moved, paid = cells[0], cells[-2], cells[-1]
    assert charge[1] == "Charge" and charge[4].startswith("+$") and charge[5] == ""
    assert moved[1] == "Moved to the client" and moved[4] == "-$30.00" and moved[5] == "+$30.00"
    assert paid[1] == "Client paid" and paid[4] == "" and paid[5] == "-$10.00"
    assert paid[7] == "$20.00"  # the client's running balance after the payment
    visit = re.search(
        r"<table id=\"visit-table\" class=\"data\">.*?<tbody>(.*?)</tbody>", page, re.S
    )
    assert visit and "$10.00" in visit.group(1) and "$20.00" in visit.group(1)


def test_a_payment_plan_from_the_page(web: TestClient, practice: Practice) -> None:
    _owes(practice, 3000)
    login(web, "bill")
    url = f"/clients/{practice.ana_client}"
    page = web.get(f"{url}/account").text
    assert 'id="plan-form"' in page
    token = csrf_of(page)
    bad = web.post(f"{url}/payment-plan", data={"csrf_token": token, "total": "30.00",
                   "instalment": "10.00", "first_due": "2026-11-01", "every": "1", "unit": "month"})  # fmt: skip
    assert 'id="account-error"' in bad.text and "before today" in bad.text
    made = web.post(f"{url}/payment-plan", data={"csrf_token": token, "total": "30.00",
                    "instalment": "10.00", "first_due": "2026-11-28", "every": "2", "unit": "week"})  # fmt: skip
    assert "Payment plan set up: 3 instalments, the first due 2026-11-28." in made.text
    assert 'id="plan-due">$10.00 due today' in made.text
    assert made.text.count("<td>upcoming</td>") == 2
    paid = web.post(f"{url}/payments", data={"csrf_token": token, "kind": "payment",
                    "amount": "10.00", "method": "cash"})  # fmt: skip
    assert "payment (plan)" in paid.text and 'id="plan-due"' not in paid.text
    ended = web.post(
        f"{url}/payment-plan/end", data={"csrf_token": token, "reason": "renegotiated"}
    )
    assert "Payment plan ended." in ended.text and 'id="plan-form"' in ended.text
    assert "ended 2026-11-28 (renegotiated)" in ended.text
    held = web.post(f"{url}/statement-hold", data={"csrf_token": token, "hold": "1"})
    assert 'id="statement-hold"' in held.text
    resumed = web.post(f"{url}/statement-hold", data={"csrf_token": token, "hold": "0"})
    assert 'id="statement-hold"' not in resumed.text


def test_the_api_account_and_payment_plans(web: TestClient, practice: Practice) -> None:
    _owes(practice, 3000)
    headers = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    base = f"/api/v1/clients/{practice.ana_client}"
    made = web.post(f"{base}/payment-plans", headers=headers,
                    json={"instalment": "15.00", "first_due": "2026-11-28"})  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["data"]["due_today_cents"] == 1500
    again = web.post(f"{base}/payment-plans", headers=headers,
                     json={"instalment": "15.00", "first_due": "2026-11-28"})  # fmt: skip
    assert again.status_code == 422 and "already has a payment plan" in again.json()["detail"]
    due = web.get("/api/v1/payment-plans/due", headers=headers).json()
    assert due["count"] == 1 and due["data"][0]["client_id"] == practice.ana_client
    account = web.get(f"{base}/account", headers=headers).json()["data"]
    assert account["balance"]["patient_cents"] == 3000
    assert account["payment_plans"][0]["instalments"][0]["state"] == "due"
    last = account["ledger"][-1]
    assert last["client_change_cents"] == 3000 and last["running_client_cents"] == 3000
    assert account["visits"][0]["client_owes_cents"] == 3000
    ended = web.post(f"{base}/payment-plans/end", headers=headers, json={"reason": "moved"})
    assert ended.status_code == 200 and ended.json()["data"]["end_reason"] == "moved"
    assert web.get(f"{base}/payment-plans", headers=headers).json()["count"] == 1


def test_the_ledger_pages_in_date_order_only_so_its_running_balances_hold(
    web: TestClient, practice: Practice
) -> None:
    """Each row's balances are those after it: sorting would make them read wrong, so the
    ledger keeps date order (a sort asked in the address is ignored) and pages it."""
    _owes(practice, 3000)
    with practice.store.transaction(actor="bill") as work:
        payments.take_payment(
            work=work, client=practice.ana_client, amount_cents=1000, method="cash"
        )
    login(web, "bill")
    url = f"/clients/{practice.ana_client}/account"

    def entries(query: str) -> list[str]:
        return re.findall(r'<tr id="(entry-\d+)">', web.get(url + query).text)

    whole = entries("")
    assert len(whole) >= 3
    assert entries("?g-sort=total&g-dir=desc") == whole
    paged = [entries(f"?g-per=2&g-page={n}") for n in range(1, (len(whole) + 3) // 2)]
    assert [row for page in paged for row in page] == whole
