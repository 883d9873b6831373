"""claims submit (files only when the transaction commits, control numbers from the
database) and x12 ack (999 and 277CA mark claims accepted or rejected with the reason)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
import pyx12.params
import pyx12.x12n_document
from typer.testing import CliRunner

from helpers_837 import pyx12_errors
from posting_fixtures import DAY, build_claim
from therabill.cli.main import app
from therabill.store.services import Store, claim_records, submission
from therabill.x12.acknowledgements import read_acknowledgements

ISA = (
    "ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*THERABILL      *261128*1200*^*"
    "00501*000000777*0*P*:~"
)


def envelope(kind: str, functional: str, body: list[str]) -> bytes:
    tx = [f"ST*{kind}*0001", *body]
    tx.append(f"SE*{len(tx) + 1}*0001")
    segments = [ISA, f"GS*{functional}*CLEARINGHOUSE*THERABILL*20261128*1200*77*X*005010", *tx]
    segments += ["GE*1*77", "IEA*1*000000777"]
    return "\n".join(s.rstrip("~") + "~" for s in segments).encode()


def status(store: Store, claim_id: int) -> str:
    with store.transaction() as work:
        return str(claim_records.show_claim(work=work, claim_id=claim_id)["status"])


def test_claims_submit_json_and_never_reused_numbers(practice: Store, home: Path) -> None:
    build_claim(practice, c97110=30)
    runner = CliRunner()
    first = runner.invoke(app, ["claims", "submit", "--outbox", str(home / "out"), "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["claims"] == [1] and Path(data["files"][0]).name == "837P-ACME1-000000001.x12"
    build_claim(practice, "C-2", c97140=25)
    second = json.loads(
        runner.invoke(app, ["claims", "submit", "--outbox", str(home / "out"), "--json"]).stdout
    )
    assert Path(second["files"][0]).name == "837P-ACME1-000000002.x12"
    nothing = runner.invoke(app, ["claims", "submit", "--outbox", str(home / "out")])
    assert nothing.exit_code == 2 and "no claims are ready" in nothing.stderr


def test_claims_submit_only_the_named_claims(practice: Store, home: Path) -> None:
    first = build_claim(practice, c97110=30)
    second = build_claim(practice, "C-2", c97140=25)
    runner = CliRunner()
    out = ["--outbox", str(home / "out")]
    both = runner.invoke(app, ["claims", "submit", "--claim", str(second), "--payer", "ACME", *out])
    assert both.exit_code == 2 and "not both" in both.stderr
    missing = runner.invoke(app, ["claims", "submit", "--claim", "999", *out])
    assert missing.exit_code == 2 and "no claim 999" in missing.stderr
    done = runner.invoke(app, ["claims", "submit", "--claim", str(second), *out, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["claims"] == [second]
    assert status(practice, first) == "ready" and status(practice, second) == "submitted"
    again = runner.invoke(app, ["claims", "submit", "--claim", str(second), *out])
    assert again.exit_code == 2 and "only ready or corrected claims go out" in again.stderr


def test_no_file_is_left_when_the_transaction_fails(practice: Store, tmp_path: Path) -> None:
    claim_id = build_claim(practice, c97110=30)
    outbox = tmp_path / "outbox"
    with pytest.raises(RuntimeError), practice.transaction() as work:
        submission.submit_claims(work=work, outbox=outbox)
        raise RuntimeError("the commit never happens")
    assert list(outbox.iterdir()) == []
    assert status(practice, claim_id) == "ready"
    with practice.transaction() as work:
        assert submission.DatabaseControlNumbers(work).last()["interchange"] == 0


def test_999_rejection_and_277ca_acceptance(practice: Store, tmp_path: Path) -> None:
    first = build_claim(practice, c97110=30)
    second = build_claim(practice, "C-2", c97140=25)
    with practice.transaction() as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[first])
    with practice.transaction() as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[second])
    # group 2 (the second file) rejected for a bad element; the first claim accepted by 277CA
    rejected = envelope(
        "999",
        "FA",
        [
            "AK1*HC*2*005010X222A1",
            "AK2*837*0002*005010X222A1",
            "IK3*NM1*8**8",
            "IK4*9*67*7*XX",
            "IK5*R*5",
            "AK9*R*1*1*0",
        ],
    )
    path = tmp_path / "ack.999"
    path.write_bytes(rejected)
    result = CliRunner().invoke(app, ["x12", "ack", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["claim"] for r in data["rejected"]] == [second], data
    assert "invalid code value" in data["rejected"][0]["reason"]
    assert status(practice, second) == "rejected"
    # claims show says why at once, and how to send it again once fixed
    shown = CliRunner().invoke(app, ["claims", "show", str(second)])
    assert shown.exit_code == 0, shown.output
    assert re.search(r"Rejected: 999 R: .*invalid code value", shown.stdout)
    assert f"therabill claims correct {second} --reason" in shown.stdout
    as_json = json.loads(CliRunner().invoke(app, ["claims", "show", str(second), "--json"]).stdout)
    assert as_json["rejected_because"] == data["rejected"][0]["reason"]
    first_shown = CliRunner().invoke(app, ["claims", "show", str(first), "--json"]).stdout
    assert json.loads(first_shown)["rejected_because"] is None
    ca = envelope(
        "277",
        "HN",
        [
            "BHT*0085*08*1*20261128*1200*TH",
            "HL*1**20*1",
            "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1",
            "HL*2*1*21*1",
            "NM1*41*2*HARBOUR THERAPY*****46*THERABILL",
            "HL*3*2*19*1",
            "NM1*85*2*HARBOUR THERAPY*****XX*1234567893",
            "HL*4*3*PT",
            "NM1*QC*1*EXAMPLE*ADA****MI*M100",
            f"TRN*2*TB{first:08d}",
            "STC*A2:20*20261128*WQ*90.00",
            "REF*1K*PAYER123",
        ],
    )
    acks = read_acknowledgements(ca)
    assert acks.claims[0].accepted and acks.claims[0].payer_claim_number == "PAYER123"
    with practice.transaction() as work:
        done = submission.apply_acknowledgements(work=work, acks=acks)
    assert [r["claim"] for r in done.accepted] == [first]
    assert status(practice, first) == "accepted"


def test_an_835_is_not_an_acknowledgement() -> None:
    from therabill.x12.reader import X12Error

    with pytest.raises(X12Error, match="not an acknowledgement"):
        read_acknowledgements(envelope("835", "HP", ["BPR*I*0*C*NON"]))


def pyx12_999(text: str) -> bytes:
    """The 999 pyx12 4.0.0 writes about ``text`` (its 005010X231 acknowledgement)."""
    ack = io.StringIO()
    pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(),
        src_file=io.StringIO(text),
        fd_997=ack,
        fd_html=None,
        fd_json=None,
    )
    return ack.getvalue().encode("ascii")


def test_pyx12s_own_999s_about_our_files_are_read_and_applied(
    practice: Store, tmp_path: Path
) -> None:
    """The round trip through an independent implementation: pyx12 judges the 837P therabill
    sent and writes its 999; therabill reads pyx12's 999 and applies it to the claims sent."""
    first = build_claim(practice, c97110=30, c97140=25)
    build_claim(practice, "C-2", c97112=40)
    second = build_claim(practice, "C-2", DAY + dt.timedelta(days=1), c97110=40)
    with practice.transaction() as work:
        good = submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[first, 2])
    with practice.transaction() as work:
        bad = submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[second])
    assert len(good.paths) == 1 and good.claims == [1, 2]
    text = good.paths[0].read_text("ascii")
    assert pyx12_errors(text) == []
    accepted = read_acknowledgements(pyx12_999(text))
    assert [(t.group_number, t.code, t.errors) for t in accepted.transactions] == [(1, "A", ())]
    # The second file loses its diagnosis (HI, required in loop 2300) on the way out.
    text = bad.paths[0].read_text("ascii")
    damaged = "".join(s + "~" for s in text.split("~") if s and not s.strip().startswith("HI*"))
    rejected = read_acknowledgements(pyx12_999(damaged))
    ((tx,),) = [rejected.transactions]
    assert (tx.group_number, tx.code) == (2, "R")
    assert len(tx.errors) == 1 and tx.errors[0].startswith("segment HI #")
    assert tx.errors[0].endswith("a required segment is missing")
    with practice.transaction() as work:
        submission.apply_acknowledgements(work=work, acks=accepted)
        done = submission.apply_acknowledgements(work=work, acks=rejected)
    assert [r["claim"] for r in done.rejected] == [second]
    assert [status(practice, c) for c in (first, 2, second)] == ["submitted"] * 2 + ["rejected"]


def ta1(interchange: int, code: str, note: str) -> bytes:
    """A clearinghouse's interchange acknowledgment alone (ISA, TA1, IEA with no group)."""
    return f"{ISA}\nTA1*{interchange:09d}*261128*1200*{code}*{note}~\nIEA*0*000000777~".encode()


def test_a_ta1_rejecting_the_interchange_rejects_every_claim_it_carried(
    practice: Store, tmp_path: Path
) -> None:
    """TA104 R: the clearinghouse refused the whole file (here its ISA13 was sent before,
    note 025) before reading any group, so none of its claims reached the payer."""
    first = build_claim(practice, c97110=30)
    second = build_claim(practice, "C-2", c97140=25)
    with practice.transaction() as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[first])
    with practice.transaction() as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[second])
    path = tmp_path / "file.ta1"
    path.write_bytes(ta1(2, "R", "025") + b"\n" + ta1(1, "A", "000"))
    result = CliRunner().invoke(app, ["x12", "ack", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(r["claim"], r["reason"]) for r in data["rejected"]] == [
        (
            second,
            "TA1 R: interchange 000000002 rejected: nothing in the file reached the payer "
            "(025: the interchange control number (ISA13) was used before)",
        )
    ]
    assert {"claim": first, "reason": "TA1 A: interchange 000000001 accepted"} in data["unchanged"]
    assert status(practice, first) == "submitted" and status(practice, second) == "rejected"


def test_a_ta1_with_an_unknown_code_is_refused_naming_ta104() -> None:
    from therabill.x12.reader import X12Error

    with pytest.raises(X12Error) as caught:
        read_acknowledgements(ta1(1, "Q", "000"))
    assert (caught.value.segment_id, caught.value.element) == ("TA1", "TA104")


def _ca_for(claims: list[int], tail: list[str] | None = None) -> bytes:
    """A 277CA accepting ``claims``, then ``tail`` (segments after the last claim)."""
    body = [
        "BHT*0085*08*1*20261128*1200*TH", "HL*1**20*1", "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1",
        "HL*2*1*21*1", "NM1*41*2*HARBOUR THERAPY*****46*THERABILL", "HL*3*2*19*1",
        "NM1*85*2*HARBOUR THERAPY*****XX*1234567893",
    ]  # fmt: skip
    for n, claim in enumerate(claims):
        body += [f"HL*{4 + n}*3*PT", "NM1*QC*1*EXAMPLE*ADA****MI*M100", f"TRN*2*TB{claim:08d}"]
        body += ["STC*A2:20*20261128*WQ*90.00"]
    return envelope("277", "HN", body + (tail or []))


def test_a_277ca_damaged_halfway_moves_no_claim(practice: Store, tmp_path: Path) -> None:
    """The file is read whole before any claim moves: an accepted claim ahead of the damage
    stays submitted, and the command says what is wrong."""
    first = build_claim(practice, c97110=30)
    with practice.transaction() as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=[first])
    path = tmp_path / "damaged.277"
    # the transaction's segment count (SE01) is wrong: known only at its end
    path.write_bytes(re.sub(rb"SE\*\d+\*", b"SE*99*", _ca_for([first])))
    result = CliRunner().invoke(app, ["x12", "ack", str(path)])
    assert result.exit_code == 2 and "Error:" in result.stderr, result.output
    assert status(practice, first) == "submitted"


def test_a_large_277ca_is_applied_in_batches_listing_the_first_claims(
    practice: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every claim is applied and counted; only the first ``LISTED`` are listed, and the
    audit is written every ``BATCH`` acknowledgements (a month's 277CA in flat memory)."""
    monkeypatch.setattr(submission, "BATCH", 2)
    monkeypatch.setattr(submission, "LISTED", 2)
    claims = [build_claim(practice, f"C-{n}", c97110=30) for n in (1, 2)]
    claims.append(build_claim(practice, "C-1", c97140=25, day=DAY - dt.timedelta(days=1)))
    with practice.transaction() as work:
        submission.submit_claims(work=work, outbox=tmp_path, claim_ids=claims)
    with practice.transaction() as work:
        done = submission.apply_acknowledgement_file(work=work, source=io.BytesIO(_ca_for(claims)))
    assert done.counts == {"accepted": 3, "rejected": 0, "unchanged": 0}
    assert [r["claim"] for r in done.accepted] == claims[:2] and done.more("accepted") == 1
    assert done.to_dict()["counts"]["accepted"] == 3
    assert [status(practice, c) for c in claims] == ["accepted"] * 3


def test_the_database_envelope_is_above_every_counter_and_writes_the_mirror_once(
    practice: Store, tmp_path: Path
) -> None:
    """Each kind above the practice's counter, the installation's and the host's mirror,
    the mirror written once, an audit entry per kind."""
    from therabill.x12.control_numbers import FileControlNumbers
    from therabill.x12.control_numbers import envelope as take_envelope

    mirror = FileControlNumbers(tmp_path / "mirror.json")
    mirror.reserve("group", 40)  # the host's file is ahead for groups
    with practice.transaction() as work:
        numbers = submission.DatabaseControlNumbers(work, mirror=mirror)
        numbers.reserve("transaction", 9)
        writes = []
        real = mirror.reserve_many
        mirror.reserve_many = lambda counts: (writes.append(dict(counts)), real(counts))[1]  # type: ignore[method-assign]
        assert take_envelope(numbers, 2) == (1, 41, range(10, 12))
        assert writes == [{"interchange": 1, "group": 1, "transaction": 2}]  # one write
        assert numbers.last() == {"interchange": 1, "group": 41, "transaction": 11}
    assert mirror.last() == {"interchange": 1, "group": 41, "transaction": 11}
