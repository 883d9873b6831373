"""Remittance exceptions on the remittances page: listed until a biller says what was done."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from web_helpers import Practice, csrf_of, login, run_jobs

from therabill.x12.remittance_835.builder import AdjudicatedClaim, paid_line, write_835


def _upload_a_stranger(web: TestClient) -> None:
    line = paid_line("97110", 4500, day=dt.date(2026, 11, 2), modifiers=["GP"], copay=1000)
    data = write_835(
        [AdjudicatedClaim("TB00009999", "1", [line])],
        trace="EFT-STRANGER",
        payer="MEDICARE PART B",
        payer_id="MCR01",
    )
    token = csrf_of(web.get("/remittances").text)
    answer = web.post(
        "/remittances",
        data={"csrf_token": token},
        files={"file": ("stranger.835", data.encode("ascii"), "application/edi-x12")},
    )
    assert answer.status_code == 200, answer.text
    run_jobs(web.app.state.ctx.store)  # type: ignore[attr-defined]


def test_an_exception_is_listed_then_resolved_with_a_note(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    _upload_a_stranger(web)
    page = web.get("/remittances").text
    assert 'id="open-exceptions"' in page and "TB00009999" in page
    token = csrf_of(page)
    empty = web.post(
        "/remittances/exceptions/1/resolve",
        data={"csrf_token": token, "note": "  "},
        follow_redirects=False,
    )
    assert empty.status_code == 303 and empty.headers["location"] == "/remittances"
    page = web.get("/remittances").text
    assert "say what was done" in page and "TB00009999" in page  # still open
    done = web.post(
        "/remittances/exceptions/1/resolve",
        data={"csrf_token": token, "note": "returned to the payer: not ours"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = web.get("/remittances").text
    assert "Exception 1 resolved." in page and "No exceptions to resolve." in page
    assert "TB00009999" not in page.partition('id="open-exceptions"')[2].partition("</table>")[0]
    again = web.post(
        "/remittances/exceptions/1/resolve",
        data={"csrf_token": token, "note": "again"},
    )
    assert "already resolved by bill" in again.text
