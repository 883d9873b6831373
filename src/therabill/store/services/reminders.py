"""Reminders by email: the statement and the reminders after it, on an escalation schedule.

Settings (``therabill reminders settings``, the Statements page): the sender address, the
schedule in days after the client's first unpaid statement (default 0, 30, 60, 90: the
statement itself, then three reminders, the last one a final notice) and whether the
statement PDF is attached. By default it is not: the message is a secure-message notice that
names the practice and the amount due and asks the client to call or use the payment page,
with no health details in it (visits, codes, diagnoses stay in the PDF). The SMTP server is
``THERABILL_SMTP_URL`` (``therabill.store.services.mailer``).

A run (``therabill reminders run``) looks at each client who owes, has an email address and
is not on hold and whose payment plan (if any) is not behind-free, finds the first statement
of their current unpaid run of statements (the run starts again after a statement was paid in
full before the next one), and sends the latest step of the schedule that has come due and
was not sent yet. Each message is recorded once the SMTP server has accepted it, in its own
transaction, and at most once per statement and step (a unique key): a server that refuses
or is down leaves that client's message unrecorded, the run reports it, and the next run
sends it; a second run the same day sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from therabill.errors import InvalidInput
from therabill.money import format_dollars
from therabill.store.models import (
    Client,
    ClientPayment,
    Practice,
    ReminderMessage,
    ReminderSettings,
    Statement,
)
from therabill.store.services import balances, mailer, payment_plans, statements
from therabill.store.services.context import Store, UnitOfWork
from therabill.store.services.names import client_names
from therabill.store.services.practice import practice_row

DEFAULT_SCHEDULE = (0, 30, 60, 90)
MAX_STEPS = 8
_ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[A-Za-z]{2,}$")


def parse_schedule(text: str) -> list[int]:
    """``"0, 30, 60, 90"`` → ``[0, 30, 60, 90]``: whole days, rising, starting at 0 (the
    statement itself), at most eight steps within a year."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise InvalidInput("give the days, e.g. 0,30,60,90", field="schedule")
    if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        raise InvalidInput(
            f"{text!r} is not days separated by commas, e.g. 0,30,60,90", field="schedule"
        )
    days = [int(p) for p in parts]
    if days[0] != 0:
        raise InvalidInput("starts with 0 (the statement itself)", field="schedule")
    if any(b <= a for a, b in pairwise(days)):
        raise InvalidInput("each day comes after the one before it", field="schedule")
    if len(days) > MAX_STEPS or days[-1] > 365:
        raise InvalidInput(f"at most {MAX_STEPS} steps within 365 days", field="schedule")
    return days


def check_address(text: str, field: str) -> str:
    """One plain email address (no display name, no second address, no line breaks)."""
    value = text.strip()
    if "\n" in text or "\r" in text or not _ADDRESS.fullmatch(value) or len(value) > 200:
        raise InvalidInput(f"{value!r} is not an email address", field=field)
    return parseaddr(value)[1]


def settings_of(work: UnitOfWork) -> ReminderSettings | None:
    return work.db.execute(select(ReminderSettings).order_by(ReminderSettings.id)).scalars().first()


def schedule_days(work: UnitOfWork) -> list[int]:
    found = settings_of(work)
    return parse_schedule(found.schedule_days) if found else list(DEFAULT_SCHEDULE)


def set_settings(
    *,
    work: UnitOfWork,
    sender: str | None = None,
    schedule: str | None = None,
    attach_pdf: bool | None = None,
) -> ReminderSettings:
    """Change the sender, the schedule or the PDF choice (what is not given stays)."""
    row = settings_of(work)
    if row is None:
        row = ReminderSettings(schedule_days=",".join(map(str, DEFAULT_SCHEDULE)), attach_pdf=False)
        work.db.add(row)
    if sender is not None:
        row.sender = check_address(sender, "sender") if sender.strip() else None
    if schedule is not None:
        row.schedule_days = ",".join(map(str, parse_schedule(schedule)))
    if attach_pdf is not None:
        row.attach_pdf = attach_pdf
    row.updated_at = dt.datetime.now(dt.UTC)
    work.db.flush()
    work.audit("update", "reminder_settings", row.id)
    return row


def settings_dict(work: UnitOfWork) -> dict[str, Any]:
    row = settings_of(work)
    return {
        "sender": row.sender if row else None,
        "schedule_days": schedule_days(work),
        "attach_pdf": bool(row.attach_pdf) if row else False,
    }


# --- choosing what to send -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementFacts:
    id: int
    number: str
    on: dt.date
    balance_cents: int


def first_unpaid(
    statements: Sequence[StatementFacts], payments: Sequence[tuple[dt.date, int]]
) -> StatementFacts:
    """The first statement of the client's current unpaid run: walking back from the
    latest, the run stops at a statement the client paid in full (payments received after
    it and up to the next statement add up to its amount). ``statements`` oldest first."""
    anchor = statements[-1]
    for earlier, later in reversed(list(pairwise(statements))):
        paid = sum(c for day, c in payments if earlier.on < day <= later.on)
        if paid >= earlier.balance_cents:
            break
        anchor = earlier
    return anchor


def step_due(schedule: Sequence[int], age_days: int) -> int | None:
    """The latest step of the schedule that has come due ``age_days`` after the first
    unpaid statement (None before the statement's own day)."""
    due = [n for n, days in enumerate(schedule) if days <= age_days]
    return due[-1] if due else None


@dataclass(frozen=True, slots=True)
class Outgoing:
    client_id: int
    first_name: str
    last_name: str
    to: str
    anchor: StatementFacts
    latest: StatementFacts
    step: int
    days: int
    balance_cents: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client": f"{self.last_name}, {self.first_name}",
            "to": self.to,
            "statement": self.latest.number,
            "first_statement": self.anchor.number,
            "step": self.step,
            "days": self.days,
            "balance_cents": self.balance_cents,
        }


@dataclass(slots=True)
class RunReport:
    on: dt.date
    dry_run: bool
    sent: list[dict[str, Any]] = field(default_factory=list)
    not_sent: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("paid", "on_hold", "no_email", "below_minimum", "plan_on_track", "already_sent",
             "not_due"), 0)
    )  # fmt: skip
    would_send: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "dry_run": self.dry_run,
            "sent": self.sent,
            "not_sent": self.not_sent,
            "would_send": self.would_send,
            "skipped": self.skipped,
        }


def _pending(
    work: UnitOfWork, on: dt.date, schedule: Sequence[int], report: RunReport
) -> list[Outgoing]:
    """Every message due on ``on``, in a handful of set-based queries."""
    rows = work.db.execute(
        select(Statement.client_id, Statement.id, Statement.number, Statement.statement_date,
               Statement.balance_cents)
        .where(Statement.statement_date <= on)
        .order_by(Statement.client_id, Statement.statement_date, Statement.id)
    ).all()  # fmt: skip
    by_client: dict[int, list[StatementFacts]] = {}
    for client_id, sid, number, day, cents in rows:
        by_client.setdefault(client_id, []).append(StatementFacts(sid, number, day, cents))
    if not by_client:
        return []
    ids = list(by_client)
    owed = balances.patient_balances(work, ids)
    clients = {c.id: c for c in work.db.execute(select(Client).where(Client.id.in_(ids))).scalars()}
    paid: dict[int, list[tuple[dt.date, int]]] = {}
    for client_id, day, cents in work.db.execute(
        select(
            ClientPayment.client_id, ClientPayment.received_on, ClientPayment.amount_cents
        ).where(ClientPayment.client_id.in_(ids), ClientPayment.kind != "refund")
    ).all():
        paid.setdefault(client_id, []).append((day, cents))
    sent: dict[int, int] = {}
    for sid, done in work.db.execute(select(ReminderMessage.statement_id, ReminderMessage.step)):
        sent[sid] = max(done, sent.get(sid, -1))
    on_track = {
        client.id
        for client, view in payment_plans.active_views(work, ids, on)
        if view.standing.overdue_cents == 0
    }
    minimum = max(practice_row(work).statement_minimum_cents, 1)
    out: list[Outgoing] = []
    for client_id, statements_of in by_client.items():
        client = clients[client_id]
        balance = owed.get(client_id, 0)
        if balance <= 0:
            report.skipped["paid"] += 1
            continue
        if client.statement_hold:
            report.skipped["on_hold"] += 1
            continue
        if balance < minimum:
            report.skipped["below_minimum"] += 1
            continue
        if client_id in on_track:
            report.skipped["plan_on_track"] += 1
            continue
        anchor = first_unpaid(statements_of, paid.get(client_id, []))
        step = step_due(schedule, (on - anchor.on).days)
        if step is None:
            report.skipped["not_due"] += 1
            continue
        if sent.get(anchor.id, -1) >= step:
            report.skipped["already_sent"] += 1
            continue
        if not client.email:
            report.skipped["no_email"] += 1
            continue
        out.append(
            Outgoing(client_id, client.first_name, client.last_name, client.email.strip(),
                     anchor, statements_of[-1], step, schedule[step], balance)
        )  # fmt: skip
    return out


# --- the message -----------------------------------------------------------------------


def _subject(practice: Practice, step: int, steps: int) -> str:
    if step == 0:
        return f"Your statement from {practice.name}"
    if step == steps - 1:
        return f"Final notice: your balance with {practice.name}"
    return f"Reminder: your balance with {practice.name}"


def compose(
    practice: Practice, sender: str, item: Outgoing, steps: int, pdf: bytes | None
) -> EmailMessage:
    """The message: the amount due, how to pay, and either the statement PDF or a notice
    that the details are not in the email (no visits, codes or diagnoses in the body)."""
    due = format_dollars(item.balance_cents)
    if item.step == 0:
        lead = f"Your statement {item.latest.number} of {item.latest.on:%B %-d, %Y} is ready."
    elif item.step == steps - 1:
        lead = (
            f"This is our final notice about the balance open since {item.anchor.on:%B %-d, %Y}. "
            "Please pay it, or call us to set up a payment plan."
        )
    else:
        lead = f"This is a reminder that a balance has been open since {item.anchor.on:%B %-d, %Y}."
    pay = []
    if practice.payment_link:
        pay.append(f"Pay online: {practice.payment_link}")
    if practice.payment_instructions:
        pay.append(practice.payment_instructions.strip())
    if practice.phone:
        pay.append(f"Questions, or to pay by phone: {practice.phone}")
    details = (
        f"Your statement {item.latest.number} is attached as a PDF."
        if pdf is not None
        else "For your privacy this email holds no details of your care. For the itemized "
        "statement, call us or ask at the front desk."
    )
    address = ", ".join(
        p for p in (practice.address, practice.city, practice.state, practice.postal_code) if p
    )
    body = "\n\n".join(
        part
        for part in (
            f"Dear {item.first_name} {item.last_name},",
            lead,
            f"Amount due: {due}",
            "\n".join(pay),
            details,
            "\n".join(p for p in (practice.name, address) if p),
        )
        if part
    )
    message = EmailMessage()
    message["From"] = formataddr((practice.name, sender))
    message["To"] = item.to
    message["Subject"] = _subject(practice, item.step, steps)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message.set_content(body + "\n")
    if pdf is not None:
        message.add_attachment(
            pdf, maintype="application", subtype="pdf", filename=f"{item.latest.number}.pdf"
        )
    return message


# --- the run ---------------------------------------------------------------------------


def run_reminders(
    *, store: Store, actor: str | None = None, on: dt.date | None = None, dry_run: bool = False
) -> RunReport:
    """Send the reminders due today (or list them, ``dry_run``). Each message is recorded in
    its own transaction right after the SMTP server accepted it; what was not accepted is
    reported in ``not_sent`` and goes out on the next run."""
    day = on or dt.date.today()
    if day > dt.date.today():
        raise InvalidInput("a reminder run cannot be for a day still to come", field="on")
    report = RunReport(day, dry_run)
    with store.reading(actor=actor) as work:
        settings = settings_dict(work)
        schedule = settings["schedule_days"]
        practice = practice_row(work)
        pending = _pending(work, day, schedule, report)
        work.audit("list", "reminder", None, f"{len(pending)} due")
    if dry_run:
        report.would_send = [p.to_dict() for p in pending]
        return report
    if not pending:
        return report
    sender = settings["sender"]
    if not sender:
        raise InvalidInput(
            "set the address reminders come from first: therabill reminders settings "
            "--sender billing@example.com",
            field="sender",
        )
    config = mailer.configured()
    with mailer.outbox(config) as box:
        for item in pending:
            pdf = None
            if settings["attach_pdf"]:
                with store.reading(actor=actor) as work:
                    pdf = statements.statement_pdf(work=work, number=item.latest.number)
            message = compose(practice, sender, item, len(schedule), pdf)
            problem = box.send(message)
            if problem is not None:
                report.not_sent.append({**item.to_dict(), "reason": problem})
                continue
            try:
                with store.transaction(actor=actor) as work:
                    row = ReminderMessage(
                        client_id=item.client_id, statement_id=item.anchor.id,
                        attached_statement_id=item.latest.id, step=item.step, days=item.days,
                        to_address=item.to[:200], subject=str(message["Subject"])[:200],
                        attached=pdf is not None, balance_cents=item.balance_cents,
                        message_id=str(message["Message-ID"])[:200], actor=work.actor,
                    )  # fmt: skip
                    work.db.add(row)
                    work.db.flush()
                    work.audit("send", "reminder", row.id, f"step {item.step}")
            except IntegrityError:  # another run recorded it first: it went out twice
                report.skipped["already_sent"] += 1
                continue
            report.sent.append(item.to_dict())
    return report


def due_now(work: UnitOfWork, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The messages a run would send now (the Statements page's list), nothing sent."""
    return due_with_skips(work, on)[0]


def due_with_skips(work: UnitOfWork, on: dt.date | None = None) -> tuple[list[dict[str, Any]], str]:
    """The messages due now and, in words, the clients with a statement who get none today
    and why (``skipped_text``), nothing sent: what the Statements page shows."""
    day = on or dt.date.today()
    report = RunReport(day, True)
    due = [p.to_dict() for p in _pending(work, day, schedule_days(work), report)]
    return due, skipped_text(report.skipped)


SKIPPED_WORDS = {
    "paid": "paid up",
    "on_hold": "on hold",
    "no_email": "without an email address",
    "below_minimum": "under the statement minimum",
    "plan_on_track": "on track with a payment plan",
    "already_sent": "already sent this step",
    "not_due": "with no step due today",
}


def skipped_text(skipped: dict[str, int]) -> str:
    """``"21 without an email address, 2 on hold"``: the clients a run passed over, by reason."""
    return ", ".join(f"{n} {SKIPPED_WORDS.get(k, k)}" for k, n in skipped.items() if n)


def recent_rows(work: UnitOfWork, limit: int = 200) -> list[dict[str, Any]]:
    """The reminders sent last, newest first, each with its client's name (a page's list)."""
    sent = recent(work, limit)
    names = client_names(work, [m.client_id for m in sent])
    return [
        {
            "sent": m.sent_at.strftime("%Y-%m-%d %H:%M"),
            "client": names.get(m.client_id, str(m.client_id)),
            "client_url": f"/clients/{m.client_id}/account",
            "to": m.to_address,
            "what": m.subject + (" (statement attached)" if m.attached else ""),
            "amount": m.balance_cents,
        }
        for m in sent
    ]


def recent(work: UnitOfWork, limit: int = 200) -> list[ReminderMessage]:
    return list(
        work.db.execute(
            select(ReminderMessage).order_by(ReminderMessage.id.desc()).limit(limit)
        ).scalars()
    )
