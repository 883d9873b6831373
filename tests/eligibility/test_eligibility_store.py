"""therabill eligibility check / read against a practice database: the 270 goes to the
outbox with its trace remembered, the 271 is stored on the policy that trace names, once,
and the session form's line says what it means."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pyx12_x279 import validate
from typer.testing import CliRunner

from therabill.cli.main import app
from therabill.store.services import Store, eligibility

DATA = Path(__file__).parent / "data"


def answer_for(trace: str, home: Path) -> Path:
    """The PPO therapy answer, addressed to our 270's trace number."""
    text = (DATA / "therabill_commercial_ppo_therapy.271").read_text()
    path = home / "answer.271"
    path.write_text(text.replace("P41-20261127101500", trace), "ascii")
    return path


def test_check_then_read_stores_the_answer_on_the_policy(practice: Store, home: Path) -> None:
    runner = CliRunner()
    out = home / "ada.270"
    checked = runner.invoke(
        app,
        ["eligibility", "check", "C-1", "--service-type", "30", "--service-type", "pt",
         "-o", str(out), "--json"],
    )  # fmt: skip
    assert checked.exit_code == 0, checked.output
    request = json.loads(checked.stdout)
    assert request["service_types"] == ["30", "PT"] and request["payer"] == "Acme Health Plan"
    assert out.is_file() and not list(home.glob(".*.part"))
    ok, report = validate(out)
    assert ok, report
    assert f"TRN*1*{request['trace']}*9" in out.read_text()

    answer = answer_for(request["trace"], home)
    read = runner.invoke(app, ["eligibility", "read", str(answer), "--json"])
    assert read.exit_code == 0, read.output
    data = json.loads(read.stdout)
    [member] = data["members"]
    assert member["status"] == "active" and member["plan"] == "CHOICE PPO GOLD"
    assert data["stored"]["stored"] == [
        {"member": "RIVERA, JORDAN", "status": "active", "headline": member["headline"],
         "policy": request["policy"], "client": 1, "matched_by": "trace number"}
    ]  # fmt: skip
    again = json.loads(runner.invoke(app, ["eligibility", "read", str(answer), "--json"]).stdout)
    assert again["stored"]["stored"] == [] and len(again["stored"]["already_stored"]) == 1

    with practice.reading() as work:
        line = eligibility.session_line(work, 1, discipline="pt")
        checks = eligibility.latest_checks(work, 1, today=dt.date.today() + dt.timedelta(days=3))
    assert line == "eligibility checked today: 12 of 20 PT visits left; copay $30"
    assert checks[0]["ago"] == "3 days ago"


def test_an_answer_no_policy_matches_is_not_stored(practice: Store, home: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["eligibility", "read", str(DATA / "lfh_subscriber-health-benefit-check.271"), "--json"],
    )
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)["stored"]
    assert stored["stored"] == [] and stored["unmatched"][0]["member"] == "SMITH, JOHN"


def test_matched_by_member_id_without_a_trace(practice: Store, home: Path) -> None:
    text = (DATA / "therabill_subscriber_not_found.271").read_text().replace("W99887766", "M200")
    path = home / "nf.271"
    path.write_text(text)
    result = CliRunner().invoke(app, ["eligibility", "read", str(path)])
    assert result.exit_code == 0, result.output
    assert "the payer cannot find the subscriber" in result.stdout
    assert "Stored on policy 2 (client 2)." in result.stdout
    with practice.reading() as work:
        assert eligibility.session_line(work, 2) == (
            "eligibility checked today: the payer refused the inquiry: the payer cannot find "
            "the subscriber"
        )


def test_bad_input_is_one_error_line(practice: Store, home: Path) -> None:
    runner = CliRunner()
    bad_type = runner.invoke(app, ["eligibility", "check", "C-1", "--service-type", "ZZ"])
    assert bad_type.exit_code == 2 and bad_type.stderr.startswith("Error: ")
    assert "--service-type" in bad_type.stderr
    broken = home / "broken.271"
    broken.write_bytes((DATA / "lfh_subscriber-health-benefit-check-error.271").read_bytes())
    read = runner.invoke(app, ["eligibility", "read", str(broken), "--no-store"])
    assert read.exit_code == 2
    assert read.stderr.count("\n") == 1 and "segment 10 (SE), element SE02" in read.stderr
    nobody = runner.invoke(app, ["eligibility", "check", "C-9"])
    assert nobody.exit_code == 2 and nobody.stderr.startswith("Error: ")


def test_two_inquiries_in_one_second_get_their_own_trace(practice: Store, home: Path) -> None:
    moment = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    traces = []
    for _ in range(2):
        with practice.transaction() as work:
            outcome = eligibility.request_eligibility(
                work=work, client="C-1", outbox=home / "outbox", created=moment
            )
        traces.append(outcome.trace)
    assert traces == ["P1-20261128093000", "P1-20261128093000-2"]


def test_the_answer_reads_in_words(practice: Store, home: Path) -> None:
    """Service types and networks in words, the codes kept beside them for the payer's
    portal (X12 element 1365; EB12 Y/N)."""
    answer = DATA / "therabill_commercial_ppo_therapy.271"
    shown = CliRunner().invoke(app, ["eligibility", "read", str(answer), "--no-store"]).stdout
    assert "copay $30.00 physical therapy (PT), physical medicine (AE) (in network)" in shown
    assert "copay $60.00 physical therapy (PT), physical medicine (AE) (out of network)" in shown
    assert "coinsurance 20% health benefit plan coverage (30) (in network)" in shown
    assert "deductible individual in network: $350.00 left of $1,500.00" in shown
    assert "physical therapy visits (in network): 12 left of 20" in shown
