"""Hypothesis: any remittance and any sequence of denial actions (closing, appealing, writing
off, moving to the client, including refused ones) keeps every claim's balance equal to
charges − payments − adjustments, keeps each open denial's amount on the payer's balance,
and never loses a denial."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from remit_builder import billed, remit
from sqlalchemy import select

from clock import TODAY
from posting_fixtures import build_claim
from therabill.errors import InvalidInput
from therabill.ledger import EntryKind
from therabill.store.models import Denial, LedgerEntry, User
from therabill.store.services import Store, denials, ledger, remittances, submission
from therabill.store.services.users import Role, create_user
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine

REASONS = ["45", "253", "16", "97", "151", "50", "22", "18"]
ACTIONS = ["corrected", "write_off", "transfer", "transfer_agreed", "appeal", "paid"]
DAYS = itertools.count(1)

line_decision = st.tuples(st.integers(0, 100), st.integers(0, 100), st.sampled_from(REASONS))
steps = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(ACTIONS)), max_size=6)


def _check(store: Store, claim_id: int, seen: dict[int, str]) -> None:
    with store.transaction() as work:
        entries = list(
            work.db.execute(select(LedgerEntry).where(LedgerEntry.claim_id == claim_id)).scalars()
        )
        total = ledger.claim_balance(work, claim_id)
        rows = {
            d.id: d
            for d in work.db.execute(select(Denial).where(Denial.claim_id == claim_id)).scalars()
        }
    by_kind = {k: sum(e.amount_cents for e in entries if e.kind == k.value) for k in EntryKind}
    assert total.total_cents == (
        by_kind[EntryKind.CHARGE]
        - by_kind[EntryKind.INSURANCE_PAYMENT]
        - by_kind[EntryKind.PATIENT_PAYMENT]
        - by_kind[EntryKind.CONTRACTUAL_ADJUSTMENT]
        - by_kind[EntryKind.WRITE_OFF]
        + by_kind[EntryKind.REFUND]
    )
    assert set(seen) <= set(rows), "a denial disappeared"
    for denial_id, status in seen.items():
        if status == "closed":
            assert rows[denial_id].status == "closed" and rows[denial_id].closed_how
    seen.update({d.id: d.status for d in rows.values()})
    open_amount = sum(d.amount_cents for d in rows.values() if d.status != "closed")
    assert 0 <= open_amount <= total.insurance_cents


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.tuples(line_decision, line_decision), steps)
def test_posts_and_denial_actions_keep_the_books(
    practice: Store,
    tmp_path: Path,
    decisions: tuple[tuple[int, int, str], ...],
    actions: list[tuple[int, str]],
) -> None:
    day = TODAY - dt.timedelta(days=10 + next(DAYS) % 60)
    claim_id = build_claim(
        practice, client=f"C-{1 + next(DAYS) % 2}", day=day, c97110=30, c97140=25
    )
    outbox = tmp_path / f"out{claim_id}"
    outbox.mkdir()
    with practice.transaction(actor="biller") as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    (sent,) = [c for p in outcome.paths for c in billed(p.read_text("ascii"))]
    lines = []
    for line, (paid_pct, pr_pct, reason) in zip(sent.lines, decisions, strict=True):
        paid = line.charge * paid_pct // 100
        patient = (line.charge - paid) * pr_pct // 100
        rest = line.charge - paid - patient
        cas = [(g, r, a) for g, r, a in (("PR", "2", patient), ("CO", reason, rest)) if a]
        lines.append(
            AdjudicatedLine(line.code, line.charge, paid, line.units, line.day, line.modifiers, cas)
        )
    with practice.transaction(actor="poster") as work:
        result = remittances.post_remittance(
            work=work,
            data=remit([AdjudicatedClaim(sent.claim_id, "1", lines)], trace=f"P{claim_id}"),
            file_name=f"p{claim_id}.835",
        )
    assert result.outcome == "posted" and result.unreconciled == []
    with practice.transaction() as work:
        if work.db.execute(select(User.id).where(User.username == "bea")).first() is None:
            create_user(work, username="bea", role=Role.BILLER, password="a long enough password 1")
    seen: dict[int, str] = {}
    _check(practice, claim_id, seen)
    for pick, action in actions:
        ids = sorted(seen)
        if not ids:
            break
        denial_id = ids[pick % len(ids)]
        try:
            with practice.transaction(actor="bea") as work:
                if action == "corrected":
                    denials.close_denial(
                        work=work, denial_id=denial_id, how="corrected", note="sent"
                    )
                elif action == "write_off":
                    denials.write_off_denial(
                        work=work, denial_id=denial_id, reason="r", approved_by="bea"
                    )
                elif action.startswith("transfer"):
                    denials.transfer_to_client(
                        work=work,
                        denial_id=denial_id,
                        reason="r",
                        client_agreed=action.endswith("agreed"),
                    )
                elif action == "appeal":
                    denials.appeal_denial(work=work, denial_id=denial_id, letter="please")
                else:
                    denials.close_denial(work=work, denial_id=denial_id, how="paid", note="paid")
        except InvalidInput:
            pass  # refused (closed already, CO to the client): nothing may have changed
        _check(practice, claim_id, seen)
