"""The dashboard's practice-wide figures are kept while the ledger and the claims' statuses
stay as they were, and summed again (in the background) as soon as either changes."""

from __future__ import annotations

import datetime as dt
import time

from web_helpers import Practice

from clock import TODAY
from therabill.claims.status import ClaimStatus
from therabill.store.models import ClaimRecord
from therabill.store.services import UnitOfWork, reports
from therabill.store.services.build import build_claims
from therabill.store.services.claim_records import change_status


def lookup_status(work: UnitOfWork, claim_id: int) -> ClaimStatus:
    claim = work.db.get(ClaimRecord, claim_id)
    assert claim is not None
    return ClaimStatus(claim.status)


def _wait_for_new(practice: Practice, old: reports.Aging, today: dt.date) -> reports.Aging:
    deadline = time.monotonic() + 10
    while True:
        figures = reports.aging(practice.store.reader, today=today)
        if figures is not old or time.monotonic() > deadline:
            return figures
        time.sleep(0.05)


def test_figures_are_kept_until_the_ledger_or_a_status_changes(practice: Practice) -> None:
    today = TODAY
    first = reports.aging(practice.store.reader, today=today)
    assert reports.aging(practice.store.reader, today=today) is first  # nothing changed

    with practice.store.transaction(actor="bill") as work:
        built = build_claims(work=work)
    assert built.claims
    # The ledger moved (charges posted): the kept figures are served once more ...
    assert reports.aging(practice.store.reader, today=today) is first
    # ... while they are summed again, and the new ones count the new claims.
    second = _wait_for_new(practice, first, today)
    assert second is not first
    assert sum(second.totals.values()) > sum(first.totals.values())

    with practice.store.transaction(actor="bill") as work:
        ready = [c for c in built.claims if lookup_status(work, c) == ClaimStatus.READY]
        change_status(work=work, claim_id=ready[0], new=ClaimStatus.SUBMITTED, reason="sent")
        change_status(work=work, claim_id=ready[0], new=ClaimStatus.REJECTED, reason="999: no")
    third = _wait_for_new(practice, second, today)
    assert third.attention["rejected"] == second.attention["rejected"] + 1
