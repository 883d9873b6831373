"""The dashboard's work queue counts are kept under the practice's stamp
(``revisions.practice_stamp``: every client's revision and the ledger's generation), on each
backend: every write that changes a count moves the stamp, so the next dashboard counts
again, and reads (audited ones included) never move it. After each change the kept counts
must equal a fresh count, and the count that change concerns must have moved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from clock import TODAY
from therabill.identifiers.npi import calc_check_digit
from therabill.ledger import EntryKind, Responsibility
from therabill.store import factories, revisions
from therabill.store.services import (
    Store,
    auths,
    build,
    ledger,
    open_store,
    plans_of_care,
    statements,
    submission,
    worklists,
)
from therabill.store.services.users import Account, Role

DAY = TODAY - dt.timedelta(days=3)
REFERRER = "160000000" + calc_check_digit("160000000")
SPEC = factories.PracticeSpec(
    payers=(factories.PayerSpec("MEDICARE", "Medicare Part B", "04111"),),
    providers=(factories.PHYSICAL_THERAPIST,),
    fees=factories.PT_FEES,
    clients=(
        factories.client("C-1", "Cleo", payer="Medicare Part B", member_id="1EG4TE5MK73"),
        factories.client("C-2", "Dora", payer="Medicare Part B", member_id="1EG4TE5MK74"),
    ),
)
BILLER = Account(id=1, username="biller", display_name="Biller", role=Role.BILLER, provider_id=None)


@pytest.fixture
def store(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path / "home"))
    opened = open_store(db_url)
    factories.set_up_practice(opened, SPEC)
    yield opened
    opened.dispose()


def _counts(store: Store, account: Account = BILLER) -> tuple[dict[str, int], tuple[int, ...]]:
    """The dashboard's counts as kept (checked against a fresh count) and the stamp."""
    with store.reading(actor="biller") as work:
        kept = {q.key: q.count for q in worklists.work_queues(work, account, today=TODAY)}
        fresh = worklists._slow_counts(work, account, TODAY)
        assert work.practice_id is not None
        stamp = revisions.practice_stamp(work.db.connection(), practice_id=work.practice_id)
    assert kept["unbilled"] == fresh["unbilled"]
    assert kept["certifications"] == fresh["certifications"]
    if account.sees_all_clients:
        assert kept["drafts"] == fresh.get("draft", 0)
        assert kept["ready"] == fresh.get("ready", 0) + fresh.get("corrected", 0)
        assert kept["statements"] == fresh["statements"]
        assert kept["authorizations"] == fresh["authorizations"]
    return kept, stamp


def test_the_kept_counts_follow_every_write_and_no_read(store: Store, tmp_path: Path) -> None:
    counts, stamp = _counts(store)
    assert counts["unbilled"] == 0
    with store.reading(actor="biller") as work:  # an audited read moves nothing
        ledger.client_ledger(work=work, client="C-1")
    assert _counts(store) == (counts, stamp)

    # a session entered: one more unbilled
    with store.transaction(actor="therapist") as work:
        factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=DAY, services={"97110": 30}
        )
    counts, moved = _counts(store)
    assert moved != stamp and counts["unbilled"] == 1

    # the claims build: the session billed, its claim ready (or a draft with errors)
    with store.transaction(actor="biller") as work:
        built = build.build_claims(work=work)
    assert built.claims
    counts, stamp = _counts(store)
    assert counts["unbilled"] == 0 and counts["ready"] + counts["drafts"] == 1

    # the claim submitted: no longer ready
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path / "outbox")
    counts, moved = _counts(store)
    assert moved != stamp and counts["ready"] == 0

    # an authorization that ends within the warning
    with store.transaction(actor="biller") as work:
        auths.add_authorization(
            work=work,
            client="C-2",
            payer="Medicare Part B",
            number="AUTH-1",
            start=TODAY - dt.timedelta(days=30),
            end=TODAY + dt.timedelta(days=5),
            codes=["97110"],
            units=20,
        )
    counts, stamp = _counts(store)
    assert counts["authorizations"] == 1

    # a plan of care waiting for its certifier's signature
    with store.transaction(actor="therapist") as work:
        plans_of_care.add_plan(
            work=work,
            client="C-2",
            discipline="pt",
            referring_npi=REFERRER,
            referring_first_name="Rita",
            referring_last_name="Ref",
            start=TODAY - dt.timedelta(days=10),
        )
    counts, moved = _counts(store)
    assert counts["certifications"] == 1

    # the client's own charge (the ledger's generation), then a hold on their statements
    with store.transaction(actor="biller") as work:
        ledger.post_entry(
            work=work,
            kind=EntryKind.CHARGE,
            amount_cents=5000,
            client_id=2,
            responsibility=Responsibility.PATIENT,
            effective_date=TODAY - dt.timedelta(days=30),
        )
    counts, stamp = _counts(store)
    assert counts["statements"] == 1
    with store.transaction(actor="biller") as work:
        statements.set_hold(work=work, client=2, hold=True)
    counts, moved = _counts(store)
    assert moved != stamp and counts["statements"] == 0


def test_a_therapists_counts_are_kept_apart_from_a_billers(store: Store) -> None:
    with store.reading(actor="x") as work:
        provider = work.db.execute(
            text("SELECT id FROM providers")  # the practice's only provider
        ).scalar_one()
    therapist = Account(
        id=2, username="pt", display_name="PT", role=Role.THERAPIST, provider_id=provider
    )
    with store.transaction(actor="therapist") as work:
        factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=DAY, services={"97110": 30}
        )
    assert _counts(store, therapist)[0]["unbilled"] == 1
    assert "statements" in _counts(store)[0]  # the biller's tiles, not the therapist's
    assert "statements" not in _counts(store, therapist)[0]
