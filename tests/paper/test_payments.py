"""Client payments: a lump sum oldest first or as chosen, a copay at the session kept as a
credit and applied later, overpayment only as an asked-for credit, refunds of the credit,
receipts; the CLI's ``therabill payment``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from paper_fixtures import DAY
from pdf_helpers import text
from sqlalchemy import func, select
from typer.testing import CliRunner

from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.ledger import EntryKind
from therabill.store import factories
from therabill.store.models import ClaimRecord, ClientPayment, LedgerEntry
from therabill.store.services import Store, build, ledger, payments

runner = CliRunner()


def owes(store: Store, day: dt.date, cents: int, code: str = "97110") -> int:
    """A claim on ``day`` whose first line the payer left ``cents`` to the client (PR):
    the claim line id."""
    claim_id = factories.build_one_claim(
        store, client="C-1", provider=factories.PT_NPI, day=day, services={code: 30}
    )
    with store.transaction(actor="poster") as work:
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        line = claim.lines[0]
        ledger.post_entry(
            work=work, kind=EntryKind.TRANSFER_TO_PATIENT, amount_cents=cents,
            client_id=claim.client_id, claim_line=line, effective_date=day,
        )  # fmt: skip
        return line.id


def test_a_lump_sum_pays_the_oldest_first(
    store: Store, practice: factories.ExamplePractice
) -> None:
    newer = owes(store, DAY, 3000)
    older = owes(store, DAY - dt.timedelta(days=7), 2000, "97112")
    with store.transaction(actor="front desk") as work:
        result = payments.take_payment(
            work=work, client="C-1", amount_cents=2500, method="card", reference="ch_3PqX81"
        )
    assert result.applied == [(older, 2000), (newer, 500)]
    assert result.credit_cents == 0 and result.balance_cents == 2500
    assert result.payment.receipt == f"R-2026-{result.payment.id:06d}"
    with store.transaction(actor="front desk") as work:
        entries = work.db.execute(
            select(LedgerEntry).where(LedgerEntry.receipt == result.payment.receipt)
        ).scalars()
        assert sorted(e.amount_cents for e in entries) == [500, 2000]


def test_the_lines_or_amounts_chosen(store: Store, practice: factories.ExamplePractice) -> None:
    newer = owes(store, DAY, 3000)
    older = owes(store, DAY - dt.timedelta(days=7), 2000, "97112")
    with store.transaction(actor="front desk") as work:
        first = payments.take_payment(
            work=work, client="C-1", amount_cents=3000, method="cash", order=[newer, older]
        )
        assert first.applied == [(newer, 3000)]
        second = payments.take_payment(
            work=work, client="C-1", amount_cents=700, method="cash", amounts={older: 700}
        )
        assert second.applied == [(older, 700)] and second.balance_cents == 1300


def test_more_than_owed_is_refused_unless_kept_as_credit(
    store: Store, practice: factories.ExamplePractice
) -> None:
    owes(store, DAY, 3000)
    with (
        store.transaction(actor="front desk") as work,
        pytest.raises(InvalidInput, match=r"the client owes 30.00; this payment is 20.00 more"),
    ):
        payments.take_payment(work=work, client="C-1", amount_cents=5000, method="cash")
    with store.transaction(actor="front desk") as work:
        assert work.db.execute(select(func.count()).select_from(ClientPayment)).scalar() == 0
        result = payments.take_payment(
            work=work, client="C-1", amount_cents=5000, method="cash", keep_credit=True
        )
    assert result.credit_cents == 2000 and result.balance_cents == -2000


def test_a_copay_at_the_session_is_credit_until_the_payer_decides(
    store: Store, practice: factories.ExamplePractice
) -> None:
    with store.transaction(actor="front desk") as work:
        session = factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=DAY, services={"97110": 30}
        )
        copay = payments.take_payment(
            work=work, client="C-1", amount_cents=2500, method="card", reference="ch_1", copay_session=session.id
        )  # fmt: skip
    assert copay.payment.kind == "copay" and copay.credit_cents == 2500
    assert "copay at the session of" in copay.payment.memo
    with store.transaction(actor="biller") as work:
        claim_id = build.build_claims(work=work).claims[0]
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        ledger.post_entry(
            work=work, kind=EntryKind.TRANSFER_TO_PATIENT, amount_cents=2000,
            client_id=claim.client_id, claim_line=claim.lines[0], effective_date=DAY,
        )  # fmt: skip
        line_id = claim.lines[0].id
    with store.transaction(actor="front desk") as work:
        applied = payments.apply_credit(work=work, client="C-1")
        assert applied == [(line_id, 2000)]
        assert payments.credit_cents(work, copay.payment.client_id) == 500
        assert payments.client_balance_cents(work, copay.payment.client_id) == -500
        assert payments.apply_credit(work=work, client="C-1") == []  # nothing owed: no change


def test_refunds_pay_back_the_credit_and_no_more(
    store: Store, practice: factories.ExamplePractice
) -> None:
    owes(store, DAY, 1000)
    with store.transaction(actor="front desk") as work:
        payments.take_payment(
            work=work, client="C-1", amount_cents=1500, method="cash", keep_credit=True
        )
        with pytest.raises(InvalidInput, match=r"has 5\.00 credit on account"):
            payments.refund(
                work=work, client="C-1", amount_cents=600, method="check", reference="1042"
            )
        done = payments.refund(
            work=work, client="C-1", amount_cents=500, method="check", reference="1042"
        )
        assert done.balance_cents == 0 and payments.credit_cents(work, done.payment.client_id) == 0


@pytest.mark.parametrize(
    ("method", "reference", "message"),
    [
        ("bitcoin", None, "is not cash, check, card or other"),
        ("check", None, "give the check number"),
        ("card", "4111 1111 1111 1111", "looks like a card number"),
        ("card", " ", "give the card processor's transaction reference"),
    ],
    ids=["unknown method", "check without number", "card number", "card without reference"],
)
def test_bad_payments_refused(
    store: Store,
    practice: factories.ExamplePractice,
    method: str,
    reference: str | None,
    message: str,
) -> None:
    owes(store, DAY, 1000)
    with store.transaction(actor="front desk") as work, pytest.raises(InvalidInput, match=message):
        payments.take_payment(
            work=work, client="C-1", amount_cents=500, method=method, reference=reference
        )


TOMORROW = dt.date.today() + dt.timedelta(days=1)  # the tests' frozen clock's tomorrow


@pytest.mark.parametrize(
    ("call", "message", "field"),
    [
        ({"amount_cents": 500, "received_on": TOMORROW}, "is after today", "received_on"),
        ({"amount_cents": 0, "copay_session": 1}, "more than zero", "amount"),
        ({"amount_cents": -100, "copay_session": 1}, "more than zero", "amount"),
        ({"amount_cents": 0}, "more than zero", "amount"),
        ({"refund": True, "amount_cents": 0}, "more than zero", "amount"),
        ({"refund": True, "amount_cents": 100, "paid_on": TOMORROW}, "is after today", "paid_on"),
    ],
    ids=[
        "payment tomorrow",
        "no copay",
        "negative copay",
        "no payment",
        "no refund",
        "refund tomorrow",
    ],
)
def test_money_that_has_not_changed_hands_is_refused(
    store: Store,
    practice: factories.ExamplePractice,
    call: dict[str, object],
    message: str,
    field: str,
) -> None:
    """A receipt dated after today (its number would carry that year: R-2030-…) and a
    copay or refund of nothing are refused, and nothing is written."""
    owes(store, DAY, 1000)
    with store.transaction(actor="front desk") as work:
        payments.take_payment(
            work=work, client="C-1", amount_cents=1500, method="cash", keep_credit=True
        )
    with store.sessions() as db:
        before = db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    with (
        pytest.raises(InvalidInput, match=message) as refused,
        store.transaction(actor="front desk") as work,
    ):
        args = dict(call)
        if args.pop("refund", False):
            payments.refund(work=work, client="C-1", method="cash", **args)  # type: ignore[arg-type]
        else:
            payments.take_payment(work=work, client="C-1", method="cash", **args)  # type: ignore[arg-type]
    assert refused.value.field == field
    with store.sessions() as db:
        assert db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one() == before


def test_receipt(store: Store, practice: factories.ExamplePractice) -> None:
    owes(store, DAY, 3000)
    with store.transaction(actor="front desk") as work:
        done = payments.take_payment(
            work=work, client="C-1", amount_cents=1000, method="check", reference="2231"
        )
        pdf = payments.receipt_pdf(work=work, receipt=done.payment.receipt.lower())
    shown = text(pdf)
    for expected in ("Payment receipt R-2026-", "Ada Example", "$10.00", "Check (check no. 2231)",
                     "97110 x2", "Balance still owed: $20.00", "Harbour Therapy"):  # fmt: skip
        assert expected in shown, expected


def test_cli(store: Store, practice: factories.ExamplePractice, cli_env: Path) -> None:
    owes(store, DAY, 3000)
    result = runner.invoke(
        app,
        ["payment", "take", "C-1", "10.00", "--method", "card", "--reference", "ch_9", "--json"],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["amount_cents"] == 1000 and data["client_balance_cents"] == 2000
    out = cli_env / "r.pdf"
    assert (
        runner.invoke(app, ["payment", "receipt", data["receipt"], "-o", str(out)]).exit_code == 0
    )
    listed = json.loads(runner.invoke(app, ["payment", "list", "C-1", "--json"]).stdout)
    assert [p["receipt"] for p in listed] == [data["receipt"]]
    over = runner.invoke(app, ["payment", "take", "C-1", "50.00", "--method", "cash"])
    assert over.exit_code == 2 and over.stdout == ""
    assert (
        over.stderr.startswith("Error: amount: the client owes 20.00")
        and over.stderr.count("\n") == 1
    )


def test_the_cli_refuses_more_than_owed_on_every_command(
    store: Store, practice: factories.ExamplePractice, cli_env: Path
) -> None:
    line = owes(store, DAY, 3000)
    hint = "Take 30.00, or add --as-credit to keep the rest as a credit on account."
    for args in (["payment", "take"], ["entry", "pay"]):
        refused = runner.invoke(app, [*args, "C-1", "45.00", "--method", "cash"])
        assert refused.exit_code == 2
        assert refused.stderr.strip() == (
            f"Error: amount: the client owes 30.00; this payment is 15.00 more. {hint}"
        )
    posted = runner.invoke(
        app, ["entry", "post", "C-1", "patient_payment", "45.00", "--claim", "1", "--line", "1"]
    )
    assert posted.exit_code == 2 and "use therabill payment take" in posted.stderr
    with store.transaction() as work:
        assert work.db.execute(select(func.count()).select_from(ClientPayment)).scalar() == 0
    kept = runner.invoke(
        app, ["payment", "take", "C-1", "45.00", "--method", "cash", "--as-credit", "--json"]
    )
    assert kept.exit_code == 0, kept.stderr
    data = json.loads(kept.stdout)
    assert data["applied"] == [{"claim_line_id": line, "amount_cents": 3000}]
    assert data["credit_cents"] == 1500 and data["client_balance_cents"] == -1500
