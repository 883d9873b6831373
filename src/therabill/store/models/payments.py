"""Client payments and refunds as the front desk takes them: method, reference, receipt. The
money itself is in the ledger (entries carrying the receipt number); this row is the receipt."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow


class ClientPayment(PracticeOwned, Base):
    """One payment (or refund) by or to a client; ``receipt`` names its ledger entries."""

    __tablename__ = "client_payments"
    __table_args__ = (
        CheckConstraint("kind IN ('payment','copay','refund')", name="kind"),
        CheckConstraint("method IN ('cash','check','card','other')", name="method"),
        CheckConstraint("amount_cents > 0", name="amount"),
        Index("ix_client_payments_client", "client_id", "received_on"),
        UniqueConstraint("practice_id", "receipt", name="uq_client_payments_receipt"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt: Mapped[str] = mapped_column(String(60))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    kind: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10))
    # check number, or the card processor's transaction id (never a card number)
    reference: Mapped[str | None] = mapped_column(String(60))
    amount_cents: Mapped[Cents]
    received_on: Mapped[dt.date]
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    # the payment plan it was paid under (a payment taken while the client has one)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("payment_plans.id"))
    memo: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
