"""What a payer agreed to pay (contracted allowed amounts, imported from the practice's CSV)
and the posted lines it paid below that: the underpayments a biller appeals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow


class ContractRate(PracticeOwned, Base):
    """One contracted allowed amount per unit: payer × code × modifier ('' = any modifier),
    from ``effective`` to ``end`` (None: open). ``reduced_cents``: the amount for a unit after
    the day's first when the contract applies a multiple procedure payment reduction."""

    __tablename__ = "contract_rates"
    __table_args__ = (
        UniqueConstraint("payer_id", "code", "modifier", "effective"),
        Index("ix_contract_rates_lookup", "payer_id", "code", "effective"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    code: Mapped[str] = mapped_column(String(5))
    modifier: Mapped[str] = mapped_column(String(2), default="")
    allowed_cents: Mapped[Cents]
    reduced_cents: Mapped[Cents | None]
    effective: Mapped[dt.date]
    end: Mapped[dt.date | None]
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Underpayment(PracticeOwned, Base):
    """A posted line the payer allowed less for than agreed: the contract (or fee schedule)
    amount, what the 835 shows was allowed (paid + patient share + sequestration) and the
    difference; worked until closed (``appealed``, ``closed``)."""

    __tablename__ = "underpayments"
    __table_args__ = (UniqueConstraint("remittance_claim_id", "claim_line_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_claim_id: Mapped[int] = mapped_column(ForeignKey("remittance_claims.id"))
    claim_line_id: Mapped[int] = mapped_column(ForeignKey("claim_lines.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), index=True)
    code: Mapped[str] = mapped_column(String(5))
    units: Mapped[int]
    expected_cents: Mapped[Cents]
    allowed_cents: Mapped[Cents]
    paid_cents: Mapped[Cents]
    difference_cents: Mapped[Cents]
    basis: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
