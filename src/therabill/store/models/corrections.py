"""What was changed on a claim besides its status (edits, corrections, voids, closings),
and the reopening requests prepared for payers that take no replacement claims."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, PracticeOwned, utcnow


class ClaimChange(PracticeOwned, Base):
    """One change to a claim, with who, when and what (``detail``: "line 1 units 3 → 2").

    Status moves are in ``claim_status_changes``; the claim's history shows both."""

    __tablename__ = "claim_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ClaimReopening(PracticeOwned, Base):
    """A reopening request for a processed claim (Medicare Part B): the text to send through
    the contractor's portal, by phone or in writing, and when it was sent."""

    __tablename__ = "claim_reopenings"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")
    changes_json: Mapped[str] = mapped_column(Text, default="[]")
    text: Mapped[str] = mapped_column(Text)
    request_by: Mapped[dt.date | None]
    sent_on: Mapped[dt.date | None]
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
