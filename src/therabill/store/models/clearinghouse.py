"""Files sent to and fetched from a clearinghouse: each once, by name and content hash."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, PracticeOwned, utcnow


class ClearinghouseTransfer(PracticeOwned, Base):
    """One file sent (our outbox to the clearinghouse) or fetched (its folder to us), with
    what became of it: sent; applied (acknowledgements, posted remittance, stored
    eligibility, claim status); quarantined."""

    __tablename__ = "clearinghouse_transfers"
    __table_args__ = (
        UniqueConstraint(
            "practice_id",
            "direction",
            "profile",
            "remote_name",
            "sha256",
            name="uq_clearinghouse_transfers_direction",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(7))  # sent | fetched
    profile: Mapped[str] = mapped_column(String(60))
    file_name: Mapped[str] = mapped_column(String(200))  # local name
    remote_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10), default="")  # 837P, 270, 999, 277CA, 835…
    status: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
