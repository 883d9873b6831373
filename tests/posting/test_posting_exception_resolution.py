"""An unmatched remittance claim stays on the exception list until a biller resolves it,
saying what was done; the record keeps who and when, and it cannot be resolved twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from remit_builder import billed, paid_as_billed, remit
from typer.testing import CliRunner

from posting_fixtures import build_claim
from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store.services import Store, remittances, submission
from therabill.x12.remittance_835.builder import AdjudicatedClaim


def _one_exception(store: Store, outbox: Path) -> int:
    build_claim(store, c97110=30)
    with store.transaction(actor="biller") as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    (c,) = [c for path in outcome.paths for c in billed(path.read_text("ascii"))]
    stranger = AdjudicatedClaim("TB00009999", "1", [paid_as_billed(c.lines[0])])
    with store.transaction(actor="poster") as work:
        result = remittances.post_remittance(
            work=work,
            data=remit([AdjudicatedClaim(c.claim_id, "1", [paid_as_billed(c.lines[0])]), stranger]),
            file_name="remit.835",
        )
    assert [e["claim"] for e in result.exceptions] == ["TB00009999"]
    with store.transaction(actor="biller") as work:
        (listed,) = remittances.list_exceptions(work=work)
    return int(listed["id"])


def test_resolving_keeps_who_when_and_what(practice: Store, tmp_path: Path) -> None:
    exception_id = _one_exception(practice, tmp_path)
    with practice.transaction(actor="bea") as work:
        remittances.resolve_exception(
            work=work, exception_id=exception_id, note="returned to the payer: not ours"
        )
    with practice.transaction(actor="bea") as work:
        assert remittances.list_exceptions(work=work) == []
        (done,) = remittances.list_exceptions(work=work, include_resolved=True)
    assert done["resolved_by"] == "bea" and done["resolution"] == "returned to the payer: not ours"
    assert done["resolved_at"]


@pytest.mark.parametrize(
    ("note", "field", "words"),
    [("", "note", "say what was done"), ("x" * 501, "note", "longer than 500")],
)
def test_a_resolution_says_what_was_done(
    practice: Store, tmp_path: Path, note: str, field: str, words: str
) -> None:
    exception_id = _one_exception(practice, tmp_path)
    with pytest.raises(InvalidInput) as refused, practice.transaction(actor="bea") as work:
        remittances.resolve_exception(work=work, exception_id=exception_id, note=note)
    assert refused.value.field == field and words in str(refused.value)


def test_unknown_or_already_resolved_is_refused(practice: Store, tmp_path: Path) -> None:
    exception_id = _one_exception(practice, tmp_path)
    with (
        pytest.raises(InvalidInput, match="no remittance exception 999"),
        practice.transaction(actor="bea") as work,
    ):
        remittances.resolve_exception(work=work, exception_id=999, note="done")
    with practice.transaction(actor="bea") as work:
        remittances.resolve_exception(work=work, exception_id=exception_id, note="done")
    with (
        pytest.raises(InvalidInput, match="already resolved by bea"),
        practice.transaction(actor="cy") as work,
    ):
        remittances.resolve_exception(work=work, exception_id=exception_id, note="again")


def test_era_resolve_cli(practice: Store, tmp_path: Path) -> None:
    exception_id = _one_exception(practice, tmp_path)
    runner = CliRunner()
    done = runner.invoke(
        app, ["era", "resolve", str(exception_id), "--note", "posted by hand", "--json"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["resolution"] == "posted by hand"
    again = runner.invoke(app, ["era", "resolve", str(exception_id), "--note", "again"])
    assert again.exit_code != 0 and "already resolved" in again.stderr
    listed = json.loads(runner.invoke(app, ["era", "exceptions", "--all", "--json"]).stdout)
    assert listed["exceptions"][0]["resolution"] == "posted by hand"
