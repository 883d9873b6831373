"""Reminders by email: the practice's settings (sender, escalation days, PDF or notice) and
every message sent (when, what, to whom). A message is recorded only once the SMTP server
has accepted it, and at most once per statement and step, so a run that fails part-way
sends the rest next time and a second run sends nothing twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow


class ReminderSettings(PracticeOwned, Base):
    """One row: who the messages come from, the escalation schedule in days after the
    client's first unpaid statement, and whether the statement PDF is attached."""

    __tablename__ = "reminder_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str | None] = mapped_column(String(200))
    schedule_days: Mapped[str] = mapped_column(String(60), default="0,30,60,90")
    attach_pdf: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReminderMessage(PracticeOwned, Base):
    """One message the SMTP server accepted: the statement it is about (the first of the
    client's unpaid run), the escalation step, the address, subject, and the amount due."""

    __tablename__ = "reminder_messages"
    __table_args__ = (
        UniqueConstraint("statement_id", "step"),
        Index("ix_reminder_messages_client", "client_id", "sent_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"))
    attached_statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"))
    step: Mapped[int]
    days: Mapped[int]
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    attached: Mapped[bool]
    balance_cents: Mapped[Cents]
    message_id: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(80))
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
