"""Background jobs: long billing work (claims build, statement run, posting an uploaded 835,
clearinghouse fetch, eligibility batch, report refresh) run off the request path.

One job code, two deliveries. Each kind below calls the one service that does the work (never
a second copy of a billing step). The ``jobs`` table is the record both backends share: what
was asked, by whom, progress, result or error, attempts. What delivers the job differs:

- PostgreSQL: procrastinate's queue (:mod:`therabill.store.services.job_queue`, ``therabill
  worker``) carries the job's id to a worker, which calls :func:`run_job`.
- SQLite: :func:`next_job` finds the oldest queued job from the table (``therabill worker``,
  or the thread ``therabill serve`` starts) and :func:`run_job` runs it.

Exactly once, whoever runs it and however often it is retried: :func:`run_job` first claims
the row with a lease (``lease_until``, renewed by a heartbeat); a job whose worker died is
claimed again once its lease has run out. A job that changes records (most kinds) does its
work and marks itself done in ONE transaction, guarded by the claim: a worker killed halfway
leaves nothing behind, and a worker that lost its claim rolls its work back. The services are
idempotent besides (a build skips sessions already on a claim, an 835 posted before is not
posted again, a fetch skips files fetched before), so even a kind that commits as it goes
(the clearinghouse fetch) repeats nothing when retried.

On SQLite, where that one transaction would hold the only write lock for the whole job and
keep every biller's save waiting, the long kinds (``chunked``: claims build, statement run,
month-end, eligibility batch, posting an 835) commit in parts instead (:class:`Units`): each part its own audited transaction
that also records the job's checkpoint in its row, with the writers waiting for the lock let
in between two parts (``therabill.store.write_turns``). A run killed between parts is taken
up again from its checkpoint and ends as an uninterrupted one (docs/jobs.md).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import or_, select, update

from therabill.config import practice_folder
from therabill.errors import InvalidInput, TherabillError
from therabill.store import tenancy, write_turns
from therabill.store.engine import is_sqlite
from therabill.store.models import Job
from therabill.store.models.base import utcnow
from therabill.store.services import build_batch, job_sidecar
from therabill.store.services.context import Store, UnitOfWork

if TYPE_CHECKING:
    from therabill.store.services.remittance_intake import Intake

log = logging.getLogger(__name__)

LEASE_ENV = "THERABILL_JOB_LEASE_SECONDS"
DEFAULT_LEASE = 60.0
MAX_ATTEMPTS = 3  # a job whose worker died this many times is failed, not tried again
SHOWN_ROWS = 200  # rows kept in a result (the full count is beside them)
STATUSES = ("queued", "running", "done", "failed", "cancelled")
ENDED = ("done", "failed", "cancelled")

Progress = Callable[[int, int], None]

BUILD_CHUNK_SESSIONS = 250
"""Sessions a claims build (or a month-end's) bills per transaction on SQLite, rounded up to
the end of a client: each part commits and lets a waiting writer (a biller saving a form) in
before the next. Measured (docs/jobs.md): a part of 250 holds the write lock about 0.2 s of
CPU, a few times that in wall time on a busy machine, and the build in parts took no more CPU
than in one transaction (each part pays a commit, an audit batch and a read of its clients'
inputs). Smaller parts cost the build more commits; larger ones keep a biller waiting
longer."""
ELIGIBILITY_CHUNK_CLIENTS = 10
"""Clients an eligibility batch asks about per transaction on SQLite: each part writes its
270 files (published when it commits) and their requests, then lets a waiting writer in.
Measured (docs/jobs.md): an inquiry costs about 11 ms of CPU and, with the fsyncs of its file
and of the control numbers' file mirror, several times that in wall time, so 10 a part holds
the lock about as long as a part of a build or statement run."""
STATEMENT_CHUNK_CLIENTS = 50
"""Clients a statement run (or a month-end's) takes per transaction on SQLite: each part
commits its statements and their PDFs, then lets a waiting writer in. Drawing the PDFs is most
of a statement's cost: measured (docs/jobs.md), 50 statements held the lock about 0.2 s of CPU
(0.3 s wall); docs/performance.md's larger statements took up to 13 ms each, under a second
for 50."""


def lease_seconds() -> float:
    """How long a claim holds without a heartbeat (``THERABILL_JOB_LEASE_SECONDS``)."""
    try:
        value = float(os.environ.get(LEASE_ENV, "") or DEFAULT_LEASE)
    except ValueError:
        return DEFAULT_LEASE
    return max(value, 1.0)


def worker_name() -> str:
    """This worker's name in the jobs table: host and process id."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


@dataclass(slots=True)
class Running:
    """What a job's code gets: its arguments, its uploaded file, how to report progress."""

    store: Store
    job_id: int
    arguments: dict[str, Any]
    payload: bytes | None
    actor: str
    progress: Progress
    # what the job's code hands back whole to a caller that runs it here (post_835_now)
    ended: list[Any] = dataclass_field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of job. ``in_transaction``: ``run`` gets the unit of work the job is marked
    done in (its work and its end commit together); otherwise ``run`` opens its own
    transactions (the service must then be idempotent by itself)."""

    name: str
    title: str
    run: Callable[..., dict[str, Any]]
    in_transaction: bool = True
    page: str = ""  # where the result lives in the web app
    takes: tuple[str, ...] = ()  # the arguments it reads
    needs: tuple[str, ...] = ()  # of those, the ones it cannot run without
    # What it does between two looks for a stop request ("" : it cannot stop halfway).
    boundary: str = ""
    # On SQLite, ``run`` gets :class:`Units` and commits part by part (a waiting writer gets
    # in between two parts); on PostgreSQL the parts are one transaction, as ``in_transaction``.
    chunked: bool = False

    @property
    def stoppable(self) -> bool:
        return bool(self.boundary)


# ---------------------------------------------------------------- the kinds


def _day(value: object, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


class Units:
    """The transactions a chunked kind's work runs in.

    Whole (PostgreSQL): :meth:`unit` is the one transaction the job is marked done in, every
    time; a killed or cancelled job leaves nothing, as before.

    In parts (SQLite): each :meth:`unit` is a transaction of its own, audited, that also
    writes the job's checkpoint (:attr:`state`: what the parts so far did and where the next
    starts) into its row, renews its lease, and is guarded by the claim like the end is (a
    worker that lost its claim rolls the part back). After each commit the writers waiting
    for the lock get their turn (``write_turns``). A job killed between parts is claimed
    again after its lease and starts from its checkpoint; the services skip what is done
    (a session on a claim, a client with the period's statement), so nothing is done twice."""

    def __init__(
        self,
        store: Store,
        *,
        job_id: int,
        worker: str,
        actor: str,
        whole: UnitOfWork | None,
        state: dict[str, Any] | None = None,
        latest: Callable[[], tuple[int, int] | None] = lambda: None,
    ) -> None:
        self.store, self.job_id, self.worker, self.actor = store, job_id, worker, actor
        self.whole = whole
        self.state: dict[str, Any] = state or {}
        self.latest = latest
        self.committed = 0  # parts committed by this run

    @property
    def in_parts(self) -> bool:
        return self.whole is None

    @contextmanager
    def unit(self) -> Iterator[UnitOfWork]:
        if self.whole is not None:
            yield self.whole
            return
        with self.store.transaction(actor=self.actor) as work:
            yield work
            self._save(work)
        self.committed += 1
        write_turns.let_writers_in(self.store.engine)

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A unit that only reads (no lock on SQLite); in a whole job, the job's own."""
        if self.whole is not None:
            yield self.whole
            return
        with self.store.reading(actor=self.actor) as work:
            yield work

    def _save(self, work: UnitOfWork) -> None:
        values: dict[str, Any] = {
            "result": json.dumps({"checkpoint": self.state}, default=str),
            "lease_until": utcnow() + dt.timedelta(seconds=lease_seconds()),
        }
        latest = self.latest()
        if latest is not None:
            values["done"], values["total"] = latest
        saved = getattr(
            work.db.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.worker == self.worker, Job.status == "running")
                .values(**values)
            ),
            "rowcount",
            0,
        )
        if not saved:
            raise LostClaim(f"job {self.job_id} was taken over by another worker")

    def kept(self) -> str | None:
        """What the committed parts did, in a phrase (None: nothing committed yet)."""
        said = [
            phrase
            for part in ("build", "statements", "eligibility", "post")
            if (phrase := (self.state.get(part) or {}).get("kept"))
        ]
        return " and ".join(said) or None


def _parts(items: list[tuple[int, int]], size: int) -> Iterator[list[tuple[int, int]]]:
    """``items`` (id, client id), in client order, cut into parts of about ``size``: a
    client's items all in one part, so each part is one or more whole clients."""
    part: list[tuple[int, int]] = []
    for item in items:
        if len(part) >= size and item[1] != part[-1][1]:
            yield part
            part = []
        part.append(item)
    if part:
        yield part


def _add_build(state: dict[str, Any], built: Any) -> None:
    """Add one part's ``BuildResult`` to the build's running totals (kept to what a result
    shows: the first ``SHOWN_ROWS`` claims and skipped sessions, every count)."""
    state["claim_ids"] = (state.get("claim_ids", []) + built.claims)[:SHOWN_ROWS]
    state["claims_built"] = state.get("claims_built", 0) + len(built.claims)
    for key in ("ready", "draft", "sessions_billed"):
        state[key] = state.get(key, 0) + getattr(built, key)
    state["skipped"] = (state.get("skipped", []) + built.skipped)[:SHOWN_ROWS]
    state["skipped_count"] = state.get("skipped_count", 0) + len(built.skipped)
    n = state["claims_built"]
    state["kept"] = f"{n} claim{'' if n == 1 else 's'} built"


def _build(units: Units, job: Running, arguments: dict[str, Any]) -> dict[str, Any]:
    """The claims build of a job: whole, one ``build_claims``; in parts, the unbilled
    sessions read first (no lock), then billed :data:`BUILD_CHUNK_SESSIONS` at a time,
    clients in order, from after the last client a committed part finished."""
    from therabill.scrub import ScrubContext
    from therabill.store.services.build import build_claims, unbilled_sessions

    ids = arguments.get("session_ids")
    asked: dict[str, Any] = {
        "start": _day(arguments.get("start"), "from"),
        "end": _day(arguments.get("end"), "to"),
        "provider_id": arguments.get("provider_id"),
        "session_ids": [int(i) for i in ids] if ids is not None else None,
    }
    tables = ScrubContext.load()
    state = units.state.setdefault("build", {})
    if not units.in_parts:
        with units.unit() as work:
            _add_build(
                state, build_claims(work=work, progress=job.progress, scrub_tables=tables, **asked)
            )
    else:
        after = int(state.get("after_client", 0))
        with units.reading() as work:
            todo = [s for s in unbilled_sessions(work, **asked) if s[1] > after]
        parts = list(_parts(todo, BUILD_CHUNK_SESSIONS)) or [[]]
        before = 0
        for part in parts:

            def progress(
                done: int, total: int, before: int = before, size: int = len(part)
            ) -> None:
                job.progress(before + (size * done // total if total else 0), len(todo))

            with units.unit() as work:
                built = build_claims(
                    work=work,
                    progress=progress,
                    scrub_tables=tables,
                    **{**asked, "session_ids": [session_id for session_id, _ in part]},
                )
                _add_build(state, built)
                if part:
                    state["after_client"] = part[-1][1]
            before += len(part)
            job.progress(before, len(todo))
    shown: dict[str, Any] = {k: v for k, v in state.items() if k not in ("after_client", "kept")}
    n, s, skipped = shown["claims_built"], shown["sessions_billed"], shown["skipped_count"]
    shown["message"] = (
        f"Built {n} claim{'' if n == 1 else 's'} ({shown['ready']} ready, {shown['draft']} with "
        f"errors) from {s} session{'' if s == 1 else 's'}"
        + (f"; {skipped} skipped" if skipped else "")
        + "."
    )
    return shown


def _claims_build(units: Units, job: Running) -> dict[str, Any]:
    return _build(units, job, job.arguments)


def _add_statements(state: dict[str, Any], done: Any) -> None:
    state["run_id"] = done.run_id
    shown = [
        {"number": m["number"], "client_id": m["client_id"], "balance_cents": m["balance_cents"]}
        for m in done.made
    ]
    state["statements"] = (state.get("statements", []) + shown)[:SHOWN_ROWS]
    state["made"] = state.get("made", 0) + len(done.made)
    for key in ("already", "held", "below_minimum"):
        state[key] = state.get(key, 0) + getattr(done, key)
    n = state["made"]
    state["kept"] = f"{n} statement{'' if n == 1 else 's'} made"


def _statements(units: Units, job: Running, through: dt.date) -> dict[str, Any]:
    """The statement run of a job: whole, one ``run_statements``; in parts, the clients who
    owe read first (no lock), then :data:`STATEMENT_CHUNK_CLIENTS` at a time, from after the
    last client a committed part finished."""
    from therabill.store.services.statements import clients_owing, run_statements

    state = units.state.setdefault("statements", {})
    if not units.in_parts:
        with units.unit() as work:
            folder = practice_folder(work.practice_id) / "statements" / through.isoformat()
            _add_statements(
                state,
                run_statements(work=work, through=through, folder=folder, progress=job.progress),
            )
    else:
        after = int(state.get("after_client", 0))
        with units.reading() as work:
            folder = practice_folder(work.practice_id) / "statements" / through.isoformat()
            todo = [(c, c) for c in clients_owing(work, through) if c > after]
        parts = list(_parts(todo, STATEMENT_CHUNK_CLIENTS)) or [[]]
        before = 0
        for part in parts:

            def progress(done: int, total: int, before: int = before) -> None:
                job.progress(before + done, len(todo))

            with units.unit() as work:
                _add_statements(
                    state,
                    run_statements(
                        work=work, through=through, folder=folder, progress=progress,
                        clients=[client_id for client_id, _ in part],
                    ),
                )  # fmt: skip
                if part:
                    state["after_client"] = part[-1][1]
            before += len(part)
    job.progress(state["made"], state["made"])
    made = state["made"]
    return {
        "through": through.isoformat(),
        "run_id": state["run_id"],
        "made": made,
        "statements": state.get("statements", []),
        "already": state["already"],
        "held": state["held"],
        "below_minimum": state["below_minimum"],
        "message": (
            f"Statements through {through}: {made} made, {state['already']} already "
            f"made, {state['held']} on hold, {state['below_minimum']} below the minimum."
        ),
    }


def _statement_run(units: Units, job: Running) -> dict[str, Any]:
    through = _day(job.arguments.get("through"), "through")
    if through is None:
        raise InvalidInput("is required", field="through")
    return _statements(units, job, through)


def _post_835(units: Units, job: Running) -> dict[str, Any]:
    """Post an uploaded 835. PostgreSQL: one ``receive_remittance``, one transaction. SQLite:
    in parts (``remittance_intake.receive_in_parts``): a part per batch of claims
    (``remittances.BATCH``) and per payment, each committed with where the posting got to,
    so billers save between parts; the file's checks all come in the first part. A run
    killed between parts goes on after the last committed claim; once the last part has
    committed, its result is in the checkpoint, so a run killed before the job's end only
    ends it. A part that fails keeps the parts before it: the upload and the job say so, and
    the same file uploaded again posts the rest (docs/jobs.md)."""
    from therabill.store.services.remittance_intake import (
        Intake,
        posting_stopped,
        receive_in_parts,
        receive_remittance,
    )

    if job.payload is None:
        raise InvalidInput("the uploaded file is gone", field="file")
    name = str(job.arguments.get("file_name") or "upload.835")
    release = job.arguments.get("release")
    state = units.state.setdefault("post", {})
    if "result" in state:  # every part committed before the run was killed
        job.progress(state["result"]["claims"], state["result"]["claims"])
        return dict(state["result"])
    if not units.in_parts:
        with units.unit() as work:
            intake = receive_remittance(
                work=work,
                data=job.payload,
                file_name=name,
                release=None if release is None else int(release),
            )
        job.progress(len(intake.claims), len(intake.claims))
        job.ended.append(intake)
        return _post_835_result(intake)
    # The garbage collector as a build runs it (``build_batch.fewer_collections``), as
    # ``receive_remittance`` does: its full passes grew faster than the file.
    with build_batch.fewer_collections():
        steps = receive_in_parts(
            data=job.payload,
            file_name=name,
            owner=job.job_id,
            release=None if release is None else int(release),
        )
        done, total = next(steps)
        ended: Intake | None = None
        try:
            while ended is None:
                with units.unit() as work:
                    try:
                        done, total = steps.send(work)
                    except StopIteration as stop:
                        ended = cast(Intake, stop.value)
                        job.ended.append(ended)
                        state["result"] = _post_835_result(ended)
                        done = total
                    else:
                        state["kept"] = f"{done} of {total} claims of {name[:80]} posted"
                job.progress(done, total)
        except Exception as exc:
            if "kept" in state and not isinstance(exc, LostClaim):
                error = str(exc) if isinstance(exc, TherabillError) else type(exc).__name__
                with units.store.transaction(actor=units.actor) as work:
                    posting_stopped(work, _sha256(job.payload), state["kept"], error)
            raise
    return dict(state["result"])


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _post_835_result(intake: Any) -> dict[str, Any]:
    """A post-835 job's result: what the file says and what posting did with it."""
    from therabill.money import exact_cents, format_dollars, to_cents

    posted = intake.posted
    if posted is not None:  # long lists stay in their own pages (exceptions, the ledger)
        for key in ("exceptions", "unreconciled", "notes"):
            items = posted.get(key) or []
            posted[f"{key}_count"] = intake.posting.count(key)
            posted[key] = items[:SHOWN_ROWS]
    return {
        "file_name": intake.file_name,
        "outcome": intake.outcome,
        "quarantined": intake.quarantined,
        "detail": intake.message,
        "claims": len(intake.claims),
        "claim_rows": [
            {
                "claim": c.control_number,
                "status": c.status,
                "charge": exact_cents(c.charge),
                "paid": exact_cents(c.paid),
                "patient": exact_cents(c.patient),
                "reasons": "; ".join(c.reasons),
                "_class": "warn" if c.denied else "",
            }
            for c in intake.claims[:SHOWN_ROWS]
        ],
        "denied": len(intake.denied),
        "payment": format_dollars(to_cents(intake.payment, field="payment")),
        "trace_numbers": intake.trace_numbers[:20],
        "posted": posted,
        "problems": [str(p) for p in intake.problems[:20]],
        "message": f"{intake.file_name}: {intake.outcome}.",
    }


def _clearinghouse_fetch(store: Store, job: Running) -> dict[str, Any]:
    from therabill.store.services.clearinghouse_transfer import fetch_inbox
    from therabill.x12.clearinghouse import load_clearinghouse

    profile = load_clearinghouse(str(job.arguments.get("clearinghouse") or "default"))
    report = fetch_inbox(
        store=store,
        profile=profile,
        inbox=practice_folder(tenancy.scoped_practice()) / "inbox",
        progress=job.progress,
        actor=job.actor,
    ).to_dict()
    n = len(report["files"])
    report["message"] = f"Fetched {n} file{'' if n == 1 else 's'}."
    return report


def _batch_clients(work: UnitOfWork, named: object) -> list[str | int]:
    """The clients an eligibility batch asks about: those named (ids or chart numbers), or
    with ``"all"`` every client with an insurance policy on file (by chart number, else id)."""
    from therabill.store.models import Client, Policy

    if named == "all":
        rows = work.db.execute(
            select(Client.id, Client.chart_number)
            .where(Client.id.in_(select(Policy.client_id)))
            .order_by(Client.id)
        ).all()
        return [chart or client_id for client_id, chart in rows]
    if not isinstance(named, list):
        raise InvalidInput("name the clients, or all", field="clients")
    return [str(c) for c in named]


def _eligibility_batch(units: Units, job: Running) -> dict[str, Any]:
    """A 270 inquiry for each client named (ids or chart numbers, or every insured client).
    On PostgreSQL in one transaction: a retry writes none twice. On SQLite
    :data:`ELIGIBILITY_CHUNK_CLIENTS` clients a part, each committed with the position
    reached, so billers save between parts and a retry goes on after the last committed
    client. A client that cannot be asked about is listed with why."""
    from therabill.store.services.eligibility import request_eligibility

    state = units.state.setdefault("eligibility", {})
    with units.reading() as work:  # in a whole job, the job's own transaction
        clients = _batch_clients(work, job.arguments.get("clients", []))
        outbox = practice_folder(work.practice_id) / "outbox"
    if not clients:
        raise InvalidInput("name at least one client", field="clients")
    day = _day(job.arguments.get("date_of_service"), "date_of_service")
    start = _resume_at(clients, state)
    size = ELIGIBILITY_CHUNK_CLIENTS if units.in_parts else max(len(clients), 1)
    for begin in range(start, len(clients), size):
        with units.unit() as work:
            for index in range(begin, min(begin + size, len(clients))):
                client = clients[index]
                try:
                    with work.db.begin_nested():
                        outcome = request_eligibility(
                            work=work, client=client, outbox=outbox, date_of_service=day
                        )
                except TherabillError as exc:
                    _add_row(state, "refused", {"client": str(client), "reason": str(exc)})
                else:
                    _add_row(
                        state,
                        "written",
                        {"client": str(client), "file": outcome.path.name, "trace": outcome.trace},
                    )
                job.progress(index + 1, len(clients))
                state["after"], state["done"] = str(client), index + 1
            n = state.get("written_count", 0)
            state["kept"] = f"{n} eligibility inquir{'y' if n == 1 else 'ies'} written"
    written, refused = state.get("written_count", 0), state.get("refused_count", 0)
    return {
        "written": state.get("written", []),
        "written_count": written,
        "refused": state.get("refused", []),
        "refused_count": refused,
        "message": f"{written} eligibility inquiries written, {refused} refused.",
    }


def _resume_at(clients: list[str | int], state: dict[str, Any]) -> int:
    """Where a batch goes on: after the last client a committed part asked about (found
    again by name: clients added since do not shift it), else after as many as were done."""
    after = state.get("after")
    if after is None:
        return 0
    named = [str(c) for c in clients]
    return named.index(after) + 1 if after in named else min(state.get("done", 0), len(clients))


def _add_row(state: dict[str, Any], key: str, row: dict[str, Any]) -> None:
    """Count a row under ``key`` and keep it if it is among the first ``SHOWN_ROWS``."""
    state[f"{key}_count"] = state.get(f"{key}_count", 0) + 1
    shown = state.setdefault(key, [])
    if len(shown) < SHOWN_ROWS:
        shown.append(row)


def _report_refresh(store: Store, job: Running) -> dict[str, Any]:
    """Every report, read in a transaction that only reads: on SQLite it takes no write lock,
    so billers' saves go on while it reads (its audit entries follow it, or wait in the
    audit spool); the job's row is marked done after it, in a short transaction of its own."""
    from therabill.store.services.report_pages import all_reports

    today = _day(job.arguments.get("today"), "today") or dt.date.today()
    with store.reading(actor=job.actor) as work:
        made = all_reports(
            work,
            today=today,
            start=_day(job.arguments.get("start"), "from"),
            end=_day(job.arguments.get("end"), "to"),
        )
    job.progress(len(made), len(made))
    return {
        "today": today.isoformat(),
        "reports": [
            {"title": r.title, "columns": list(r.columns), "rows": r.shown_rows()[:SHOWN_ROWS]}
            for r in made
        ],
        "message": f"{len(made)} reports as of {today}.",
    }


def last_month_end(today: dt.date | None = None) -> dt.date:
    """The last day of the month before ``today``'s: what a month-end run closes."""
    return (today or dt.date.today()).replace(day=1) - dt.timedelta(days=1)


def _month_end(units: Units, job: Running) -> dict[str, Any]:
    """A practice's month-end: the claims build for its sessions through ``through``, then
    its statement run through that day. PostgreSQL: in one transaction. SQLite: the build's
    parts, then the run's, each committed (:class:`Units`). Either way a retry bills no
    session twice and makes no statement twice."""
    through = _day(job.arguments.get("through"), "through")
    if through is None:
        raise InvalidInput("is required", field="through")
    build = _build(units, job, {"end": through.isoformat()})
    statements = _statements(units, job, through)
    return {
        "through": through.isoformat(),
        "build": build,
        "statements": statements,
        "message": f"Month-end through {through}: {build['message']} {statements['message']}",
    }


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "claims-build", "Build claims", _claims_build, page="/claims",
            takes=("start", "end", "provider_id", "session_ids"), boundary="claim drafted",
            chunked=True,
        ),
        Kind(
            "statement-run", "Statement run", _statement_run, page="/statements",
            takes=("through",), needs=("through",), boundary="batch of statements", chunked=True,
        ),
        Kind(
            "post-835", "Post an 835", _post_835, page="/remittances",
            takes=("file_name", "release"), chunked=True,
        ),
        Kind(
            "clearinghouse-fetch", "Clearinghouse fetch", _clearinghouse_fetch,
            in_transaction=False, page="/clearinghouse", takes=("clearinghouse",),
            boundary="file fetched",
        ),
        Kind(
            "eligibility-batch", "Eligibility batch", _eligibility_batch, page="/clients",
            takes=("clients", "date_of_service"), needs=("clients",), boundary="client asked about",
            chunked=True,
        ),
        Kind(
            "report-refresh", "Report refresh", _report_refresh, page="/reports",
            takes=("today", "start", "end"), in_transaction=False,
        ),
        Kind(
            "month-end", "Month-end", _month_end, page="/claims",
            takes=("through",), needs=("through",), chunked=True,
            boundary="claim drafted or batch of statements",
        ),
    )
}  # fmt: skip
DATES = {"start": "from", "end": "to", "through": "through", "date_of_service": "date_of_service",
         "today": "today"}  # fmt: skip


def check_arguments(kind: str, arguments: dict[str, Any]) -> None:
    """Refuse a job its kind could not run, before it is queued: an unknown kind, an
    argument it does not take, a missing one it needs, a date that is not one, an unknown
    clearinghouse profile. (The service checks the rest when the job runs.)"""
    found = KINDS.get(kind)
    if found is None:
        raise InvalidInput(f"no job kind {kind!r} (one of: {', '.join(KINDS)})", field="kind")
    for key in arguments:
        if key not in found.takes:
            taken = ", ".join(found.takes) or "nothing"
            raise InvalidInput(f"{kind} does not take {key!r} (it takes: {taken})", field=key)
    for key in found.needs:
        if arguments.get(key) in (None, "", []):
            raise InvalidInput(f"is required for {kind}", field=DATES.get(key, key))
    for key, field in DATES.items():
        if key in arguments:
            _day(arguments[key], field)
    release = arguments.get("release")
    if release is not None and (isinstance(release, bool) or not isinstance(release, int)):
        raise InvalidInput(f"is not a quarantined file's number: {release!r}", field="release")
    if "clearinghouse" in arguments:
        from therabill.x12.clearinghouse import load_clearinghouse

        load_clearinghouse(str(arguments["clearinghouse"] or "default"))


# ---------------------------------------------------------------- asking for a job


def create(
    work: UnitOfWork, *, kind: str, arguments: dict[str, Any], payload: bytes | None = None
) -> Job:
    """Record a job for ``kind`` in ``work``'s transaction (queued; nothing runs yet)."""
    check_arguments(kind, arguments)
    job = Job(
        kind=kind,
        arguments=json.dumps(arguments, default=str),
        payload=payload,
        status="queued",
        done=0,
        total=0,
        attempts=0,
        requested_by=work.actor,
        created_at=utcnow(),
    )
    work.db.add(job)
    work.db.flush()
    work.audit("queue", "job", job.id, kind)
    return job


def submit(
    store: Store,
    *,
    kind: str,
    arguments: dict[str, Any],
    actor: str | None = None,
    payload: bytes | None = None,
) -> int:
    """Record a job and hand it to the queue: on PostgreSQL procrastinate's, after the row is
    committed (a job whose hand-over was lost is handed over again by the worker's sweep); on
    SQLite the table is the queue. Returns the job's id."""
    with store.transaction(actor=actor) as work:
        job_id = create(work, kind=kind, arguments=arguments, payload=payload).id
    if not is_sqlite(store.engine):
        from therabill.store.services import job_queue

        job_queue.hand_over(store, job_id)
    return job_id


# ---------------------------------------------------------------- reading them


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def job_dict(job: Job, *, full: bool = True) -> dict[str, Any]:
    kind = KINDS.get(job.kind)
    found: dict[str, Any] = {
        "id": job.id,
        "kind": job.kind,
        "title": kind.title if kind else job.kind,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "attempts": job.attempts,
        "requested_by": job.requested_by,
        "created_at": job.created_at.isoformat(timespec="seconds"),
        "started_at": job.started_at.isoformat(timespec="seconds") if job.started_at else None,
        "finished_at": job.finished_at.isoformat(timespec="seconds") if job.finished_at else None,
        "error": job.error,
        "page": kind.page if kind else "",
    }
    result = _loads(job.result)
    found["message"] = (result or {}).get("message") if isinstance(result, dict) else None
    if full:
        found["arguments"] = _loads(job.arguments)
        found["result"] = result
        found["worker"] = job.worker
    return found


def list_jobs(
    work: UnitOfWork, *, limit: int = 100, status: str | None = None
) -> list[dict[str, Any]]:
    """The newest jobs first."""
    query = select(Job).order_by(Job.id.desc()).limit(max(1, min(limit, 1000)))
    if status:
        if status not in STATUSES:
            raise InvalidInput(
                f"no status {status!r} (one of: {', '.join(STATUSES)})", field="status"
            )
        query = query.where(Job.status == status)
    rows = [job_dict(j, full=False) for j in work.db.execute(query).scalars()]
    for row in rows:
        _live_progress(work, row)
    work.audit("list", "job", "*", f"{len(rows)} jobs")
    return rows


def _live_progress(work: UnitOfWork, found: dict[str, Any]) -> None:
    """SQLite: a running job's progress from beside the database (``job_sidecar``)."""
    if found["status"] != "running":
        return
    bind = work.db.get_bind()
    live = job_sidecar.read_progress(bind.engine, found["id"])
    if live is not None:
        found["done"], found["total"] = live


def show_job(work: UnitOfWork, job_id: int) -> dict[str, Any]:
    """One job: while it waits or runs, its progress; once it has ended, its arguments and
    result too (audited)."""
    job = work.db.get(Job, job_id)
    if job is None:
        raise InvalidInput(f"no job {job_id}", field="job")
    if job.status not in ENDED:
        # How far it got, and nothing of a client's (its arguments and result wait until it
        # ends): not audited, so on SQLite, where the running job holds the only write lock,
        # the job's page can follow it without waiting for that lock.
        found = job_dict(job, full=False)
        found.update(arguments=None, result=None, worker=job.worker)
        _live_progress(work, found)
        return found
    work.audit("read", "job", job_id)
    return job_dict(job)


def cancel(store: Store, job_id: int, *, actor: str) -> dict[str, Any]:
    """Cancel job ``job_id`` for ``actor``: a queued job is marked cancelled at once (and
    taken off procrastinate's queue), audited, and never runs. A running job that stops at
    batch boundaries is asked to stop at its next one, its transaction rolled back (nothing
    half-written; a job in parts keeps the parts it committed); one that cannot stop halfway
    is refused with that reason. Returns the
    job's status after the request and a sentence for the user."""
    with store.reader.connect() as conn:
        row = conn.execute(
            select(Job.status, Job.kind, Job.queue_id).where(Job.id == job_id)
        ).first()
    if row is None:
        raise InvalidInput(f"no job {job_id}", field="job")
    status, name, queue_id = row
    kind = KINDS.get(name)
    title = kind.title if kind else name
    if status in ENDED:
        raise InvalidInput(f"job {job_id} has already ended ({status})", field="job")
    postgres = not is_sqlite(store.engine)
    if status == "queued":
        with store.transaction(actor=actor) as work:
            taken = getattr(
                work.db.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == "queued")
                    .values(
                        status="cancelled",
                        error=f"Cancelled by {actor} before it ran.",
                        payload=None,
                        finished_at=utcnow(),
                    )
                ),
                "rowcount",
                0,
            )
            if taken:
                work.audit("cancel", "job", job_id, name)
        if taken:
            if postgres and queue_id is not None:
                from therabill.store.services import job_queue

                job_queue.cancel_queued(store, int(queue_id))
            return {
                "id": job_id,
                "status": "cancelled",
                "message": f"Job {job_id} ({title}) is cancelled; it will not run.",
            }
        # a worker took it meanwhile: it is running now
    if kind is None or not kind.stoppable:
        raise InvalidInput(
            f"job {job_id} ({title}) is already running and cannot stop halfway; "
            "it will finish on its own",
            field="job",
        )
    if postgres:
        from therabill.store.services import job_queue

        if queue_id is None or not job_queue.abort(store, int(queue_id)):
            raise InvalidInput(
                f"job {job_id} ({title}) is already running and its worker cannot be reached; "
                "it will finish on its own",
                field="job",
            )
        with store.transaction(actor=actor) as work:
            work.db.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running")
                .values(error=f"{job_queue.STOP_NOTE}{actor}.")
            )
            work.audit("cancel", "job", job_id, "stop asked while running")
    else:  # the running job holds SQLite's write lock: the request waits beside the database
        job_sidecar.ask_to_stop(store.engine, job_id, actor)
    return {
        "id": job_id,
        "status": "running",
        "message": (
            f"Job {job_id} ({title}) is already running: "
            f"{stop_note(kind, in_parts=kind.chunked and not postgres)}"
        ),
    }


def stop_note(kind: Kind, *, in_parts: bool = False) -> str:
    """What a stop request does to a running job of ``kind``, in a sentence; ``in_parts``:
    it commits part by part (a chunked kind on SQLite)."""
    if not kind.stoppable:
        return "it cannot stop halfway, so it will finish on its own."
    if in_parts:
        kept = "the parts it committed before that one are kept (running it again finishes it)"
    elif kind.in_transaction:
        kept = "nothing it did is kept"
    else:
        kept = "what it finished is kept"
    return f"it stops after the {kind.boundary} it is on, and {kept}."


# ---------------------------------------------------------------- running them


class LostClaim(RuntimeError):
    """Another worker took this job over (this one's lease ran out): its work is rolled back."""


def _claimable(now: dt.datetime) -> Any:
    return or_(Job.status == "queued", (Job.status == "running") & (Job.lease_until < now))


def claim(store: Store, job_id: int, worker: str) -> bool:
    """Take job ``job_id`` for ``worker`` if it is queued, or running under a lease that ran
    out (its worker died). A job that ran out of attempts is failed instead."""
    now = utcnow()
    with store.engine.begin() as conn:
        attempts = conn.execute(
            select(Job.attempts).where(Job.id == job_id, _claimable(now))
        ).scalar_one_or_none()
        if attempts is None:
            return False
        if attempts >= MAX_ATTEMPTS:
            conn.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status="failed",
                    error=f"stopped {attempts} times without finishing (its worker died)",
                    finished_at=now,
                    worker=None,
                    lease_until=None,
                )
            )
            return False
        taken = conn.execute(
            update(Job)
            .where(Job.id == job_id, _claimable(now))
            .values(
                status="running",
                worker=worker,
                attempts=Job.attempts + 1,
                lease_until=now + dt.timedelta(seconds=lease_seconds()),
                started_at=now,
            )
        ).rowcount
    return bool(taken)


def next_job(store: Store) -> int | None:
    """The oldest job a worker could take now (SQLite's queue is the table); :func:`run_job`
    claims it, or finds that another worker was quicker."""
    with store.reader.connect() as conn:
        found: int | None = conn.execute(
            select(Job.id).where(_claimable(utcnow())).order_by(Job.id).limit(1)
        ).scalar_one_or_none()
    return found


class Cancelled(Exception):
    """A stop was asked for while the job ran: raised at its next batch boundary, so its
    transaction (in a job in parts: the part under way) rolls back."""

    def __init__(self, asked_by: str, done: int, total: int) -> None:
        super().__init__(f"stopped at the request of {asked_by}")
        self.asked_by, self.done, self.total = asked_by, done, total


StopAsked = Callable[[], str | None]  # who asked the running job to stop, if anyone


class _Heartbeat:
    """Renews the claim's lease while the job runs, and writes its progress (at most twice a
    second). SQLite: while the job's transaction holds the write lock nothing else can write,
    so the progress goes to a file beside the database instead (``job_sidecar``), read over
    the row while the job runs; the lease cannot be taken meanwhile either (a job in parts
    renews it, and writes its progress into the row, with each part's commit).

    ``progress`` is also where a job looks for a stop request (``stop_asked``): each call
    comes at a batch boundary (a claim drafted, a client asked about, a file fetched)."""

    STOP_CHECK = 0.2  # seconds between looks for a stop request

    def __init__(
        self, store: Store, job_id: int, worker: str, stop_asked: StopAsked | None = None
    ) -> None:
        self.store, self.job_id, self.worker = store, job_id, worker
        self.stop = threading.Event()
        self.latest: tuple[int, int] | None = None
        self.written: tuple[int, int] | None = None
        self.quiet = is_sqlite(store.engine)
        self.stop_asked = stop_asked
        self.looked = 0.0
        # A thread starts with no practice chosen: the beat names the job's own, or row-level
        # security would hide the row it renews (docs/tenants.md).
        self.practice = tenancy.scoped_practice()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-lease", daemon=True)

    def progress(self, done: int, total: int) -> None:
        self.latest = (done, total)
        if self.stop_asked is None:
            return
        now = time.monotonic()
        if now - self.looked < self.STOP_CHECK and done < total:
            return
        self.looked = now
        asked_by = self.stop_asked()
        if asked_by is not None:
            raise Cancelled(asked_by, done, total)

    def _write(self) -> None:
        latest = self.latest
        if self.quiet and self.busy:  # the job's transaction holds the write lock
            if latest is not None and latest != self.written:
                job_sidecar.write_progress(self.store.engine, self.job_id, *latest)
                self.written = latest
            return
        values: dict[str, Any] = {"lease_until": utcnow() + dt.timedelta(seconds=lease_seconds())}
        if latest is not None and latest != self.written:
            values["done"], values["total"] = latest
        # Only while it runs: a beat that waited for the lock behind the job's own finishing
        # commit must not write its older progress (or a lease) over the finished row.
        with tenancy.practice_scope(self.practice), self.store.engine.begin() as conn:
            conn.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.worker == self.worker, Job.status == "running")
                .values(**values)
            )
        self.written = latest

    def _beat(self) -> None:
        every = min(lease_seconds() / 3, 0.5)
        while not self.stop.wait(every):
            try:
                self._write()
            except Exception:  # a missed beat is retried; the lease is three beats long
                log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)

    busy = False  # SQLite: the job's own transaction holds the write lock

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        job_sidecar.clear(self.store.engine, self.job_id)


@contextmanager
def _held(beat: _Heartbeat) -> Iterator[None]:
    beat.busy = True
    try:
        yield
    finally:
        beat.busy = False


def _finish(
    work: UnitOfWork, job_id: int, worker: str, result: dict[str, Any], done: tuple[int, int] | None
) -> None:
    values: dict[str, Any] = {
        "status": "done",
        "result": json.dumps(result, default=str),
        "error": None,
        "payload": None,
        "finished_at": utcnow(),
        "lease_until": None,
    }
    if done is not None:
        values["done"], values["total"] = done
    ended = getattr(
        work.db.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker == worker, Job.status == "running")
            .values(**values)
        ),
        "rowcount",
        0,
    )
    if not ended:
        raise LostClaim(f"job {job_id} was taken over by another worker")
    work.audit("finish", "job", job_id, "done")


def _fail(store: Store, job_id: int, worker: str, error: str, kept: str | None = None) -> None:
    if kept is not None:  # a job in parts: what its committed parts did stays
        error = f"{error} (before that: {kept})"
    with store.transaction(actor="worker") as work:
        work.db.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker == worker)
            .values(
                status="failed",
                error=error[:2000],
                result=None,
                finished_at=utcnow(),
                lease_until=None,
            )
        )
        work.audit("finish", "job", job_id, "failed")


def _stopped(
    store: Store, job_id: int, worker: str, kind: Kind, stop: Cancelled, units: Units | None
) -> None:
    kept = units.kept() if units is not None and units.in_parts else None
    if kept is not None:
        note = f"what its committed parts did is kept ({kept})"
    elif kind.in_transaction or units is not None:
        note = "nothing it did was kept"
    else:
        note = f"what it finished before ({stop.done} of {stop.total}) is kept"
    with store.transaction(actor=stop.asked_by) as work:
        work.db.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker == worker)
            .values(
                status="cancelled",
                error=f"Cancelled by {stop.asked_by} while it ran; {note}.",
                result=None,
                payload=None,
                finished_at=utcnow(),
                lease_until=None,
            )
        )
        work.audit("cancel", "job", job_id, f"stopped after {stop.done} of {stop.total}")


def _kept(units: Units | None) -> str | None:
    """What a failed job in parts keeps, and how to finish it, in a phrase."""
    kept = units.kept() if units is not None and units.in_parts else None
    if kept is None or units is None:
        return None
    if (units.state.get("post") or {}).get("kept"):  # the job's file, uploaded again
        return f"{kept}, kept; uploading the same file again posts the rest"
    return f"{kept}, kept; running it again finishes the rest"


def run_job(
    store: Store, job_id: int, *, worker: str | None = None, stop_asked: StopAsked | None = None
) -> str:
    """Claim job ``job_id`` and run it; its status afterwards ("done", "failed",
    "cancelled"), or "skipped" when it was not there to take (done already, cancelled, or
    another worker holds it). ``stop_asked``: who asked it to stop (PostgreSQL: the queue's
    abort; SQLite: the stop file beside the database, the default there)."""
    me = worker or worker_name()
    if not claim(store, job_id, me):
        return "skipped"
    return _run(store, job_id, me, stop_asked)


def _run(
    store: Store,
    job_id: int,
    me: str,
    stop_asked: StopAsked | None = None,
    ended: list[Any] | None = None,
) -> str:
    """Run job ``job_id``, claimed by worker ``me`` (:func:`run_job`). ``ended``: given
    what the job's code hands back whole (``Running.ended``)."""
    if stop_asked is None and job_sidecar.folder(store.engine) is not None:

        def stop_asked() -> str | None:
            return job_sidecar.stop_asked(store.engine, job_id)

    with store.sessions() as db:
        job = db.get(Job, job_id)
        assert job is not None
        name, actor, arguments, payload = job.kind, job.requested_by, job.arguments, job.payload
        # a run before this one that was killed between parts left where it got to
        checkpoint = (_loads(job.result) or {}).get("checkpoint")
    kind = KINDS.get(name)
    if kind is None:
        _fail(store, job_id, me, f"this therabill has no job kind {name!r}")
        return "failed"
    units: Units | None = None
    with _Heartbeat(store, job_id, me, stop_asked if kind.stoppable else None) as beat:
        running = Running(store, job_id, _loads(arguments) or {}, payload, actor, beat.progress)
        if ended is not None:
            running.ended = ended
        try:
            if kind.chunked and is_sqlite(store.engine):  # part by part, each committed
                units = Units(
                    store, job_id=job_id, worker=me, actor=actor, whole=None,
                    state=checkpoint if isinstance(checkpoint, dict) else None,
                    latest=lambda: beat.latest,
                )  # fmt: skip
                with _held(beat), write_turns.chunked_job(store.engine):
                    result = kind.run(units, running)
                    with store.transaction(actor=actor) as work:
                        _finish(work, job_id, me, result, beat.latest)
            elif kind.chunked:  # PostgreSQL: the parts in one transaction
                with _held(beat), store.transaction(actor=actor) as work:
                    units = Units(store, job_id=job_id, worker=me, actor=actor, whole=work)
                    result = kind.run(units, running)
                    _finish(work, job_id, me, result, beat.latest)
            elif kind.in_transaction:
                with _held(beat), store.transaction(actor=actor) as work:
                    result = kind.run(work, running)
                    _finish(work, job_id, me, result, beat.latest)
            else:
                result = kind.run(store, running)
                with store.transaction(actor=actor) as work:
                    _finish(work, job_id, me, result, beat.latest)
        except LostClaim:
            log.warning("job %s: taken over by another worker; this run rolled back", job_id)
            return "skipped"
        except Cancelled as stop:
            _stopped(store, job_id, me, kind, stop, units)
            log.info("job %s (%s) stopped: %s", job_id, name, stop)
            return "cancelled"
        except TherabillError as exc:
            _fail(store, job_id, me, str(exc), _kept(units))
            return "failed"
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, name)
            error = f"internal error ({type(exc).__name__}); see the worker's log"
            _fail(store, job_id, me, error, _kept(units))
            return "failed"
    log.info("job %s (%s) done", job_id, name)
    return "done"


def post_835_now(
    store: Store,
    *,
    data: bytes,
    file_name: str,
    actor: str | None = None,
    release: int | None = None,
) -> Intake:
    """Post an 835 now and answer with what came of it:
    ``therabill era post`` and the API's upload. PostgreSQL: in one transaction
    (``receive_remittance``), as before. SQLite: as the post-835 job an upload on the
    Remittances page queues, recorded and run here at once by this process (its code, its
    parts: a part per batch of claims, per payment and per page of the underpayment check,
    each committed, so a biller's save waits at most one part, not the whole file). Its
    row makes this posting the file's holder, as an upload's job is: the same file posted
    meanwhile is *being posted*, and a posting killed part-way is taken up by a worker once
    its lease runs out, or goes on when the same file is posted again after that.

    Raises ``TherabillError`` when a part fails (or the job is cancelled): its message says
    what the committed parts posted, kept, and that posting the same file again posts the
    rest."""
    from therabill.store.services.remittance_intake import check_size, receive_remittance

    check_size(len(data), file_name)
    arguments: dict[str, Any] = {"file_name": file_name}
    if release is not None:
        arguments["release"] = release
    if not is_sqlite(store.engine):
        with store.transaction(actor=actor) as work:
            return receive_remittance(work=work, data=data, file_name=file_name, release=release)
    me = new_worker_name("era-post:")
    now = utcnow()
    with store.transaction(actor=actor) as work:  # queued and claimed at once: no worker
        job = create(work, kind="post-835", arguments=arguments, payload=data)  # takes it
        job.status, job.worker, job.attempts, job.started_at = "running", me, 1, now
        job.lease_until = now + dt.timedelta(seconds=lease_seconds())
        job_id = job.id
    ended: list[Any] = []
    status = _run(store, job_id, me, ended=ended)
    if status == "done" and ended:
        return cast("Intake", ended[-1])
    with store.sessions() as db:
        error = db.execute(select(Job.error).where(Job.id == job_id)).scalar_one_or_none()
    raise TherabillError(f"{error or 'the posting stopped'} (job {job_id})", field=file_name[:200])


def work_sqlite(
    store: Store, *, stop: threading.Event, poll: float = 1.0, worker: str | None = None
) -> None:
    """SQLite's worker loop: take the oldest job, run it, and look again; ``stop`` ends it
    between jobs (``therabill worker`` on SQLite, and the thread ``therabill serve`` starts)."""
    me = worker or worker_name()
    while not stop.is_set():
        try:
            job_id = next_job(store)
        except TherabillError:  # the database was busy: look again later
            job_id = None
        except Exception:
            log.exception("the job worker could not look for jobs")
            job_id = None
        if job_id is None:
            stop.wait(poll)
            continue
        run_job(store, job_id, worker=me)


THREAD_ENV = "THERABILL_JOB_THREAD"
"""``therabill serve`` sets it to 1: on SQLite each web process runs jobs in a thread too."""


def start_thread(store: Store) -> Callable[[], None]:
    """Run :func:`work_sqlite` in a daemon thread; returns what stops it (between jobs: a job
    under way finishes first, or is taken over after its lease if the process dies)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=work_sqlite, args=(store,), kwargs={"stop": stop}, name="therabill-jobs", daemon=True
    )
    thread.start()

    def stopping() -> None:
        stop.set()
        thread.join(timeout=lease_seconds())

    return stopping


def wait_for(
    store: Store, job_id: int, *, timeout: float = 60.0, every: float = 0.1
) -> dict[str, Any]:
    """The job once it has ended (or as it is when ``timeout`` runs out): for the CLI's
    ``--wait`` and the tests."""
    deadline = time.monotonic() + timeout
    while True:
        with store.reading(actor="worker") as work:
            job = work.db.get(Job, job_id)
            if job is None:
                raise InvalidInput(f"no job {job_id}", field="job")
            found = job_dict(job)
        if found["status"] in ENDED or time.monotonic() > deadline:
            return found
        time.sleep(every)


def new_worker_name(prefix: str = "") -> str:
    return f"{prefix}{worker_name()}:{uuid.uuid4().hex[:6]}"
