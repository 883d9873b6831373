"""Superbills: the client's services over a period with what a payer asks of an itemized
bill for a member's own claim, billed sessions as billed and unbilled ones priced."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from paper_fixtures import DAY
from pdf_helpers import text
from typer.testing import CliRunner

from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.ledger import EntryKind
from therabill.store import factories
from therabill.store.models import ClaimRecord
from therabill.store.services import Store, clients, ledger, superbills
from therabill.store.services.clients import ClientInput

runner = CliRunner()


def _billed(store: Store) -> int:
    return factories.build_one_claim(
        store, client="C-1", provider=factories.PT_NPI, day=DAY,
        services={"97110": 30, "97140": 15}, diagnoses=("M54.50", "M62.81"),
    )  # fmt: skip


def test_a_billed_session_with_a_copay(store: Store, practice: factories.ExamplePractice) -> None:
    claim_id = _billed(store)
    with store.transaction(actor="biller") as work:
        claim = work.db.get(ClaimRecord, claim_id)
        assert claim is not None
        ledger.post_entry(
            work=work, kind=EntryKind.PATIENT_PAYMENT, amount_cents=2000,
            client_id=claim.client_id, claim_line=claim.lines[0], effective_date=DAY,
        )  # fmt: skip
        ledger.post_entry(
            work=work, kind=EntryKind.PATIENT_PAYMENT, amount_cents=500,
            client_id=claim.client_id, effective_date=DAY, memo="paid ahead",
        )  # fmt: skip
    with store.transaction(actor="biller") as work:
        made = superbills.make_superbill(work=work, client="C-1", start=DAY, end=DAY)
    shown = text(made.pdf)
    for expected in ("Harbour Therapy", "1234567893", "123456789", "Ada Example", "03/04/1950",
                     "M54.50", "M62.81", "97110", "97140", "Pat Lee", "physical therapy",
                     "$90.00", "$42.00", "$132.00", "$20.00", "$25.00", "1EG4TE5MK73",
                     "Payments on account in this period"):  # fmt: skip
        assert expected in shown, expected
    assert made.bill.charge_cents == 13200 and made.bill.paid_cents == 2500
    assert [(line.code, line.units, line.diagnosis_pointers) for line in made.bill.lines] == [
        ("97110", 2, (1, 2)),
        ("97140", 1, (1, 2)),
    ]


def test_a_self_pay_client_priced_by_the_practice_fees(
    store: Store, practice: factories.ExamplePractice
) -> None:
    with store.transaction(actor="front desk") as work:
        clients.add_client(
            work=work, data=ClientInput("Sol", "Cash", dt.date(1990, 1, 2), chart_number="C-2")
        )
        for offset in range(9):  # more lines than a page holds
            factories.add_session(
                work, client="C-2", provider=factories.PT_NPI,
                day=DAY - dt.timedelta(days=7 * offset), services={"97110": 38},
            )  # fmt: skip
    with store.transaction(actor="biller") as work:
        made = superbills.make_superbill(
            work=work, client="C-2", start=DAY - dt.timedelta(days=70), end=DAY
        )
    assert len(made.bill.lines) == 9 and made.bill.charge_cents == 9 * 3 * 4500
    assert made.bill.member_id is None
    assert "$1,215.00" in text(made.pdf, -1)


@pytest.mark.parametrize(
    ("client", "start", "end", "message"),
    [
        ("C-1", DAY, DAY - dt.timedelta(days=1), "the period runs backwards"),
        ("C-404", DAY, DAY, "no client"),
        ("C-1", DAY - dt.timedelta(days=40), DAY - dt.timedelta(days=30), "no sessions"),
        ("C-1", None, DAY, "give both --from and --to"),
    ],
    ids=["backwards", "unknown client", "no sessions", "missing date"],
)
def test_bad_input(
    store: Store, practice: factories.ExamplePractice, client: str,
    start: dt.date | None, end: dt.date, message: str,
) -> None:  # fmt: skip
    _billed(store)
    with store.transaction(actor="biller") as work, pytest.raises(InvalidInput, match=message):
        superbills.make_superbill(work=work, client=client, start=start, end=end)


def test_cli(store: Store, practice: factories.ExamplePractice, cli_env: Path) -> None:
    _billed(store)
    out = cli_env / "superbill.pdf"
    day = DAY.isoformat()
    result = runner.invoke(
        app, ["superbill", "C-1", "--from", day, "--to", day, "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["charge_cents"] == 13200 and data["lines"] == 2 and out.exists()
    shown = runner.invoke(app, ["superbill", "C-1", "--from", day, "--to", day, "-o", str(out)])
    assert "$132.00 charged" in shown.stdout  # money as a biller reads it
    bad = runner.invoke(
        app, ["superbill", "C-1", "--from", day, "--to", "2020-01-01", "-o", str(out)]
    )
    assert bad.exit_code == 2 and bad.stdout == ""
    assert (
        bad.stderr.startswith("Error: to: the period runs backwards")
        and bad.stderr.count("\n") == 1
    )
