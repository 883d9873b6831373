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
from email.utils import parseaddr
from itertools import pairwise
from typing import Any

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.store.models import ReminderSettings
from therabill.store.services.context import UnitOfWork

DEFAULT_SCHEDULE = (0, 30, 60, 90)
MAX_STEPS = 8
_ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[A-Za-z]{2,}$")


def parse_schedule(text: str) -> list[int]:
    """``"0, 30, 60, 90"`` → ``[0, 30, 60, 90]``: whole days, rising, starting at 0 (the
    statement itself), at most eight steps within a year."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise InvalidInput("give the days, e.g. 0,30,60,90", field="schedule")
    if not all(p.isdigit() for p in parts):
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
