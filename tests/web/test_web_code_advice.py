"""The code advisor beside the session form: the provider's discipline and the client's payer
decide what it offers; the same answer as JSON."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from web_helpers import Practice, csrf_of, login

from clock import TODAY


def _form(token: str, practice: Practice, **extra: str) -> dict[str, str]:
    data = {
        "csrf_token": token,
        "client": str(practice.ana_client),
        "provider": str(practice.ana_provider),
        "date": (TODAY - dt.timedelta(days=1)).isoformat(),
    }
    return data | extra


def test_the_session_form_offers_the_button(web: TestClient) -> None:
    login(web, "ana")
    page = web.get("/sessions/new").text
    assert 'id="suggest-codes"' in page and 'hx-post="/advice/session"' in page


def test_suggested_codes_follow_the_techniques_and_name_the_payer(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post(
        "/advice/session",
        data=_form(token, practice, techniques="gait training with a walker\nstair climbing"),
    )
    assert response.status_code == 200
    assert "<strong>97116</strong>" in response.text
    assert "takes it" in response.text  # the client's primary payer's word on the code


def test_no_words_no_advice(web: TestClient, practice: Practice) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    response = web.post("/advice/session", data=_form(token, practice))
    assert response.status_code == 200 and "Type the techniques" in response.text


def test_a_therapist_gets_no_advice_on_another_therapists_client(
    web: TestClient, practice: Practice
) -> None:
    login(web, "ana")
    token = csrf_of(web.get("/sessions/new").text)
    data = _form(token, practice, techniques="massage")
    data["client"] = str(practice.ben_client)
    assert web.post("/advice/session", data=data).status_code == 404


def test_the_json_route_answers_like_the_cli(web: TestClient) -> None:
    login(web, "ana")
    response = web.get(
        "/advice/codes.json", params={"text": "Swedish massage", "discipline": "massage"}
    )
    assert response.status_code == 200
    data = response.json()
    assert list(data)[:2] == ["suggestions", "avoid"]
    assert data["suggestions"][0]["code"] == "97124"
    assert {"97112", "97530"} <= {a["code"] for a in data["avoid"]}
    bad = web.get("/advice/codes.json", params={"text": " "})
    assert bad.status_code == 422 and bad.json()["field"] == "text"


def test_the_insights_page_shows_its_filters_and_tables(web: TestClient) -> None:
    login(web, "bill")
    page = web.get("/insights")
    assert page.status_code == 200
    assert "Payer insights" in page.text and 'id="insight-groups"' in page.text
    assert "/static/chart.umd.min.js" in page.text and "data-chart=" in page.text
    assert "No posted remittance lines match." in page.text
    bad = web.get("/insights", params={"from": "2026-13-01"})
    assert bad.status_code == 422 and "from:" in bad.text


def test_chart_specs_carry_the_same_figures_as_their_tables() -> None:
    from therabill.web.routes.insights import insight_charts

    data = {
        "groups": [
            {"payer": "Acme", "code": "97110", "modifiers": "GP",
             "paid_per_unit": {"median": "36.00", "min": "30.00", "max": "40.00"}},
            {"payer": "Acme", "code": "97140", "modifiers": "", "paid_per_unit": None},
        ],
        "trend": [{"month": "2026-10", "payer": "Acme", "code": "97110", "lines": 3,
                   "paid_per_unit_median": "36.00"}],
        "payers": [{"payer": "Acme", "claims": 3, "mean_days": 14.0, "median_days": 14}],
    }  # fmt: skip
    charts = insight_charts(data)
    assert charts["by_code"]["spec"]["labels"] == ["Acme · 97110 GP"]
    assert charts["by_code"]["rows"] == [["Acme · 97110 GP", 3600]]  # cents: the table formats
    assert charts["by_code"]["money"] == {1}
    assert charts["trend"]["spec"]["datasets"] == [{"label": "Acme · 97110", "data": [36.0]}]
    assert charts["days"]["rows"] == [["Acme", 3, 14.0, 14]]


def test_the_underpayments_page_lists_and_marks(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    page = web.get("/underpayments")
    assert page.status_code == 200 and "No open underpayments." in page.text
    assert web.get("/underpayments", params={"status": "lost"}).status_code == 422
    token = csrf_of(page.text)
    missing = web.post("/underpayments/99/status", data={"csrf_token": token, "status": "closed"},
                       follow_redirects=True)  # fmt: skip
    assert "no underpayment 99" in missing.text


def test_the_reports_page_draws_each_chart_beside_its_table(web: TestClient) -> None:
    login(web, "bill")
    page = web.get("/reports")
    assert page.status_code == 200
    for report_id in ("revenue", "ar-days", "aging-insurance", "aging-client", "denials",
                      "unbilled", "authorizations", "visit-limits", "productivity"):  # fmt: skip
        assert f'id="report-{report_id}"' in page.text and f'id="chart-{report_id}"' in page.text
        assert f'<table id="{report_id}-figures" class="data">' in page.text  # the one table
    cents = re.findall(r'<td class="num">([^<]*)</td>', page.text)
    assert cents and all(re.fullmatch(r"(-?\$?[\d,]+(\.\d+)?)?", c) for c in cents), cents
    assert any(c.startswith("$") for c in cents)  # money as dollars, not "8611.00"
    assert "Total" in page.text  # money columns are totalled
    by_owed = web.get("/reports", params={"ar-days-sort": "c1", "ar-days-dir": "desc"})
    assert 'aria-sort="descending"' in by_owed.text
    assert "/static/chart.umd.min.js" in page.text
    assert web.get("/reports", params={"by": "payer"}).status_code == 200
    assert web.get("/reports", params={"from": "yesterday"}).status_code == 422
    csv_file = web.get("/reports/unbilled.csv")
    assert csv_file.status_code == 200 and csv_file.text.startswith('"What","Provider or payer"')
    assert "Session not billed" in csv_file.text
    assert web.get("/reports/nothing.csv").status_code == 404
    book = web.get("/reports/export.xlsx")
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert web.get("/static/chart.umd.min.js").status_code == 200
    assert "MIT" in web.get("/static/chart.LICENSE.md").text
