"""After the payer decided: replacement claims (frequency 7 with REF*F8), voids (8), Medicare
Part B reopenings, unprocessable claims sent again as new claims, and closing claims; each
837P judged by pyx12, each ledger checked to the cent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corrections_fixtures import build, deny, pay, submit
from helpers_837 import pyx12_errors
from therabill.claims import ReferringProvider
from therabill.claims.corrections import ClaimEdit, LineEdit, parse_referring
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.ledger import Balance
from therabill.store.services import Store, claim_records, corrections, ledger, sessions
from therabill.store.services import build as build_service


def show(store: Store, claim_id: int) -> dict[str, object]:
    with store.transaction() as work:
        return claim_records.show_claim(work=work, claim_id=claim_id)


def balance(store: Store, claim_id: int) -> Balance:
    with store.transaction() as work:
        return ledger.claim_balance(work, claim_id)


def sent_file(outbox: Path) -> str:
    files = sorted(outbox.glob("837P-*.x12"))
    return files[-1].read_text()


def segments(text: str, tag: str) -> list[str]:
    return [s for s in text.replace("\n", "").split("~") if s.startswith(tag + "*")]


def test_replacement_of_a_denied_claim_sends_frequency_7_with_ref_f8(
    practice: Store, tmp_path: Path
) -> None:
    outbox = tmp_path / "out"
    claim_id = build(practice, c97110=38, c97140=15)
    submit(practice, outbox, claim_id)
    deny(practice, claim_id, carc="4", remarks=("M51",))
    assert show(practice, claim_id)["status"] == "denied"
    assert balance(practice, claim_id) == Balance(13500 + 4200, 0)  # a denial stays owed
    assert {(d["carc"], d["status"]) for d in show(practice, claim_id)["denials"]} == {
        ("4", "open")
    }
    with practice.transaction(actor="biller") as work:
        done = corrections.correct_claim(
            work=work,
            claim_id=claim_id,
            edit=ClaimEdit(lines=(LineEdit(2, modifiers=("GP", "59")),)),
            reason="distinct procedure, documented",
        )
    assert done.way == "replacement" and done.new_claim_status == "ready"
    new_id = done.new_claim_id
    assert new_id is not None
    original, replacement = show(practice, claim_id), show(practice, new_id)
    assert original["status"] == "replaced" and original["replaced_by"] == new_id
    assert replacement["frequency"] == "replacement" and replacement["replaces"] == claim_id
    assert replacement["reference_claim_number"] == f"DENIED{claim_id:08d}"
    assert original["payer_claim_number"] == f"DENIED{claim_id:08d}"
    closed = original["denials"]
    assert closed and all(d["status"] == "closed" for d in closed)
    assert {d["closed_how"] for d in closed} == {"corrected"}
    assert [ln["modifiers"] for ln in replacement["lines"]] == [[], ["GP", "59"]]
    # The original's charges are reversed, the replacement carries them: to the cent.
    assert balance(practice, claim_id) == Balance(0, 0)
    assert balance(practice, new_id) == Balance(17700, 0)
    with practice.transaction() as work:
        assert {s.claim_id for s in sessions.list_sessions(work=work)} == {new_id}
    kinds = [h["kind"] for h in original["history"]]
    assert "replaced" in kinds and original["history"][-1]["to"] in (None, "replaced")
    submit(practice, outbox, new_id)
    text = sent_file(outbox)
    assert pyx12_errors(text) == []
    (clm,) = segments(text, "CLM")
    assert clm.split("*")[5].split(":")[2] == "7"  # CLM05-3
    assert f"REF*F8*DENIED{claim_id:08d}" in segments(text, "REF")
    assert len(segments(text, "SV1")) == 2  # every line again, corrected


def test_void_sends_frequency_8_reverses_the_charges_and_frees_the_sessions(
    practice: Store, tmp_path: Path
) -> None:
    outbox = tmp_path / "out"
    claim_id = build(practice, c97110=38)
    submit(practice, outbox, claim_id)
    pay(practice, claim_id)  # 80 % of 135.00 paid, 27.00 CO-45
    assert balance(practice, claim_id) == Balance(0, 0)
    runner = CliRunner()
    result = runner.invoke(
        app, ["claims", "void", str(claim_id), "--reason", "wrong client", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "voided" and data["new_claim_status"] == "ready"
    shown = show(practice, claim_id)
    assert shown["voided_by"] == data["new_claim_id"] and shown["replaced_by"] is None
    assert data["settled"] == [{"kind": "charges reversed", "amount_cents": 13500}]
    # Until the payer takes its payment back, the claim shows it as a credit: 135.00 charged
    # and reversed, 108.00 paid, 27.00 written down.
    assert balance(practice, claim_id) == Balance(-13500, 0)
    submit(practice, outbox, data["new_claim_id"])
    text = sent_file(outbox)
    assert pyx12_errors(text) == []
    (clm,) = segments(text, "CLM")
    assert clm.split("*")[5].split(":")[2] == "8"
    assert f"REF*F8*PAYER{claim_id:08d}" in segments(text, "REF")
    # The session can be billed again, and the new claim is not a duplicate of the void.
    with practice.transaction() as work:
        rebuilt = build_service.build_claims(work=work)
    assert len(rebuilt.claims) == 1 and rebuilt.ready == 1
    closing = runner.invoke(app, ["claims", "close", str(claim_id), "--reason", "x", "--json"])
    assert closing.exit_code == 2
    assert "paid 135.00 more than claim" in closing.stderr


def test_medicare_part_b_correction_is_a_reopening_request(practice: Store, tmp_path: Path) -> None:
    outbox = tmp_path / "out"
    claim_id = build(practice, "C-2", c97110=38, c97140=15)
    submit(practice, outbox, claim_id)
    pay(practice, claim_id)
    files_before = sorted(outbox.glob("*.x12"))
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["claims", "correct", str(claim_id), "--line", "1", "--units", "2",
         "--reason", "two units documented, three billed", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["way"] == "reopening" and data["status"] == "reopening"
    assert data["new_claim_id"] is None
    text = data["reopening_text"]
    assert f"Payer claim control number (ICN): PAYER{claim_id:08d}" in text
    assert "line 1 (97110) units: 3 → 2" in text and "line 1 (97110) charge: 135.00 → 90.00" in text
    assert "Member ID: 1EG4TE5MK73" in text and "request by 2027-11-28" in text
    assert "takes no replacement claims" in data["next_step"]
    assert sorted(outbox.glob("*.x12")) == files_before  # no 837P for Medicare Part B
    shown = show(practice, claim_id)
    assert shown["reopenings"][0]["sent_on"] is None
    assert shown["lines"][0]["units"] == 2
    sent = runner.invoke(app, ["claims", "reopening", str(claim_id), "--sent", "2026-11-27"])
    assert sent.exit_code == 0, sent.output
    assert show(practice, claim_id)["reopenings"][0]["sent_on"] == "2026-11-27"
    again = runner.invoke(app, ["claims", "void", str(claim_id), "--reason", "x"])
    assert again.exit_code == 2 and "a reopening claim cannot be voided" in again.stderr


def test_medicare_unprocessable_claim_is_sent_again_as_a_new_claim(
    practice: Store, tmp_path: Path
) -> None:
    outbox = tmp_path / "out"
    claim_id = build(practice, "C-2", c97110=38)
    submit(practice, outbox, claim_id)
    deny(practice, claim_id, carc="16", remarks=("MA130", "N286"))
    with practice.transaction() as work:
        done = corrections.correct_claim(
            work=work, claim_id=claim_id, edit=ClaimEdit(), reason="referring NPI added"
        )
    assert done.way == "new_claim" and done.new_claim_id is not None
    new = show(practice, done.new_claim_id)
    assert new["frequency"] == "original" and new["replaces"] == claim_id
    assert new["reference_claim_number"] is None
    assert show(practice, claim_id)["status"] == "replaced"
    with practice.transaction() as work:
        stored = work.db.get(claim_records.ClaimRecord, done.new_claim_id)
        assert stored is not None and stored.document_json is not None
        assert '"frequency":"original"' in stored.document_json
        assert '"original_claim_id":null' in stored.document_json


def test_closing_a_draft_frees_its_sessions_and_reverses_its_charges(practice: Store) -> None:
    claim_id = build(practice, c97530=30)  # no fee: a draft
    with practice.transaction() as work:
        done = corrections.close_claim(work=work, claim_id=claim_id, reason="built too early")
    assert done.status == "closed" and len(done.sessions_released) == 1
    assert balance(practice, claim_id) == Balance(0, 0)
    with practice.transaction() as work:
        rebuilt = build_service.build_claims(work=work)
    assert len(rebuilt.claims) == 1 and rebuilt.claims[0] != claim_id


def test_closing_a_partly_paid_claim_settles_the_payer_balance(
    practice: Store, tmp_path: Path
) -> None:
    outbox = tmp_path / "out"
    claim_id = build(practice, c97110=38)
    submit(practice, outbox, claim_id)
    deny(practice, claim_id, carc="50", remarks=())
    assert balance(practice, claim_id) == Balance(13500, 0)
    with practice.transaction() as work:
        done = corrections.close_claim(
            work=work, claim_id=claim_id, reason="client agreed to pay", client_owes=True
        )
    assert done.settled == [{"line": 1, "kind": "transfer_to_patient", "amount_cents": 13500}]
    assert {d["closed_how"] for d in show(practice, claim_id)["denials"]} == {
        "transferred_to_client"
    }
    assert balance(practice, claim_id) == Balance(0, 13500)  # no phantom payer balance
    assert done.sessions_released == []  # a filed claim's sessions stay billed
    assert "client still owes 135.00" in done.next_step


def test_closing_to_bill_again_moves_the_charges_instead_of_writing_them_off(
    practice: Store, tmp_path: Path
) -> None:
    """CO-109 (not covered by this payer): closed with --rebill, the sessions go to a new
    claim with their charges; the old claim's charges are reversed, so nothing is counted as
    written off and billed at the same time."""
    claim_id = build(practice, c97110=38)
    submit(practice, tmp_path / "out", claim_id)
    deny(practice, claim_id, carc="109", remarks=())
    with practice.transaction() as work:
        done = corrections.close_claim(
            work=work, claim_id=claim_id, reason="other payer is primary", rebill=True
        )
    assert done.settled == [{"kind": "charges reversed", "amount_cents": 13500}]
    assert len(done.sessions_released) == 1
    assert balance(practice, claim_id) == Balance(0, 0)
    with practice.transaction() as work:
        claim = work.db.get(claim_records.ClaimRecord, claim_id)
        assert claim is not None
        kinds = {e.kind for e in ledger.client_entries(work, claim.client_id)}
        rebuilt = build_service.build_claims(work=work)
    assert "write_off" not in kinds
    assert len(rebuilt.claims) == 1 and balance(practice, rebuilt.claims[0]) == Balance(13500, 0)


def test_closing_a_paid_claim_to_bill_again_keeps_its_money(
    practice: Store, tmp_path: Path
) -> None:
    """Once the payer acted on it, the claim's money stays as posted: what the payer still
    owes is written off (here the 835 paid 80 % and adjusted the rest, so nothing is left)."""
    claim_id = build(practice, c97110=38)
    submit(practice, tmp_path / "out", claim_id)
    pay(practice, claim_id)
    with practice.transaction() as work:
        done = corrections.close_claim(work=work, claim_id=claim_id, reason="x", rebill=True)
    assert done.settled == [] and len(done.sessions_released) == 1
    assert show(practice, claim_id)["total_charge_cents"] == 13500
    assert balance(practice, claim_id) == Balance(0, 0)


@pytest.mark.parametrize(
    ("status_of", "command", "message"),
    [
        ("ready", ["void"], "no payer has it, so there is nothing to void"),
        ("submitted", ["correct"], "the payer has it. Wait for its answer"),
        ("submitted", ["close"], "the payer is reading it"),
        ("ready", ["status", "replaced"], "only through therabill claims correct ID"),
        ("ready", ["status", "closed"], "only through therabill claims close ID"),
    ],
    ids=["void-unsent", "correct-in-flight", "close-in-flight", "status-replaced", "status-closed"],
)
def test_the_lifecycle_refuses_with_what_to_do_instead(
    practice: Store, tmp_path: Path, home: Path, status_of: str, command: list[str], message: str
) -> None:
    claim_id = build(practice, c97110=38)
    if status_of == "submitted":
        submit(practice, tmp_path / "out", claim_id)
    args = ["claims", command[0], str(claim_id), *command[1:], "--reason", "x", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert show(practice, claim_id)["status"] == status_of


def test_correct_without_a_payer_number_says_where_it_comes_from(practice: Store) -> None:
    claim_id = build(practice, c97110=38)
    with practice.transaction() as work:
        claim = work.db.get(claim_records.ClaimRecord, claim_id)
        assert claim is not None
        claim.status = "denied"  # as a paper EOB would leave it: no 835 on file
    with (
        pytest.raises(InvalidInput, match="comes from the payer's 835"),
        practice.transaction() as w,
    ):
        corrections.correct_claim(work=w, claim_id=claim_id, edit=ClaimEdit(), reason="x")
    with practice.transaction() as work:
        done = corrections.correct_claim(
            work=work,
            claim_id=claim_id,
            edit=ClaimEdit((LineEdit(1, units=2),)),
            reason="two units documented",
            payer_claim_number="EOB77",
        )
    assert done.new_claim_id is not None
    assert show(practice, done.new_claim_id)["reference_claim_number"] == "EOB77"
    # The replacement is charged once, at its corrected charge; the original's is reversed.
    assert balance(practice, done.new_claim_id) == Balance(9000, 0)
    assert balance(practice, claim_id) == Balance(0, 0)


def test_a_replacement_names_the_referring_provider_the_payer_asked_for(
    practice: Store, tmp_path: Path
) -> None:
    """CO-16 with N286 (referring provider missing): the replacement claim carries the
    referring provider the biller named (837P 2310A NM1*DN) and keeps it on the claim."""
    outbox = tmp_path / "out"
    claim_id = build(practice, c97110=30)
    submit(practice, outbox, claim_id)
    assert "NM1*DN" not in sent_file(outbox)
    deny(practice, claim_id, carc="16", remarks=("N286",))
    with practice.transaction(actor="biller") as work:
        done = corrections.correct_claim(
            work=work,
            claim_id=claim_id,
            edit=ClaimEdit(referring=rosa_diaz()),
            reason="referring provider added (N286)",
        )
    assert done.way == "replacement" and done.new_claim_id is not None
    replacement = show(practice, done.new_claim_id)
    assert replacement["referring_provider"] == {
        "npi": "1679576722", "first_name": "Rosa", "last_name": "Diaz", "set_on_claim": True
    }  # fmt: skip
    submit(practice, outbox, done.new_claim_id)
    text = sent_file(outbox)
    assert "NM1*DN*1*DIAZ*ROSA****XX*1679576722" in text.upper().replace("\n", "")
    assert pyx12_errors(text) == []


def rosa_diaz() -> ReferringProvider:
    """A physician as a biller types her in (the NPI passes its check digit)."""
    found = parse_referring("1679576722", "Rosa Diaz")
    assert found is not None
    return found
