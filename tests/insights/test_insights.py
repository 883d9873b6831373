"""Payer insights from posted remittances: per payer × code, what was paid per unit, what was
denied and why, how long payment took; the CLI and the code advisor's payer evidence."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from paid import COPAY, PAID_ON, paid_practice
from sqlalchemy import select
from typer.testing import CliRunner

from clock import TODAY
from posting_fixtures import build_claim
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store.models import ClaimLine
from therabill.store.services import Store, claim_records, insights
from therabill.store.services.code_advice import advise_for_payer

runner = CliRunner()


def charge_per_unit(store: Store, code: str) -> int:
    with store.sessions() as db:
        line = db.execute(select(ClaimLine).where(ClaimLine.code == code).limit(1)).scalar_one()
        return line.charge_cents // line.units


def test_paid_and_denied_lines_are_summed_per_payer_and_code(
    practice: Store, tmp_path: Path
) -> None:
    paid_practice(practice, tmp_path)
    unit = charge_per_unit(practice, "97110")
    with practice.transaction() as work:
        data = insights.insights(work)
    groups = {g["code"]: g for g in data["groups"]}
    paid, denied = groups["97110"], groups["97140"]
    assert (paid["payer"], paid["claims"], paid["lines"], paid["units"]) == (
        "Acme Health Plan", 6, 6, 12
    )  # fmt: skip
    allowed = Decimal(unit * 2 * 80 // 100) / 2 / 100
    assert paid["allowed_per_unit"]["median"] == str(allowed.quantize(Decimal("0.01")))
    expected_paid = (Decimal(unit * 2 * 80 // 100 - COPAY) / 2 / 100).quantize(Decimal("0.01"))
    assert paid["paid_per_unit"] == {
        "median": str(expected_paid), "min": str(expected_paid), "max": str(expected_paid)
    }  # fmt: skip
    assert paid["denied_lines"] == 0 and paid["days_to_payment"] == {
        "mean": 14.0,
        "median": 14,
        "n": 6,
    }
    assert (denied["denied_lines"], denied["denial_rate"], denied["denials_by_carc"]) == (
        2, 1.0, {"96": 2}
    )  # fmt: skip
    assert denied["paid_per_unit"] is None
    assert data["payers"] == [
        {"payer": "Acme Health Plan", "claims": 8, "mean_days": 14.0, "median_days": 14}
    ]
    months = {(t["month"], t["code"]) for t in data["trend"]}
    assert ((TODAY - dt.timedelta(days=40)).strftime("%Y-%m"), "97110") in months


def test_filters_by_code_and_dates(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path)
    with practice.transaction() as work:
        only = insights.insights(work, code="97140")
        late = insights.insights(work, start=TODAY - dt.timedelta(days=36))
        by_place = insights.insights(work, grouping=["payer", "provider", "place"])
    assert [g["code"] for g in only["groups"]] == ["97140"]
    assert late["lines"] == 2  # services 36 and 35 days ago
    assert by_place["groups"][0]["provider"] == "Pat Lee" and by_place["groups"][0]["place"] == "11"


@pytest.mark.parametrize(
    ("options", "field"),
    [({"grouping": ["colour"]}, "by"), ({"start": TODAY, "end": TODAY - dt.timedelta(days=1)}, "from"),
     ({"payer": "Nobody Mutual"}, "payer")],
    ids=["grouping", "dates", "payer"],
)  # fmt: skip
def test_bad_filters_name_the_field(practice: Store, options: dict, field: str) -> None:  # type: ignore[type-arg]
    with practice.transaction() as work, pytest.raises(InvalidInput) as caught:
        insights.insights(work, **options)
    assert caught.value.field == field


def test_sentences_need_enough_lines_and_carry_counts_and_dates(
    practice: Store, tmp_path: Path
) -> None:
    paid_practice(practice, tmp_path, paid=6, denied=5)
    with practice.sessions() as db:
        said = insights.paid_sentences(db, payer_id=1, codes=["97110", "97140"], today=TODAY)
    assert said["97110"].startswith("Acme Health Plan paid 97110 at $")
    assert "(median, n = 6, " in said["97110"]
    assert said["97140"].startswith("Acme Health Plan denied 97140 5 of 5 times (CARC 96, ")


def test_too_few_lines_say_nothing(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path, paid=4, denied=1)
    with practice.sessions() as db:
        assert insights.paid_sentences(db, payer_id=1, codes=["97110", "97140"], today=TODAY) == {}


def test_the_advisor_with_a_payer_shows_what_it_paid(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path)
    with practice.transaction() as work:
        advice = advise_for_payer(
            work, "strengthening exercise for the knee", payer="acme health plan",
            discipline="pt", day=TODAY,
        )  # fmt: skip
    first = advice.suggestions[0]
    assert first.code == "97110" and first.payer is not None
    assert first.payer["paid"].startswith("Acme Health Plan paid 97110 at $")


def test_the_cli_prints_insights_and_advice_as_json(
    practice: Store, tmp_path: Path, home: Path
) -> None:
    paid_practice(practice, tmp_path)
    result = runner.invoke(app, ["insights", "--payer", "Acme Health Plan", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {g["code"] for g in data["groups"]} == {"97110", "97140"}
    result = runner.invoke(app, ["insights"])
    assert result.exit_code == 0 and "Acme Health Plan" in result.stdout
    result = runner.invoke(
        app, ["codes", "advise", "quad sets and bike for knee strength", "--discipline", "pt",
              "--payer", "1", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data)[:2] == ["suggestions", "avoid"]
    assert data["suggestions"][0]["payer"]["paid"].startswith("Acme Health Plan paid 97110")
    result = runner.invoke(app, ["insights", "--from", "yesterday"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: from:")
    assert PAID_ON > TODAY


def test_a_new_claim_to_the_payer_carries_its_record_as_info_findings(
    practice: Store, tmp_path: Path
) -> None:
    paid_practice(practice, tmp_path, paid=6, denied=5)
    claim_id = build_claim(practice, day=TODAY - dt.timedelta(days=2), c97110=30, c97140=30)
    with practice.transaction() as work:
        shown = claim_records.show_claim(work=work, claim_id=claim_id)
    by_id = {}
    for f in shown["findings"]:
        by_id.setdefault(f["id"], []).append(f)
    (paid,) = by_id["insights.paid"]
    assert paid["severity"] == "info" and "paid 97110 at $" in paid["message"]
    assert "(median, n = 6, " in paid["message"]
    (denied,) = by_id["insights.denied"]
    assert "denied 97140 5 of 5 times (CARC 96, " in denied["message"]
    (days,) = by_id["insights.days-to-pay"]
    assert "takes 14 days on average" in days["message"] and "n = 11 claims" in days["message"]
