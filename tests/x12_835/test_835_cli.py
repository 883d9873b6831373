"""``therabill era show``: the JSON is the golden structure; errors are one ``Error:`` line."""

from __future__ import annotations

import json
from pathlib import Path

from remit_factory import PEER_DIR, therapy_file
from typer.testing import CliRunner

from therabill.cli.main import app

runner = CliRunner()
GOLDEN = Path(__file__).resolve().parent / "golden"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_is_the_golden_structure() -> None:
    path = PEER_DIR / "lfh_managed-care.835"
    code, out, err = run("era", "show", str(path), "--json")
    assert code == 0 and err == ""
    golden = json.loads((GOLDEN / "lfh_managed-care.835.json").read_text("utf-8"))
    for remittance in golden:
        remittance["file"] = str(path)
    assert json.loads(out) == golden


def test_several_files_in_one_call(tmp_path: Path) -> None:
    sample = tmp_path / "therapy.835"
    sample.write_bytes(therapy_file())
    code, out, _ = run(
        "era", "show", str(sample), str(PEER_DIR / "lfh_medicare-part-a.835"), "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert [r["trace"]["number"] for r in data] == ["EFT0001", "12345"]
    first_claim = data[0]["claims"][0]
    assert first_claim["services"][0]["adjustments"][1] == {
        "group": "PR",
        "group_text": "Patient responsibility: deductible, coinsurance or copay, moved to the "
        "client's balance",
        "reason": "3",
        "reason_text": "Copay: the patient's fixed share per visit or service",
        "amount": "20.00",
        "quantity": None,
    }
    assert data[0]["balance_problems"] == []
    assert data[0]["provider_adjustments"] == [
        {
            "provider_id": "1234567893",
            "fiscal_period_end": "2026-12-31",
            "reason": "WO",
            "reference": "OVP123",
            "amount": "17.50",
        }
    ]


def test_summary_names_payer_claims_and_balance(tmp_path: Path) -> None:
    sample = tmp_path / "therapy.835"
    sample.write_bytes(therapy_file())
    code, out, err = run("era", "show", str(sample))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == (
        "ACME HEALTH PLAN → BRIGHT PATH THERAPY: 72.50 (ACH on 2026-01-07), trace EFT0001"
    )
    assert lines[1] == f"{sample}, transaction 0001 at segment 3, interchange 000000101"
    assert any("TB00000002" in line and "denied" in line for line in lines)
    assert "Provider adjustment WO OVP123: 17.50" in lines
    assert "Balances: payment, claims and lines." in lines


def test_unbalanced_file_is_shown_with_its_problems(tmp_path: Path) -> None:
    sample = tmp_path / "off.835"
    sample.write_bytes(therapy_file().replace(b"BPR*I*72.50", b"BPR*I*72.51"))
    code, out, _ = run("era", "show", str(sample))
    assert code == 0
    assert "Does not balance (1 problems):" in out
    assert "BPR02 is 72.51 but the claims paid 90.00" in out


def test_bad_file_is_one_error_line_and_nothing_on_stdout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.835"
    bad.write_bytes(therapy_file().replace(b"SE*36*0001", b"SE*35*0001"))
    code, out, err = run("era", "show", str(bad), "--json")
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {bad}, segment 38 (SE), element SE01: SE01 says 35 segments but transaction "
        "0001 has 36 (ST at segment 3). Is a segment missing or added?\n"
    )


def test_help_ends_with_an_example() -> None:
    code, out, _ = run("era", "show", "--help")
    assert code == 0 and "Example: therabill era show remit.835 --json" in out
