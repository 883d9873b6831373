"""The dashboard's money figures agree with the ledger's own arithmetic."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import Practice, csrf_of, login, run_jobs

from clock import TODAY
from therabill.store.models import ClaimRecord, Payer
from therabill.store.services import ledger, reports
from therabill.store.services.sessions import ServiceMinutes, add_session


def test_aging_by_payer_sums_the_claims_balances(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/claims").text)
    assert web.post("/claims/build", data={"csrf_token": token}).status_code == 200
    run_jobs(practice)
    with practice.store.transaction(actor="t") as work:
        owed = reports.aging(practice.store.reader, today=TODAY)
        expected: dict[str, int] = {}
        for claim in work.db.execute(select(ClaimRecord)).scalars():
            payer = work.db.get(Payer, claim.payer_id)
            assert payer is not None
            balance = ledger.claim_balance(work, claim.id)
            expected[payer.name] = expected.get(payer.name, 0) + balance.insurance_cents
    assert expected and all(expected.values())
    assert {name: sum(row.values()) for name, row in owed.by_payer.items()} == expected
    assert owed.totals[reports.BUCKETS[0]] == sum(expected.values())
    page = web.get("/")
    assert "Money owed by insurers" in page.text and "<svg" in page.text


def test_figures_are_summed_again_each_period_even_when_the_ledger_looks_unchanged(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a row committed late can carry a lower id than one already seen: the
    period in the stamp bounds how long such a change can stay out of the figures."""
    first = reports.aging(practice.store.reader, today=TODAY)
    assert reports.aging(practice.store.reader, today=TODAY) is first
    monkeypatch.setattr(reports, "_period", lambda: -1)
    # A new period: served once more while it is summed again in the background.
    assert reports.aging(practice.store.reader, today=TODAY) is first
    again = _summed_again(practice, first)
    assert again is not first and again.totals == first.totals


def _summed_again(practice: Practice, old: reports.Aging) -> reports.Aging:
    deadline = time.monotonic() + 10
    while True:
        again = reports.aging(practice.store.reader, today=TODAY)
        if again is not old or time.monotonic() > deadline:
            return again
        time.sleep(0.05)


def test_aging_leaves_out_drafts_no_payer_or_client_can_owe_yet(
    web: TestClient, practice: Practice
) -> None:
    """A draft has errors (here: Medicare therapy without its GP modifier) and cannot be sent: its charge is no one's
    debt yet, so neither the payer's nor the client's aging counts it."""
    with practice.store.transaction(actor="t") as work:
        add_session(
            work=work,
            client=practice.ana_client,
            provider=practice.ana_provider,
            day=TODAY - dt.timedelta(days=45),
            services=[ServiceMinutes("97110", 30)],
            diagnoses=["M5450"],
        )
    login(web, "bill")
    web.post("/claims/build", data={"csrf_token": csrf_of(web.get("/claims").text)})
    run_jobs(practice)
    with practice.store.transaction(actor="t") as work:
        claims = list(work.db.execute(select(ClaimRecord)).scalars())
        drafts = [c for c in claims if c.status == "draft"]
        assert [c.date_of_service for c in drafts] == [TODAY - dt.timedelta(days=45)]
        owed_by_draft = ledger.claim_balance(work, drafts[0].id).insurance_cents
        sendable = sum(
            ledger.claim_balance(work, c.id).insurance_cents for c in claims if c not in drafts
        )
    assert owed_by_draft > 0  # the charge is on the ledger ...
    owed = reports.aging(practice.store.reader, today=TODAY)
    assert owed.totals["31–60"] == 0  # ... but not in the aging
    assert sum(owed.totals.values()) == sendable
