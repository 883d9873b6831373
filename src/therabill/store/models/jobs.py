"""Background jobs as the web page and ``therabill jobs`` show them: what was asked, by whom,
how far it got and how it ended. The queue library (procrastinate on PostgreSQL) or the
in-process worker (SQLite) only delivers the job's id; this row is the record on both."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, PracticeOwned, utcnow


class Job(PracticeOwned, Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    arguments: Mapped[str] = mapped_column(Text, default="{}")  # JSON, no client data
    # An uploaded file the job reads (an 835): kept in the database, not on one host's disk,
    # so any worker can run the job; emptied when the job ends.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    requested_by: Mapped[str] = mapped_column(String(80))
    worker: Mapped[str | None] = mapped_column(String(80))  # the claim's holder
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    queue_id: Mapped[int | None] = mapped_column(BigInteger)  # procrastinate's job id
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
