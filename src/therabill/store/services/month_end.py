"""Month-end for a billing office: one action queues, for every practice the user works for,
one ``month-end`` job (the claims build through the month's last day, then the statement run
through it: ``jobs._month_end``), each recorded and run in its own practice. The workers take
them while billers keep working; :func:`latest` shows how each practice's stands.

Which practices: those where the user's role is biller or admin (``practice_members``). A
name with no login (the CLI run by whoever holds the database's address, as ``therabill
practice list`` assumes) works for every practice of the installation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from therabill.errors import InvalidInput
from therabill.store import tenancy
from therabill.store.models import Job, User
from therabill.store.services import jobs, practices
from therabill.store.services.context import Store
from therabill.store.services.users import Role

KIND = "month-end"
BILLING_ROLES = (Role.BILLER, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Queued:
    practice_id: int
    practice: str
    job_id: int


def practices_for(store: Store, username: str) -> list[tuple[int, str]]:
    """The practices ``username`` may run billing work for, by id: (id, name)."""
    with store.reader.connect() as conn:
        user_id = conn.execute(select(User.id).where(User.username == username)).scalar()
        if user_id is None:
            return practices.list_practices(store)
        found = practices.memberships(conn, int(user_id))
    return sorted((m.practice_id, m.name) for m in found if m.role in BILLING_ROLES)


def queue_month_end(
    store: Store, *, actor: str, through: dt.date | None = None, today: dt.date | None = None
) -> list[Queued]:
    """Queue one month-end job in each practice ``actor`` bills for (through the last day of
    the month before ``today`` unless ``through`` names the day); each job's row, audit
    entry and queue job belong to its practice."""
    day = through or jobs.last_month_end(today)
    if day > (today or dt.date.today()):
        raise InvalidInput("a month-end cannot be for a day still to come", field="through")
    chosen = practices_for(store, actor)
    if not chosen:
        raise InvalidInput(f"{actor} bills for no practice", field="user")
    queued = []
    for practice_id, name in chosen:
        with tenancy.practice_scope(practice_id):
            job_id = jobs.submit(
                store, kind=KIND, arguments={"through": day.isoformat()}, actor=actor
            )
        queued.append(Queued(practice_id, name, job_id))
    return queued


def latest(store: Store, *, actor: str) -> list[dict[str, Any]]:
    """Each practice's newest month-end job (or none yet), read in that practice."""
    rows = []
    for practice_id, name in practices_for(store, actor):
        with store.reading(actor=actor, practice=practice_id) as work:
            job = work.db.execute(
                select(Job).where(Job.kind == KIND).order_by(Job.id.desc()).limit(1)
            ).scalar()
            found = jobs.job_dict(job) if job is not None else None
            if job is not None and job.status in jobs.ENDED:  # a result: audited
                work.audit("read", "job", job.id)
            elif found is not None:  # its progress only (jobs.show_job): SQLite's lock is free
                found.update(arguments=None, result=None)
        rows.append({"practice_id": practice_id, "practice": name, "job": found})
    return rows
