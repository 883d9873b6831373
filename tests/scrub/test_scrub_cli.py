"""``therabill scrub`` and ``therabill edits``: output, exit statuses, errors; docs current."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from scrub_helpers import claim, line
from typer.testing import CliRunner

from clock import TODAY
from therabill.cli.main import app
from therabill.scrub import RULES
from therabill.scrub.docs import RULES_DOC, rules_markdown

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, data: object, name: str = "claims.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return str(path)


def test_clean_claim_exit_0_json_shape(tmp_path: Path) -> None:
    day = (TODAY - dt.timedelta(days=3)).isoformat()
    path = write(tmp_path, claim(line("97110", 23, 2, date=day)))
    code, out, err = run("scrub", path, "--json")
    assert (code, err) == (0, "")
    (result,) = json.loads(out)
    assert set(result) == {"claim_id", "ok", "findings", "lines"}
    assert result["ok"] is True and result["findings"] == []
    assert result["lines"][0]["code"] == "97110" and result["lines"][0]["units"] == 2


def test_claim_with_errors_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path, [claim(line("97633", 23, 2)), claim(line("97110", 38))])
    code, out, err = run("scrub", path, "--json")
    assert code == 1 and err == ""
    first, second = json.loads(out)
    assert first["ok"] is False
    unknown = next(f for f in first["findings"] if f["id"] == "code.unknown")
    assert unknown["line"] == 1 and unknown["field"] == "lines[0].code"
    assert "97533" in unknown["message"] and unknown["source"] and unknown["severity"] == "error"
    assert second["lines"][0]["units"] == 3 and second["lines"][0]["units_computed"] is True


def test_readable_report_groups_by_claim(tmp_path: Path) -> None:
    path = write(tmp_path, claim(line("97633", 23, 2)))
    code, out, _ = run("scrub", path)
    assert code == 1
    assert out.startswith("T-1: NOT READY")
    assert "code.unknown: 97633 is not a known procedure code" in out
    assert "fix: Did you mean 97533" in out
    assert out.rstrip().endswith("1 claim checked, 1 with errors.")


def test_json_lines_from_stdin() -> None:
    text = json.dumps(claim(line("97633", 23, 2))) + "\n" + json.dumps(claim()) + "\n"
    code, out, _ = run("scrub", "-", "--json", stdin=text)
    assert code == 1 and len(json.loads(out)) == 2


def test_unreadable_input_exit_2_nothing_on_stdout(tmp_path: Path) -> None:
    bad = claim()
    bad["lines"][0]["minutes"] = "twenty"
    path = write(tmp_path, [claim(), bad])
    code, out, err = run("scrub", path, "--json")
    assert code == 2 and out == ""
    assert err.startswith("Error: ") and path in err and "claim 2" in err
    assert "lines[0].minutes" in err and len(err.splitlines()) == 1


def test_not_json_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"claim_id": ', "utf-8")
    code, out, err = run("scrub", str(path))
    assert code == 2 and out == "" and "line 1, column" in err


def test_missing_file_exit_2(tmp_path: Path) -> None:
    code, out, err = run("scrub", str(tmp_path / "nope.json"))
    assert code == 2 and out == "" and err.startswith("Error: FILE: cannot read")


def test_payers_dir_adds_a_profile(tmp_path: Path) -> None:
    folder = tmp_path / "payers"
    folder.mkdir()
    (folder / "acme.toml").write_text(
        'id = "ACME"\nname = "Acme"\nunit_rule = "cms"\n[codes]\naccepted = ["97124"]\n', "utf-8"
    )
    path = write(tmp_path, claim(payer="ACME"))
    code, out, _ = run("scrub", path, "--payers", str(folder), "--json")
    ids = {f["id"] for f in json.loads(out)[0]["findings"]}
    assert code == 1 and "payer.code-not-accepted" in ids and "payer.unknown-profile" not in ids


def test_bad_payer_profile_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "payers"
    folder.mkdir()
    (folder / "bad.toml").write_text('id = "BAD"\nname = "Bad"\nunit_rule = "hours"\n', "utf-8")
    code, out, err = run("scrub", write(tmp_path, claim()), "--payers", str(folder))
    assert code == 2 and out == ""
    assert "bad.toml" in err and "unit_rule" in err and "cms, midpoint" in err


def test_rules_lists_every_rule() -> None:
    code, out, _ = run("scrub", "--rules", "--json")
    listed = json.loads(out)
    assert code == 0 and {r["id"] for r in listed} == set(RULES)
    assert all(r["source"] and r["severity"] in ("error", "warning", "info") for r in listed)
    code, text, _ = run("scrub", "--rules")
    assert code == 0 and all(rule_id in text for rule_id in RULES)


def test_scrub_without_file_is_an_error() -> None:
    code, out, err = run("scrub")
    assert code == 2 and out == "" and err.startswith("Error:")


def test_edits_list_and_import(tmp_path: Path) -> None:
    code, out, _ = run("edits", "list", "--code", "97140", "--json")
    data = json.loads(out)
    assert code == 0 and any(
        (e["column1"], e["column2"], e["deletion"]) == ("97140", "97530", "2019-12-31")
        for e in data["ptp"]
    )
    assert all(e["source"] and e["status"] for e in data["ptp"])
    ptp = tmp_path / "ccipra-v321r0-f1.txt"
    ptp.write_text(
        "CPT only copyright 2025 American Medical Association.\n"
        "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\t"
        "Modifier\tPTP Edit Rationale\n"
        "\t\t\t\t*=no data\t0=not allowed\t\n"
        "97110\t97124\t\t20200101\t*\t1\tMutually exclusive procedures\n"
        "99999\t99998\t\t20200101\t*\t1\tMisuse of column two code\n",
        "latin-1",
    )
    code, out, err = run("edits", "import", str(ptp), "--json")
    assert (code, err) == (0, "")
    (report,) = json.loads(out)["files"]
    assert report["rows_read"] == 2 and report["rows_kept"] == 1
    assert report["release"] == "v321r0"
    compared = json.loads(out)["compared_with_shipped"]
    assert {"item": "PTP 97110/97113", "shipped": "97113/97110 indicator 1",
            "imported": "no edit"} in compared["differences"]  # fmt: skip
    code, out, _ = run("edits", "list", "--code", "97124", "--json")
    assert any(e["column2"] == "97124" and "ccipra" in e["source"] for e in json.loads(out)["ptp"])
    code, out, _ = run("edits", "list", "--code", "97140", "--json")
    assert json.loads(out)["ptp"] == []  # the shipped rows are replaced, not merged
    code, out, _ = run("edits", "import", str(ptp))
    assert code == 0 and "1 kept" in out and "97113/97110 indicator 1; imported no edit" in out


def test_edits_import_bad_row_exit_2(tmp_path: Path) -> None:
    ptp = tmp_path / "ptp.txt"
    ptp.write_text(
        "Column 1\tColumn 2\t*\tEffective Date\tDeletion Date\tModifier\tRationale\n"
        "97110\t97124\t\t20200101\t*\t1\tok\n97110\t97140\t\t2020-01-01\t*\t1\tbad date\n",
        "utf-8",
    )
    code, out, err = run("edits", "import", str(ptp))
    assert code == 2 and out == "" and "row 3" in err and "YYYYMMDD" in err


def test_scrub_rules_doc_is_current() -> None:
    current = (ROOT / RULES_DOC).read_text("utf-8")
    assert current == rules_markdown(), "docs/scrub-rules.md is stale: run `make docs`"
