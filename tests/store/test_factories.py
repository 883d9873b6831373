"""The example-data factories (tests, benchmarks, ``therabill demo``) write through the
services: every row is checked and audited, and the practice they make bills and gets paid."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from clock import TODAY
from therabill.errors import InvalidInput
from therabill.store import factories
from therabill.store.models import (
    AuditEntry,
    ClaimRecord,
    ClaimStatusChange,
    Client,
    Denial,
    Payer,
    RemittanceException,
    RemittanceFile,
)
from therabill.store.services import Store, remittance_intake, remittances, submission
from therabill.store.services.demo import create_demo
from therabill.store.services.insights import payer_records


def test_the_default_practice_is_written_and_audited_through_the_services(store: Store) -> None:
    spec = factories.PracticeSpec(
        clients=(factories.client(payer="Acme Health Plan", member_id="M100"),)
    )
    built = factories.set_up_practice(store, spec)
    assert (len(built.payers), len(built.providers), len(built.clients)) == (1, 1, 1)
    with store.sessions() as db:
        audited = Counter(
            (action, entity)
            for action, entity in db.execute(select(AuditEntry.action, AuditEntry.entity))
        )
    assert audited[("create", "practice")] == 1
    assert audited[("create", "payer")] == audited[("create", "provider")] == 1
    assert audited[("set", "fee")] == len(factories.PT_FEES)
    assert audited[("create", "client")] == audited[("create", "policy")] == 1


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (factories.PracticeSpec(fees={"99999": 100}), "code"),
        (factories.PracticeSpec(payers=(factories.PayerSpec("NO-SUCH-PROFILE"),)), None),
        (
            factories.PracticeSpec(
                providers=(factories.ProviderSpec("1234567890", "A", "B", "pt"),)
            ),
            None,
        ),
        (factories.PracticeSpec(clients=(factories.client(payer="Nobody", member_id="1"),)), None),
    ],
    ids=["unknown-code", "unknown-profile", "bad-npi-check-digit", "unknown-payer"],
)
def test_a_spec_the_services_refuse_is_refused_and_nothing_is_left_half_written(
    store: Store, spec: factories.PracticeSpec, field: str | None
) -> None:
    with pytest.raises(InvalidInput) as refused:
        factories.set_up_practice(store, spec)
    if field:
        assert refused.value.field == field
    with store.sessions() as db:
        assert db.execute(select(Client.id)).first() is None
        assert db.execute(select(Payer.id)).first() is None


def test_its_remittance_pays_the_claims_it_built(store: Store, tmp_path: Path) -> None:
    spec = factories.PracticeSpec(
        clients=(factories.client(payer="Acme Health Plan", member_id="M100"),)
    )
    factories.set_up_practice(store, spec)
    claim_id = factories.build_one_claim(
        store,
        client="C-1",
        provider=factories.PT_NPI,
        day=TODAY - dt.timedelta(days=20),
        services={"97110": 30, "97140": 23},
    )
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=tmp_path)
    with store.transaction(actor="biller") as work:
        text = factories.remittance_for(work, [claim_id], copay_cents=1000, paid_on=TODAY)
        result = remittances.post_remittance(work=work, data=text.encode(), file_name="pay.835")
    assert result.outcome == "posted" and result.exceptions == []
    assert result.claims_posted == 1 and result.patient_cents == 1000
    with store.sessions() as db:
        claim = db.get(ClaimRecord, claim_id)
        assert claim is not None and claim.status == "paid"


def test_the_demo_is_paid_by_835s_through_the_posting_service(store: Store) -> None:
    summary = create_demo(store=store, clients_count=6, months=2, today=TODAY)
    assert summary["paid"] + summary["partly_paid"] > 0 and summary["denied"] >= 0
    with store.sessions() as db:
        files = db.execute(select(RemittanceFile.file_name)).scalars().all()
        assert files and all(name.startswith("demo-") for name in files)
        assert len({name.rsplit("-", 1)[1] for name in files}) > 1  # weekly, not all today
    with store.reading(actor="test") as work:
        shown = [u["summary"] for u in remittance_intake.recent_remittances(work)]
    assert shown and all(re.fullmatch(r"\d+ claims?, \$[\d,]+\.\d\d paid", s) for s in shown)
    with store.sessions() as db:
        assert db.execute(select(RemittanceException.id)).first() is None
        statuses = Counter(db.execute(select(ClaimRecord.status)).scalars())
    assert statuses["paid"] == summary["paid"]
    assert statuses["partly_paid"] == summary["partly_paid"]


def test_the_demos_payers_take_weeks_to_pay_not_zero_days(store: Store) -> None:
    """The demo dates each claim's sending as the Monday after its week of service (not the
    moment the demo is made), so a payer's record reads as a practice's would: paid about
    two to three weeks after it was sent, never before."""
    create_demo(store=store, clients_count=6, months=2, today=TODAY)
    with store.sessions() as db:
        records = payer_records(db, today=TODAY)
        sent = db.execute(
            select(ClaimStatusChange.at, ClaimRecord.date_of_service)
            .join(ClaimRecord, ClaimRecord.id == ClaimStatusChange.claim_id)
            .where(ClaimStatusChange.to_status == "submitted")
        ).all()
    means = [r.days_mean for r in records.values() if r.days_mean is not None]
    assert means and all(14 <= m <= 21 for m in means), means
    assert sent and all(
        at.date().weekday() == 0 and 1 <= (at.date() - service).days <= 7 for at, service in sent
    )


def test_the_demos_claim_histories_read_in_order_and_835s_on_their_week(store: Store) -> None:
    """A demo claim's history is dated as a practice would have lived it: made and checked
    the morning it is sent, answered by the 835 on its payment date; each 835 upload is
    dated on that payment date too (its file name's), not the moment the demo is made."""
    create_demo(store=store, clients_count=6, months=2, today=TODAY)
    with store.sessions() as db:
        changes = db.execute(
            select(
                ClaimStatusChange.claim_id, ClaimStatusChange.to_status, ClaimStatusChange.at
            ).order_by(ClaimStatusChange.claim_id, ClaimStatusChange.id)
        ).all()
        uploads = db.execute(select(RemittanceFile.file_name, RemittanceFile.posted_at)).all()
    by_claim: dict[int, list[tuple[str, dt.datetime]]] = {}
    for claim_id, status, at in changes:
        by_claim.setdefault(claim_id, []).append((status, at))
    assert by_claim
    for history in by_claim.values():
        times = [at for _, at in history]
        assert times == sorted(times), history
        assert all(at.date() <= TODAY for at in times)
    paid = [h for h in by_claim.values() if h[-1][0] in ("paid", "partly_paid", "denied")]
    assert paid and all(h[-1][1].date() < TODAY for h in paid)  # answered weeks ago
    with store.reading(actor="test") as work:
        listed = remittance_intake.recent_remittances(work, limit=100)
    uploads += [(u["file_name"], u["uploaded_at"]) for u in listed]
    assert uploads and listed
    for name, posted_at in uploads:
        assert posted_at.date() == dt.datetime.strptime(name[-12:-4], "%Y%m%d").date(), name


def test_the_demos_front_door_answers_are_277ca_statuses(store: Store) -> None:
    """Every demo claim sent is accepted or rejected by a 277CA acknowledgement applied by
    the same service as a real one: a rejection's reason names its category, status code
    and entity in the code lists' words, as a biller working the rejected list reads it."""
    summary = create_demo(store=store, clients_count=12, months=3, today=TODAY)
    with store.sessions() as db:
        answers = db.execute(
            select(ClaimStatusChange.to_status, ClaimStatusChange.reason).where(
                ClaimStatusChange.to_status.in_(("accepted", "rejected"))
            )
        ).all()
    rejected = [reason for status, reason in answers if status == "rejected"]
    accepted = [reason for status, reason in answers if status == "accepted"]
    assert len(rejected) == summary["rejected"] > 0
    assert accepted and all(r.startswith("277CA A2:20: ") for r in accepted), accepted[:3]
    assert all(
        re.match(r"277CA A7:(164|562|158): rejected: information is invalid", r) for r in rejected
    )
    assert any("subscriber" in r or "billing provider" in r or "patient" in r for r in rejected)


def test_the_demos_denials_are_what_each_payer_would_say(store: Store) -> None:
    """Medicare Part B asks no prior authorization for outpatient therapy: its demo denials
    say medical necessity (CARC 50); the other payers' say the authorization is missing (197)."""
    create_demo(store=store, clients_count=12, months=3, today=TODAY)
    with store.sessions() as db:
        found = db.execute(
            select(Payer.profile_id, Denial.carc)
            .join(ClaimRecord, ClaimRecord.id == Denial.claim_id)
            .join(Payer, Payer.id == ClaimRecord.payer_id)
            .where(Denial.carc.in_(("50", "197")))
        ).all()
    by_payer = {(profile, carc) for profile, carc in found}
    assert ("MEDICARE", "50") in by_payer and ("MEDICARE", "197") not in by_payer
    assert any(carc == "197" for profile, carc in by_payer if profile != "MEDICARE")
