"""The denials page: the queue of what payers did not pay, and a biller's actions on it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import NPI_ANA, Practice, csrf_of, login

from clock import TODAY
from therabill.claims.number import claim_number
from therabill.store.factories import add_session
from therabill.store.models import ClaimRecord, Denial
from therabill.store.services import build, remittances, submission
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine, write_835


def _denied_claim(practice: Practice, outbox: Path) -> int:
    day = TODAY - dt.timedelta(days=20)
    with practice.store.transaction(actor="ana") as work:
        add_session(
            work,
            client="C-1",
            provider=NPI_ANA,
            day=day,
            services={"97110": 30},
            diagnoses=["M54.50"],
        )
    with practice.store.transaction(actor="bill") as work:
        build.build_claims(work=work)
        claim_id = work.db.execute(
            select(ClaimRecord.id).where(ClaimRecord.date_of_service == day)
        ).scalar_one()
    with practice.store.transaction(actor="bill") as work:
        submission.submit_claims(work=work, outbox=outbox)
    line = AdjudicatedLine("97110", 9000, 0, 2, day, ["GP"], [("CO", "50", 9000)])
    data = write_835(
        [AdjudicatedClaim(claim_number(claim_id), "4", [line], payer_claim_number="ICN9")],
        trace="EFT-DENY",
        payer="MEDICARE PART B",
        payer_id="MCR01",
        paid_on=TODAY - dt.timedelta(days=10),
    )
    with practice.store.transaction(actor="bill") as work:
        result = remittances.post_remittance(work=work, data=data.encode("ascii"), file_name="d")
    assert result.denials_opened == 1, result.message
    return claim_id


def test_the_queue_lists_a_denial_and_a_biller_writes_it_off(
    web: TestClient, practice: Practice, tmp_path: Path
) -> None:
    claim_id = _denied_claim(practice, tmp_path)
    login(web, "bill")
    page = web.get("/denials").text
    assert claim_number(claim_id) in page and "CO-50" in page and "Medicare Part B" in page
    assert "appeal with documentation" in page
    # Medicare: 120 days to ask for a redetermination (42 CFR 405.942), from the remittance
    assert (TODAY + dt.timedelta(days=110)).isoformat() in page
    assert '<table id="denials" class="data">' in page and "Total" in page  # the one table
    assert 'data-confirm="Write off $' in page  # asked before the amount is given up
    shown = web.get("/denials", params={"sort": "amount", "dir": "desc", "format": "csv"})
    header, row = shown.text.splitlines()[:2]
    assert (
        header
        == "Claim,Client,Payer,Code,Amount,Reason,Opened,Age (days),Appeal by,Status,Next step"
    )
    assert row.startswith(f"{claim_number(claim_id)},") and ",CO-50 " in row
    assert re.search(r",\d+\.\d\d,CO-50 ", row), row  # the amount denied, in dollars
    assert (
        'aria-sort="descending"'
        in web.get("/denials", params={"sort": "amount", "dir": "desc"}).text
    )
    letter = web.get("/denials/1/letter")
    assert letter.status_code == 200 and "Member ID: 1EG4TE5MK73" in letter.text
    token = csrf_of(page)
    refused = web.post("/denials/1/transfer", data={"csrf_token": token, "reason": "asked"})
    assert "may not bill the client" in refused.text
    _bulk_actions(web, practice, token, page)
    done = web.post("/denials/1/write-off", data={"csrf_token": token, "reason": "no notes"})
    assert done.status_code == 200 and "Denial 1 written off." in done.text
    assert 'role="status"' in done.text  # the confirmation toast
    assert claim_number(claim_id) not in web.get("/denials").text
    assert claim_number(claim_id) in web.get("/denials?closed=1").text


def test_a_therapist_cannot_open_the_queue(web: TestClient) -> None:
    login(web, "ana")
    assert web.get("/denials").status_code == 403


def _bulk_actions(web: TestClient, practice: Practice, token: str, page: str) -> None:
    """The select-all and bulk buttons: every ticked denial or none (denial 99 is unknown,
    so the lot is refused and denial 1 stays as it was)."""
    assert 'class="select-all"' in page and 'name="id" value="1" form="bulk-denials"' in page

    def bulk(**fields: object) -> str:
        answer = web.post("/denials/bulk", data={"csrf_token": token, **fields})
        assert answer.history and answer.history[0].status_code == 303
        return answer.text

    assert "tick at least one denial" in bulk(action="appeal")
    refused = bulk(action="appeal", id=["1", "99"])
    assert "denial 99:" in refused and "nothing was changed" in refused
    with practice.store.sessions() as db:
        assert db.execute(select(Denial.status)).scalar_one() == "open"
    assert "denial 1: say why it is written off" in bulk(action="write_off", id=["1"])
    assert "1 denial appealed." in bulk(action="appeal", id=["1"])
    with practice.store.sessions() as db:
        assert db.execute(select(Denial.status)).scalar_one() == "appealed"
