"""``therabill payer import-fee-schedule``: a locality's allowed amounts from CMS's payment
amount file (or a year's national amounts from the relative value file) into the practice's
payers directory, where the Medicare profile picks the locality up."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from test_fee_schedule import PFALL, PPRRVU
from typer.testing import CliRunner

from therabill.cli.main import app
from therabill.payers import load_payer_profiles

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_locality_import_is_used_by_the_medicare_profile(
    tmp_path: Path, therabill_home: Path
) -> None:
    source = tmp_path / "PFALL26A.TXT"
    source.write_text("\n".join(PFALL) + "\n", "latin-1")
    code, out, err = run(
        "payer", "import-fee-schedule", str(source), "--carrier", "01112", "--locality", "05"
    )
    target = therabill_home / "payers" / "medicare-2026-locality.csv"
    assert (code, err) == (0, "")
    assert out == f"Wrote fee schedule medicare-2026-locality (2026, 2 codes) to {target}.\n"
    schedule = load_payer_profiles()["MEDICARE"].fee_schedules[2026]
    assert schedule.name == "medicare-2026-locality"
    assert schedule.rates["97110"].therapy_reduced == Decimal("24.05")
    assert "carrier 01112, locality 05" in schedule.source


def test_a_national_import_for_a_new_year(tmp_path: Path, therabill_home: Path) -> None:
    source = tmp_path / "PPRRVU2027_Jan_nonQPP.csv"
    source.write_text("\n".join(PPRRVU) + "\n", "latin-1")
    code, out, _ = run("payer", "import-fee-schedule", str(source), "--national", "2027", "--json")
    assert code == 0
    assert json.loads(out) == {
        "name": "mpfs-2027-national",
        "year": 2027,
        "path": str(therabill_home / "payers" / "mpfs-2027-national.csv"),
        "codes": 2,
    }


def test_half_a_locality_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "PFALL26A.TXT"
    source.write_text("\n".join(PFALL) + "\n", "latin-1")
    code, out, err = run("payer", "import-fee-schedule", str(source), "--carrier", "01112")
    assert code == 2 and out == ""
    assert err.startswith("Error:") and "--locality" in err


def test_a_locality_not_in_the_file_is_named(tmp_path: Path) -> None:
    source = tmp_path / "PFALL26A.TXT"
    source.write_text("\n".join(PFALL) + "\n", "latin-1")
    code, _, err = run(
        "payer", "import-fee-schedule", str(source), "--carrier", "01112", "--locality", "99"
    )
    assert code == 2 and "locality 99" in err
