"""Posting never half-happens: two processes posting the same file at once post it once; any
cut or mutation of a real 835 is refused or posted whole, never a traceback or a part."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from remit_builder import billed, paid_as_billed, remit
from sqlalchemy import func, select

from db_backends import database_copy
from posting_fixtures import build_claim
from therabill.errors import TherabillError
from therabill.store.models import LedgerEntry, RemittanceClaim, RemittanceLine
from therabill.store.services import Store, open_store, remittances, submission
from therabill.x12.remittance_835.builder import AdjudicatedClaim

POSTER = """
import sys, json
from pathlib import Path
from therabill.store.services import open_store, remittances
store = open_store(sys.argv[1])
data = Path(sys.argv[2]).read_bytes()
Path(sys.argv[3]).touch()
while not Path(sys.argv[4]).exists():
    pass
with store.transaction(actor="proc") as work:
    result = remittances.post_remittance(work=work, data=data, file_name=sys.argv[2])
print(json.dumps(result.to_dict()))
"""


def _real_835(store: Store, outbox: Path) -> bytes:
    build_claim(store, c97110=30, c97140=25)
    with store.transaction() as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    (c,) = billed(outcome.paths[0].read_text("ascii"))
    svcs = [paid_as_billed(line, cas_extra=[("PR", "3", 500)]) for line in c.lines]
    return remit([AdjudicatedClaim(c.claim_id, "1", svcs)], provider_adjustments=[("WO", 250)])


def _counts(store: Store) -> tuple[int, int, int]:
    with store.transaction() as work:
        return tuple(  # type: ignore[return-value]
            int(work.db.execute(select(func.count()).select_from(m)).scalar_one())
            for m in (LedgerEntry, RemittanceClaim, RemittanceLine)
        )


def test_two_processes_post_the_same_file_once(
    practice: Store, tmp_path: Path, db_url: str
) -> None:
    data = _real_835(practice, tmp_path / "outbox")
    path = tmp_path / "remit.835"
    path.write_bytes(data)
    go = tmp_path / "go"
    procs = []
    for n in range(2):
        ready = tmp_path / f"ready{n}"
        procs.append(
            (
                subprocess.Popen(
                    [sys.executable, "-c", POSTER, db_url, str(path), str(ready), str(go)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=os.environ.copy(),
                ),
                ready,
            )
        )
    for _, ready in procs:
        for _ in range(600):
            if ready.exists():
                break
            import time

            time.sleep(0.05)
    go.touch()
    outcomes = []
    for proc, _ in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcomes.append(json.loads(out)["outcome"])
    assert sorted(outcomes) == ["already posted", "posted"]
    assert _counts(practice)[1] == 1


@pytest.fixture
def submitted_practice(practice: Store, tmp_path: Path, db_url: str) -> tuple[str, bytes]:
    """The practice with one claim submitted, closed to serve as every example's template, and
    a real 835 that pays that claim."""
    data = _real_835(practice, tmp_path / "outbox")
    practice.dispose()
    return db_url, data


# The function-scoped fixture is only the template: each example posts into its own copy of it,
# so no example sees another's writes and a failing example replays from the same state.
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_cut_or_mutated_835_is_refused_or_posted_whole(
    submitted_practice: tuple[str, bytes], data: st.DataObject
) -> None:
    template_url, original = submitted_practice
    text = bytearray(original)
    if data.draw(st.booleans(), label="cut"):
        text = text[: data.draw(st.integers(0, len(text)), label="at")]
    for _ in range(data.draw(st.integers(0, 4), label="mutations")):
        if not text:
            break
        i = data.draw(st.integers(0, len(text) - 1), label="where")
        text[i] = data.draw(st.sampled_from(b"0123456789*~:.-AZ \n"), label="byte")
    with database_copy(template_url) as url:
        store = open_store(url)
        try:
            before = _counts(store)
            try:
                with store.transaction(actor="fuzz") as work:
                    result = remittances.post_remittance(
                        work=work, data=bytes(text), file_name="f.835"
                    )
            except TherabillError:
                result = None
            after = _counts(store)
        finally:
            store.dispose()
    event("refused" if result is None else result.outcome)
    if result is None or result.outcome != "posted":
        assert after == before
    else:
        # posted whole: every claim it says it posted is there with all of its lines
        assert after[1] - before[1] == result.claims_posted
        assert after[2] - before[2] == result.lines_posted
