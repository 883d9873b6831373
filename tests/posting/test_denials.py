"""The denial work queue: posting opens a denial for every amount the payer still owes, and
only a biller's action (or the payer deciding again) closes it, on each backend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import Result
from remit_builder import BilledClaim, billed, remit
from sqlalchemy import select
from typer.testing import CliRunner

from clock import TODAY
from posting_fixtures import build_claim
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store.models import Denial, LedgerEntry
from therabill.store.services import Store, claim_records, denials, remittances, submission
from therabill.store.services.users import Role, create_user
from therabill.x12.remittance_835.builder import AdjudicatedClaim, AdjudicatedLine

PAID_ON = TODAY - dt.timedelta(days=30)


def submit(store: Store, outbox: Path) -> list[BilledClaim]:
    with store.transaction(actor="biller") as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    return [c for path in outcome.paths for c in billed(path.read_text("ascii"))]


def post(store: Store, data: bytes) -> remittances.PostingResult:
    with store.transaction(actor="poster") as work:
        return remittances.post_remittance(work=work, data=data, file_name="remit.835")


def shown(store: Store, claim_id: int) -> dict:  # type: ignore[type-arg]
    with store.transaction() as work:
        return claim_records.show_claim(work=work, claim_id=claim_id)


def denied_line(
    store: Store, tmp_path: Path, carc: str = "16", remarks: tuple[str, ...] = ()
) -> int:
    """One 97110 line (2 units, 90.00) denied CO-``carc`` in full; returns the claim id."""
    cid = build_claim(store, c97110=30)
    (c,) = submit(store, tmp_path)
    line = c.lines[0]
    svc = AdjudicatedLine(
        line.code,
        line.charge,
        0,
        line.units,
        line.day,
        [],
        [("CO", carc, line.charge)],
        remarks=remarks,
    )
    post(store, remit([AdjudicatedClaim(c.claim_id, "4", [svc])], trace="D1", paid_on=PAID_ON))
    return cid


def add_login(store: Store, username: str, role: Role) -> None:
    with store.transaction() as work:
        create_user(work, username=username, role=role, password="a long enough password 1")


def test_a_denied_line_opens_one_denial_and_stays_owed(practice: Store, tmp_path: Path) -> None:
    cid = denied_line(practice, tmp_path, "16", ("MA130", "N286"))
    claim = shown(practice, cid)
    assert claim["balance"] == {"insurance_cents": 9000, "patient_cents": 0, "total_cents": 9000}
    (d,) = claim["denials"]
    assert (d["line"], d["carc"], d["rarc"], d["class"], d["status"]) == (
        1,
        "16",
        ["MA130", "N286"],
        "correct",
        "open",
    )
    assert d["next_action"].startswith("correct and send a new claim")
    assert "referring provider" in d["next_action"].lower()
    # the commercial profile's corrected_claim_days: 90 days from the remittance
    assert d["deadline"] == (PAID_ON + dt.timedelta(days=90)).isoformat()


def test_close_denial_records_how_and_refuses_twice(practice: Store, tmp_path: Path) -> None:
    cid = denied_line(practice, tmp_path)
    (d,) = shown(practice, cid)["denials"]
    with practice.transaction(actor="ana") as work:
        with pytest.raises(InvalidInput, match="not one of"):
            denials.close_denial(work=work, denial_id=d["id"], how="forgotten", note="x")
        with pytest.raises(InvalidInput, match="say what was done"):
            denials.close_denial(work=work, denial_id=d["id"], how="corrected", note=" ")
        with pytest.raises(InvalidInput, match="no claim 999999"):  # not the practice's
            denials.close_denial(
                work=work, denial_id=d["id"], how="corrected", note="x",
                replacement_claim_id=999999,
            )  # fmt: skip
        closed = denials.close_denial(
            work=work, denial_id=d["id"], how="corrected", note="NPI added, sent again"
        )
        assert (closed.closed_by, closed.closed_how) == ("ana", "corrected")
    with practice.transaction() as work, pytest.raises(InvalidInput, match="already closed"):
        denials.close_denial(work=work, denial_id=d["id"], how="corrected", note="again")
    with practice.transaction() as work:
        assert denials.list_denials(work=work) == []
        (kept,) = denials.list_denials(work=work, include_closed=True)
    assert kept["status"] == "closed" and kept["close_note"] == "NPI added, sent again"


def test_write_off_needs_a_biller_or_admin_and_posts_a_write_off(
    practice: Store, tmp_path: Path
) -> None:
    cid = denied_line(practice, tmp_path, "29")
    (d,) = shown(practice, cid)["denials"]
    add_login(practice, "bea", Role.BILLER)
    with practice.transaction() as work, pytest.raises(InvalidInput, match="biller or admin"):
        denials.write_off_denial(work=work, denial_id=d["id"], reason="late", approved_by="nobody")
    with practice.transaction(actor="ana") as work:
        denials.write_off_denial(
            work=work, denial_id=d["id"], reason="filed late, no proof", approved_by="bea"
        )
    claim = shown(practice, cid)
    assert claim["balance"]["total_cents"] == 0
    assert claim["denials"][0]["status"] == "closed"
    with practice.transaction() as work:
        entry = work.db.execute(
            select(LedgerEntry).where(LedgerEntry.receipt == f"denial:{d['id']}")
        ).scalar_one()
        row = work.db.get(Denial, d["id"])
        assert row is not None and row.approved_by == "bea"
    assert (entry.kind, entry.amount_cents, entry.responsibility) == (
        "write_off",
        9000,
        "insurance",
    )


def test_co_amount_moves_to_the_client_only_when_the_client_agreed(
    practice: Store, tmp_path: Path
) -> None:
    cid = denied_line(practice, tmp_path, "50")
    (d,) = shown(practice, cid)["denials"]
    with practice.transaction() as work, pytest.raises(InvalidInput, match="may not bill"):
        denials.transfer_to_client(work=work, denial_id=d["id"], reason="not necessary")
    with practice.transaction() as work:
        denials.transfer_to_client(
            work=work, denial_id=d["id"], reason="signed waiver 2026-10-01", client_agreed=True
        )
    claim = shown(practice, cid)
    assert claim["balance"] == {"insurance_cents": 0, "patient_cents": 9000, "total_cents": 9000}
    assert claim["denials"][0]["closed_how"] == "transferred_to_client"


def test_an_appeal_keeps_the_denial_open_until_the_payer_pays(
    practice: Store, tmp_path: Path
) -> None:
    cid = denied_line(practice, tmp_path, "50")
    (d,) = shown(practice, cid)["denials"]
    with practice.transaction() as work:
        denials.appeal_denial(work=work, denial_id=d["id"], letter="Please reconsider ...")
    with practice.transaction() as work:
        (row,) = denials.list_denials(work=work)
    assert row["status"] == "appealed" and row["appealed_on"] is not None
    claim_number = f"TB{cid:08d}"
    paid = AdjudicatedLine("97110", 9000, 7200, 2, None, [], [("CO", "45", 1800)])
    result = post(practice, remit([AdjudicatedClaim(claim_number, "1", [paid])], trace="D2"))
    assert result.denials_closed == 1
    claim = shown(practice, cid)
    assert claim["denials"][0]["closed_how"] == "paid"
    assert claim["balance"]["total_cents"] == 0


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_the_denials_commands(practice: Store, tmp_path: Path) -> None:
    cid = denied_line(practice, tmp_path, "151")
    listed = cli("denials", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["count"] == 1
    (row,) = data["denials"]
    assert (row["claim_id"], row["carc"], row["class"], row["payer"]) == (
        cid,
        "151",
        "appeal",
        "Acme Health Plan",
    )
    assert row["carc_description"].startswith("Documentation does not support")
    assert row["age_days"] == 30 and row["days_to_deadline"] == 150  # 180 days to appeal
    assert json.loads(cli("denials", "list", "--reason", "CO-16", "--json").stdout)["count"] == 0
    assert json.loads(cli("denials", "list", "--age", "31", "--json").stdout)["count"] == 0
    letter = cli("denials", "letter", str(row["id"]))
    assert letter.exit_code == 0
    assert f"TB{cid:08d}" in letter.stdout and "CO-151" in letter.stdout
    assert "Member ID: M100" in letter.stdout
    bad = cli("denials", "write-off", str(row["id"]), "--reason", "x", "--approved-by", "zed")
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: approved_by:")
    assert bad.stdout == ""
    appealed = cli("denials", "appeal", str(row["id"]), "--json")
    assert appealed.exit_code == 0 and json.loads(appealed.stdout)["status"] == "appealed"
    add_login(practice, "bea", Role.BILLER)
    done = cli("denials", "write-off", str(row["id"]), "--reason", "lost", "--approved-by", "bea")
    assert done.exit_code == 0, done.stderr
    assert json.loads(cli("denials", "list", "--json").stdout)["count"] == 0
    kept = json.loads(cli("denials", "list", "--all", "--json").stdout)["denials"]
    assert [(d["status"], d["closed_how"], d["approved_by"]) for d in kept] == [
        ("closed", "written_off", "bea")
    ]
    shown = json.loads(cli("claims", "show", str(cid), "--json").stdout)
    assert shown["denials"][0]["status"] == "closed"
    assert shown["balance"]["total_cents"] == 0
    deposits = cli("era", "deposits", "--json")
    assert deposits.exit_code == 0, deposits.stderr
    (deposit,) = json.loads(deposits.stdout)["deposits"]
    assert (deposit["trace_number"], deposit["deposit_cents"], deposit["difference_cents"]) == (
        "D1",
        0,
        0,
    )
