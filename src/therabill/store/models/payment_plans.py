"""Payment plans: a client's balance paid in instalments on a schedule. The schedule's
arithmetic is ``therabill.ledger.instalments``; payments taken while a plan is active carry
its id (``ClientPayment.plan_id``) and fill its instalments oldest first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow


class PaymentPlan(PracticeOwned, Base):
    """One plan; active while ``ended_on`` is empty (a client has at most one active)."""

    __tablename__ = "payment_plans"
    __table_args__ = (
        CheckConstraint("unit IN ('week','month')", name="unit"),
        CheckConstraint("total_cents > 0 AND instalment_cents > 0", name="amounts"),
        CheckConstraint("every >= 1", name="every"),
        Index("ix_payment_plans_client", "client_id", "ended_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    total_cents: Mapped[Cents]
    instalment_cents: Mapped[Cents]
    first_due: Mapped[dt.date]
    every: Mapped[int]
    unit: Mapped[str] = mapped_column(String(5))
    started_on: Mapped[dt.date]
    ended_on: Mapped[dt.date | None]
    end_reason: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
