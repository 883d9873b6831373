"""``therabill x12 837``: scrub, hold back what fails, write one pyx12-valid file per payer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from clock import TODAY
from helpers_837 import claim_dict, pyx12_errors
from therabill.cli.main import app

runner = CliRunner()
SESSION = {"start": "10:00", "end": "10:45", "techniques": ["myofascial release"]}
MEDICARE = {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"}
PT = {"npi": "1543210987", "name": "Jordan Blake, PT", "discipline": "pt"}
# Medicare therapy: the plan's certifying physician is the referring provider (2310A).
REFERRING = {"npi": "1679576722", "first_name": "Rosa", "last_name": "Diaz"}
PLAN = {
    "discipline": "pt",
    "start": (TODAY - dt.timedelta(days=30)).isoformat(),
    "end": (TODAY + dt.timedelta(days=59)).isoformat(),
    "certified": (TODAY - dt.timedelta(days=25)).isoformat(),
    "treatment_days": 5,
}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def claims_file(tmp_path: Path, docs: list[dict[str, Any]]) -> str:
    """The claims as a file, dated a week before the frozen today (the scrubber judges dates
    against today)."""
    day = (TODAY - dt.timedelta(days=7)).isoformat()
    for doc in docs:
        doc["lines"] = [{**line, "date": day} for line in doc["lines"]]
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(docs))
    return str(path)


def test_one_file_per_payer_and_failing_claims_held_back(tmp_path: Path) -> None:
    units_absent = claim_dict(claim_id="C-3", session=SESSION)
    units_absent["lines"] = [{**units_absent["lines"][0], "units": None}]
    docs = [
        claim_dict(session=SESSION),
        claim_dict(
            claim_id="C-2",
            session=SESSION,
            payer=MEDICARE,
            provider=PT,
            referring_provider=REFERRING,
            plan_of_care=PLAN,
        ),
        units_absent,
        claim_dict(claim_id="C-4", session=SESSION, diagnoses=["Z99.999"]),
    ]
    out = tmp_path / "batch.837"
    code, stdout, stderr = run("x12", "837", claims_file(tmp_path, docs), "-o", str(out), "--json")
    assert code == 1, stderr
    report = json.loads(stdout)
    assert [(f["payer_id"], f["claims"]) for f in report["files"]] == [
        ("60054", ["C-1001", "C-3"]),
        ("04111", ["C-2"]),
    ]
    assert report["claims"] == ["C-1001", "C-3", "C-2"]
    assert [h["claim_id"] for h in report["held_back"]] == ["C-4"]
    assert report["held_back"][0]["errors"][0]["id"] == "diagnosis.invalid"
    acme, medicare = (Path(f["path"]) for f in report["files"])
    assert acme.name == "batch-60054.837" and medicare.name == "batch-04111.837"
    for path in (acme, medicare):
        assert pyx12_errors(path.read_text("ascii")) == []
    assert "HI*ABK:M5450~\nNM1*DN*1*DIAZ*ROSA****XX*1679576722~\nNM1*82*" in medicare.read_text()
    # the scrubber's computed units (38 minutes → 3 under the midpoint rule) are billed
    assert acme.read_text().count("SV1*HC:97140:GP*120.00*UN*3***1~") == 2
    interchanges = [f["interchange"] for f in report["files"]]
    assert interchanges == [1, 2]


def test_control_numbers_never_repeat_across_runs(tmp_path: Path) -> None:
    source = claims_file(tmp_path, [claim_dict(session=SESSION)])
    seen = []
    for n in range(3):
        code, stdout, _ = run("x12", "837", source, "-o", str(tmp_path / f"{n}.837"), "--json")
        assert code == 0
        seen.append(json.loads(stdout)["files"][0]["interchange"])
        text = (tmp_path / f"{n}.837").read_text()
        assert f"*{seen[-1]:09d}*0*T*:~" in text
    assert seen == [1, 2, 3]


def test_human_output(tmp_path: Path) -> None:
    source = claims_file(tmp_path, [claim_dict(session=SESSION)])
    code, stdout, stderr = run("x12", "837", source, "-o", str(tmp_path / "x.837"))
    assert code == 0 and stderr == ""
    assert stdout == (
        f"Wrote {tmp_path / 'x.837'}: 1 claim for Acme Health Plan (60054), "
        "interchange 000000001, TEST\n"
    )


def test_nothing_passes_nothing_written(tmp_path: Path) -> None:
    source = claims_file(tmp_path, [claim_dict()])  # no session times: scrubber error
    code, stdout, _ = run("x12", "837", source, "-o", str(tmp_path / "x.837"))
    assert code == 1
    assert "Held back C-1001" in stdout and "No file written" in stdout
    assert not (tmp_path / "x.837").exists()


def test_unreadable_input_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "claims.json"
    bad.write_text('{"claim_id": "C-1"')
    code, stdout, stderr = run("x12", "837", str(bad), "-o", str(tmp_path / "x.837"))
    assert code == 2 and stdout == ""
    assert stderr.startswith("Error: ") and "claims.json" in stderr
    assert list(tmp_path.iterdir()) == [bad]


def test_unknown_clearinghouse(tmp_path: Path) -> None:
    source = claims_file(tmp_path, [claim_dict(session=SESSION)])
    code, stdout, stderr = run(
        "x12", "837", source, "-o", str(tmp_path / "x.837"), "--clearinghouse", "nope"
    )
    assert code == 2 and stdout == ""
    assert "--clearinghouse: no clearinghouse profile 'nope'" in stderr


def test_unwritable_output(tmp_path: Path) -> None:
    source = claims_file(tmp_path, [claim_dict(session=SESSION)])
    code, stdout, stderr = run("x12", "837", source, "-o", str(tmp_path / "no" / "x.837"))
    assert code == 2 and stdout == ""
    assert stderr.startswith("Error: -o: cannot write")


def test_clearinghouses_lists_shipped_and_user_profiles(therabill_home: Path) -> None:
    folder = therabill_home / "clearinghouses"
    folder.mkdir()
    shipped = Path(__file__).parents[2] / "src/therabill/x12/clearinghouse/data/default.toml"
    (folder / "acme.toml").write_text(shipped.read_text().replace('usage = "T"', 'usage = "P"'))
    code, stdout, stderr = run("x12", "clearinghouses", "--json")
    assert code == 0 and stderr == ""
    listed = {c["name"]: c["usage"] for c in json.loads(stdout)["clearinghouses"]}
    assert listed == {"acme": "P", "default": "T"}


def test_a_billing_address_the_837p_cannot_carry_is_held_back_by_the_scrubber(
    tmp_path: Path,
) -> None:
    """A 5-digit billing ZIP: the 837P needs ZIP+4, and the scrubber says so first, so the
    claim is held back (exit 1) naming the field; no file and no control number used."""
    doc = claim_dict(session=SESSION)
    doc["billing_provider"] = {
        **doc["billing_provider"],
        "address": {**doc["billing_provider"]["address"], "zip": "04101"},
    }
    out = tmp_path / "x.837"
    code, stdout, _ = run("x12", "837", claims_file(tmp_path, [doc]), "-o", str(out), "--json")
    assert code == 1 and not out.exists()
    held = json.loads(stdout)["held_back"]
    assert [(h["claim_id"], [e["field"] for e in h["errors"]]) for h in held] == [
        ("C-1001", ["billing_provider.address.zip"])
    ]
    code, stdout, _ = run(
        "x12", "837", claims_file(tmp_path, [claim_dict(session=SESSION)]), "-o", str(out), "--json"
    )
    assert code == 0 and json.loads(stdout)["files"][0]["interchange"] == 1


def test_payer_ids_that_look_alike_in_a_file_name_get_separate_files(tmp_path: Path) -> None:
    docs = [
        claim_dict(session=SESSION, payer={"id": "COMMERCIAL", "name": "A", "payer_id": "A/B"}),
        claim_dict(
            claim_id="C-2",
            session=SESSION,
            payer={"id": "COMMERCIAL", "name": "B", "payer_id": "A_B"},
        ),
    ]
    code, stdout, _ = run(
        "x12", "837", claims_file(tmp_path, docs), "-o", str(tmp_path / "x.837"), "--json"
    )
    assert code == 0
    names = [Path(f["path"]).name for f in json.loads(stdout)["files"]]
    assert names == ["x-A_B-000000001.837", "x-A_B-000000002.837"]
