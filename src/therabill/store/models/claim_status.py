"""What payers answered when asked about a claim (277 claim status responses)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow


class ClaimStatusResponse(PracticeOwned, Base):
    """One payer's status of one claim, from a 277 (005010X212): the category (X12 code list
    507), status code (508) and entity of its first STC composite, and every status in plain
    words. The claim page shows the latest."""

    __tablename__ = "claim_status_responses"
    __table_args__ = (Index("ix_claim_status_responses_claim", "claim_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(3))
    status_code: Mapped[str] = mapped_column(String(30), default="")
    entity: Mapped[str] = mapped_column(String(3), default="")
    effective_date: Mapped[dt.date | None]
    paid_cents: Mapped[Cents | None]
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")
    description: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
