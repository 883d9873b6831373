"""Claim status through the CLI on each backend: a 276 for submitted claims, the payer's 277
read back, each claim's status recorded in plain words and moved where the answer settles
it, the same file twice changing nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from posting_fixtures import build_claim
from therabill.claims.number import claim_number
from therabill.cli.main import app
from therabill.store.services import Store, claim_records, claim_status, submission
from therabill.x12.reader import X12Error, iter_segments

runner = CliRunner()


def run(*args: str, ok: bool = True) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return json.loads(result.stdout)
    assert result.exit_code == 2 and result.stderr.startswith("Error:"), result.stderr
    assert result.stderr.count("\n") == 1
    return result.stderr


def submitted(store: Store, outbox: Path, count: int) -> list[int]:
    ids = [build_claim(store, client=f"C-{i + 1}", c97110=30) for i in range(count)]
    with store.transaction(actor="biller") as work:
        submission.submit_claims(work=work, outbox=outbox)
    return ids


def answer(request: Path, statuses: dict[str, str]) -> bytes:
    """The 277 a payer sends back for our 276: each claim's TRN echoed as TRN*2 with the
    STC given for its claim number (a status as ``category:code[:entity]``)."""
    body = ["BHT*0010*08*277X212*20261128*0810*DG"]
    for _, _, seg in iter_segments(request.read_bytes()):
        if seg.id in ("HL", "NM1"):
            body.append("*".join(seg.elements))
        elif seg.id == "TRN":
            number = seg.get(2)
            body += [f"TRN*2*{number}", f"STC*{statuses[number]}*20261127**90.00"]
            body += ["REF*1K*PAYER-" + number[-3:], f"REF*EJ*{number}"]
    head = (
        "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*THERABILL      *261128*0810*^*"
        "00501*000000005*0*P*:~GS*HN*ACMEHEALTH*THERABILL*20261128*0810*5*X*005010X212~"
    )
    segments = ["ST*277*0001*005010X212", *body]
    text = "~".join([*segments, f"SE*{len(segments) + 1}*0001"])
    return (head + text + "~GE*1*5~IEA*1*000000005~").encode()


def test_ask_read_and_record(practice: Store, tmp_path: Path) -> None:
    rejected, taken = submitted(practice, tmp_path / "outbox", 2)
    request = tmp_path / "status.276"
    made = run("claims", "status-request", str(rejected), claim_number(taken), "-o", str(request))
    assert made["claims"] == [rejected, taken] and request.read_text().count("TRN*1*") == 2
    reply = tmp_path / "status.277"
    reply.write_bytes(
        answer(request, {claim_number(rejected): "A7:187:QC", claim_number(taken): "P1:20"})
    )
    read = run("claims", "status-read", str(reply))
    first, second = read["claims"]
    assert (first["claim"], first["status_before"], first["status_after"]) == (
        rejected, "submitted", "rejected",
    )  # fmt: skip
    assert first["description"] == (
        "A7:187 rejected: information is invalid: the date(s) of service (patient)"
    )
    assert first["action"] == "correct"
    assert (second["status_after"], second["category"], second["action"]) == (
        "accepted", "P1", "wait",
    )  # fmt: skip
    again = run("claims", "status-read", str(reply))
    assert [c["note"] for c in again["claims"]] == ["already recorded"] * 2
    with practice.transaction() as work:
        shown = claim_records.show_claim(work=work, claim_id=rejected)
    assert shown["payer_status"]["category"] == "A7"
    assert shown["payer_claim_number"] == "PAYER-" + claim_number(rejected)[-3:]
    assert shown["history"][-1]["why"].startswith("277: A7:187 rejected")


def test_refusals_name_the_problem(practice: Store, tmp_path: Path) -> None:
    draft = build_claim(practice, c97110=30)
    assert "no payer has it yet" in run(
        "claims", "status-request", str(draft), "-o", str(tmp_path / "x.276"), ok=False
    )
    bad = tmp_path / "bad.277"
    bad.write_bytes(answer_with_stc("STC*F1:65*2026-11-27"))
    assert "segment 7 (STC), element STC02" in run("claims", "status-read", str(bad), ok=False)
    ack = Path(__file__).parent.parent / "data" / "x12-peers" / "acks" / "x214_example1.277"
    assert "277CA" in run("claims", "status-read", str(ack), ok=False)


def answer_with_stc(stc: str) -> bytes:
    head = (
        "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*THERABILL      *261128*0810*^*"
        "00501*000000005*0*P*:~GS*HN*ACMEHEALTH*THERABILL*20261128*0810*5*X*005010X212~"
    )
    body = ["ST*277*0001*005010X212", "HL*1**20*1", "HL*2*1*22*0", "TRN*2*TB00000001", stc]
    return (
        head + "~".join([*body, f"SE*{len(body) + 1}*0001"]) + "~GE*1*5~IEA*1*000000005~"
    ).encode()


def test_an_answer_about_someone_elses_claim_is_listed_not_applied(
    practice: Store, tmp_path: Path
) -> None:
    other = tmp_path / "other.277"
    other.write_bytes(answer_with_stc("STC*F2:88*20261127").replace(b"TB00000001", b"XQ-991"))
    read = run("claims", "status-read", str(other))
    assert read["claims"] == [] and read["unmatched"][0]["claim_number"] == "XQ-991"


def test_a_277_damaged_halfway_records_nothing(practice: Store, tmp_path: Path) -> None:
    """The 277 is read whole before any answer is kept: a fetch reads each file inside a
    transaction that goes on after a bad one (quarantined), so a claim ahead of the damage
    must not have moved."""
    first, second = submitted(practice, tmp_path / "outbox", 2)
    request = tmp_path / "status.276"
    run("claims", "status-request", str(first), str(second), "-o", str(request))
    statuses = {claim_number(first): "A7:187:QC", claim_number(second): "P1:20"}
    damaged = re.sub(rb"SE\*\d+\*", b"SE*99*", answer(request, statuses))
    with practice.transaction(actor="biller") as work:
        with pytest.raises(X12Error, match="SE01"):
            claim_status.read_status_response(work=work, source=damaged, file_name="bad.277")
        assert claim_records.show_claim(work=work, claim_id=first)["status"] == "submitted"
        assert claim_records.show_claim(work=work, claim_id=first)["payer_status"] is None
