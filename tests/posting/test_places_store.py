"""Service locations and the pay-to address from set-up to the 837P: the CLI sets them up, a
session at a school builds a claim whose 837P names the school (2310C) and the lock box
(2010AB), and pyx12 accepts it; a home visit names no facility."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from helpers_837 import pyx12_errors
from posting_fixtures import DAY
from therabill.cli.main import app
from therabill.store.factories import PT_NPI
from therabill.store.services import Store, submission

runner = CliRunner()


def run(*args: str, ok: bool = True) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return json.loads(result.stdout)
    assert result.exit_code == 2 and result.stderr.startswith("Error:"), result.stderr
    return result.stderr


def session_at(place: str, pos: str = "03") -> None:
    run(
        "session", "add", "C-1", "97110=30", "--provider", PT_NPI, "--date", DAY.isoformat(),
        "--dx", "M54.50", "--pos", pos, "--location", place, "--start", "09:00", "--end", "09:30",
        "--technique", "therapeutic exercise",
    )  # fmt: skip


def submitted(store: Store, outbox: Path) -> str:
    run("claims", "build")
    with store.transaction(actor="biller") as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    (path,) = outcome.paths
    return path.read_text("ascii")


def test_a_school_session_and_a_lock_box_reach_the_837p(practice: Store, tmp_path: Path) -> None:
    school = run(
        "location", "add", "Lincoln Elementary School", "--address", "40 School St",
        "--city", "Portland", "--state", "ME", "--zip", "04103-2210", "--npi", "1922334457",
    )  # fmt: skip
    assert school["name"] == "Lincoln Elementary School" and school["active"] is True
    run("init", "--pay-to", "PO Box 4410, Portland, ME, 04112")
    session_at("Lincoln Elementary School")
    text = submitted(practice, tmp_path)
    assert pyx12_errors(text) == []
    segments = text.split("~\n")
    assert "NM1*77*2*LINCOLN ELEMENTARY SCHOOL*****XX*1922334457" in segments
    assert segments[segments.index("NM1*77*2*LINCOLN ELEMENTARY SCHOOL*****XX*1922334457") + 1] == (
        "N3*40 SCHOOL ST"
    )
    assert segments[segments.index("NM1*87*2") + 1 :][:2] == [
        "N3*PO BOX 4410",
        "N4*PORTLAND*ME*04112",
    ]


def test_a_home_visit_names_no_facility_and_the_pay_to_can_be_cleared(
    practice: Store, tmp_path: Path
) -> None:
    run(
        "location", "add", "Client home", "--address", "2 Harbour Road", "--city", "Portland",
        "--state", "ME", "--zip", "04101",
    )  # fmt: skip
    run("init", "--pay-to", "PO Box 4410, Portland, ME, 04112")
    run("init", "--pay-to", "")
    session_at("Client home", pos="12")
    text = submitted(practice, tmp_path)
    assert pyx12_errors(text) == []
    assert "NM1*77" not in text and "NM1*87" not in text


def test_bad_locations_are_refused_naming_the_field(practice: Store) -> None:
    assert "location" in run("session", "add", "C-1", "97110=30", "--provider", PT_NPI,
                             "--location", "Nowhere", ok=False)  # fmt: skip
    assert "zip" in run(
        "location", "add", "X", "--address", "1 A St", "--city", "Portland", "--state", "ME",
        "--zip", "4103", ok=False,
    )  # fmt: skip
    assert "pay_to" in run("init", "--pay-to", "PO Box 1, Portland, Maine, 04112", ok=False)
    listed = run("location", "list")
    assert listed == []
