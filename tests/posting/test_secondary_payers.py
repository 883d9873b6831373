"""Secondary and tertiary payers: ``claims secondary`` by hand (and its refusals), the denial
action "transfer to another payer", a tertiary claim after the secondary's 835 (two 2320
loops, pyx12 passes), the API route and the page button, and a hypothesis property: after
any primary/secondary posting sequence, charges − payments − adjustments = the balances by
responsible party, and the transfers between payers add up to zero."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from remit_builder import billed, remit
from sqlalchemy import select
from typer.testing import CliRunner

from clock import TODAY
from helpers_837 import pyx12_errors
from posting_fixtures import DAY, build_claim
from therabill.claims.number import claim_number
from therabill.cli.main import app
from therabill.ledger import EntryKind
from therabill.store.models import ClaimRecord
from therabill.store.services import (
    Store,
    claim_records,
    clients,
    denials,
    ledger,
    remittances,
    submission,
)
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine

PAID_ON = TODAY - dt.timedelta(days=5)


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def post(store: Store, data: bytes) -> remittances.PostingResult:
    with store.transaction(actor="poster") as work:
        return remittances.post_remittance(work=work, data=data, file_name="remit.835")


def show(store: Store, claim_id: int) -> dict:  # type: ignore[type-arg]
    with store.transaction() as work:
        return claim_records.show_claim(work=work, claim_id=claim_id)


def balance(store: Store, claim_id: int) -> tuple[int, int]:
    b = show(store, claim_id)["balance"]
    return b["insurance_cents"], b["patient_cents"]


def submit(store: Store, outbox: Path) -> str:
    with store.transaction(actor="biller") as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    return "".join(p.read_text("ascii") for p in outcome.paths)


def acme_copay(number: str, copay: int = 2000, status: str = "1") -> bytes:
    """Acme pays 97110 (90.00) at 80 % less a copay the client owes (PR-3)."""
    line = AdjudicatedLine(
        "97110", 9000, 7200 - copay, 2, DAY, [], [("CO", "45", 1800), ("PR", "3", copay)]
    )
    return remit([AdjudicatedClaim(number, status, [line])], trace="ACME-1", paid_on=PAID_ON)


def add_second_mutual(store: Store, client: str = "C-1") -> int:
    with store.transaction() as work:
        found = work.db.execute(
            select(ClaimRecord.client_id).order_by(ClaimRecord.id.desc()).limit(1)
        ).scalar_one()
        return clients.add_policy(
            work=work,
            client_id=found,
            payer="Second Mutual",
            member_id="SM-100",
            priority="secondary",
        ).id


def test_claims_secondary_by_hand_and_its_refusals(practice: Store, tmp_path: Path) -> None:
    claim_id = build_claim(practice, c97110=30)
    not_yet = cli("claims", "secondary", str(claim_id), "--json")
    assert not_yet.exit_code == 2 and not_yet.stdout == ""
    assert not_yet.stderr.startswith("Error: claim:") and "no posted 835" in not_yet.stderr
    assert len(not_yet.stderr.strip().splitlines()) == 1
    submit(practice, tmp_path / "out1")
    post(practice, acme_copay(claim_number(claim_id)))
    assert balance(practice, claim_id) == (0, 2000)  # no secondary on file: the client's
    no_policy = cli("claims", "secondary", str(claim_id))
    assert no_policy.exit_code == 2 and no_policy.stderr.startswith("Error: policy:")
    assert "no secondary or tertiary policy" in no_policy.stderr

    add_second_mutual(practice)
    # the primary's mailing address on file goes in the secondary's 2330B N3/N4
    edited = cli("payer", "edit", "1", "--address", "PO Box 9", "--city", "Augusta",
                 "--state", "ME", "--zip", "04332-0009")  # fmt: skip
    assert edited.exit_code == 0, edited.stderr
    made = cli("claims", "secondary", str(claim_id), "--json")
    assert made.exit_code == 0, made.stderr
    data = json.loads(made.stdout)
    assert (data["payer"], data["priority"], data["moved_cents"], data["status"]) == (
        "Second Mutual",
        "secondary",
        2000,
        "ready",
    )
    # the copay leaves the client's bucket for the secondary payer's claim
    assert balance(practice, claim_id) == (0, 0)
    assert balance(practice, data["claim_id"]) == (2000, 0)
    shown = json.loads(cli("claims", "show", str(data["claim_id"]), "--json").stdout)
    assert (shown["priority"], shown["primary_claim_id"], shown["crossed_over"]) == (
        "secondary",
        claim_id,
        False,
    )
    again = cli("claims", "secondary", str(claim_id))
    assert again.exit_code == 2 and "already passed on" in again.stderr

    text = submit(practice, tmp_path / "out2")
    assert pyx12_errors(text) == []
    assert "SBR*S*18" in text and "SBR*P*18" in text and "AMT*D*52.00~" in text
    other = text.split("NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1~\n")[-1].split("~\n")[:2]
    assert other == ["N3*PO BOX 9", "N4*AUGUSTA*ME*043320009"]
    assert "SVD*ACME1*52.00*HC:97110**2~" in text and "AMT*EAF*20.00~" in text


def test_a_denial_moves_to_another_payer(practice: Store, tmp_path: Path) -> None:
    """CO-22 (another payer is primary): ``denials transfer-payer`` moves the amount to the
    client's other policy on a claim of its own and closes the denial."""
    claim_id = build_claim(practice, c97110=30)
    (sent,) = billed(submit(practice, tmp_path / "out1"))
    line = AdjudicatedLine("97110", 9000, 0, 2, DAY, [], [("CO", "22", 9000)])
    post(practice, remit([AdjudicatedClaim(sent.claim_id, "4", [line])], trace="D22"))
    policy = add_second_mutual(practice)
    with practice.transaction() as work:
        (row,) = denials.list_denials(work=work)
    assert [p["payer"] for p in row["other_policies"]] == ["Second Mutual"]
    refused = cli("denials", "transfer-payer", str(row["id"]), "--policy", "999", "--reason", "x")
    assert refused.exit_code == 2 and refused.stderr.startswith("Error: policy:")
    done = cli(
        "denials", "transfer-payer", str(row["id"]), "--policy", str(policy),
        "--reason", "CO-22: Second Mutual is primary", "--json",
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    closed = json.loads(done.stdout)
    assert (closed["status"], closed["closed_how"]) == ("closed", "transferred_to_payer")
    new_claim = closed["replacement_claim_id"]
    assert balance(practice, claim_id) == (0, 0)
    assert balance(practice, new_claim) == (9000, 0)
    assert show(practice, new_claim)["payer"] == "Second Mutual"
    with practice.transaction() as work:
        assert denials.list_denials(work=work) == []


def test_the_tertiary_payer_gets_what_the_secondary_left(
    cob_practice: Store, tmp_path: Path
) -> None:
    store = cob_practice
    primary = build_claim(store, client="C-5", day=DAY, c97110=30)
    submit(store, tmp_path / "out1")
    medicare = AdjudicatedLine(
        "97110", 9000, 5645, 2, DAY, ["GP"],
        [("CO", "45", 1800), ("CO", "253", 115), ("PR", "2", 1440)],
    )  # fmt: skip
    first = post(
        store,
        remit([AdjudicatedClaim(claim_number(primary), "1", [medicare])], trace="M1",
              paid_on=PAID_ON, payer="MEDICARE PART B", payer_id="04111"),
    )  # fmt: skip
    (secondary,) = [c["claim_id"] for c in first.next_claims]
    submit(store, tmp_path / "out2")
    # the Medigap plan pays half the coinsurance and leaves 7.20 (PR-2)
    medigap = AdjudicatedLine(
        "97110", 9000, 720, 2, DAY, ["GP"], [("OA", "23", 7560), ("PR", "2", 720)]
    )
    second = post(
        store,
        remit([AdjudicatedClaim(claim_number(secondary), "2", [medigap])], trace="G1",
              paid_on=PAID_ON, payer="HARBOUR MEDIGAP", payer_id="MGAP1"),
    )  # fmt: skip
    (made,) = second.next_claims
    tertiary = made["claim_id"]
    assert (made["payer"], made["priority"], made["moved_cents"]) == (
        "State Medicaid",
        "tertiary",
        720,
    )
    assert [balance(store, c) for c in (primary, secondary, tertiary)] == [(0, 0), (0, 0), (720, 0)]
    shown = show(store, tertiary)
    assert (shown["primary_claim_id"], shown["prior_claim_id"]) == (primary, secondary)
    text = submit(store, tmp_path / "out3")
    assert pyx12_errors(text) == []
    sbr = [s.strip() for s in text.split("~") if s.strip().startswith("SBR")]
    assert sbr == ["SBR*T*18*******CI", "SBR*P*18*******MB", "SBR*S*18*******CI"]
    assert "SVD*04111*56.45*HC:97110:GP**2" in text and "SVD*MGAP1*7.20*HC:97110:GP**2" in text


def test_the_api_bills_the_next_payer(practice: Store, tmp_path: Path, db_url: str) -> None:
    from fastapi.testclient import TestClient

    from therabill.store.services.api_tokens import issue_token
    from therabill.store.services.users import Role, create_user
    from therabill.web.app import create_app

    claim_id = build_claim(practice, c97110=30)
    submit(practice, tmp_path / "out1")
    post(practice, acme_copay(claim_number(claim_id)))
    add_second_mutual(practice)
    with practice.transaction() as work:
        user = create_user(
            work, username="bea", role=Role.BILLER, password="a long enough password 1"
        )
        token = issue_token(work, user_id=user.id, name="tests")
    with TestClient(create_app(db_url), base_url="https://testserver") as web:
        headers = {"Authorization": f"Bearer {token}"}
        made = web.post(f"/api/v1/claims/{claim_id}/secondary", headers=headers)
        assert made.status_code == 200, made.text
        assert made.json()["data"]["moved_cents"] == 2000
        again = web.post(f"/api/v1/claims/{claim_id}/secondary", headers=headers)
        assert again.status_code == 422 and "already passed on" in again.text


# --- the property ------------------------------------------------------------------------

DAYS = itertools.count(1)
# per line: primary paid %, contractual %, the rest PR; crossover?; secondary pays % of PR
primary_line = st.tuples(st.integers(0, 100), st.integers(0, 100))
sequence = st.tuples(
    st.tuples(primary_line, primary_line),
    st.booleans(),
    st.integers(0, 100),
    st.booleans(),
)


def _family_books(store: Store, client_id: int) -> None:
    """charges − payments − adjustments = the balances by responsible party (per client and
    per claim family); transfers between payers net to zero; no bucket goes below zero."""
    with store.transaction() as work:
        entries = ledger.client_entries(work, client_id)
        books = ledger.client_ledger(work=work, client=client_id)
    total = {k: sum(e.amount_cents for e in entries if e.kind == k.value) for k in EntryKind}
    assert books.balance.total_cents == (
        total[EntryKind.CHARGE]
        - total[EntryKind.INSURANCE_PAYMENT]
        - total[EntryKind.PATIENT_PAYMENT]
        - total[EntryKind.CONTRACTUAL_ADJUSTMENT]
        - total[EntryKind.WRITE_OFF]
        + total[EntryKind.REFUND]
    )
    assert total[EntryKind.TRANSFER_TO_INSURANCE] == 0
    for claim_balance in books.by_claim.values():
        assert claim_balance.insurance_cents >= 0 and claim_balance.patient_cents >= 0


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence)
def test_any_primary_secondary_sequence_keeps_the_books(
    cob_practice: Store,
    tmp_path: Path,
    steps: tuple[tuple[tuple[int, int], tuple[int, int]], bool, int, bool],
) -> None:
    (line_1, line_2), crossover, secondary_pct, secondary_posts = steps
    store = cob_practice
    n = next(DAYS)
    day = TODAY - dt.timedelta(days=10 + n % 60)
    primary = build_claim(store, client="C-3", day=day, c97110=30, c97140=25)
    client_id = show(store, primary)["client_id"]
    outbox = tmp_path / f"out{n}"
    sent = billed(submit(store, outbox))[-1]
    lines = []
    for billed_line, (paid_pct, co_pct) in zip(sent.lines, (line_1, line_2), strict=True):
        paid = billed_line.charge * paid_pct // 100
        co = (billed_line.charge - paid) * co_pct // 100
        pr = billed_line.charge - paid - co
        cas = [(g, r, c) for g, r, c in (("CO", "45", co), ("PR", "2", pr)) if c]
        lines.append(
            AdjudicatedLine(billed_line.code, billed_line.charge, paid, billed_line.units,
                            day, billed_line.modifiers, cas)
        )  # fmt: skip
    status = "19" if crossover else "1"
    first = post(
        store,
        remit([AdjudicatedClaim(sent.claim_id, status, lines)], trace=f"P{n}", paid_on=PAID_ON,
              payer="MEDICARE PART B", payer_id="04111"),
    )  # fmt: skip
    _family_books(store, client_id)
    left = sum(c for ln in lines for g, _, c in ln.adjustments if g == "PR")
    assert balance(store, primary) == (0, 0)
    if not left:
        assert first.next_claims == []
        return
    (made,) = first.next_claims
    cob_claim = made["claim_id"]
    assert made["moved_cents"] == left and made["crossed_over"] is crossover
    assert balance(store, cob_claim) == (left, 0)
    if not secondary_posts:
        return
    if not crossover:
        submit(store, outbox / "cob")
    answer = []
    for ln in lines:
        pr = sum(c for g, _, c in ln.adjustments if g == "PR")
        pays = pr * secondary_pct // 100
        cas = [(g, r, c) for g, r, c in (("OA", "23", ln.charge - pr), ("PR", "1", pr - pays)) if c]
        answer.append(AdjudicatedLine(ln.code, ln.charge, pays, ln.units, day, ln.modifiers, cas))
    # a crossover's 835 quotes Medicare's claim number; ours is the COB claim's
    number = sent.claim_id if crossover else claim_number(cob_claim)
    second = post(
        store,
        remit([AdjudicatedClaim(number, "2", answer)], trace=f"S{n}", paid_on=PAID_ON,
              payer="HARBOUR MEDIGAP", payer_id="MGAP1"),
    )  # fmt: skip
    assert second.exceptions == [] and second.unreconciled == []
    _family_books(store, client_id)
    client_owes = sum(c for ln in answer for g, _, c in ln.adjustments if g == "PR")
    assert balance(store, cob_claim) == (0, client_owes)
    assert balance(store, primary) == (0, 0)


@pytest.mark.parametrize("status", ["19", "20", "21"], ids=["primary", "secondary", "tertiary"])
def test_crossover_statuses(status: str) -> None:
    """CLP02 19/20/21 are "processed as …, forwarded to additional payer(s)" (X12 element
    1029); 22 is a reversal of a previous payment, never a crossover."""
    from therabill.posting import CROSSED_OVER

    assert status in CROSSED_OVER and "22" not in CROSSED_OVER


def test_transfer_to_insurance_leaves_the_bucket_its_responsibility_names() -> None:
    """transfer_to_insurance moves money out of the bucket its responsibility names."""
    from therabill.ledger import Balance, Responsibility, effect

    kind = EntryKind.TRANSFER_TO_INSURANCE
    assert effect(kind, 500, Responsibility.INSURANCE) == Balance(-500, 0)
    assert effect(kind, 500, Responsibility.PATIENT) == Balance(0, -500)
    assert effect(kind, -500, Responsibility.INSURANCE) == Balance(500, 0)


def _medicare_paid(store: Store, tmp_path: Path, client: str, status: str = "1") -> tuple[int, int]:
    """A 97110 claim Medicare paid leaving 14.40 coinsurance; (its id, the next claim's)."""
    primary = build_claim(store, client=client, day=DAY, c97110=30)
    submit(store, tmp_path / f"out-{client}")
    line = AdjudicatedLine(
        "97110", 9000, 5645, 2, DAY, ["GP"],
        [("CO", "45", 1800), ("CO", "253", 115), ("PR", "2", 1440)],
    )  # fmt: skip
    done = post(
        store,
        remit([AdjudicatedClaim(claim_number(primary), status, [line], payer_claim_number="M9")],
              trace=f"M-{client}", paid_on=PAID_ON, payer="MEDICARE PART B", payer_id="04111"),
    )  # fmt: skip
    (made,) = done.next_claims
    return primary, int(made["claim_id"])


def test_a_reversal_takes_the_transfer_back_from_both_claims(
    cob_practice: Store, tmp_path: Path
) -> None:
    primary, secondary = _medicare_paid(cob_practice, tmp_path, "C-3")
    assert balance(cob_practice, secondary) == (1440, 0)
    back = AdjudicatedLine(
        "97110", 9000, 5645, 2, DAY, ["GP"],
        [("CO", "45", 1800), ("CO", "253", 115), ("PR", "2", 1440)],
    )  # fmt: skip
    reversal = post(
        cob_practice,
        remit([AdjudicatedClaim(claim_number(primary), "22", [back], payer_claim_number="M9")],
              trace="M-REV", paid_on=PAID_ON, payer="MEDICARE PART B", payer_id="04111"),
    )  # fmt: skip
    assert reversal.exceptions == [] and reversal.next_claims == []
    assert balance(cob_practice, primary) == (9000, 0)  # owed by Medicare again
    assert balance(cob_practice, secondary) == (0, 0)  # nothing left for the Medigap plan


def test_a_crossover_835_from_a_payer_not_on_file_finds_the_next_claim(
    cob_practice: Store, tmp_path: Path
) -> None:
    primary, crossed = _medicare_paid(cob_practice, tmp_path, "C-4", status="19")
    line = AdjudicatedLine("97110", 9000, 1440, 2, DAY, ["GP"], [("OA", "23", 7560)])
    done = post(
        cob_practice,
        remit([AdjudicatedClaim(claim_number(primary), "2", [line])], trace="X-1",
              paid_on=PAID_ON, payer="SOME SUPPLEMENT CO", payer_id="ZZZ99"),
    )  # fmt: skip
    assert done.exceptions == [] and done.unreconciled == []
    assert balance(cob_practice, crossed) == (0, 0)
    assert balance(cob_practice, primary) == (0, 0)


def test_medicare_secondary_payer_type_is_checked(practice: Store) -> None:
    with practice.transaction() as work:
        policy = work.db.execute(select(ClaimRecord.policy_id).limit(1)).scalar()
    assert policy is None  # no claim yet: use the first client's policy
    bad = cli("client", "policy-edit", "1", "--medicare-secondary-type", "99")
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: medicare_secondary_type:")
    good = cli("client", "policy-edit", "1", "--medicare-secondary-type", "12", "--json")
    assert good.exit_code == 0, good.stderr
    assert json.loads(good.stdout)["medicare_secondary_type"] == "12"


def test_a_one_sided_transfer_to_insurance_is_refused(practice: Store) -> None:
    refused = cli("entry", "post", "C-1", "transfer_to_insurance", "10.00")
    assert refused.exit_code == 2 and refused.stderr.startswith("Error: kind:")
    assert "claims secondary" in refused.stderr
