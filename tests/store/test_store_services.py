"""The service layer end to end on each backend: sessions → claims → ledger → audit."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from therabill.claims.status import ClaimStatus
from therabill.errors import InvalidInput
from therabill.ledger import EntryKind
from therabill.store import audit, migrate
from therabill.store.models import AuditEntry, ClaimLine, ClaimRecord, LedgerEntry, TherapySession
from therabill.store.services import (
    Store,
    auths,
    build,
    claim_records,
    ledger,
    open_store,
    sessions,
)

DAY = dt.date(2026, 3, 2)


def add_pt_session(store: Store, day: dt.date = DAY, **minutes: int) -> int:
    with store.transaction(actor="pat") as work:
        session, _ = sessions.add_session(
            work=work,
            client="C-1",
            provider="1234567893",
            day=day,
            services=[sessions.ServiceMinutes(code.lstrip("c"), m) for code, m in minutes.items()],
            diagnoses=["M54.50"],
            note="Worked on balance.",
        )
        return session.id


def test_session_to_ready_claim_with_charges(practice: Store) -> None:
    add_pt_session(practice, c97112=24, c97110=23)  # CMS manual example: 47 minutes → 3 units
    with practice.transaction(actor="biller") as work:
        result = build.build_claims(work=work)
    assert result.sessions_billed == 1 and len(result.claims) == 1
    with practice.transaction(actor="biller") as work:
        shown = claim_records.show_claim(work=work, claim_id=result.claims[0])
    assert [(line["code"], line["units"]) for line in shown["lines"]] == [
        ("97112", 2),
        ("97110", 1),
    ]
    assert shown["total_charge_cents"] == 2 * 4500 + 4000
    assert shown["balance"]["insurance_cents"] == shown["total_charge_cents"]
    assert shown["history"][0]["to"] == "draft"


def test_a_session_is_billed_once(practice: Store) -> None:
    add_pt_session(practice, c97110=30)
    with practice.transaction() as work:
        first = build.build_claims(work=work)
    with practice.transaction() as work:
        second = build.build_claims(work=work)
    assert len(first.claims) == 1 and second.claims == []


def test_same_day_sessions_pool_minutes_under_the_cms_rule(practice: Store) -> None:
    add_pt_session(practice, c97110=5)
    add_pt_session(practice, c97140=5)  # 10 minutes that day in total → one unit
    with practice.transaction() as work:
        result = build.build_claims(work=work)
    assert result.sessions_billed == 2
    with practice.transaction() as work:
        shown = claim_records.show_claim(work=work, claim_id=result.claims[0])
    assert sum(line["units"] for line in shown["lines"]) == 1


def test_authorization_units_are_consumed_when_the_claim_is_built(practice: Store) -> None:
    with practice.transaction() as work:
        auths.add_authorization(
            work=work,
            client="C-1",
            payer="Medicare Part B",
            number="AUTH-1",
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 6, 30),
            codes=["97110"],
            units=10,
        )
        auths.add_authorization(
            work=work,
            client="C-1",
            payer="Medicare Part B",
            number="AUTH-2",
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 6, 30),
            codes=["97112"],
            visits=5,
        )
    add_pt_session(practice, c97110=38, c97112=15)
    with practice.transaction() as work:
        before = {s.authorization.number: s.units_remaining for s in auths.statuses(work=work)}
        build.build_claims(work=work)
    with practice.transaction() as work:
        after = {
            s.authorization.number: s for s in auths.list_authorizations(work=work, client="C-1")
        }
    assert before["AUTH-1"] == 10
    assert after["AUTH-1"].units_remaining == 7
    assert after["AUTH-2"].visits_remaining == 4


def built_clean_claim(store: Store) -> int:
    """A built claim made scrub-clean (whatever the scrubber thought) and ready."""
    add_pt_session(store, c97110=30)
    with store.transaction() as work:
        claim_id = build.build_claims(work=work).claims[0]
    with store.transaction() as work:
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        if claim.status == "draft":
            claim.findings_json = "[]"
            claim_records.change_status(
                work=work, claim_id=claim_id, new=ClaimStatus.READY, reason="test: clean"
            )
    return claim_id


def test_a_claim_with_scrub_errors_cannot_become_ready(practice: Store) -> None:
    add_pt_session(practice, c97110=30)
    with practice.transaction() as work:
        claim_id = build.build_claims(work=work).claims[0]
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        claim.findings_json = json.dumps([{"id": "x", "severity": "error", "message": "m"}])
        claim.status = "draft"
    with practice.transaction() as work, pytest.raises(InvalidInput, match="scrub error"):
        claim_records.change_status(
            work=work, claim_id=claim_id, new=ClaimStatus.READY, reason="try"
        )


def test_lifecycle_moves_are_checked_and_recorded(practice: Store) -> None:
    claim_id = built_clean_claim(practice)
    with practice.transaction(actor="biller") as work:
        claim_records.change_status(
            work=work, claim_id=claim_id, new=ClaimStatus.SUBMITTED, reason="batch 1"
        )
    with practice.transaction(actor="biller") as work, pytest.raises(InvalidInput, match="cannot"):
        claim_records.change_status(
            work=work, claim_id=claim_id, new=ClaimStatus.PAID, reason="too early"
        )
    with practice.transaction(actor="biller") as work:
        history = claim_records.show_claim(work=work, claim_id=claim_id)["history"]
    assert [h["to"] for h in history] == ["draft", "ready", "submitted"]
    assert history[-1]["by"] == "biller" and history[-1]["why"] == "batch 1"


def test_payments_adjustments_and_reversal(practice: Store) -> None:
    add_pt_session(practice, c97110=30)  # 2 units x 40.00
    with practice.transaction() as work:
        claim_id = build.build_claims(work=work).claims[0]
    with practice.transaction() as work:
        line = work.db.execute(select(ClaimLine).where(ClaimLine.claim_id == claim_id)).scalar_one()
        client_id = work.db.get(ClaimRecord, claim_id).client_id  # type: ignore[union-attr]
        for kind, cents in (
            (EntryKind.INSURANCE_PAYMENT, 5000),
            (EntryKind.CONTRACTUAL_ADJUSTMENT, 1500),
            (EntryKind.TRANSFER_TO_PATIENT, 1500),
        ):
            ledger.post_entry(
                work=work, kind=kind, amount_cents=cents, client_id=client_id, claim_line=line
            )
        wrong = ledger.post_entry(
            work=work,
            kind=EntryKind.PATIENT_PAYMENT,
            amount_cents=9999,
            client_id=client_id,
            claim_line=line,
        )
    with practice.transaction() as work:
        ledger.reverse_entry(work=work, entry_id=wrong.id, reason="typed the wrong amount")
    with practice.transaction() as work, pytest.raises(InvalidInput, match="already reversed"):
        ledger.reverse_entry(work=work, entry_id=wrong.id, reason="again")
    with practice.transaction() as work:
        with pytest.raises(ledger.Overpayment, match=r"the client owes 15\.00"):
            ledger.record_patient_payment(work=work, client="C-1", amount_cents=2000)
        allocation = ledger.record_patient_payment(
            work=work, client="C-1", amount_cents=2000, keep_credit=True
        )
        assert allocation.applied_cents == 1500 and allocation.unapplied_cents == 500
    with practice.transaction() as work:
        book = ledger.client_ledger(work=work, client="C-1")
        assert ledger.claim_balance(work, claim_id).total_cents == 0
    assert book.balance.insurance_cents == 0
    assert book.balance.patient_cents == -500  # credit on account
    assert [e.kind for e in book.entries].count("patient_payment") == 4
    with practice.sessions() as db:  # the wrong entry is still there, as it was
        assert db.get(LedgerEntry, wrong.id).amount_cents == 9999  # type: ignore[union-attr]


def test_ledger_and_audit_refuse_update_and_delete(practice: Store) -> None:
    add_pt_session(practice, c97110=30)
    with practice.transaction() as work:
        build.build_claims(work=work)
    for statement in (
        "UPDATE ledger_entries SET amount_cents = 1",
        "DELETE FROM ledger_entries",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"), practice.engine.begin() as conn:
            conn.execute(text(statement))
    with practice.sessions() as db:
        assert db.execute(select(LedgerEntry)).first() is not None


def test_audit_chain_verifies_and_holds_no_client_data(practice: Store) -> None:
    add_pt_session(practice, c97110=30)
    with practice.transaction() as work:
        build.build_claims(work=work)
        ledger.client_ledger(work=work, client="C-1")
    with practice.sessions() as db:
        result = audit.verify(db)
        rows = db.execute(select(AuditEntry)).scalars().all()
    assert result.ok and result.entries == len(rows) > 5
    text_of_log = json.dumps([[r.actor, r.action, r.entity, r.entity_id, r.detail] for r in rows])
    for secret in ("Ada", "Example", "1950", "1EG4TE5MK73", "balance"):
        assert secret not in text_of_log
    assert ("read", "ledger") in {(r.action, r.entity) for r in rows}


def test_sessions_keep_their_claim(practice: Store) -> None:
    session_id = add_pt_session(practice, c97110=30)
    with practice.transaction() as work:
        claim_id = build.build_claims(work=work).claims[0]
    with practice.sessions() as db:
        assert db.get(TherapySession, session_id).claim_id == claim_id  # type: ignore[union-attr]


def test_a_line_repeating_a_billed_line_is_flagged(practice: Store) -> None:
    add_pt_session(practice, c97110=30)
    with practice.transaction() as work:
        first = build.build_claims(work=work).claims[0]
    add_pt_session(practice, c97110=30)  # the same discipline, client, day and code again
    with practice.transaction() as work:
        second = build.build_claims(work=work).claims[0]
        shown = claim_records.show_claim(work=work, claim_id=second)
    duplicate = [f for f in shown["findings"] if f["id"] == "store.duplicate-line"]
    assert duplicate and f"already billed on claim {first}" in duplicate[0]["message"]
    assert shown["status"] == "draft"


def test_another_discipline_billing_the_same_code_is_a_warning_not_a_duplicate(
    practice: Store,
) -> None:
    add_pt_session(practice, c97110=30)
    with practice.transaction() as work:
        build.build_claims(work=work)
    with practice.transaction(actor="sam") as work:  # the SLP, same client, day and code
        sessions.add_session(
            work=work,
            client="C-1",
            provider="1245319599",
            day=DAY,
            services=[sessions.ServiceMinutes("97110", 30)],
            diagnoses=["M54.50"],
        )
    with practice.transaction() as work:
        second = build.build_claims(work=work).claims[0]
        shown = claim_records.show_claim(work=work, claim_id=second)
    ids = [f["id"] for f in shown["findings"]]
    assert "store.duplicate-line" not in ids and "same-day.other-discipline" in ids


def test_a_busy_database_is_a_clear_error(tmp_path: Path) -> None:
    """A writer holding SQLite's lock longer than the busy timeout: an error, not a traceback."""
    from therabill.store.services.context import DatabaseBusy

    path = tmp_path / "busy.sqlite3"
    store = open_store(f"sqlite:///{path}")
    migrate.upgrade(store.engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    store.engine.dispose()
    quick = open_store(f"sqlite:///{path}")
    event.listen(quick.engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=50"))
    try:
        with pytest.raises(DatabaseBusy, match="busy"), quick.transaction() as work:
            work.audit("read", "client", 1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        quick.dispose()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("97110=-5", "minutes '-5' must be a whole number from 0 to 1440"),
        ("97110=2.5", "minutes '2.5' must be a whole number from 0 to 1440"),
        ("97110=", "minutes '' must be a whole number from 0 to 1440"),
        ("97110", "is not CODE=MINUTES"),
        ("=30", "is not CODE=MINUTES"),
    ],
)
def test_a_bad_service_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        sessions.parse_service(text)
    assert refused.value.field == "services"


def test_a_service_with_modifiers_is_read() -> None:
    assert sessions.parse_service("97110:gp:59=23") == sessions.ServiceMinutes(
        "97110", 23, ("GP", "59")
    )
