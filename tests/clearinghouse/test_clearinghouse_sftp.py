"""therabill clearinghouse send / fetch through a real SFTP server on loopback: the outbox
goes up once, each answer comes down once and is read by its type (277CA applied, 835
posted, 271 stored, 277 kept waiting, junk quarantined), and a connection cut in the middle
of a file loses nothing and does nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sftp_server import PASSWORD, Server
from typer.testing import CliRunner

from posting_fixtures import build_claim
from therabill.cli.main import app
from therabill.store import factories
from therabill.store.services import Store, claim_records, clearinghouse_transfer

ELIGIBILITY = Path(__file__).parent.parent / "eligibility" / "data"
ISA = (
    "ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*THERABILL      *261128*1200*^*"
    "00501*000000777*0*P*:~"
)


def envelope(kind: str, functional: str, version: str, body: list[str]) -> bytes:
    tx = [f"ST*{kind}*0001*{version}", *body]
    tx.append(f"SE*{len(tx) + 1}*0001")
    segments = [ISA, f"GS*{functional}*CLEARINGHOUSE*THERABILL*20261128*1200*77*X*{version}", *tx]
    segments += ["GE*1*77", "IEA*1*000000777"]
    return "\n".join(s.rstrip("~") + "~" for s in segments).encode()


def accepted_277ca(claim_id: int) -> bytes:
    return envelope("277", "HN", "005010X214", [
        "BHT*0085*08*1*20261128*1200*TH", "HL*1**20*1", "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1",
        "HL*2*1*21*1", "NM1*41*2*HARBOUR THERAPY*****46*THERABILL", "HL*3*2*19*1",
        "NM1*85*2*HARBOUR THERAPY*****XX*1234567893", "HL*4*3*PT",
        "NM1*QC*1*EXAMPLE*ADA****MI*M100", f"TRN*2*TB{claim_id:08d}",
        "STC*A2:20*20261128*WQ*90.00", "REF*1K*PAYER123",
    ])  # fmt: skip


CLAIM_STATUS_277 = envelope("277", "HN", "005010X212", [
    "BHT*0010*08*1*20261128*1200*DG", "HL*1**20*1", "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1",
])  # fmt: skip


def run(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


TA1_ACCEPTED = (
    b"ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*THERABILL      *261128*1200*^*"
    b"00501*000000901*0*P*:~TA1*000000001*261128*1200*A*000~IEA*0*000000901~"
)


def test_send_then_fetch_each_file_once(practice: Store, home: Path, sftp: Server) -> None:
    profile = sftp.profile(home)
    claim = build_claim(practice, c97110=30)
    run("claims", "submit")
    run("eligibility", "check", "C-1", "--service-type", "PT")
    sent = run("clearinghouse", "send", "--clearinghouse", profile)
    kinds = sorted(f["kind"] for f in sent["files"])  # type: ignore[union-attr,index]
    assert kinds == ["270", "837P"]
    assert sorted(p.name for p in sftp.inbound.iterdir()) == sorted(
        f["remote"]
        for f in sent["files"]  # type: ignore[union-attr,index]
    )
    outbox = home / "outbox"
    assert not [p for p in outbox.iterdir() if p.is_file()]  # moved to outbox/sent
    assert run("clearinghouse", "send", "--clearinghouse", profile)["files"] == []

    [request] = (outbox / "sent").glob("270-*.x12")
    trace = request.read_text().split("TRN*1*")[1].split("*")[0]
    answer = (ELIGIBILITY / "therabill_commercial_ppo_therapy.271").read_bytes()
    with practice.transaction() as work:
        remit = factories.remittance_for(work, [claim], trace="EFT-SFTP-1")
    files = {
        "0-interchange.ta1": TA1_ACCEPTED,
        "a-ack.277": accepted_277ca(claim),
        "b-eligibility.271": answer.replace(b"P41-20261127101500", trace.encode()),
        "c-status.277": CLAIM_STATUS_277,
        "d-remit.835": remit.encode(),
        "e-junk.txt": b"<html>session expired</html>",
    }
    for name, data in files.items():
        (sftp.outbound / name).write_bytes(data)
    fetched = run("clearinghouse", "fetch", "--clearinghouse", profile)
    outcome = {f["file"]: (f["kind"], f["status"]) for f in fetched["files"]}  # type: ignore[union-attr,index]
    assert outcome == {
        "0-interchange.ta1": ("TA1", "applied"),
        "a-ack.277": ("277CA", "applied"),
        "b-eligibility.271": ("271", "applied"),
        "c-status.277": ("277", "applied"),
        "d-remit.835": ("835", "applied"),
        "e-junk.txt": ("", "quarantined"),
    }
    with practice.transaction() as work:
        assert claim_records.show_claim(work=work, claim_id=claim)["status"] == "paid"
    assert (home / "inbox" / "quarantine" / "e-junk.txt").is_file()
    assert (home / "inbox" / "c-status.277").is_file()
    again = run("clearinghouse", "fetch", "--clearinghouse", profile)
    assert again["files"] == [] and sorted(again["skipped"]) == sorted(files)  # type: ignore[arg-type]
    with practice.reading() as work:
        log = clearinghouse_transfer.list_transfers(work)
    assert len(log) == 8 and {r["direction"] for r in log} == {"sent", "fetched"}


def test_a_connection_cut_while_sending(practice: Store, home: Path, sftp: Server) -> None:
    profile = sftp.profile(home)
    run("eligibility", "check", "C-1", "--service-type", "PT", "-o", str(home / "outbox" / "a.x12"))
    run("eligibility", "check", "C-2", "--service-type", "AD", "-o", str(home / "outbox" / "b.x12"))
    sftp.plan.name, sftp.plan.after = "b.x12", 0
    cut = CliRunner().invoke(app, ["clearinghouse", "send", "--clearinghouse", profile])
    assert cut.exit_code == 2 and cut.stderr.startswith("Error: the connection to 127.0.0.1")
    assert "1 of 2 file(s) sent before it" in cut.stderr
    assert (sftp.inbound / "a.x12").is_file() and not (sftp.inbound / "b.x12").exists()
    again = run("clearinghouse", "send", "--clearinghouse", profile)
    assert [f["file"] for f in again["files"]] == ["b.x12"]  # type: ignore[union-attr,index]
    assert sftp.plan.uploads == {"a.x12": 1, "b.x12": 1}
    assert (sftp.inbound / "b.x12").read_bytes() == (
        home / "outbox" / "sent" / "b.x12"
    ).read_bytes()


def test_a_connection_cut_while_fetching(practice: Store, home: Path, sftp: Server) -> None:
    profile = sftp.profile(home, password=True)
    answer = (ELIGIBILITY / "therabill_subscriber_not_found.271").read_bytes()
    answer = answer.replace(b"W99887766", b"M100")
    for name in ("1.271", "2.271", "3.271"):
        (sftp.outbound / name).write_bytes(answer)
    sftp.plan.name, sftp.plan.after = "2.271", 0
    runner = CliRunner(env={"THERABILL_TEST_SFTP_PASSWORD": PASSWORD})
    cut = runner.invoke(app, ["clearinghouse", "fetch", "--clearinghouse", profile])
    assert cut.exit_code == 2 and "1 of 3 file(s) fetched and read before it" in cut.stderr
    inbox = home / "inbox"
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) in (
        ["1.271"], [".2.271.part", "1.271"],
    )  # fmt: skip
    again = runner.invoke(app, ["clearinghouse", "fetch", "--clearinghouse", profile, "--json"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert [f["file"] for f in data["files"]] == ["2.271", "3.271"] and data["skipped"] == ["1.271"]
    assert [f["detail"] for f in data["files"]] == [
        "0 answer(s) stored, 1 stored before, 0 matching no policy",
    ] * 2  # one answer, stored once: the same bytes under three names
    with practice.reading() as work:
        fetched = [
            r for r in clearinghouse_transfer.list_transfers(work) if r["direction"] == "fetched"
        ]
    assert sorted(r["file"] for r in fetched) == ["1.271", "2.271", "3.271"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no password", "the environment variable THERABILL_TEST_SFTP_PASSWORD is not set"),
        ("wrong password", "the connection to 127.0.0.1"),
        ("unknown host key", "the connection to 127.0.0.1"),
        ("no known_hosts", "the server's host key must be known before connecting"),
        ("no connection", "has no [connection] section"),
    ],
)
def test_what_cannot_connect_is_one_error_line(
    practice: Store, home: Path, sftp: Server, change: str, message: str, tmp_path: Path
) -> None:
    profile = sftp.profile(home, password=True)
    env = {"THERABILL_TEST_SFTP_PASSWORD": "not it" if change == "wrong password" else PASSWORD}
    path = home / "clearinghouses" / f"{profile}.toml"
    if change == "no password":
        env = {}
    elif change == "unknown host key":
        other = tmp_path / "other_known_hosts"
        other.write_text(
            f"[127.0.0.1]:{sftp.port} ssh-ed25519 "
            "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
        )
        path.write_text(path.read_text().replace(str(sftp.known_hosts), str(other)))
    elif change == "no known_hosts":
        path.write_text(path.read_text().replace(str(sftp.known_hosts), str(tmp_path / "nope")))
    elif change == "no connection":
        path.write_text(path.read_text().split("[connection]")[0])
    (sftp.outbound / "x.271").write_bytes(b"ISA")
    result = CliRunner(env=env).invoke(app, ["clearinghouse", "fetch", "--clearinghouse", profile])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_a_file_renamed_into_place_but_not_recorded_is_not_sent_again(
    practice: Store, home: Path, sftp: Server
) -> None:
    """The connection (or the process) died between the rename and the record: the next send
    finds the whole file there and records it without uploading it again."""
    profile = sftp.profile(home)
    run("eligibility", "check", "C-1", "-o", str(home / "outbox" / "a.x12"))
    (sftp.inbound / "a.x12").write_bytes((home / "outbox" / "a.x12").read_bytes())
    sent = run("clearinghouse", "send", "--clearinghouse", profile)
    assert [f["file"] for f in sent["files"]] == ["a.x12"]  # type: ignore[union-attr,index]
    assert sftp.plan.uploads == {}


def test_a_277ca_damaged_halfway_is_quarantined_and_moves_no_claim(
    practice: Store, home: Path, sftp: Server
) -> None:
    """A fetched file is read in the fetch's own transaction, which goes on after a bad file:
    the acknowledgements are read whole before any claim moves, so a 277CA whose count
    (SE01) is wrong at its end leaves the claim it accepts submitted, and is quarantined."""
    profile = sftp.profile(home)
    claim = build_claim(practice, c97110=30)
    run("claims", "submit")
    # the claim, then a second one (not ours) that closes it, then a wrong count (SE01)
    second = b"HL*5*3*PT~\nNM1*QC*1*OTHER*BO****MI*M200~\nTRN*2*TB99999999~\n"
    second += b"STC*A2:20*20261128*WQ*90.00~\nSE*99*0001"
    damaged = accepted_277ca(claim).replace(b"SE*14*0001", second)
    assert damaged != accepted_277ca(claim)
    (sftp.outbound / "ack.277").write_bytes(damaged)
    fetched = run("clearinghouse", "fetch", "--clearinghouse", profile)
    [outcome] = fetched["files"]  # type: ignore[misc]
    assert (outcome["kind"], outcome["status"]) == ("277CA", "quarantined"), outcome
    assert "SE01" in outcome["detail"] or "segment" in outcome["detail"], outcome
    with practice.transaction() as work:
        assert claim_records.show_claim(work=work, claim_id=claim)["status"] == "submitted"


def test_another_practices_835_in_a_shared_mailbox_is_left_for_it(
    practice: Store, home: Path, sftp: Server
) -> None:
    """A billing office's practices may share one clearinghouse mailbox: an 835 whose payee
    (N1*PE) is another practice is not posted, not quarantined and not kept here, and is
    not downloaded again; the mailbox keeps it for that practice's own fetch."""
    profile = sftp.profile(home)
    ours = build_claim(practice, c97110=30)
    theirs = build_claim(practice, "C-2", c97110=45)
    run("claims", "submit")
    with practice.transaction() as work:
        mine = factories.remittance_for(work, [ours], trace="EFT-OURS")
        other = factories.remittance_for(work, [theirs], trace="EFT-THEIRS")
    payee = f"N1*PE*HARBOUR THERAPY*XX*{factories.PT_NPI}~"
    assert payee in other
    other = other.replace(payee, "N1*PE*SEASIDE SPEECH*XX*1497758544~")
    (sftp.outbound / "a-ours.835").write_bytes(mine.encode())
    (sftp.outbound / "b-theirs.835").write_bytes(other.encode())
    fetched = run("clearinghouse", "fetch", "--clearinghouse", profile)
    outcome = {f["file"]: (f["status"], f["detail"]) for f in fetched["files"]}  # type: ignore[union-attr,index]
    assert outcome["a-ours.835"][0] == "applied"
    status, detail = outcome["b-theirs.835"]
    assert status == "not ours"
    assert "SEASIDE SPEECH (NPI 1497758544), not this practice" in detail
    with practice.reading() as work:
        assert claim_records.show_claim(work=work, claim_id=ours)["status"] == "paid"
        assert claim_records.show_claim(work=work, claim_id=theirs)["status"] != "paid"
    assert not (home / "inbox" / "b-theirs.835").exists()
    assert not (home / "inbox" / "quarantine" / "b-theirs.835").exists()
    assert (sftp.outbound / "b-theirs.835").is_file()  # still there for its own practice
    again = run("clearinghouse", "fetch", "--clearinghouse", profile)
    assert again["files"] == []
