"""Client statements: what each client owes after every payer, and statement runs.

The amount is the ledger's client-responsibility (patient) balance: what remittances moved
to the client (deductible, coinsurance, copay: CARC group PR) less what the client paid, plus
what was written to the client. When a payer after the first still owes a share, posting
keeps it in the insurance bucket, so it is not billed to the client until that payer pays
(and the statement becomes right as soon as the secondary-payer transfers post).

A run for a period (``through``) makes one statement per client who owes at least the
practice's minimum and is not on hold, and never a second one for the same client and
period: running it again makes only the statements still missing. Each statement is written
as a PDF into the run's folder when the transaction commits (a run that fails leaves none; a
background run on SQLite commits a few clients at a time, each part with its own files).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from therabill.codes import load_code_set
from therabill.errors import InvalidInput
from therabill.ledger import EntryFacts, EntryKind, Responsibility, effect
from therabill.money import format_money
from therabill.paper import statement as paper
from therabill.store.models import (
    ClaimLine,
    Client,
    LedgerEntry,
    Practice,
    Statement,
    StatementRun,
)
from therabill.store.services import access, balances, lookup
from therabill.store.services.context import UnitOfWork
from therabill.store.services.files_on_commit import publish_on_commit
from therabill.store.services.paging import AnyPage, PageRequest, SortKey, fetch_page
from therabill.store.services.practice import practice_row
from therabill.store.services.users import Account

DUE_DAYS = 30
STREAM_ROWS = 2000
CHUNK = 500  # clients per chunk of a statement run


@dataclass(slots=True)
class RunResult:
    through: dt.date
    run_id: int
    made: list[dict[str, Any]] = field(default_factory=list)
    already: int = 0
    held: int = 0
    below_minimum: int = 0
    folder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "through": self.through.isoformat(),
            "run_id": self.run_id,
            "made": len(self.made),
            "already_made": self.already,
            "on_hold": self.held,
            "below_minimum": self.below_minimum,
            "folder": self.folder,
            "statements": self.made,
        }


def _address(*parts: str | None) -> str:
    street, city, state, postal = parts
    place = " ".join(p for p in (f"{city}," if city else None, state, postal) if p)
    return ", ".join(p for p in (street, place) if p)


@dataclass(frozen=True, slots=True)
class EntryRow:
    """The columns of a ledger entry (and its claim line) a statement needs: plain values,
    not ORM objects, so a run over thousands of clients keeps no identity map growing."""

    client_id: int
    kind: str
    amount_cents: int
    responsibility: str
    memo: str
    line_id: int | None
    date_of_service: dt.date | None
    code: str | None

    def facts(self) -> EntryFacts:
        return EntryFacts(
            EntryKind(self.kind), self.amount_cents, Responsibility(self.responsibility)
        )


def _entries(work: UnitOfWork, client_ids: list[int] | None, through: dt.date,
             posted_by: dt.datetime | None = None) -> Iterator[EntryRow]:  # fmt: skip
    """Ledger entries up to ``through`` (and posted by ``posted_by``, for a reprint), with
    their claim line, client by client, streamed."""
    query = (
        select(
            LedgerEntry.client_id,
            LedgerEntry.kind,
            LedgerEntry.amount_cents,
            LedgerEntry.responsibility,
            LedgerEntry.memo,
            ClaimLine.id,
            ClaimLine.date_of_service,
            ClaimLine.code,
        )
        .outerjoin(ClaimLine, ClaimLine.id == LedgerEntry.claim_line_id)
        .where(LedgerEntry.effective_date <= through)
        .order_by(LedgerEntry.client_id, LedgerEntry.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    if client_ids is not None:
        query = query.where(LedgerEntry.client_id.in_(client_ids))
    if posted_by is not None:
        query = query.where(LedgerEntry.posted_at <= posted_by)
    for row in work.db.execute(query):
        yield EntryRow(*row)


def _by_client(rows: Iterable[EntryRow]) -> Iterator[tuple[int, list[EntryRow]]]:
    current: int | None = None
    group: list[EntryRow] = []
    for row in rows:
        if row.client_id != current:
            if current is not None:
                yield current, group
            current, group = row.client_id, []
        group.append(row)
    if current is not None:
        yield current, group


@dataclass(slots=True)
class _LineSums:
    date: dt.date
    code: str
    charge: int = 0
    insurance_paid: int = 0
    adjusted: int = 0
    client_paid: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    owed: int = 0


def statement_lines(
    rows: Iterable[EntryRow], describe: Callable[[str], str]
) -> tuple[list[paper.StatementLine], int]:
    """The open lines (the client owes something on them) and the credit on account."""
    lines: dict[int, _LineSums] = {}
    credit = 0
    for entry in rows:
        facts = entry.facts()
        owed = effect(facts.kind, facts.amount_cents, facts.responsibility).patient_cents
        if entry.line_id is None:
            if entry.responsibility == "patient":
                credit -= owed
            continue
        assert entry.date_of_service is not None and entry.code is not None
        sums = lines.get(entry.line_id)
        if sums is None:
            sums = lines[entry.line_id] = _LineSums(entry.date_of_service, entry.code)
        sums.owed += owed
        kind = entry.kind
        if kind == EntryKind.CHARGE.value:
            sums.charge += entry.amount_cents
        elif kind == EntryKind.INSURANCE_PAYMENT.value:
            sums.insurance_paid += entry.amount_cents
        elif (
            kind in (EntryKind.CONTRACTUAL_ADJUSTMENT.value, EntryKind.WRITE_OFF.value)
            and entry.responsibility == "insurance"
        ):
            sums.adjusted += entry.amount_cents
        elif kind == EntryKind.PATIENT_PAYMENT.value:
            sums.client_paid += entry.amount_cents
        if kind in (EntryKind.CONTRACTUAL_ADJUSTMENT.value, EntryKind.TRANSFER_TO_PATIENT.value):
            # a reversal posts the same reason negative: the two cancel
            reason = paper.plain_reason(entry.memo)
            if reason:
                sums.reasons[reason] = sums.reasons.get(reason, 0) + entry.amount_cents
    out = [
        paper.StatementLine(
            date=sums.date,
            description=f"{sums.code} {describe(sums.code)}".strip(),
            charge_cents=sums.charge,
            insurance_paid_cents=sums.insurance_paid,
            adjusted_cents=sums.adjusted,
            reasons=paper.reasons_text((r, c) for r, c in sums.reasons.items() if c > 0),
            client_paid_cents=sums.client_paid,
            balance_cents=sums.owed,
        )
        for sums in lines.values()
        if sums.owed > 0
    ]
    out.sort(key=lambda s: s.date)
    return out, max(credit, 0)


def _describer() -> Callable[[str], str]:
    codes = load_code_set()
    return lambda code: codes[code].short if code in codes else ""


def build_statement(
    practice: Practice, client: Client, rows: Iterable[EntryRow],
    *, number: str, on: dt.date, due_days: int = DUE_DAYS,
    describe: Callable[[str], str] | None = None,
) -> paper.Statement:  # fmt: skip
    lines, credit = statement_lines(rows, describe or _describer())
    return paper.Statement(
        number=number,
        statement_date=on,
        due_on=on + dt.timedelta(days=due_days),
        practice_name=practice.name,
        practice_address=_address(
            practice.address, practice.city, practice.state, practice.postal_code
        ),
        practice_phone=practice.phone,
        client_name=f"{client.first_name} {client.last_name}",
        client_address=_address(client.address, client.city, client.state, client.postal_code),
        client_account=client.chart_number or str(client.id),
        lines=tuple(lines),
        credit_cents=credit,
        aging=paper.aging(((ln.date, ln.balance_cents) for ln in lines), on),
        payment_link=practice.payment_link,
        payment_instructions=practice.payment_instructions,
        remit_to=_address(
            practice.pay_to_address, practice.pay_to_city, practice.pay_to_state,
            practice.pay_to_postal_code,
        ) or None,
    )  # fmt: skip


def preview(*, work: UnitOfWork, client: str | int, on: dt.date | None = None) -> paper.Statement:
    """The client's statement as of ``on`` (default today), not recorded: for the page's
    preview and ``therabill statements preview``."""
    found = lookup.client(work, client)
    day = on or dt.date.today()
    rows = list(_entries(work, [found.id], day))
    work.audit("read", "statement", found.id, "preview")
    return build_statement(practice_row(work), found, rows, number="PREVIEW", on=day)


def _run_row(work: UnitOfWork, through: dt.date, *, create: bool = True) -> StatementRun | None:
    found = work.db.execute(
        select(StatementRun).where(StatementRun.through == through)
    ).scalar_one_or_none()
    if found is None and create:
        found = StatementRun(through=through, actor=work.actor)
        work.db.add(found)
        work.db.flush()
    return found


def run_statements(
    *,
    work: UnitOfWork,
    through: dt.date,
    folder: Path | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    clients: Collection[int] | None = None,
) -> RunResult:
    """The period's statements: one per client owing at least the minimum and not on hold,
    none made twice for a period; PDFs into ``folder`` when it is given. ``dry_run``: who
    would get one and for how much, nothing recorded or written (the Statements page's
    preview). ``clients``: only these clients' part of the run (a background job on SQLite
    runs a period's statements a few clients per transaction, :func:`clients_owing` in
    order; who owes, who is on hold and who has one already are read again each time).

    Set-based: one grouped query finds who owes, then clients are taken in chunks, each
    chunk's clients and ledger rows read in one query apiece and its statements inserted
    together; memory stays flat in the number of clients."""
    if through > dt.date.today():
        raise InvalidInput("a statement run cannot be for a day still to come", field="through")
    practice = practice_row(work)
    run = _run_row(work, through, create=not dry_run)
    result = RunResult(through, run.id if run else 0, folder=str(folder) if folder else None)
    done = set(
        work.db.execute(select(Statement.client_id).where(Statement.run_id == run.id)).scalars()
        if run
        else ()
    )
    held = set(work.db.execute(select(Client.id).where(Client.statement_hold.is_(True))).scalars())
    minimum = max(practice.statement_minimum_cents, 1)
    owing: list[int] = []
    owed_by = balances.patient_balances(work, clients, through=through)
    for client_id, owed in sorted(owed_by.items()):
        if owed <= 0:
            continue
        if client_id in done:
            result.already += 1
        elif client_id in held:
            result.held += 1
        elif owed < minimum:
            result.below_minimum += 1
        else:
            owing.append(client_id)
    describe = _describer()
    pending: list[tuple[Path, Path]] = []
    if folder is not None and not dry_run:
        folder.mkdir(parents=True, exist_ok=True)
        publish_on_commit(work.db, pending)
    for start in range(0, len(owing), CHUNK):
        chunk = owing[start : start + CHUNK]
        clients = {
            c.id: c for c in work.db.execute(select(Client).where(Client.id.in_(chunk))).scalars()
        }
        made = [
            (clients[client_id], build_statement(
                practice, clients[client_id], rows, number="", on=through, describe=describe))
            for client_id, rows in _by_client(_entries(work, chunk, through))
        ]  # fmt: skip
        if dry_run:
            result.made.extend(
                {"client_id": c.id, "client_name": m.client_name, "number": None,
                 "balance_cents": m.balance_cents, "file": None}
                for c, m in made
            )  # fmt: skip
            continue
        assert run is not None
        rows_made = [
            Statement(
                number=f"pending-{client.id}",
                run_id=run.id,
                client_id=client.id,
                statement_date=through,
                due_on=statement.due_on,
                balance_cents=statement.balance_cents,
                current_cents=statement.aging[0],
                days_31_60_cents=statement.aging[1],
                days_61_90_cents=statement.aging[2],
                over_90_cents=statement.aging[3],
            )
            for client, statement in made
        ]
        work.db.add_all(rows_made)
        work.db.flush()
        for row, (_, statement) in zip(rows_made, made, strict=True):
            row.number = f"S-{through:%Y%m}-{row.id:06d}"
            numbered = replace(statement, number=row.number)
            if folder is not None:
                target = folder / f"{row.number}.pdf"
                temporary = folder / f".{row.number}.pdf.part"
                temporary.write_bytes(paper.render([numbered]))
                pending.append((temporary, target))
                row.file_name = target.name
            result.made.append(
                {"client_id": row.client_id, "client_name": statement.client_name,
                 "number": row.number, "balance_cents": statement.balance_cents,
                 "file": row.file_name}
            )  # fmt: skip
        work.db.flush()
        for row in rows_made:  # done with them: keep the session small
            work.db.expunge(row)
        for client in clients.values():
            work.db.expunge(client)
        if progress is not None:
            progress(min(start + CHUNK, len(owing)), len(owing))
    if not dry_run:
        work.audit(
            "run", "statements", result.run_id, f"{len(result.made)} made, {result.already} already"
        )
    return result


def clients_owing(work: UnitOfWork, through: dt.date) -> list[int]:
    """The clients who owe something through ``through`` (before the minimum, holds and the
    statements made already), in id order: what a run takes in parts (``clients``)."""
    owed = balances.patient_balances(work, through=through)
    return sorted(client_id for client_id, cents in owed.items() if cents > 0)


def statement_pdf(*, work: UnitOfWork, number: str, account: Account | None = None) -> bytes:
    """A recorded statement again, as it was: the entries posted by the time it was made.
    With ``account``: only a client that login may see (NotFound otherwise). It only reads,
    so a page can show it while a job holds SQLite's write lock."""
    row = work.db.execute(
        select(Statement).where(Statement.number == number.strip().upper())
    ).scalar_one_or_none()
    if row is None:
        raise InvalidInput(f"no statement {number!r}", field="statement")
    client = (
        work.db.get(Client, row.client_id)
        if account is None
        else access.client_for(work, account, row.client_id)
    )
    assert client is not None
    rows = list(_entries(work, [row.client_id], row.statement_date, posted_by=row.created_at))
    made = build_statement(
        practice_row(work), client, rows, number=row.number, on=row.statement_date
    )
    work.audit("print", "statement", row.id)
    return paper.render([made])


def client_statements(work: UnitOfWork, client_id: int) -> list[Statement]:
    return list(
        work.db.execute(
            select(Statement).where(Statement.client_id == client_id).order_by(Statement.id.desc())
        ).scalars()
    )


def list_runs(*, work: UnitOfWork) -> list[dict[str, Any]]:
    runs = work.db.execute(select(StatementRun).order_by(StatementRun.through.desc())).scalars()
    out = []
    for run in runs:
        rows = list(work.db.execute(select(Statement).where(Statement.run_id == run.id)).scalars())
        out.append({
            "through": run.through.isoformat(), "statements": len(rows),
            "total_cents": sum(r.balance_cents for r in rows), "actor": run.actor,
        })  # fmt: skip
    return out


SENT_SORTS: dict[str, SortKey] = {
    "number": Statement.id,
    "statement_date": Statement.statement_date,
    "client": Client.last_name,
    "amount": Statement.balance_cents,
}


def sent_page(work: UnitOfWork, wanted: PageRequest) -> tuple[AnyPage, list[dict[str, Any]]]:
    """One page of the statements made, newest first, with the client's name and the sum of
    the amounts due over all of them."""
    query = select(
        Statement, Client.last_name, Client.first_name, Statement.balance_cents.label("amount")
    ).join(Client, Client.id == Statement.client_id)
    found = fetch_page(
        work.db, query, wanted, sorts=SENT_SORTS, default="number", tiebreak=[Statement.id],
        sums=("amount",),
    )  # fmt: skip
    return found, [
        {
            "number": st.number,
            "pdf_url": f"/statements/{st.number}.pdf",
            "statement_date": st.statement_date,
            "client": f"{last}, {first}",
            "client_url": f"/clients/{st.client_id}/account",
            "amount": st.balance_cents,
        }
        for st, last, first, _ in found.rows
    ]


def set_hold(*, work: UnitOfWork, client: str | int, hold: bool) -> Client:
    """Hold (or release) a client's statements and reminders."""
    found = lookup.client(work, client)
    found.statement_hold = hold
    work.audit("update", "client", found.id, "statement hold on" if hold else "statement hold off")
    return found


def hold_clients(*, work: UnitOfWork, client_ids: Collection[int]) -> int:
    """Hold the statements and reminders of several clients at once (the preview's bulk
    action: a biller holds the clients whose balance is in dispute before the run); how
    many. A client that does not exist refuses the lot."""
    ids = sorted(set(client_ids))
    if not ids:
        raise InvalidInput("tick at least one client", field="client_id")
    for client_id in ids:
        set_hold(work=work, client=client_id, hold=True)
    return len(ids)


def set_statement_settings(
    *, work: UnitOfWork, minimum_cents: int | None = None, payment_link: str | None = None,
    instructions: str | None = None,
) -> Practice:  # fmt: skip
    """How clients pay (printed on statements) and the smallest balance a run bills."""
    practice = practice_row(work)
    if minimum_cents is not None:
        if minimum_cents < 0:
            raise InvalidInput("must be zero or more", field="minimum")
        practice.statement_minimum_cents = minimum_cents
    if payment_link is not None:
        link = payment_link.strip()
        if link and not link.startswith("https://"):
            raise InvalidInput("a payment link starts with https://", field="payment_link")
        practice.payment_link = link[:300] or None
    if instructions is not None:
        practice.payment_instructions = instructions.strip()[:2000] or None
    work.audit("update", "practice", practice.id, "statement settings")
    return practice


def settings_dict(practice: Practice) -> dict[str, Any]:
    return {
        "minimum": format_money(practice.statement_minimum_cents),
        "payment_link": practice.payment_link,
        "payment_instructions": practice.payment_instructions,
    }
