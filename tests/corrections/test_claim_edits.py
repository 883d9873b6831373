"""Editing claims no payer has decided, fees that fix drafts, and sessions edited or deleted
before they are billed (and refused, pointing at the claim, after)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corrections_fixtures import DAY, build
from therabill.claims.corrections import ClaimEdit, LineEdit
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.ledger import Balance
from therabill.store import factories
from therabill.store.services import Store, claim_edits, claim_records, ledger, practice, sessions


def show(store: Store, claim_id: int) -> dict[str, object]:
    with store.transaction() as work:
        return claim_records.show_claim(work=work, claim_id=claim_id)


def balance(store: Store, claim_id: int) -> Balance:
    with store.transaction() as work:
        return ledger.claim_balance(work, claim_id)


def test_a_fee_set_later_turns_the_draft_ready_and_charges_the_ledger(practice: Store) -> None:
    claim_id = build(practice, c97530=30)  # no fee on file for 97530: claim.no-fee
    before = show(practice, claim_id)
    assert before["status"] == "draft"
    assert [f["id"] for f in before["findings"] if f["severity"] == "error"] == ["claim.no-fee"]
    assert balance(practice, claim_id) == Balance(0, 0)
    with practice.transaction(actor="admin") as work:
        practice_fee = practice_service_set(work, "97530", 5000)
    assert practice_fee == 5000
    after = show(practice, claim_id)
    assert after["status"] == "ready"
    assert after["lines"][0]["charge_cents"] == 10000  # 2 units x 50.00
    assert after["total_charge_cents"] == 10000
    assert balance(practice, claim_id) == Balance(10000, 0)
    history = after["history"]
    assert [h["kind"] for h in history][-2:] == ["fee", "status"]
    assert "charge: 0.00 → 100.00" in history[-2]["why"]
    assert (history[-1]["from"], history[-1]["to"]) == ("draft", "ready")


def practice_service_set(work: object, code: str, cents: int) -> int:
    fee = practice.set_fee(work=work, code=code, unit_charge_cents=cents)  # type: ignore[arg-type]
    return fee.unit_charge_cents


def test_edit_changes_units_charge_and_ledger_to_the_cent(practice: Store) -> None:
    claim_id = build(
        practice, c97110=38, c97140=15
    )  # the commercial payer counts units per code (midpoint)
    start = show(practice, claim_id)
    assert [(ln["code"], ln["units"]) for ln in start["lines"]] == [("97110", 3), ("97140", 1)]
    with practice.transaction(actor="biller") as work:
        done = claim_edits.edit_claim(
            work=work,
            claim_id=claim_id,
            edit=ClaimEdit(lines=(LineEdit(1, units=2, modifiers=("GP",)),)),
            reason="two units documented",
        )
    assert [str(c) for c in done.changes] == [
        "line 1 (97110) modifiers: - → GP",
        "line 1 (97110) units: 3 → 2",
        "line 1 (97110) charge: 135.00 → 90.00",
    ]
    after = show(practice, claim_id)
    assert after["lines"][0]["units"] == 2 and after["lines"][0]["modifiers"] == ["GP"]
    assert after["total_charge_cents"] == 9000 + 4200
    assert balance(practice, claim_id) == Balance(13200, 0)
    with practice.transaction() as work:
        entries = ledger.client_ledger(work=work, client="C-1").entries
    assert sorted(e.amount_cents for e in entries if e.claim_id == claim_id) == [
        -13500,
        4200,
        9000,
        13500,
    ]
    edit = next(h for h in after["history"] if h["kind"] == "edit")
    assert "two units documented" in edit["why"] and edit["by"] == "biller"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (ClaimEdit(), "nothing to change"),
        (ClaimEdit(lines=(LineEdit(3, units=1),)), "has no line 3"),
        (ClaimEdit(lines=(LineEdit(1, units=0),)), "units must be 1 to 9999"),
        (ClaimEdit(lines=(LineEdit(1, code="9711"),)), "9711"),
        (ClaimEdit(lines=(LineEdit(1, modifiers=("G",)),)), "'G' is not a modifier"),
        (ClaimEdit(lines=(LineEdit(1, pointers=(2,)),)), "points at diagnosis 2"),
        (ClaimEdit(diagnoses=("XYZ",)), "not shaped like an ICD-10-CM code"),
        (ClaimEdit(lines=(LineEdit(1, units=3),)), "changes nothing"),
    ],
    ids=[
        "empty",
        "no-such-line",
        "zero-units",
        "bad-code",
        "bad-modifier",
        "pointer",
        "dx",
        "same",
    ],
)
def test_bad_edits_are_refused_and_change_nothing(
    practice: Store, edit: ClaimEdit, message: str
) -> None:
    claim_id = build(practice, c97110=38)
    before = show(practice, claim_id)
    with pytest.raises(InvalidInput, match=message), practice.transaction() as work:
        claim_edits.edit_claim(work=work, claim_id=claim_id, edit=edit, reason="x")
    after = show(practice, claim_id)
    assert after["lines"] == before["lines"] and after["history"] == before["history"]


def test_cli_edit_json_and_error_line(practice: Store, home: Path) -> None:
    claim_id = build(practice, c97110=38)
    runner = CliRunner()
    ok = runner.invoke(
        app,
        ["claims", "edit", str(claim_id), "--line", "1", "--charge", "120.00", "--json",
         "--reason", "contract rate"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["status"] == "ready"
    assert data["changes"] == [
        {"where": "line 1 (97110)", "what": "charge", "before": "135.00", "after": "120.00"}
    ]
    for args, error in [
        (["--units", "2"], "Error: line: say which line: --line N\n"),
        (["--line", "1", "--pointers", "a"], "Error: pointers: 'a' is not a whole number"),
        (["--line", "1", "--charge", "-1"], "Error: charge:"),
    ]:
        bad = runner.invoke(app, ["claims", "edit", str(claim_id), *args, "--json"])
        assert bad.exit_code == 2 and bad.stdout == ""
        assert bad.stderr.startswith(error) and bad.stderr.count("\n") == 1


def test_session_edit_and_delete_before_billing(practice: Store) -> None:
    with practice.transaction() as work:
        session = factories.add_session(
            work, client="C-1", provider=factories.PT_NPI, day=DAY, services={"97110": 23}
        )
        session_id = session.id
    with practice.transaction() as work:
        changed, units = sessions.edit_session(
            work=work,
            session_id=session_id,
            services=[sessions.ServiceMinutes("97110", 38)],
            diagnoses=["M54.50", "M62.81"],
        )
        assert [(ln.code, ln.units) for ln in units.lines] == [("97110", 3)]
        assert [d.code for d in changed.diagnoses] == ["M5450", "M6281"]
    with practice.transaction() as work:
        assert sessions.delete_session(work=work, session_id=session_id) == session_id
    with pytest.raises(InvalidInput, match=f"no session {session_id}"), practice.transaction() as w:
        sessions.delete_session(work=w, session_id=session_id)


def test_a_billed_session_is_changed_through_its_claim(practice: Store, home: Path) -> None:
    claim_id = build(practice, c97110=38)
    with practice.transaction() as work:
        session_id = sessions.list_sessions(work=work)[0].id
    runner = CliRunner()
    for args in (
        ["session", "edit", str(session_id), "97110=30"],
        ["session", "delete", str(session_id)],
    ):
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr == (
            f"Error: session: session {session_id} is billed on claim {claim_id} (ready), so it "
            f"is not {'edited' if args[1] == 'edit' else 'deleted'} here: change the claim "
            f"instead: therabill claims edit {claim_id} (or close the claim to bill the session "
            f"again: therabill claims close {claim_id} --reason TEXT)\n"
        )
