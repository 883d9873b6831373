"""The dashboard's money figures agree with the ledger's own arithmetic."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import Practice, csrf_of, login, run_jobs

from clock import TODAY
from therabill.store import tenancy
from therabill.store.models import ClaimRecord, LedgerEntry, Payer
from therabill.store.services import caches, ledger, practices, reports
from therabill.store.services.sessions import ServiceMinutes, add_session
from therabill.web.routes import dashboard


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


def _money_tables(html: str) -> str:
    """The dashboard's chart and aging tables (after the heading, which says when the figures
    were summed)."""
    start = html.index('<section aria-labelledby="aging-head">')
    section = html[start : html.index("</section>", start)]
    return section[section.index("</h2>") :]


def _built(web: TestClient, practice: Practice) -> None:
    web.post("/claims/build", data={"csrf_token": csrf_of(web.get("/claims").text)})
    run_jobs(practice)


def test_the_kept_money_tables_follow_the_ledger(web: TestClient, practice: Practice) -> None:
    """The chart and aging tables are rendered once per kept figures; a ledger entry brings
    figures summed again, and the tables shown then are those of a dashboard that
    kept nothing."""
    login(web, "bill")
    _built(web, practice)
    caches.MONEY_FIGURES._kept.clear()  # figures of before the build would be shown once more
    first = _money_tables(web.get("/").text)
    assert dashboard.AGING_HTML._kept  # rendered once, kept with the figures
    assert _money_tables(web.get("/").text) == first
    old = reports.aging(practice.store.reader, today=TODAY)

    with practice.store.transaction(actor="t") as work:  # a charge reversed: owed less
        charge = (
            work.db.execute(
                select(LedgerEntry)
                .join(ClaimRecord, ClaimRecord.id == LedgerEntry.claim_id)
                .where(LedgerEntry.kind == "charge", ClaimRecord.status != "draft")
                .order_by(LedgerEntry.id)
            )
            .scalars()
            .first()
        )
        assert charge is not None
        ledger.reverse_entry(work=work, entry_id=charge.id, reason="entered twice")
    web.get("/")  # the old figures once more, while they are summed again
    assert _summed_again(practice, old) is not old
    kept = _money_tables(web.get("/").text)
    assert kept != first
    dashboard.AGING_HTML._kept.clear()
    caches.MONEY_FIGURES._kept.clear()
    assert _money_tables(web.get("/").text) == kept  # as rendered from nothing kept


def test_a_server_sums_the_money_figures_as_it_starts(practice: Practice) -> None:
    """``therabill serve`` sums each practice's figures at start-up (in a background thread):
    the first dashboard is answered from them."""
    caches.MONEY_FIGURES._kept.clear()
    assert reports.sum_at_start(practice.store, today=TODAY) == 1
    ((practice_id, _),) = practices.list_practices(practice.store)
    with tenancy.practice_scope(practice_id):
        key = (caches.database_key(practice.store.reader.url), TODAY, 10)
        summed = caches.MONEY_FIGURES._kept[key][1]
        assert reports.aging(practice.store.reader, today=TODAY) is summed
