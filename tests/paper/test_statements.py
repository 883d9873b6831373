"""Client statements: the client's balance after every payer visit by visit with plain
reasons, aging, how to pay; statement runs that make nothing twice, the minimum and holds."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paper_fixtures import DAY
from pdf_helpers import differing_share, render, text
from sqlalchemy import func, select
from typer.testing import CliRunner

from clock import TODAY
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.ledger import EntryKind
from therabill.paper import statement as paper
from therabill.store import factories
from therabill.store.models import ClaimRecord, Statement
from therabill.store.services import Store, clients, ledger, locations, payments, statements
from therabill.store.services.clients import ClientInput

runner = CliRunner()
GOLDEN = Path(__file__).parents[2] / "docs" / "images"


def remitted(store: Store, day: dt.date, *, client: str = "C-1", code: str = "97110",
             paid: int = 5000, contractual: int = 2000, coinsurance: int = 1250) -> int:  # fmt: skip
    """A claim on ``day`` the payer paid, reduced (CO-45) and left coinsurance on (PR-2), as
    posting books an 835: the claim's id."""
    claim_id = factories.build_one_claim(
        store, client=client, provider=factories.PT_NPI, day=day, services={code: 38}
    )
    with store.transaction(actor="poster") as work:
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        line = claim.lines[0]
        for kind, cents, memo in (
            (EntryKind.INSURANCE_PAYMENT, paid, "835 T1"),
            (EntryKind.CONTRACTUAL_ADJUSTMENT, contractual, "835 T1: CO-45"),
            (EntryKind.TRANSFER_TO_PATIENT, coinsurance, "835 T1: PR-2"),
        ):
            if cents:
                ledger.post_entry(work=work, kind=kind, amount_cents=cents, client_id=claim.client_id,
                                  claim_line=line, effective_date=day, memo=memo)  # fmt: skip
    return claim_id


def test_a_statement_shows_each_visit_after_every_payer(
    store: Store, practice: factories.ExamplePractice
) -> None:
    remitted(store, DAY - dt.timedelta(days=45))
    remitted(store, DAY, code="97112", paid=6000, contractual=1400, coinsurance=1000)
    with store.transaction(actor="front desk") as work:
        payments.take_payment(work=work, client="C-1", amount_cents=250, method="cash")
        made = statements.preview(work=work, client="C-1", on=TODAY)
    assert [ln.balance_cents for ln in made.lines] == [1000, 1000]  # oldest first got the 2.50
    first = made.lines[0]
    assert (first.charge_cents, first.insurance_paid_cents, first.adjusted_cents,
            first.client_paid_cents) == (13500, 5000, 2000, 250)  # fmt: skip
    assert first.reasons == "above the amount your plan allows $20.00; coinsurance $12.50"
    assert made.balance_cents == 2000 and made.aging == (1000, 1000, 0, 0)
    shown = text(paper.render([made]))
    for expected in ("STATEMENT", "Ada Example", "$20.00", "97110", "coinsurance",
                     "0-30 days", "31-60 days", "How to pay", "Harbour Therapy"):  # fmt: skip
        assert expected in shown, expected


def test_how_to_pay_comes_from_the_settings_and_checks_go_to_the_pay_to_address(
    store: Store, practice: factories.ExamplePractice
) -> None:
    remitted(store, DAY)
    with store.transaction(actor="biller") as work:
        before = text(paper.render([statements.preview(work=work, client="C-1", on=TODAY)]))
        statements.set_statement_settings(
            work=work, payment_link="https://pay.example.com/harbour",
            instructions="Cards at the front desk.",
        )  # fmt: skip
        locations.set_pay_to(
            work=work, address="PO Box 220", city="Portland", state="ME", postal_code="04112"
        )
        after = text(paper.render([statements.preview(work=work, client="C-1", on=TODAY)]))
    assert "Online: https://pay.example.com/harbour" not in before
    assert "PO Box 220" not in before and "Harbour Therapy" in before
    flat = " ".join(after.split())
    for expected in ("Online: https://pay.example.com/harbour", "Cards at the front desk.",
                     "to: PO Box 220, Portland, ME 04112.", "ask us at the front desk"):  # fmt: skip
        assert expected in flat, expected


@pytest.mark.parametrize(
    ("memo", "plain"),
    [("835 T1: PR-1", "deductible"), ("835 T1: PR-3", "copay"), ("835 T9: CO-45", "above the amount your plan allows"),
     ("835 T1: PR-187", "paid from a consumer spending account (HSA/FSA)"),
     ("835 T1: OA-23", "reflects what the earlier payer(s) paid or adjusted"),
     ("835 T1: PR-27", "after your coverage ended"), ("835 T1: PR-Z9", "your share"),
     ("835 T1: OA-Z9", "other adjustment"), ("manual", None)],
    ids=["deductible", "copay", "contractual", "other code: therabill's description",
         "earlier payer", "coverage ended", "unknown code: its group", "unknown OA", "no code"],
)  # fmt: skip
def test_plain_reasons(memo: str, plain: str | None) -> None:
    assert paper.plain_reason(memo) == plain


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 10**7)), max_size=30))
def test_aging_adds_up_and_buckets_by_age(items: list[tuple[int, int]]) -> None:
    on = dt.date(2026, 11, 30)
    dated = [(on - dt.timedelta(days=age), cents) for age, cents in items]
    buckets = paper.aging(dated, on)
    assert sum(buckets) == sum(c for _, c in items)
    assert buckets[3] == sum(c for age, c in items if age > 90)
    assert buckets[0] == sum(c for age, c in items if age <= 30)


def _second_client(store: Store, chart: str = "C-2") -> None:
    with store.transaction(actor="front desk") as work:
        clients.add_client(work=work, data=ClientInput(
            "Bo", "Second", dt.date(1955, 5, 5), "M", chart_number=chart, address="3 Pier Lane",
            city="Portland", state="ME", postal_code="04101", payer="Medicare Part B", member_id="2EG4TE5MK73",
        ))  # fmt: skip


def test_a_run_makes_nothing_twice_and_keeps_holds_and_the_minimum(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "out"
    _second_client(store)
    _second_client(store, "C-3")
    remitted(store, DAY)
    remitted(store, DAY, client="C-2", coinsurance=300)
    remitted(store, DAY, client="C-3")
    with store.transaction(actor="biller") as work:
        statements.set_statement_settings(work=work, minimum_cents=500)
        statements.set_hold(work=work, client="C-3", hold=True)
        first = statements.run_statements(work=work, through=TODAY, folder=tmp_path)
    assert (len(first.made), first.below_minimum, first.held) == (1, 1, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{first.made[0]['number']}.pdf"]
    remitted(store, DAY, client="C-2", coinsurance=900)  # now 12.00: over the minimum
    with store.transaction(actor="biller") as work:
        second = statements.run_statements(work=work, through=TODAY, folder=tmp_path)
        again = statements.run_statements(work=work, through=TODAY, folder=tmp_path)
        count = work.db.execute(select(func.count()).select_from(Statement)).scalar()
    assert (len(second.made), second.already, second.held) == (1, 1, 1)
    assert (len(again.made), again.already) == (0, 2)
    assert count == 2 and len(list(tmp_path.iterdir())) == 2


def test_a_failed_run_leaves_no_file_and_no_statement(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "out"
    remitted(store, DAY)
    with pytest.raises(RuntimeError), store.transaction(actor="biller") as work:
        statements.run_statements(work=work, through=TODAY, folder=tmp_path)
        raise RuntimeError("the disk filled up")
    assert list(tmp_path.iterdir()) == []
    with store.transaction(actor="biller") as work:
        assert len(statements.run_statements(work=work, through=TODAY, folder=tmp_path).made) == 1


def test_a_recorded_statement_reprints_as_it_was(
    store: Store, practice: factories.ExamplePractice, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "out"
    remitted(store, DAY)
    with store.transaction(actor="biller") as work:
        made = statements.run_statements(work=work, through=TODAY, folder=tmp_path).made[0]
    with store.transaction(actor="front desk") as work:
        payments.take_payment(
            work=work, client="C-1", amount_cents=500, method="cash", received_on=DAY
        )
    with store.transaction(actor="biller") as work:
        again = statements.statement_pdf(work=work, number=made["number"])
    assert "$12.50" in text(again) and text(again) == text((tmp_path / made["file"]).read_bytes())


def test_bad_input(store: Store, practice: factories.ExamplePractice) -> None:
    with store.transaction(actor="biller") as work:
        with pytest.raises(InvalidInput, match="still to come"):
            statements.run_statements(work=work, through=TODAY + dt.timedelta(days=1))
        with pytest.raises(InvalidInput, match="starts with https://"):
            statements.set_statement_settings(work=work, payment_link="http://pay.example.com")
        with pytest.raises(InvalidInput, match="no statement"):
            statements.statement_pdf(work=work, number="S-1")


def test_cli(store: Store, practice: factories.ExamplePractice, cli_env: Path) -> None:
    remitted(store, DAY)
    out = cli_env / "run"
    args = ["statements", "run", "--through", TODAY.isoformat(), "--out", str(out), "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["made"] == 1
    assert json.loads(runner.invoke(app, args).stdout)["made"] == 0
    preview = runner.invoke(
        app, ["statements", "preview", "C-1", "-o", str(cli_env / "p.pdf"), "--json"]
    )
    assert json.loads(preview.stdout)["balance_cents"] == 1250
    bad = runner.invoke(app, ["statements", "run", "--through", "2026-13-01"])
    assert (
        bad.exit_code == 2
        and bad.stderr == "Error: through: '2026-13-01' is not a date (YYYY-MM-DD)\n"
    )


def test_golden_render(tmp_path: Path) -> None:
    """The README's statement page (docs/images/statement.png), rendered by poppler;
    THERABILL_UPDATE_GOLDEN=1 rewrites it."""
    on = dt.date(2026, 11, 30)
    lines = tuple(
        paper.StatementLine(on - dt.timedelta(days=days), f"{code} {text_}", 13500, paid, adj, why, cp, owed)
        for days, code, text_, paid, adj, why, cp, owed in (
            (75, "97110", "Therapeutic exercise, each 15 minutes", 5000, 2000, "above the amount your plan allows $20.00; deductible $65.00", 0, 6500),
            (40, "97112", "Neuromuscular re-education, each 15 minutes", 8800, 2200, "above the amount your plan allows $22.00; coinsurance $25.00", 1000, 1500),
            (12, "97140", "Manual therapy, each 15 minutes", 8800, 2200, "above the amount your plan allows $22.00; copay $25.00", 0, 2500),
        )
    )  # fmt: skip
    made = paper.Statement(
        number="S-202611-000042", statement_date=on, due_on=on + dt.timedelta(days=30),
        practice_name="Harbour Therapy", practice_address="1 Quay Street, Portland, ME 04101-4321",
        practice_phone="207-555-0100", client_name="Ada Example",
        client_address="2 Harbour Road, Portland, ME 04101", client_account="C-1", lines=lines,
        credit_cents=500, aging=paper.aging(((ln.date, ln.balance_cents) for ln in lines), on),
        payment_link="https://pay.example.com/harbour",
        payment_instructions="We take cash, checks and cards at the front desk.",
        remit_to="PO Box 220, Portland, ME 04112",
    )  # fmt: skip
    image = render(paper.render([made]), tmp_path)
    golden = GOLDEN / "statement.png"
    if os.environ.get("THERABILL_UPDATE_GOLDEN"):
        image.save(golden, optimize=True)
    from PIL import Image

    with Image.open(golden) as expected:
        assert differing_share(image, expected) < 0.002
