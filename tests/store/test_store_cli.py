"""The practice-records commands, through the real CLI, on each backend."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from therabill.claims.number import claim_number
from therabill.cli.main import app
from therabill.store.services import open_store, remittance_intake

runner = CliRunner()


def run(*args: str, ok: bool = True) -> Any:
    result = runner.invoke(app, [*args])
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def run_json(*args: str) -> Any:
    return json.loads(run(*args, "--json").stdout)


@pytest.fixture
def set_up(home: Path) -> Path:
    run(
        "init",
        "--name",
        "Harbour Therapy",
        "--npi",
        "1234567893",
        "--tax-id",
        "04-3216549",
        "--address",
        "1 Main St, Springfield, IL, 62701",
    )
    run("payer", "add", "MEDICARE", "--payer-id", "00430")
    run(
        "provider",
        "add",
        "--npi",
        "1245319599",
        "--first-name",
        "Sam",
        "--last-name",
        "Ortiz",
        "--discipline",
        "pt",
        "--taxonomy",
        "225100000X",
    )
    run("fee", "set", "97110", "40.00")
    run("fee", "set", "97112", "45.00")
    return home


def test_commands_need_an_initialised_database(home: Path) -> None:
    result = run("client", "list", ok=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "therabill init" in result.stderr


def test_client_session_claim_ledger_round_trip(set_up: Path) -> None:
    client = run_json(
        "client",
        "add",
        "--first-name",
        "Ada",
        "--last-name",
        "Example",
        "--birth-date",
        "1950-03-04",
        "--chart",
        "C-1",
        "--payer",
        "MEDICARE",
        "--member-id",
        "1EG4TE5MK73",
        "--sex",
        "F",
        "--address",
        "2 Elm St",
        "--city",
        "Springfield",
        "--state",
        "IL",
        "--zip",
        "62701",
    )
    assert client["chart_number"] == "C-1"
    session = run_json(
        "session",
        "add",
        "C-1",
        "97112=24",
        "97110=23",
        "--provider",
        "1245319599",
        "--date",
        "2026-11-20",
        "--start",
        "09:00",
        "--end",
        "09:50",
        "--dx",
        "M54.50",
        "--technique",
        "balance training",
    )
    assert session["units"]["total_timed_units"] == 3
    built = run_json("claims", "build")
    assert built["claims_built"] == 1 and built["sessions_billed"] == 1
    claim = run_json("claims", "show", str(built["claim_ids"][0]))
    assert [(ln["code"], ln["units"], ln["modifiers"]) for ln in claim["lines"]] == [
        ("97112", 2, ["GP"]),
        ("97110", 1, ["GP"]),
    ]
    assert claim["total_charge_cents"] == 13000
    book = run_json("ledger", "C-1")
    assert book["balance"] == {"insurance_cents": 13000, "patient_cents": 0, "total_cents": 13000}
    again = run_json("claims", "build")
    assert again["claims_built"] == 0


def test_import_is_all_or_nothing(set_up: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "clients.csv"
    csv_file.write_text(
        "chart_number,first_name,last_name,birth_date,payer,member_id\n"
        "A1,Ann,One,1980-01-02,MEDICARE,M1\n"
        "A2,Bo,,1981-02-03,,\n"
        "A3,Cy,Three,1982-13-01,,\n"
        "A1,Di,Four,1983-04-05,,\n",
        "utf-8",
    )
    result = run("client", "import", str(csv_file), ok=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert "3 bad row(s), nothing imported" in result.stderr
    assert "row 3: last_name: is required" in result.stderr
    assert "row 4: birth_date" in result.stderr
    assert "row 5: chart_number: 'A1' repeats row 2" in result.stderr
    assert run_json("client", "list") == []
    imported = run_json("client", "import", str(csv_file), "--skip-bad")
    assert imported["imported"] == 1
    rejects = Path(imported["rejects_file"]).read_text("utf-8").splitlines()
    assert rejects[0].startswith('"row","reason",')  # every cell quoted (CSV injection)
    assert len(rejects) == 4
    assert [c["chart_number"] for c in run_json("client", "list")] == ["A1"]


def test_audit_verify_catches_an_edited_entry(set_up: Path, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("tampering is simulated through the SQLite file")
    run(
        "client",
        "add",
        "--first-name",
        "Ada",
        "--last-name",
        "Example",
        "--birth-date",
        "1950-03-04",
        "--chart",
        "C-1",
    )
    run("client", "show", "C-1")
    assert "Audit log intact" in run("audit", "verify").stdout
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = 3")
    result = run("audit", "verify", "--json", ok=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert "entry 3: changed after it was written" in report["problems"]


def test_audit_verify_catches_a_deleted_entry(set_up: Path, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("tampering is simulated through the SQLite file")
    head = run_json("audit", "verify")["head_hash"]
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE seq = 2")
    report = json.loads(run("audit", "verify", "--json", ok=False).stdout)
    assert "entry 2 missing (deleted?)" in report["problems"]
    with sqlite3.connect(path) as conn:
        last = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        conn.execute("DELETE FROM audit_log WHERE seq = ?", (last,))
    cut = json.loads(run("audit", "verify", "--json", "--expect-head", head, ok=False).stdout)
    assert any("expected head" in p for p in cut["problems"])


def test_backup_and_export(set_up: Path, tmp_path: Path, db_url: str) -> None:
    target = tmp_path / "backup.db"
    done = run_json("backup", str(target))
    assert done["bytes"] > 0
    if db_url.startswith("sqlite"):
        with sqlite3.connect(target) as conn:
            assert conn.execute("SELECT count(*) FROM payers").fetchone()[0] == 1
    again = run("backup", str(target), ok=False)
    assert "already exists" in again.stderr
    exported = run_json("export", str(tmp_path / "out"), "--format", "csv")
    assert exported["rows"]["payers"] == 1
    assert (tmp_path / "out" / "providers.csv").read_text("utf-8").count("\n") == 2
    as_json = run_json("export", str(tmp_path / "all.json"), "--format", "json")
    assert json.loads((tmp_path / "all.json").read_text("utf-8"))["fees"][0]["code"] == "97110"
    assert as_json["format"] == "json"


def test_claims_status_moves_and_refusals(set_up: Path) -> None:
    run(
        "client",
        "add",
        "--first-name",
        "Ada",
        "--last-name",
        "Example",
        "--birth-date",
        "1950-03-04",
        "--chart",
        "C-1",
        "--payer",
        "MEDICARE",
        "--member-id",
        "1EG4TE5MK73",
    )
    run(
        "session",
        "add",
        "C-1",
        "97110=30",
        "--provider",
        "1245319599",
        "--date",
        "2026-11-20",
        "--start",
        "10:00",
        "--end",
        "10:30",
        "--dx",
        "M54.50",
    )
    claim_id = str(run_json("claims", "build")["claim_ids"][0])
    refused = run("claims", "status", claim_id, "paid", "--reason", "x", ok=False)
    assert refused.exit_code == 2 and "cannot become paid" in refused.stderr
    assert run_json("claims", "list", "--attention")[0]["id"] == int(claim_id)
    # a claim is named by its id or by the claim number a payer's letter shows
    number = claim_number(int(claim_id))
    assert run_json("claims", "show", number)["id"] == int(claim_id)
    assert run_json("claims", "show", number.lower())["id"] == int(claim_id)
    refused = run("claims", "status", number, "paid", "--reason", "x", ok=False)
    assert refused.exit_code == 2 and "cannot become paid" in refused.stderr
    malformed = run("claims", "show", "TB-12", ok=False)
    assert malformed.exit_code == 2
    assert "'TB-12' is not a therabill claim number" in malformed.stderr


def test_demo_practice(home: Path, db_url: str) -> None:
    summary = run_json("demo", "--clients", "6", "--months", "2")
    assert summary["clients"] == 6 and summary["claims"] > 10
    assert summary["paid"] + summary["partly_paid"] > 0, summary["draft_findings"]
    store = open_store(db_url)  # the demo's 835s came in as a biller's uploads do
    with store.reading(actor="tester") as work:
        uploads = remittance_intake.recent_remittances(work)
    store.dispose()
    assert uploads and {u["outcome"] for u in uploads} == {"posted"}
    assert run_json("audit", "verify")["ok"] is True
    again = run_json("demo", "--if-empty")  # what `make run` does every time
    assert again == {"skipped": "the database already holds clients"}
    assert len(run_json("client", "list")) == 6


def test_invoice_lists_what_the_client_owes(set_up: Path) -> None:
    run(
        "client",
        "add",
        "--first-name",
        "Ada",
        "--last-name",
        "Example",
        "--birth-date",
        "1950-03-04",
        "--chart",
        "C-1",
        "--payer",
        "MEDICARE",
        "--member-id",
        "1EG4TE5MK73",
    )
    run(
        "session",
        "add",
        "C-1",
        "97110=30",
        "--provider",
        "1245319599",
        "--date",
        "2026-11-20",
        "--start",
        "10:00",
        "--end",
        "10:30",
        "--dx",
        "M54.50",
    )
    claim_id = str(run_json("claims", "build")["claim_ids"][0])
    nothing = run("invoice", "create", "C-1", ok=False)
    assert "owes nothing" in nothing.stderr
    run("entry", "post", "C-1", "insurance_payment", "50.00", "--claim", claim_id, "--line", "1")
    run("entry", "post", "C-1", "transfer_to_patient", "12.50", "--claim", claim_id)
    invoice = run_json("invoice", "create", "C-1")
    assert invoice["total_cents"] == 1250
    assert invoice["lines"][0]["description"].startswith("2026-11-20 97110 x2")
    assert run_json("ledger", "C-1")["balance"]["patient_cents"] == 1250
    over = run("entry", "pay", "C-1", "20.00", ok=False)
    assert over.exit_code == 2
    assert over.stderr.strip() == (
        "Error: amount: the client owes 12.50; this payment is 7.50 more. Take 12.50, or add "
        "--as-credit to keep the rest as a credit on account."
    )
    assert run_json("ledger", "C-1")["balance"]["patient_cents"] == 1250  # nothing posted
    paid = run_json("entry", "pay", "C-1", "20.00", "--as-credit")
    assert paid["applied"] == [
        {"claim_line_id": invoice["lines"][0]["claim_line_id"], "amount_cents": 1250}
    ]
    assert paid["unapplied_cents"] == 750 and paid["receipt"].startswith("R-")


def test_build_filters_and_client_show(set_up: Path) -> None:
    run(
        "provider",
        "add",
        "--npi",
        "1234567893",
        "--first-name",
        "Pat",
        "--last-name",
        "Lee",
        "--discipline",
        "pt",
    )
    run(
        "client",
        "add",
        "--first-name",
        "Ada",
        "--last-name",
        "Example",
        "--birth-date",
        "1950-03-04",
        "--chart",
        "C-1",
        "--payer",
        "MEDICARE",
        "--member-id",
        "1EG4TE5MK73",
    )
    run(
        "auth",
        "add",
        "C-1",
        "--number",
        "PA-1",
        "--payer",
        "MEDICARE",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--code",
        "97110",
        "--units",
        "10",
        "--case-manager",
        "J. Smith",
    )
    for npi, day in (
        ("1245319599", "2026-11-02"),
        ("1234567893", "2026-11-03"),
        ("1245319599", "2026-11-20"),
    ):
        run(
            "session",
            "add",
            "C-1",
            "97110=30",
            "--provider",
            npi,
            "--date",
            day,
            "--start",
            "10:00",
            "--end",
            "10:30",
            "--dx",
            "M54.50",
        )
    assert len(run_json("session", "list", "--unbilled")) == 3
    only_sam = run_json("claims", "build", "--provider", "1245319599", "--to", "2026-11-10")
    assert only_sam["sessions_billed"] == 1
    rest = run_json("claims", "build")
    assert rest["sessions_billed"] == 2
    shown = run_json("client", "show", "C-1")
    assert shown["policies"][0]["member_id"] == "1EG4TE5MK73"
    assert shown["authorizations"][0]["units_remaining"] == 4  # 3 claims x 2 units
    assert shown["balance"]["insurance_cents"] == 3 * 8000
    table = run("auth", "list", "C-1").stdout
    assert "PA-1" in table and "4/10" in table
    last_name = shown["name"].split(",")[0]
    for listing in (("auth", "list", "C-1"), ("session", "list"), ("claims", "list")):
        assert last_name in run(*listing).stdout, listing  # the client's name, not an id
    assert "Sam" in run("session", "list").stdout  # and the provider's


def test_client_caseload_is_shown_and_changed(set_up: Path) -> None:
    run(
        "client",
        "add",
        "--first-name",
        "Ada",
        "--last-name",
        "Example",
        "--birth-date",
        "1950-03-04",
        "--chart",
        "C-1",
    )
    assert run_json("client", "caseload", "C-1")["providers"] == []
    added = run_json("client", "caseload", "C-1", "--add", "1245319599")
    assert [p["npi"] for p in added["providers"]] == ["1245319599"]
    assert "1245319599  Sam Ortiz" in run("client", "caseload", "C-1").stdout
    removed = run_json("client", "caseload", "C-1", "--remove", "1245319599")
    assert removed["providers"] == []
    unknown = run("client", "caseload", "C-1", "--add", "1234567893", ok=False)
    assert unknown.exit_code == 2 and "no provider" in unknown.stderr


def test_fee_remove(set_up: Path) -> None:
    """A removed fee is gone from the list (audited); removing it again names the code."""
    removed = run_json("fee", "remove", "97112")
    assert removed == {"code": "97112", "removed_unit_charge_cents": 4500}
    assert [f["code"] for f in run_json("fee", "list")] == ["97110"]
    again = run("fee", "remove", "97112", ok=False)
    assert again.exit_code == 2 and again.stderr == "Error: code: there is no fee for 97112\n"


def test_practices_on_sqlite_stay_one_and_user_add_takes_the_practice(
    set_up: Path, db_url: str
) -> None:
    """``practice add`` needs PostgreSQL; ``--practice`` names the only practice here too."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's rule: one installation is one practice")
    refused = run("practice", "add", "Bay Speech", ok=False)
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: on SQLite one installation is one practice")
    assert run_json("practice", "list") == [{"id": 1, "name": "Harbour Therapy"}]
    added = run_json("user", "add", "ana", "--role", "biller", "--practice", "1")
    assert added["username"] == "ana" and added["role"] == "biller"
    joined = run_json("user", "add", "ana", "--role", "admin", "--practice", "1")
    assert joined == {"username": "ana", "practice": 1, "role": "admin"}
    run("--practice", "1", "payer", "list")
