"""Payment plans: set up for what the client owes, payments fill the instalments oldest
first, what is due and overdue on a day, the plan ends when paid; bad input refused with
nothing written; the CLI's ``therabill payment-plan``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_payments import owes
from typer.testing import CliRunner

from clock import TODAY
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store import factories
from therabill.store.models import PaymentPlan
from therabill.store.services import Store, payment_plans, payments

runner = CliRunner()


def _plans(store: Store) -> int:
    with store.transaction() as work:
        return int(work.db.execute(select(func.count()).select_from(PaymentPlan)).scalar_one())


def test_payments_fill_the_instalments_and_the_plan_ends_when_paid(
    store: Store, practice: factories.ExamplePractice
) -> None:
    owes(store, TODAY - dt.timedelta(days=70), 3000)
    owes(store, TODAY - dt.timedelta(days=77), 2000, "97112")
    with store.transaction(actor="biller") as work:
        made = payment_plans.create_plan(
            work=work, client="C-1", instalment_cents=2000, first_due=dt.date(2026, 10, 14),
            on=dt.date(2026, 10, 1),
        )  # fmt: skip
    assert made.plan.total_cents == 5000  # all the client owes
    with store.transaction(actor="biller") as work:
        (shown,) = payment_plans.client_plans(work=work, client="C-1")
    assert [(i.due_on, i.amount_cents, i.state) for i in shown.standing.instalments] == [
        (dt.date(2026, 10, 14), 2000, "overdue"),
        (dt.date(2026, 11, 14), 2000, "overdue"),
        (dt.date(2026, 12, 14), 1000, "upcoming"),
    ]
    with store.transaction(actor="front desk") as work:
        paid = payments.take_payment(work=work, client="C-1", amount_cents=2500, method="cash")
        assert paid.payment.plan_id == made.plan.id
    with store.transaction(actor="biller") as work:
        ((client, due),) = payment_plans.plans_due(work=work)
        assert client.chart_number == "C-1"
        assert (due.standing.paid_cents, due.standing.overdue_cents) == (2500, 1500)
        assert payment_plans.plans_due(work=work, on=dt.date(2026, 10, 13)) == []
        payments.take_payment(work=work, client="C-1", amount_cents=2500, method="card",
                              reference="ch_9")  # fmt: skip
    with store.transaction(actor="biller") as work:
        (ended,) = payment_plans.client_plans(work=work, client="C-1")
        assert ended.plan.ended_on == TODAY and ended.plan.end_reason == "paid in full"
        assert ended.standing.complete and payment_plans.plans_due(work=work) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total_cents": 9000}, r"the client owes 30\.00; a plan covers at most that"),
        ({"first_due": TODAY - dt.timedelta(days=1)}, r"before today"),
        ({"unit": "day"}, r"'day' is not week or month"),
        ({"instalment_cents": 4000}, r"more than the plan's total"),
        ({"every": 13}, r"between 1 and 12 months"),
        ({"client": "C-404"}, r"C-404"),
    ],
    ids=["more-than-owed", "first-in-the-past", "unit", "instalment-over-total", "every",
         "unknown-client"],
)  # fmt: skip
def test_bad_plans_are_refused_and_nothing_is_written(
    store: Store, practice: factories.ExamplePractice, kwargs: dict[str, object], message: str
) -> None:
    owes(store, TODAY - dt.timedelta(days=3), 3000)
    args: dict[str, object] = {
        "client": "C-1", "instalment_cents": 1000, "first_due": TODAY + dt.timedelta(days=7),
        **kwargs,
    }  # fmt: skip
    with store.transaction() as work, pytest.raises(InvalidInput, match=message):
        payment_plans.create_plan(work=work, **args)  # type: ignore[arg-type]
    assert _plans(store) == 0


def test_one_active_plan_and_nothing_owed(
    store: Store, practice: factories.ExamplePractice
) -> None:
    with store.transaction() as work, pytest.raises(InvalidInput, match="owes nothing"):
        payment_plans.create_plan(work=work, client="C-1", instalment_cents=1000, first_due=TODAY)
    owes(store, TODAY - dt.timedelta(days=3), 3000)
    with store.transaction() as work:
        payment_plans.create_plan(work=work, client="C-1", instalment_cents=1000, first_due=TODAY)
    with store.transaction() as work, pytest.raises(InvalidInput, match="already has a payment"):
        payment_plans.create_plan(work=work, client="C-1", instalment_cents=1000, first_due=TODAY)
    with store.transaction() as work, pytest.raises(InvalidInput, match="say why"):
        payment_plans.end_plan(work=work, client="C-1", reason=" ")
    with store.transaction() as work:
        payment_plans.end_plan(work=work, client="C-1", reason="renegotiated")
    with store.transaction() as work, pytest.raises(InvalidInput, match="no active payment"):
        payment_plans.end_plan(work=work, client="C-1", reason="again")


def test_the_cli(store: Store, practice: factories.ExamplePractice, cli_env: Path) -> None:
    owes(store, TODAY - dt.timedelta(days=3), 3000)

    def run(*args: str) -> dict[str, object] | list[dict[str, object]]:
        done = runner.invoke(app, ["payment-plan", *args, "--json"])
        assert done.exit_code == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    made = run("create", "C-1", "--instalment", "10.00", "--first", "2026-11-28",
                "--every", "2", "--unit", "week")  # fmt: skip
    assert isinstance(made, dict)
    assert [i["due_on"] for i in made["instalments"]] == ["2026-11-28", "2026-12-12", "2026-12-26"]  # type: ignore[union-attr]
    assert made["due_today_cents"] == 1000
    due = run("due")
    assert isinstance(due, list) and due[0]["client"] == "C-1" and due[0]["due_today_cents"] == 1000
    shown = run("show", "C-1")
    assert isinstance(shown, list) and shown[0]["plan_id"] == made["plan_id"]
    bad = runner.invoke(app, ["payment-plan", "create", "C-1", "--instalment", "10.00",
                              "--first", "2026-13-01"])  # fmt: skip
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "Error: first: '2026-13-01' is not a date (YYYY-MM-DD)"
    ended = run("end", "C-1", "--reason", "renegotiated")
    assert ended == {"plan_id": made["plan_id"], "ended_on": "2026-11-28", "reason": "renegotiated"}
    unknown = runner.invoke(app, ["payment-plan", "show", "C-404"])
    assert unknown.exit_code == 2 and unknown.stderr.startswith("Error: ")
