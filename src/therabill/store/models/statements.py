"""Statement runs: one per period (``through`` date), and the statement each client got in
it. A second run for the same period finds the statements already made and makes none twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow


class StatementRun(PracticeOwned, Base):
    __tablename__ = "statement_runs"
    __table_args__ = (UniqueConstraint("practice_id", "through", name="uq_statement_runs_through"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    through: Mapped[dt.date]
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Statement(PracticeOwned, Base):
    """What one client was sent for one period: the amount due and the aging as stated."""

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("run_id", "client_id"),
        UniqueConstraint("practice_id", "number", name="uq_statements_number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    run_id: Mapped[int] = mapped_column(ForeignKey("statement_runs.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    statement_date: Mapped[dt.date]
    due_on: Mapped[dt.date]
    balance_cents: Mapped[Cents]
    current_cents: Mapped[Cents] = mapped_column(default=0)
    days_31_60_cents: Mapped[Cents] = mapped_column(default=0)
    days_61_90_cents: Mapped[Cents] = mapped_column(default=0)
    over_90_cents: Mapped[Cents] = mapped_column(default=0)
    file_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
