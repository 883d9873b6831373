"""Secondary payers on the pages: *Bill the next payer* on a claim the payer decided, and
*Move to payer* on the Denials page (the same cob service as the CLI and the API)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import NPI_ANA, Practice, csrf_of, login

from clock import TODAY
from therabill.claims.number import claim_number
from therabill.store.factories import add_session
from therabill.store.models import ClaimRecord, Policy
from therabill.store.services import build, clients, remittances, submission
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine, write_835

DAY = TODAY - dt.timedelta(days=20)


def _medicare_decided(practice: Practice, outbox: Path, line: AdjudicatedLine) -> int:
    """Carla's 97110 claim to Medicare, decided as ``line`` says; then Acme Health added as
    her secondary policy (after the 835: nothing moved on by itself)."""
    with practice.store.transaction(actor="ana") as work:
        add_session(
            work, client="C-1", provider=NPI_ANA, day=DAY, services={"97110": 30},
            diagnoses=["M54.50"],
        )  # fmt: skip
    with practice.store.transaction(actor="bill") as work:
        build.build_claims(work=work)
        claim_id = work.db.execute(
            select(ClaimRecord.id).where(ClaimRecord.date_of_service == DAY)
        ).scalar_one()
    with practice.store.transaction(actor="bill") as work:
        submission.submit_claims(work=work, outbox=outbox)
    data = write_835(
        [AdjudicatedClaim(claim_number(claim_id), "1", [line], payer_claim_number="ICN7")],
        trace="EFT-7",
        payer="MEDICARE PART B",
        payer_id="MCR01",
        paid_on=TODAY - dt.timedelta(days=10),
    )
    with practice.store.transaction(actor="bill") as work:
        remittances.post_remittance(work=work, data=data.encode("ascii"), file_name="m")
        clients.add_policy(
            work=work,
            client_id=practice.ana_client,
            payer="Acme Health",
            member_id="AC-9",
            priority="secondary",
        )
    return claim_id


def test_bill_the_next_payer_from_the_claim_page(
    web: TestClient, practice: Practice, tmp_path: Path
) -> None:
    paid = AdjudicatedLine(
        "97110", 9000, 5760, 2, DAY, ["GP"], [("CO", "45", 1800), ("PR", "2", 1440)]
    )
    claim_id = _medicare_decided(practice, tmp_path, paid)
    login(web, "bill")
    page = web.get(f"/claims/{claim_id}").text
    assert 'id="secondary-form"' in page and "Bill Acme Health (the client's next policy)" in page
    done = web.post(f"/claims/{claim_id}/secondary", data={"csrf_token": csrf_of(page)})
    assert done.status_code == 200
    assert "to Acme Health (secondary) for 14.40 is ready." in done.text
    assert "claim #" + str(claim_id) in done.text  # the new claim names the one before
    again = web.get(f"/claims/{claim_id}").text
    assert 'id="next-claim"' in again and 'id="secondary-form"' not in again


def test_no_next_payer_button_without_a_next_policy(
    web: TestClient, practice: Practice, tmp_path: Path
) -> None:
    """The secondary policy ended before the date of service: nothing to bill, no button."""
    paid = AdjudicatedLine(
        "97110", 9000, 5760, 2, DAY, ["GP"], [("CO", "45", 1800), ("PR", "2", 1440)]
    )
    claim_id = _medicare_decided(practice, tmp_path, paid)
    with practice.store.transaction(actor="bill") as work:
        secondary = work.db.execute(
            select(Policy.id).where(
                Policy.client_id == practice.ana_client, Policy.priority == "secondary"
            )
        ).scalar_one()
        clients.end_policy(work=work, policy_id=secondary, on=DAY - dt.timedelta(days=1))
    login(web, "bill")
    page = web.get(f"/claims/{claim_id}").text
    assert 'id="secondary-form"' not in page and "Next payer" not in page


def test_move_a_denial_to_another_payer_from_the_queue(
    web: TestClient, practice: Practice, tmp_path: Path
) -> None:
    denied = AdjudicatedLine("97110", 9000, 0, 2, DAY, ["GP"], [("CO", "22", 9000)])
    _medicare_decided(practice, tmp_path, denied)
    login(web, "bill")
    page = web.get("/denials").text
    assert "Move to payer" in page and "Acme Health (secondary)" in page
    with practice.store.transaction() as work:
        policy = work.db.execute(
            select(Policy.id).where(
                Policy.client_id == practice.ana_client, Policy.priority == "secondary"
            )
        ).scalar_one()
    done = web.post(
        "/denials/1/transfer-payer",
        data={"csrf_token": csrf_of(page), "policy": str(policy), "reason": "CO-22: Acme pays"},
    )
    assert done.status_code == 200 and "Denial 1 moved to another payer." in done.text
