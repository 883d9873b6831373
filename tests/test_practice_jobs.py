"""Practice A's jobs given practice B's ids, and A's acknowledgement and claim status files
naming B's claims and batches, on PostgreSQL connected as a plain role (docs/tenants.md).

Every job kind (``jobs.KINDS``: a new kind without a case here fails) is queued as A's admin
with B's ids wherever its arguments name a record, and run as the worker runs it: in the
practice that queued it (``job_queue``'s task: ``practice_scope`` of the job's practice,
then ``jobs.run_job``). Each kind that takes a record is run a second time with ids that
exist nowhere, and its job row (status, progress, error, result) must be the same, read
with the one set of ids for the other: the job neither did anything with B's records nor
said that they exist. A kind that takes no record (statement run, month-end, report
refresh) works on A's own rows: nothing of B's may be in its row.

The 277CA, 999 and TA1 acknowledgements and the 277 claim status answers reach therabill
by ``therabill x12 ack``, ``therabill claims status-read`` and the clearinghouse fetch (the
web page's and the API's way in: ``POST /clearinghouse/fetch`` queues the fetch job; no
route takes these files by upload). A's files name B's claim numbers, B's batch's group and
transaction numbers and B's interchange number; the same files naming numbers that exist
nowhere get the same answer.

Afterwards, as for the sweep: B's rows (read as the superuser) are as before, no row of any
practice points at another practice's, and no service that takes a loaded row was handed one
of B's (practice_rows.watching).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from typer.testing import CliRunner

from clock import TODAY
from practice_rows import watching
from practice_sweep import (
    A_SPEC,
    PASSWORD,
    TwoPractices,
    cross_references,
    digest,
    ids_of,
    quarantined_835,
)
from therabill.claims.number import claim_number
from therabill.cli.main import app as cli_app
from therabill.store import factories, tenancy
from therabill.store.services import claim_status, jobs, practices, submission, users

pytestmark = pytest.mark.postgres

TESTS = Path(__file__).parent


def _helpers(path: str) -> ModuleType:
    """A test module of another folder, for its file helpers (the repo's own builders of
    277CA, 999, TA1 and 277 files, as the acknowledgement and claim status tests use)."""
    # a name of its own: pytest imports the test module itself (its asserts rewritten)
    name = f"practice_jobs_{Path(path).stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TESTS / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


acks = _helpers("acks/test_acks_and_submit.py")
statuses = _helpers("claim_status/test_claim_status_store.py")
sftp_server = _helpers("clearinghouse/sftp_server.py")
sftp = sftp_server.sftp  # the fixture: a real SFTP server on loopback


# --- practice A: a third practice of its own ----------------------------------------------

D_SPEC = dataclasses.replace(A_SPEC, name="Dogwood Lane Therapy")


@pytest.fixture(scope="module")
def two_jobs(two: TwoPractices) -> TwoPractices:
    """``two`` with Dogwood Lane as practice A (its admin ``dora``): these tests leave A
    with what B's numbers made there (remittance exceptions naming the 835's claims, a
    statement run), which the page sweep would find in A's lists; the sweep's own A stays
    as it was (as tests/test_practice_bulk.py does with Cedar Row)."""
    dogwood = practices.add_practice(two.store, name=D_SPEC.name, actor="setup")
    with tenancy.practice_scope(dogwood):
        factories.set_up_practice(two.store, D_SPEC, actor="setup")
        with two.store.transaction(actor="setup") as work:
            users.create_user(work, username=ADMIN, role=users.Role.ADMIN, password=PASSWORD)
    return dataclasses.replace(two, a=dogwood, a_ids=ids_of(two.admin_url, dogwood))


ADMIN = "dora"


# --- what B has, and its stand-ins that exist nowhere -------------------------------------

NOWHERE = 1_900_000_000  # ids no practice has (each stand-in adds its position)


@dataclass
class Named:
    """B's values a case names, each with its stand-in that exists nowhere: the nowhere run's
    answer, read with B's value for each stand-in, must be the B run's answer."""

    pairs: list[tuple[str, str]] = field(default_factory=list)  # (B's, nowhere's)

    def id(self, b: int) -> tuple[int, int]:
        nowhere = NOWHERE + len(self.pairs)
        self.pairs.append((str(b), str(nowhere)))
        return b, nowhere

    def text(self, b: str, nowhere: str) -> tuple[str, str]:
        self.pairs.append((b, nowhere))
        return b, nowhere

    def as_b(self, answer: str) -> str:
        """``answer`` (the nowhere run's) with B's value in place of each stand-in."""
        for b, nowhere in sorted(self.pairs, key=lambda p: -len(p[1])):
            answer = re.sub(rf"(?<![\w-]){re.escape(nowhere)}(?![\w-])", b, answer)
        return answer


def _rows(two: TwoPractices, query: str, **values: object) -> list[Any]:
    engine = create_engine(two.admin_url)
    with engine.connect() as conn:
        found = list(conn.execute(sql(query), {"b": two.b, "a": two.a, **values}).all())
    engine.dispose()
    return found


def _b_claims(two: TwoPractices) -> list[tuple[int, int]]:
    """B's claims that were sent (id, payer id)."""
    return [
        (int(i), int(p))
        for i, p in _rows(
            two,
            "SELECT id, payer_id FROM claims WHERE practice_id = :b "
            "AND status NOT IN ('draft', 'ready') ORDER BY id",
        )
    ]


def _b_batch(two: TwoPractices) -> tuple[int, int, str, list[int]]:
    """B's 837P batch: its interchange, group and transaction numbers, and its claims."""
    rows = _rows(
        two,
        "SELECT interchange_number, group_number, transaction_number, claim_id "
        "FROM submitted_claims WHERE practice_id = :b ORDER BY id",
    )
    assert rows, "practice B has sent an 837P"
    interchange, group, transaction = rows[0][0], rows[0][1], rows[0][2]
    claims = [int(r[3]) for r in rows if (r[0], r[1], r[2]) == (interchange, group, transaction)]
    return int(interchange), int(group), str(transaction), claims


def _job_row(two: TwoPractices, job_id: int) -> dict[str, Any]:
    """What a job's row says (read as the superuser): what A's pages show of it."""
    ((practice, status, done, total, attempts, error, result, arguments),) = _rows(
        two,
        "SELECT practice_id, status, done, total, attempts, error, result, arguments "
        "FROM jobs WHERE id = :j",
        j=job_id,
    )
    assert practice == two.a
    return {
        "status": status,
        "progress": [done, total],
        "attempts": attempts,
        "error": error,
        "result": json.loads(result) if result else None,
        "arguments": json.loads(arguments),
    }


def _run_as_a(
    two: TwoPractices, kind: str, arguments: dict[str, Any], payload: bytes | None
) -> int:
    """Queue the job as A's admin, and run it as the worker does: in the job's practice."""
    with tenancy.practice_scope(two.a):
        job_id = jobs.submit(
            two.store, kind=kind, arguments=arguments, actor=ADMIN, payload=payload
        )
        assert jobs.run_job(two.store, job_id, worker="practice-jobs") in ("done", "failed")
    return job_id


def _difference(b: str, nowhere: str) -> str:
    """Where two answers part: a little of each from the first character that differs."""
    at = next((i for i, (x, y) in enumerate(zip(b, nowhere, strict=False)) if x != y), 0)
    return f"  B's:     ...{b[max(0, at - 200) : at + 300]}\n  nowhere: ...{nowhere[max(0, at - 200) : at + 300]}"


def _no_b_in(two: TwoPractices, what: str, answer: str, given: str) -> None:
    """None of B's markers in ``answer`` but those A gave itself (``given``: its ids, its
    file's numbers)."""
    seen = [m for m in two.markers if m in answer and m not in given]
    assert not seen, f"{what}: practice B's {seen} in the answer to practice A"


# --- the job kinds -------------------------------------------------------------------------

# Each kind's arguments (``Kind.takes``) that name a record, and the kind of B's id each gets;
# those that name none, and what they are. An argument in neither fails the test.
RECORD_ARGUMENTS = {
    "provider_id": "provider_id",
    "session_ids": "session_id",
    "clients": "client_id (or a chart number)",
    "release": "quarantine_id",
}
NOT_RECORDS = {
    "start": "a day",
    "end": "a day",
    "through": "a day",
    "today": "a day",
    "date_of_service": "a day",
    "file_name": "the uploaded file's name, as given",
    "clearinghouse": "a clearinghouse profile: the installation's file, not a practice's row",
}


@dataclass
class Case:
    """One job of a kind: its arguments and upload, B's and the nowhere run's."""

    b: dict[str, Any]
    nowhere: dict[str, Any] | None = None  # None: it takes no record
    payload: tuple[bytes, bytes] | None = None
    named: Named = field(default_factory=Named)
    # The worker's upload when it cannot be the same file (an 835 posted once is "already
    # posted" the second time), and its values for the in-process run's.
    by_worker: bytes | None = None
    again: Named = field(default_factory=Named)


def _835_naming_bs_claims(two: TwoPractices, named: Named) -> tuple[bytes, bytes]:
    """An 835 paying three of B's sent claims, its payee made A's (so the payee check lets
    it in): B's file, and the same naming claim numbers that exist nowhere."""
    sent = _b_claims(two)
    payer = sent[0][1]
    claims = [c for c, p in sent if p == payer][:3]
    with tenancy.practice_scope(two.b), two.store.transaction(actor="setup") as work:
        data = factories.remittance_for(work, claims, trace="JOBCROSS1")
    a_npi, b_npi = (
        str(_rows(two, "SELECT npi FROM practice WHERE id = :p", p=p)[0][0]) for p in (two.a, two.b)
    )
    b_file = data.replace(b_npi, a_npi)
    nowhere = b_file.replace("JOBCROSS1", "JOBCROSS2")
    named.text("JOBCROSS1", "JOBCROSS2")
    for n, claim in enumerate(claims):
        b, elsewhere = named.text(claim_number(claim), f"TB9{n:07d}")
        nowhere = nowhere.replace(b, elsewhere)
    named.text(*(hashlib.sha256(f.encode()).hexdigest() for f in (b_file, nowhere)))
    return b_file.encode(), nowhere.encode()


def _cases(two: TwoPractices) -> dict[str, list[Case]]:
    day = TODAY.isoformat()
    unbilled = [
        int(i)
        for (i,) in _rows(
            two,
            "SELECT id FROM sessions WHERE practice_id = :b AND claim_id IS NULL ORDER BY id",
        )
    ]
    assert unbilled, "practice B has unbilled sessions"
    build = Named()
    sessions = [build.id(s) for s in unbilled[:3]]
    alone = Named()
    provider = alone.id(int(two.ids["provider_id"][0]))
    asked = Named()
    client = asked.id(int(two.ids["client_id"][0]))
    chart = asked.text("DEMO-001", "NOWHERE-1")
    posted = Named()
    remittance = _835_naming_bs_claims(two, posted)
    again = Named()
    first = remittance[0].replace(b"JOBCROSS1", b"JOBCROSS3")
    again.text("JOBCROSS3", "JOBCROSS1")
    again.text(*(hashlib.sha256(f).hexdigest() for f in (first, remittance[0])))
    released = Named()
    quarantine = released.id(int(two.ids["quarantine_id"][0]))
    return {
        "claims-build": [
            # B's unbilled sessions ticked
            Case(
                {"session_ids": [b for b, _ in sessions]},
                {"session_ids": [n for _, n in sessions]},
                named=build,
            ),
            # B's provider: A's unbilled sessions of that provider (none)
            Case({"provider_id": provider[0]}, {"provider_id": provider[1]}, named=alone),
        ],
        "eligibility-batch": [
            Case(
                {"clients": [client[0], chart[0]], "date_of_service": day},
                {"clients": [client[1], chart[1]], "date_of_service": day},
                named=asked,
            )
        ],
        "post-835": [
            Case(
                {"file_name": "cross.835"},
                {"file_name": "cross.835"},
                remittance,
                posted,
                first,
                again,
            ),
            # B's quarantined file with B's quarantine id: released as A's it would post B's
            Case(
                {"file_name": "old.835", "release": quarantine[0]},
                {"file_name": "old.835", "release": quarantine[1]},
                (quarantined_835(), quarantined_835()),
                released,
            ),
        ],
        "statement-run": [Case({"through": day})],
        "month-end": [Case({"through": day})],
        "report-refresh": [
            Case({"today": day, "start": (TODAY - dt.timedelta(days=120)).isoformat(), "end": day})
        ],
        # its files: test_a_fetch_of_files_naming_bs_claims_changes_nothing_of_bs, below
        "clearinghouse-fetch": [],
    }


def test_every_job_kind_has_a_case_and_every_record_argument_gets_bs_id(
    two_jobs: TwoPractices,
) -> None:
    """The cases below are the job kinds of the code: a new kind, or a new argument that
    names a record, fails here until it has B's id in a case."""
    two = two_jobs
    cases = _cases(two)
    assert set(cases) == set(jobs.KINDS), "give each job kind a case in _cases"
    unknown = [
        f"{name}({argument})"
        for name, kind in jobs.KINDS.items()
        for argument in kind.takes
        if argument not in RECORD_ARGUMENTS and argument not in NOT_RECORDS
    ]
    assert unknown == [], f"say whether these job arguments name a record: {unknown}"
    unswept = [
        f"{name}({argument})"
        for name, kind in jobs.KINDS.items()
        if name != "clearinghouse-fetch"
        for argument in kind.takes
        if argument in RECORD_ARGUMENTS and not any(argument in c.b for c in cases[name])
    ]
    assert unswept == [], f"no case gives these arguments B's id: {unswept}"


def _worker(two: TwoPractices) -> None:
    """``therabill worker --once`` as the plain role, no practice chosen: it runs every job
    waiting on the queue, each in the practice that queued it, and stops."""
    env = {
        **os.environ,
        "THERABILL_DATABASE_URL": two.app_url,
        "THERABILL_HOME": str(two.home),
        "THERABILL_USER": "worker",
    }
    env.pop(tenancy.PRACTICE_ENV, None)
    done = subprocess.run(
        [sys.executable, "-c", "from therabill.cli.main import main; main()", "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_job_kind_queued_as_a_with_bs_ids_reads_and_writes_nothing_of_bs(
    two_jobs: TwoPractices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each case queued as A and run twice with B's ids, by ``therabill worker`` and by the
    worker's code in this process (where the row watch sees it), then with ids that exist
    nowhere: the three rows read alike, and nothing of B's is in them."""
    two = two_jobs
    monkeypatch.setenv("THERABILL_HOME", str(two.home))
    cases = [(f"{kind} #{n + 1}", kind, case) for kind, kc in _cases(two).items()
             for n, case in enumerate(kc)]  # fmt: skip
    _worker(two)  # what waits on the queue already (B's own job among them) runs in its practice
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    with tenancy.practice_scope(two.a):
        queued = [
            jobs.submit(two.store, kind=kind, arguments=case.b, actor=ADMIN,
                        payload=case.by_worker or (case.payload[0] if case.payload else None))
            for _, kind, case in cases
        ]  # fmt: skip
    _worker(two)
    problems: list[str] = []
    with watching(monkeypatch, two.b) as handed:
        for (what, kind, case), by_worker in zip(cases, queued, strict=True):
            b_payload, nowhere_payload = case.payload or (None, None)
            given = json.dumps(case.b) + (b_payload or b"").decode()
            worker_row = _job_row(two, by_worker)
            b_row = _job_row(two, _run_as_a(two, kind, case.b, b_payload))
            for row in (worker_row, b_row):
                _no_b_in(two, what, json.dumps(row), given)
            if case.nowhere is None:  # A's own rows: the second run finds them done
                for row in (worker_row, b_row):
                    if row["status"] != "done":
                        problems.append(f"{what}: {row['status']}: {row['error']}")
                continue
            shown_worker = json.dumps(worker_row, sort_keys=True)
            shown_b = json.dumps(b_row, sort_keys=True)
            if shown_worker != case.again.as_b(shown_b):
                problems.append(
                    f"{what}: the worker's run and this process's differ:\n"
                    + _difference(shown_worker, shown_b)
                )
            nowhere_row = _job_row(two, _run_as_a(two, kind, case.nowhere, nowhere_payload))
            shown_nowhere = case.named.as_b(json.dumps(nowhere_row, sort_keys=True))
            if shown_b != shown_nowhere:
                problems.append(
                    f"{what}: B's ids answered otherwise than ids that exist nowhere:\n"
                    + _difference(shown_b, shown_nowhere)
                )
    assert len(cases) >= 8
    assert problems == [], "\n".join(problems)
    given_rows = {k: v for k, v in handed.items() if k != "*"}
    assert given_rows == {}, f"services given a row of practice B's running A's jobs: {given_rows}"
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []


# --- acknowledgements and claim status answers naming B's claims ----------------------------


def _files(two: TwoPractices) -> tuple[dict[str, tuple[bytes, bytes]], Named]:
    """A's 277CA, 999, TA1 and 277 naming B's claims and batch (and the same naming numbers
    that exist nowhere), built as the acknowledgement and claim status tests build them."""
    named = Named()
    interchange, group, transaction, sent = _b_batch(two)
    claims = sent[:3] or [c for c, _ in _b_claims(two)][:3]
    stand_ins = [NOWHERE // 100 + n for n in range(len(claims))]  # 8 digits: a claim number
    for claim, other in zip(claims, stand_ins, strict=True):
        named.text(claim_number(claim), claim_number(other))
        named.text(str(claim), str(other))
    b_group, nowhere_group = named.text(str(group), "900000001")
    b_ta1, nowhere_ta1 = named.text(f"{interchange:09d}", "900000002")
    named.text(str(interchange), "900000002")

    def ack_999(group_number: str) -> bytes:
        return acks.envelope(  # type: ignore[no-any-return]
            "999",
            "FA",
            [
                f"AK1*HC*{group_number}*005010X222A1",
                f"AK2*837*{transaction}*005010X222A1",
                "IK3*NM1*8**8",
                "IK4*9*67*7*XX",
                "IK5*R*5",
                "AK9*R*1*1*0",
            ],
        )

    def status_277(claim: str) -> bytes:
        found: bytes = statuses.answer_with_stc("STC*A7:187:QC*20261127")
        return found.replace(b"TB00000001", claim.encode())

    return {
        "b-277ca.x12": (acks._ca_for(claims), acks._ca_for(stand_ins)),
        "b-999.x12": (ack_999(b_group), ack_999(nowhere_group)),
        "b-ta1.x12": (
            acks.ta1(int(b_ta1), "R", "025"),
            acks.ta1(int(nowhere_ta1), "R", "025"),
        ),
        "b-277.x12": (
            status_277(claim_number(claims[0])),
            status_277(claim_number(stand_ins[0])),
        ),
    }, named


class _Undo(Exception):
    """Raised to roll a transaction back."""


def _found_in_b(two: TwoPractices, files: dict[str, tuple[bytes, bytes]]) -> dict[str, bool]:
    """Whether each of B's files, read in B's own practice, finds B's claims (in a
    transaction rolled back: B's rows stay as they are). The files are right: a practice
    check, not a file nothing could match, is what makes A's answer the nowhere answer."""
    found: dict[str, bool] = {}
    for name, (data, _) in files.items():
        source = io.BytesIO(data)
        source.name = name
        try:
            with tenancy.practice_scope(two.b), two.store.transaction(actor="check") as work:
                if name == "b-277.x12":
                    read = claim_status.read_status_response(
                        work=work, source=source, file_name=name
                    )
                    found[name] = read.recorded > 0 and read.not_ours == 0
                else:
                    applied = submission.apply_acknowledgement_file(work=work, source=source)
                    entries = applied.accepted + applied.rejected + applied.unchanged
                    found[name] = bool(entries) and all(
                        isinstance(e["claim"], int) and "not one of our" not in e["reason"]
                        for e in entries
                    )
                raise _Undo
        except _Undo:
            pass
    return found


def test_acknowledgements_and_claim_statuses_naming_bs_claims_read_as_a_change_nothing(
    two_jobs: TwoPractices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``therabill --practice A x12 ack`` (277CA, 999, TA1) and ``claims status-read``
    (277): B's claims are not found, B's batch is not A's, and the answer is the answer for
    numbers that exist nowhere."""
    two = two_jobs
    monkeypatch.setenv("THERABILL_HOME", str(two.home))
    monkeypatch.setenv("THERABILL_DATABASE_URL", two.app_url)
    monkeypatch.setenv("THERABILL_USER", ADMIN)
    files, named = _files(two)
    assert _found_in_b(two, files) == {name: True for name in files}
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    runner = CliRunner()
    problems: list[str] = []
    with watching(monkeypatch, two.b) as handed:
        for name, (b_file, nowhere_file) in files.items():
            command = ["claims", "status-read"] if name == "b-277.x12" else ["x12", "ack"]
            answers = []
            for data in (b_file, nowhere_file):
                path = tmp_path / name
                path.write_bytes(data)
                for shown in (["--json"], []):
                    argv = ["--practice", str(two.a), *command, str(path), *shown]
                    result = runner.invoke(cli_app, argv)
                    if result.exception is not None and not isinstance(
                        result.exception, SystemExit
                    ):
                        problems.append(f"{name}: {result.exception!r}")
                    answers.append(f"{result.exit_code} {result.output}")
            b_answers, nowhere_answers = answers[:2], [named.as_b(a) for a in answers[2:]]
            if b_answers != nowhere_answers:
                problems.append(
                    f"{name}: B's numbers answered otherwise than numbers that exist nowhere:\n"
                    f"  B's:     {b_answers}\n  nowhere: {nowhere_answers}"
                )
            for answer in b_answers:
                _no_b_in(two, name, answer, b_file.decode())
    assert problems == [], "\n".join(problems)
    given = {k: v for k, v in handed.items() if k != "*"}
    assert given == {}, f"services given a row of practice B's: {given}"
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []


def test_a_fetch_of_files_naming_bs_claims_changes_nothing_of_bs(
    two_jobs: TwoPractices, sftp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clearinghouse fetch job, queued as A (what *Fetch now* and the API queue), reads
    a mailbox holding a 277CA, a 999, a TA1 and a 277 naming B's claims and batch and an 835
    paying B's claims: B's rows are unchanged, and the job's row reads as the fetch of the
    same files naming numbers that exist nowhere."""
    two = two_jobs
    monkeypatch.setenv("THERABILL_HOME", str(two.home))
    profile = sftp.profile(two.home, name="practice-jobs")
    files, named = _files(two)
    files["b-remit.835"] = _835_naming_bs_claims(two, named)
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    rows = []
    with watching(monkeypatch, two.b) as handed:
        for run, prefix in ((0, "b-"), (1, "n-")):  # names of their own: each fetched once
            for name, pair in files.items():
                (sftp.outbound / name.replace("b-", prefix, 1)).write_bytes(pair[run])
            job = _run_as_a(two, "clearinghouse-fetch", {"clearinghouse": profile}, None)
            rows.append(_job_row(two, job))
            for name in files:
                (sftp.outbound / name.replace("b-", prefix, 1)).unlink()
    b_row, nowhere_row = rows
    assert b_row["status"] == "done", b_row
    assert len(b_row["result"]["files"]) == len(files), b_row
    shown_b = json.dumps(b_row, sort_keys=True)
    shown_nowhere = named.as_b(json.dumps(nowhere_row, sort_keys=True)).replace('"n-', '"b-')
    assert shown_b == shown_nowhere
    _no_b_in(two, "fetch", shown_b, "".join(p[0].decode() for p in files.values()))
    given = {k: v for k, v in handed.items() if k != "*"}
    assert given == {}, f"services given a row of practice B's: {given}"
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []
