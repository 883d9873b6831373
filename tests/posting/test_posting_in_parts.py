"""An 835 posted by a job in parts (issue 17): on SQLite a post-835 job commits a part per
batch of claims (``remittances.BATCH``) and per payment, so billers save between parts; on
PostgreSQL it stays one transaction. Killed again and again, it ends with exactly the rows
of the same file posted in one transaction; the same file is never posted twice, even while
a posting is part-done; a file that will be refused leaves nothing; while it posts, readers
see it as still posting; a part that fails keeps the parts before it, says so, and the same
file uploaded again posts the rest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, func, select, text, update

from job_helpers import Killed, copy_of, job_row, killed_again_and_again
from posting_fixtures import BULK_DAY, submitted_claims
from therabill.errors import InvalidInput
from therabill.store import audit, bulk_writes, report_sums
from therabill.store.models import (
    ClaimRecord,
    Job,
    LedgerEntry,
    RemittanceException,
    RemittanceFile,
)
from therabill.store.models.base import Base
from therabill.store.services import Store, jobs, payments, remittance_intake, remittances
from therabill.x12.remittance_835.builder import write_835

COUNT = 23  # claims of 2 lines; parts of 4 claims: 6 batches, then the payment's end
PAID_ON = BULK_DAY + dt.timedelta(days=20)
ROWS = (  # what a posting writes (every column but the times of writing)
    "ledger_entries", "remittance_files", "remittances", "remittance_claims", "remittance_lines",
    "remittance_adjustments", "remittance_provider_adjustments", "remittance_exceptions",
    "denials", "claims", "claim_status_changes",
)  # fmt: skip


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remittances, "BATCH", 4)


def _file(store: Store, ids: dict[str, int], trace: str = "EFT-PARTS") -> bytes:
    answers = submitted_claims(store, ids, COUNT)
    # with a PLB (L6 interest), applied at the payment's end
    return write_835(
        answers, trace=trace, paid_on=PAID_ON, provider_adjustments=(("L6", -250),)
    ).encode()


def _queue(store: Store, data: bytes, actor: str = "biller") -> int:
    with store.transaction(actor=actor) as work:
        return jobs.create(
            work, kind="post-835", arguments={"file_name": "parts.835"}, payload=data
        ).id


def _rows(store: Store, *, exact: bool) -> dict[str, Any]:
    """Every row a posting writes, the report sums, and the audit trail's entries of the
    posting (not the job's own: queued, claimed, finished). Not ``exact`` (PostgreSQL, where
    a killed run's rollback leaves gaps in the ids): the row counts and the money."""
    found: dict[str, Any] = {}
    with store.engine.connect() as connection:
        for name in ROWS:
            table = Base.metadata.tables[name]
            kept = [c for c in table.columns if not isinstance(c.type, DateTime)]
            found[name] = [
                tuple(r)
                for r in connection.execute(select(*kept).order_by(*table.primary_key.columns))
            ]
        statuses = connection.execute(text("SELECT status, count(*) FROM claims GROUP BY 1"))
        found["statuses"] = sorted(tuple(r) for r in statuses)
        for table in bulk_writes.LEDGER_SUMS:
            found[table] = sorted(
                tuple(r) for r in connection.execute(text(f"SELECT * FROM {table}"))
            )
        # a seal's range and count (its hash covers the entries' times of writing too)
        found["audit"] = Counter(
            (action, entity, detail.rsplit(" ", 1)[0] if action == "seal" else detail)
            for action, entity, detail in connection.execute(
                text(
                    "SELECT action, entity, detail FROM audit_log "
                    "WHERE entity <> 'job' AND action NOT IN ('list', 'read')"
                )
            )
        )
        assert connection.execute(text("SELECT count(*) FROM ledger_unsealed")).scalar() == 0
        assert report_sums.differences(connection) == {}
    with store.transaction(actor="test") as work:
        verified = audit.verify(work.db)
        assert verified.ok, verified.problems
    if exact:
        return found
    return {
        "counts": {k: len(v) for k, v in found.items() if k != "audit"},
        "statuses": found["statuses"],
        "sums": {t: found[t] for t in bulk_writes.LEDGER_SUMS},
    }


def _straight(store: Store, data: bytes) -> remittances.PostingResult:
    """The same file posted in one transaction, as ``therabill era post`` does."""
    with store.transaction(actor="biller") as work:
        return remittance_intake.receive_remittance(
            work=work, data=data, file_name="parts.835"
        ).posting


def test_killed_again_and_again_it_posts_each_claim_once(
    bulk: tuple[Store, dict[str, int]],
    db_url: str,
    tmp_path: Path,
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The job killed in its n-th part on its n-th run (odd runs before the part commits,
    even runs just after), each time taken up again once its lease ran out, ends with the
    rows, sums, seals and audit entries of the same file posted in one transaction on a copy
    of the database; the job's result counts each claim once. SQLite commits each part
    (each run gets further); PostgreSQL keeps the job one transaction (each kill leaves
    nothing, the last run posts it all)."""
    store, ids = bulk
    sqlite = db_url.startswith("sqlite")
    data = _file(store, ids)
    with copy_of(store, db_url, tmp_path) as straight:
        expected_result = _straight(straight, data)
        expected = _rows(straight, exact=sqlite)
    assert expected_result.claims_posted == COUNT
    job_id = _queue(store, data)
    run = killed_again_and_again(store, job_id, monkeypatch)
    assert run >= (4 if sqlite else 2)  # 7 parts: killed in the 1st, after the 2nd, in the 5th…
    found = _rows(store, exact=sqlite)
    if sqlite:  # the upload was listed as posting from the first part on
        found["audit"] -= Counter({("upload", "remittance", "posting"): 1})
    assert found == expected
    result = jobs.job_dict(job_row(store, job_id))["result"]
    posted = result["posted"]
    assert (result["outcome"], result["claims"]) == ("posted", COUNT)
    assert posted["claims_posted"] == expected_result.claims_posted
    assert posted["paid_cents"] == expected_result.paid_cents
    assert posted["denials_opened"] == expected_result.denials_opened
    assert posted["provider_adjustment_cents"] == expected_result.provider_adjustment_cents
    assert result["detail"] == expected_result.message
    with store.transaction(actor="biller") as work:
        deposits = remittances.list_deposits(work=work)
        uploads = remittance_intake.recent_remittances(work)
    assert [d["still_posting"] for d in deposits] == [False]
    assert [u["outcome"] for u in uploads] == ["posted"]


@contextmanager
def _stopping_after(parts: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The job's worker dies just after its ``parts``-th part committed."""
    real_unit = jobs.Units.unit
    count = 0

    @contextmanager
    def dying(self: jobs.Units) -> Iterator[Any]:
        nonlocal count
        with real_unit(self) as work:
            yield work
        count += 1
        if count == parts:
            raise Killed()

    monkeypatch.setattr(jobs.Units, "unit", dying)
    yield
    monkeypatch.setattr(jobs.Units, "unit", real_unit)


def _lease_runs_out(store: Store, job_id: int) -> None:
    with store.transaction(actor="test") as work:
        work.db.execute(
            update(Job).where(Job.id == job_id).values(lease_until=dt.datetime(2000, 1, 1))
        )


def _ledger(store: Store) -> int:
    with store.sessions() as db:
        return int(db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one())


def test_while_it_posts_it_shows_as_posting_and_the_same_file_is_not_posted_again(
    bulk: tuple[Store, dict[str, int]], db_url: str, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite: a worker dies after the job's second part. Meanwhile the payment is listed
    as still posting (``era deposits --json``'s rows) and the upload as posting; the same
    file uploaded again is refused while the first job has not ended (it will be taken up
    again), changing nothing, and so is it posted in one transaction. Once the first job is
    taken up again and ends, the file is posted and a third upload finds it posted before."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL posts a file in one transaction")
    store, ids = bulk
    data = _file(store, ids)
    first = _queue(store, data)
    with _stopping_after(2, monkeypatch), pytest.raises(Killed):
        jobs.run_job(store, first, worker="w1")
    part_done = _ledger(store)
    assert part_done > 0
    with store.transaction(actor="biller") as work:
        deposits = remittances.list_deposits(work=work)
        uploads = remittance_intake.recent_remittances(work)
    assert [d["still_posting"] for d in deposits] == [True]
    assert [u["outcome"] for u in uploads] == ["posting"]

    second = _queue(store, data)
    assert jobs.run_job(store, second, worker="w2") == "done"
    refused = jobs.job_dict(job_row(store, second))["result"]
    assert refused["outcome"] == "being posted", refused
    assert f"job {first}" in refused["detail"]
    assert _straight(store, data).outcome == "being posted"
    assert _ledger(store) == part_done

    _lease_runs_out(store, first)
    assert jobs.run_job(store, first, worker="w3") == "done"
    result = jobs.job_dict(job_row(store, first))["result"]
    assert (result["outcome"], result["posted"]["claims_posted"]) == ("posted", COUNT)
    with store.transaction(actor="biller") as work:
        assert [d["still_posting"] for d in remittances.list_deposits(work=work)] == [False]
        outcomes = [u["outcome"] for u in remittance_intake.recent_remittances(work)]
    assert outcomes == ["being posted", "being posted", "posted"]  # newest first
    assert _straight(store, data).outcome == "already posted"


def test_a_file_that_will_be_refused_leaves_nothing(
    bulk: tuple[Store, dict[str, int]], small_batches: None
) -> None:
    """A file that does not balance is quarantined in the job's first part: no file row, no
    payment, no ledger entry, and the upload says quarantined."""
    store, ids = bulk
    answers = submitted_claims(store, ids, COUNT)
    data = write_835(answers, trace="EFT-OFF", paid_on=PAID_ON, bpr_off_by=100).encode()
    job_id = _queue(store, data)
    assert jobs.run_job(store, job_id, worker="w") == "done"
    assert jobs.job_dict(job_row(store, job_id))["result"]["outcome"] == "quarantined"
    with store.transaction(actor="biller") as work:
        assert work.db.execute(select(RemittanceFile.id)).first() is None
        assert [u["outcome"] for u in remittance_intake.recent_remittances(work)] == ["quarantined"]
    assert _ledger(store) == 0


def test_a_biller_saves_between_two_parts(
    bulk: tuple[Store, dict[str, int]], db_url: str, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite: a client's payment saved after the posting's first part commits and before
    the next begins is saved (it would wait for the whole file in one transaction), and the
    posting still posts every claim."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL: row locks, no turns to take")
    store, ids = bulk
    data = _file(store, ids)
    real_unit = jobs.Units.unit
    saved: list[int] = []  # the payment's id

    @contextmanager
    def then_save(self: jobs.Units) -> Iterator[Any]:
        with real_unit(self) as work:
            yield work
        if not saved:
            with store.transaction(actor="biller") as work:
                posted = work.db.execute(select(func.count()).select_from(LedgerEntry)).scalar()
                assert posted  # the first part's entries are committed
                paid = payments.take_payment(
                    work=work,
                    client=ids["client"],
                    amount_cents=500,
                    method="cash",
                    keep_credit=True,
                )
                saved.append(paid.payment.id)

    monkeypatch.setattr(jobs.Units, "unit", then_save)
    job_id = _queue(store, data)
    assert jobs.run_job(store, job_id, worker="w") == "done"
    result = jobs.job_dict(job_row(store, job_id))["result"]
    assert saved and result["posted"]["claims_posted"] == COUNT


def test_a_part_that_fails_keeps_the_parts_before_and_an_upload_again_posts_the_rest(
    bulk: tuple[Store, dict[str, int]], db_url: str, tmp_path: Path, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite: the poster fails in the third batch. The job fails, saying what its parts
    posted and that uploading the same file again posts the rest; the upload shows the
    posting stopped and the payment still posting. The same file uploaded again goes on
    from there: in the end the rows are those of a posting straight through."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL posts a file in one transaction: a failure leaves nothing")
    store, ids = bulk
    data = _file(store, ids)
    with copy_of(store, db_url, tmp_path) as straight:
        _straight(straight, data)
        expected = _rows(straight, exact=True)
    real = remittances._Poster._post_batch
    batches = 0

    def failing(self: Any, batch: list[Any]) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise InvalidInput("the payer's claim could not be read", field="CLP")
        real(self, batch)

    monkeypatch.setattr(remittances._Poster, "_post_batch", failing)
    job_id = _queue(store, data)
    assert jobs.run_job(store, job_id, worker="w") == "failed"
    error = jobs.job_dict(job_row(store, job_id))["error"]
    assert "8 of 23 claims of parts.835 posted, kept" in error, error
    assert "uploading the same file again posts the rest" in error
    with store.transaction(actor="biller") as work:
        assert [d["still_posting"] for d in remittances.list_deposits(work=work)] == [True]
        (upload,) = remittance_intake.recent_remittances(work)
    assert upload["outcome"] == "posting stopped"
    assert "Upload the same file again" in upload["summary"]
    monkeypatch.setattr(remittances._Poster, "_post_batch", real)
    again = _queue(store, data)
    assert jobs.run_job(store, again, worker="w") == "done"
    result = jobs.job_dict(job_row(store, again))["result"]
    assert result["outcome"] == "posted"
    assert result["posted"]["claims_posted"] == COUNT
    with store.transaction(actor="biller") as work:
        assert [u["outcome"] for u in remittance_intake.recent_remittances(work)] == ["posted"]
    found = _rows(store, exact=True)
    extra = Counter(
        {
            ("upload", "remittance", "posting"): 1,
            ("stop", "remittance", "CLP: the payer's claim could not be read"): 1,
            ("resume", "remittance_file", f"from job {job_id}"): 1,
        }
    )
    assert found.pop("audit") - extra == expected.pop("audit")
    assert found == expected
    with store.sessions() as db:
        statuses = set(db.execute(select(ClaimRecord.status)).scalars())
    assert statuses <= {"paid", "partly_paid"}


def _era_post(path: Path, *options: str) -> Any:
    """``therabill era post PATH`` run in this process (its output, exit code)."""
    from typer.testing import CliRunner

    from therabill.cli.main import app

    return CliRunner().invoke(app, ["era", "post", str(path), *options])


def _post_jobs(store: Store) -> list[tuple[str, str]]:
    with store.sessions() as db:
        return [tuple(r) for r in db.execute(select(Job.kind, Job.status).order_by(Job.id))]


def test_era_post_posts_through_the_jobs_parts_and_answers_as_one_transaction(
    bulk: tuple[Store, dict[str, int]], db_url: str, tmp_path: Path, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """``therabill era post`` calls the service the post-835 job runs: on SQLite the file is
    posted in the job's parts (a post-835 job recorded and run by the command), on
    PostgreSQL in one transaction (no job). Either way the rows, sums, seals and audit
    entries are those of the same file posted in one transaction on a copy of the
    database, and ``--json`` answers what that posting answers; posted again, the file is
    already posted."""
    store, ids = bulk
    sqlite = db_url.startswith("sqlite")
    data = _file(store, ids)
    path = tmp_path / "parts.835"
    path.write_bytes(data)
    with copy_of(store, db_url, tmp_path) as straight:
        with straight.transaction() as work:  # the command's actor: this user
            expected_result = remittance_intake.receive_remittance(
                work=work, data=data, file_name=str(path)
            ).posting
        expected = _rows(straight, exact=sqlite)
    real_unit = jobs.Units.unit
    parts: list[int] = []  # ledger entries committed when each part ended

    @contextmanager
    def counted(self: jobs.Units) -> Iterator[Any]:
        with real_unit(self) as work:
            yield work
        parts.append(_ledger(store))

    monkeypatch.setattr(jobs.Units, "unit", counted)
    monkeypatch.setenv("THERABILL_DATABASE_URL", db_url)
    posted = _era_post(path, "--json")
    assert posted.exit_code == 0, posted.output
    (answer,) = json.loads(posted.stdout)["files"]
    assert answer == json.loads(json.dumps(expected_result.to_dict(), default=str))
    if sqlite:  # 6 batches, the payment's end, a page of the underpayment check
        assert len(parts) == 8 and 0 < parts[0] < parts[-1], parts
        assert _post_jobs(store) == [("post-835", "done")]
    else:
        assert not parts and _post_jobs(store) == []
    found = _rows(store, exact=sqlite)
    if sqlite:  # the upload was listed as posting from the first part on
        found["audit"] -= Counter({("upload", "remittance", "posting"): 1})
    assert found == expected
    again = _era_post(path)
    assert again.exit_code == 0 and "Already posted" in again.stdout


def test_a_biller_saves_while_era_post_posts(
    bulk: tuple[Store, dict[str, int]], db_url: str, tmp_path: Path, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite: while ``therabill era post`` posts a file, a client's payment saved from
    another connection between two of its parts is saved (in one transaction it would wait
    for the whole file), and the command still posts every claim."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL: one transaction, row locks")
    store, ids = bulk
    path = tmp_path / "parts.835"
    path.write_bytes(_file(store, ids))
    real_unit = jobs.Units.unit
    saved: list[int] = []

    @contextmanager
    def then_save(self: jobs.Units) -> Iterator[Any]:
        with real_unit(self) as work:
            yield work
        if not saved:
            with store.transaction(actor="biller") as work:
                assert work.db.execute(select(func.count()).select_from(LedgerEntry)).scalar()
                paid = payments.take_payment(
                    work=work, client=ids["client"], amount_cents=500, method="cash",
                    keep_credit=True,
                )  # fmt: skip
                saved.append(paid.payment.id)

    monkeypatch.setattr(jobs.Units, "unit", then_save)
    monkeypatch.setenv("THERABILL_DATABASE_URL", db_url)
    posted = _era_post(path, "--json")
    assert posted.exit_code == 0, posted.output
    assert saved and json.loads(posted.stdout)["files"][0]["claims_posted"] == COUNT


def test_era_post_failing_in_a_later_part_says_what_it_kept_and_goes_on_when_run_again(
    bulk: tuple[Store, dict[str, int]], db_url: str, tmp_path: Path, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite: the poster fails in the third batch of ``era post``. The command fails
    saying how many claims its parts posted, kept, and that the same file again posts the
    rest; the same command again goes on from there and notes it: in the end the rows are
    those of a posting straight through. PostgreSQL: the failure leaves nothing, and the
    command again posts the file whole."""
    store, ids = bulk
    sqlite = db_url.startswith("sqlite")
    data = _file(store, ids)
    path = tmp_path / "parts.835"
    path.write_bytes(data)
    with copy_of(store, db_url, tmp_path) as straight:
        with straight.transaction() as work:
            remittance_intake.receive_remittance(work=work, data=data, file_name=str(path))
        expected = _rows(straight, exact=sqlite)
    real = remittances._Poster._post_batch
    batches = 0

    def failing(self: Any, batch: list[Any]) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise InvalidInput("the payer's claim could not be read", field="CLP")
        real(self, batch)

    monkeypatch.setattr(remittances._Poster, "_post_batch", failing)
    monkeypatch.setenv("THERABILL_DATABASE_URL", db_url)
    failed = _era_post(path)
    assert failed.exit_code != 0
    said = " ".join(failed.stderr.split())
    assert "the payer's claim could not be read" in said, failed.output
    if sqlite:
        assert "8 of 23 claims of" in said and "posted, kept" in said, said
        assert "posts the rest" in said
        assert _ledger(store) > 0
    else:
        assert _ledger(store) == 0
    monkeypatch.setattr(remittances._Poster, "_post_batch", real)
    again = _era_post(path, "--json")
    assert again.exit_code == 0, again.output
    (answer,) = json.loads(again.stdout)["files"]
    assert (answer["outcome"], answer["claims_posted"]) == ("posted", COUNT)
    found = _rows(store, exact=sqlite)
    if sqlite:
        (first, _) = [i for (i,) in _job_ids(store)]
        assert any(f"after job {first}" in n for n in answer["notes"]), answer["notes"]
        found["audit"] -= Counter(
            {
                ("upload", "remittance", "posting"): 1,
                ("stop", "remittance", "CLP: the payer's claim could not be read"): 1,
                ("resume", "remittance_file", f"from job {first}"): 1,
            }
        )
    assert found == expected


def _job_ids(store: Store) -> list[tuple[int]]:
    with store.sessions() as db:
        return [(int(i),) for i in db.execute(select(Job.id).order_by(Job.id)).scalars()]


def test_era_post_in_parts_lists_the_first_items_and_counts_the_rest(
    bulk: tuple[Store, dict[str, int]], db_url: str, tmp_path: Path, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite: a posting in parts keeps the first ``LIST_KEPT`` items of each list between
    parts; ``era post`` says how many more there were (``more`` in ``--json``, a line in
    the text) instead of dropping them silently, and every exception is stored."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL: one transaction, every item listed")
    store, ids = bulk
    monkeypatch.setattr(remittances, "LIST_KEPT", 3)
    monkeypatch.setenv("THERABILL_DATABASE_URL", db_url)
    answers = submitted_claims(store, ids, COUNT)
    ours = [dataclasses.replace(a, claim_number=f"TB9{n:07d}") for n, a in enumerate(answers)]
    for trace, options in (("EFT-NOT-OURS-1", ["--json"]), ("EFT-NOT-OURS-2", [])):
        path = tmp_path / f"{trace}.835"
        path.write_text(write_835(ours, trace=trace, paid_on=PAID_ON))
        posted = _era_post(path, *options)
        assert posted.exit_code == 0, posted.output
        if options:
            (answer,) = json.loads(posted.stdout)["files"]
            assert len(answer["exceptions"]) == 3
            assert answer["more"] == {"exceptions": COUNT - 3}
        else:
            assert f"and {COUNT - 3} more exceptions not listed here" in posted.stdout
    with store.sessions() as db:
        stored = db.execute(select(func.count()).select_from(RemittanceException)).scalar()
    assert stored == 2 * COUNT
