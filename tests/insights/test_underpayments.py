"""Contracted allowed amounts and underpayments: a line the payer allowed less for than agreed
is flagged on posting with the difference; the patient's share and sequestration are part of
the allowed amount, a denial is not an underpayment, and the reduction after the day's first
unit is applied where the contract (or Medicare's fee schedule) says so."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from clock import TODAY
from posting_fixtures import build_claim
from therabill.claims.number import claim_number
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store.models import ClaimRecord, Underpayment
from therabill.store.services import Store, remittances, submission, underpayments
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine, write_835

runner = CliRunner()
CONTRACT = "code,modifier,allowed,reduced,effective,end\n97110,,40.00,,2026-01-01,\n97140,,38.00,30.00,2026-01-01,2026-12-31\n"


def contract(store: Store, text: str = CONTRACT) -> underpayments.ContractImport:
    with store.transaction() as work:
        return underpayments.import_contract(work, payer="Acme Health Plan", text=text,
                                             file_name="acme.csv")  # fmt: skip


def post_claim(
    store: Store, outbox: Path, claim_id: int, answer: list[tuple[int, list[tuple[str, str, int]]]]
) -> None:
    """Send the claim and post the payer's answer: per line, paid cents and adjustments."""
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=outbox)
    with store.transaction() as work:
        record = work.db.get(ClaimRecord, claim_id)
        assert record is not None
        svcs = [
            AdjudicatedLine(ln.code, ln.charge_cents, paid, ln.units, ln.date_of_service,
                            [m for m in ln.modifiers.split(",") if m], adj)
            for ln, (paid, adj) in zip(record.lines, answer, strict=True)
        ]  # fmt: skip
        text = write_835([AdjudicatedClaim(claim_number(claim_id), "1", svcs)],
                         trace=f"U{claim_id}", paid_on=TODAY)  # fmt: skip
    with store.transaction(actor="poster") as work:
        remittances.post_remittance(
            work=work, data=text.encode("ascii"), file_name=f"u{claim_id}.835"
        )


def charges(store: Store, claim_id: int) -> list[int]:
    with store.sessions() as db:
        record = db.get(ClaimRecord, claim_id)
        assert record is not None
        return [ln.charge_cents for ln in record.lines]


def flagged(store: Store) -> list[dict]:  # type: ignore[type-arg]
    with store.transaction() as work:
        return underpayments.list_underpayments(work)


def test_a_line_allowed_below_the_contract_is_flagged_with_the_difference(
    practice: Store, tmp_path: Path
) -> None:
    contract(practice)
    cid = build_claim(practice, c97110=30)  # 2 units: $80.00 agreed
    (charge,) = charges(practice, cid)
    # allowed $70.00: paid $60.00 + $10.00 copay; the rest written off
    post_claim(practice, tmp_path, cid, [(6000, [("CO", "45", charge - 7000), ("PR", "3", 1000)])])
    (found,) = flagged(practice)
    assert (found["code"], found["units"], found["expected"], found["allowed"], found["paid"],
            found["difference"]) == ("97110", 2, "80.00", "70.00", "60.00", "10.00")  # fmt: skip
    assert found["basis"] == "contracted allowed amount" and found["status"] == "open"


def test_patient_share_and_sequestration_are_not_underpayments(
    practice: Store, tmp_path: Path
) -> None:
    contract(practice)
    cid = build_claim(practice, c97110=30)
    (charge,) = charges(practice, cid)
    # allowed $80.00 = paid $62.72 + coinsurance $16.00 + sequestration $1.28 (2% of $64.00)
    post_claim(practice, tmp_path, cid, [
        (6272, [("CO", "45", charge - 8000), ("PR", "2", 1600), ("CO", "253", 128)])
    ])  # fmt: skip
    assert flagged(practice) == []


def test_a_denied_line_is_a_denial_not_an_underpayment(practice: Store, tmp_path: Path) -> None:
    contract(practice)
    cid = build_claim(practice, c97110=30)
    (charge,) = charges(practice, cid)
    post_claim(practice, tmp_path, cid, [(0, [("CO", "96", charge)])])
    assert flagged(practice) == []


def test_the_contracts_reduced_amount_applies_after_the_days_first_unit(
    practice: Store, tmp_path: Path
) -> None:
    contract(practice)
    cid = build_claim(practice, c97140=38)  # 3 units: $38.00 + 2 × $30.00 = $98.00
    (charge,) = charges(practice, cid)
    post_claim(practice, tmp_path, cid, [(9800, [("CO", "45", charge - 9800)])])
    assert flagged(practice) == []
    cid = build_claim(practice, day=TODAY - dt.timedelta(days=3), c97140=38)
    (charge,) = charges(practice, cid)
    post_claim(practice, tmp_path, cid, [(9000, [("CO", "45", charge - 9000)])])
    (found,) = flagged(practice)
    assert (found["expected"], found["difference"]) == ("98.00", "8.00")
    assert "reduced amount after the day's first unit" in found["basis"]


def test_posting_the_same_file_twice_flags_once(practice: Store, tmp_path: Path) -> None:
    contract(practice)
    cid = build_claim(practice, c97110=30)
    (charge,) = charges(practice, cid)
    post_claim(practice, tmp_path, cid, [(5000, [("CO", "45", charge - 5000)])])
    with practice.transaction() as work:
        record = work.db.get(ClaimRecord, cid)
        assert record is not None
    with practice.sessions() as db:
        assert len(db.execute(select(Underpayment)).scalars().all()) == 1


def test_a_new_contract_row_replaces_the_same_code_and_date(practice: Store) -> None:
    contract(practice)
    done = contract(practice, "code,allowed,effective\n97110,42.50,2026-01-01\n")
    assert done.to_dict() == {"payer": "Acme Health Plan", "rows": 1, "codes": 1}
    with practice.transaction() as work:
        rates = underpayments.contract_rates(work, payer="Acme Health Plan")
    assert [(r["code"], r["allowed"], r["reduced"]) for r in rates] == [
        ("97110", "42.50", None), ("97140", "38.00", "30.00")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("code,allowed\n97110,40\n", "file"),
        ("code,allowed,effective\n9711,40,2026-01-01\n", "row 2: code"),
        ("code,allowed,effective\n97110,forty,2026-01-01\n", "row 2: allowed"),
        ("code,allowed,effective\n97110,40,01/01/2026\n", "row 2: effective"),
        ("code,allowed,effective,end\n97110,40,2026-02-01,2026-01-01\n", "row 2: end"),
        ("code,modifier,allowed,effective\n97110,GPX,40,2026-01-01\n", "row 2: modifier"),
        ("code,allowed,effective\n", "file"),
    ],
    ids=["no-effective-column", "code", "amount", "date", "end-before", "modifier", "empty"],
)
def test_a_bad_contract_file_names_row_and_column(practice: Store, text: str, field: str) -> None:
    with practice.transaction() as work, pytest.raises(InvalidInput) as caught:
        underpayments.import_contract(work, payer="Acme Health Plan", text=text, file_name="x.csv")
    assert caught.value.field == field


def test_the_cli_imports_lists_and_closes(practice: Store, tmp_path: Path, home: Path) -> None:
    csv_file = tmp_path / "acme.csv"
    csv_file.write_text(CONTRACT)
    result = runner.invoke(
        app, ["contract", "import", str(csv_file), "--payer", "Acme Health Plan", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 2
    result = runner.invoke(app, ["contract", "list", "--payer", "Acme Health Plan"])
    assert result.exit_code == 0 and "97140" in result.stdout
    cid = build_claim(practice, c97110=30)
    (charge,) = charges(practice, cid)
    post_claim(practice, tmp_path, cid, [(5000, [("CO", "45", charge - 5000)])])
    result = runner.invoke(app, ["underpayments", "--json"])
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["difference"] == "30.00"
    result = runner.invoke(app, ["underpayments", "--status", "appealed", "--mark", str(row["id"]),
                                 "--note", "appeal sent"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(runner.invoke(app, ["underpayments", "--json"]).stdout) == []
    result = runner.invoke(app, ["underpayments", "--status", "lost"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: status:")


def test_medicare_is_held_to_its_fee_schedule_with_the_therapy_reduction(
    cob_practice: Store, tmp_path: Path
) -> None:
    """MPFS 2026 national, non-facility: 97110 $29.06 (reduced $22.21), 97140 $27.72 ($21.21).
    97110 has the larger practice expense, so its first unit is paid in full and the other
    two units at the reduced amount: 97110 × 2 = $51.27, 97140 × 1 = $21.21 (CMS Pub 100-04
    ch. 5 §10.7)."""
    cid = build_claim(cob_practice, client="C-3", c97110=30, c97140=15)
    with cob_practice.sessions() as db:
        record = db.get(ClaimRecord, cid)
        assert record is not None
        lines = [(ln.code, ln.units, ln.charge_cents) for ln in record.lines]
    assert [(c, u) for c, u, _ in lines] == [("97110", 2), ("97140", 1)]
    (_, _, c1), (_, _, c2) = lines
    answer = [
        (4102, [("CO", "45", c1 - 5127), ("PR", "2", 1025)]),  # allowed in full
        (1520, [("CO", "45", c2 - 1900), ("PR", "2", 380)]),  # allowed $19.00: $2.21 short
    ]
    post_claim(cob_practice, tmp_path, cid, answer)
    (found,) = flagged(cob_practice)
    assert (found["code"], found["expected"], found["allowed"], found["difference"]) == (
        "97140", "21.21", "19.00", "2.21"
    )  # fmt: skip
    assert "fee schedule mpfs-2026-national" in found["basis"] and "§10.7" in found["basis"]


def test_a_later_claim_of_the_same_day_is_held_to_the_reduced_amount(
    cob_practice: Store, tmp_path: Path
) -> None:
    """The reduction spans the client's whole day, across claims and disciplines (NGS
    Medicare and Novitas, "Multiple procedure payment reduction"): 97110 × 2 paid first on its
    own claim took the day's full unit ($29.06 + $22.21), so 97140 on a second claim of the
    same day is expected at its reduced $21.21, not its full $27.72. Paid $21.21: nothing to
    flag (held alone, it would have been flagged $6.51 short)."""
    first = build_claim(cob_practice, client="C-3", c97110=30)
    (c1,) = charges(cob_practice, first)
    post_claim(
        cob_practice, tmp_path, first, [(4102, [("CO", "45", c1 - 5127), ("PR", "2", 1025)])]
    )
    second = build_claim(cob_practice, client="C-3", c97140=15)
    assert second != first
    (c2,) = charges(cob_practice, second)
    post_claim(
        cob_practice, tmp_path, second, [(1697, [("CO", "45", c2 - 2121), ("PR", "2", 424)])]
    )
    assert flagged(cob_practice) == []


def test_a_later_claim_below_the_reduced_amount_names_the_claim_that_took_the_full_unit(
    cob_practice: Store, tmp_path: Path
) -> None:
    first = build_claim(cob_practice, client="C-3", c97110=30)
    (c1,) = charges(cob_practice, first)
    post_claim(
        cob_practice, tmp_path, first, [(4102, [("CO", "45", c1 - 5127), ("PR", "2", 1025)])]
    )
    second = build_claim(cob_practice, client="C-3", c97140=15)
    (c2,) = charges(cob_practice, second)
    post_claim(
        cob_practice, tmp_path, second, [(1520, [("CO", "45", c2 - 1900), ("PR", "2", 380)])]
    )
    (found,) = flagged(cob_practice)
    assert (found["code"], found["expected"], found["allowed"], found["difference"]) == (
        "97140", "21.21", "19.00", "2.21"
    )  # fmt: skip
    assert f"the day's full unit was paid on claim #{first}" in found["basis"]


def test_the_days_full_unit_goes_to_the_highest_practice_expense_across_claims(
    cob_practice: Store, tmp_path: Path
) -> None:
    """97140 paid alone at its reduced $21.21 is flagged $6.51 short of its full $27.72. Then
    the day's second claim brings 97110, the larger practice expense: the day's full unit is
    its own ($29.06 + $22.21 = $51.27), so the first flag is closed (nothing was owed), and
    97110 allowed both units reduced ($44.42) is $6.85 short, ranked with the first claim."""
    first = build_claim(cob_practice, client="C-3", c97140=15)
    (c1,) = charges(cob_practice, first)
    post_claim(cob_practice, tmp_path, first, [(1697, [("CO", "45", c1 - 2121), ("PR", "2", 424)])])
    (alone,) = flagged(cob_practice)
    assert (alone["claim"], alone["difference"]) == (first, "6.51")
    second = build_claim(cob_practice, client="C-3", c97110=30)
    (c2,) = charges(cob_practice, second)
    post_claim(
        cob_practice, tmp_path, second, [(3554, [("CO", "45", c2 - 4442), ("PR", "2", 888)])]
    )
    (found,) = flagged(cob_practice)
    assert (found["claim"], found["code"]) == (second, "97110")
    assert (found["expected"], found["allowed"], found["difference"]) == ("51.27", "44.42", "6.85")
    assert f"ranked with claim #{first} of the same day" in found["basis"]
    with cob_practice.transaction() as work:
        (closed,) = underpayments.list_underpayments(work, status="closed")
    assert (closed["claim"], closed["expected"], closed["difference"]) == (first, "21.21", "0.00")
    assert f"claim #{second}" in closed["note"]
