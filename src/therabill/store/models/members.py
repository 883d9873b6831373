"""Who works for which practice, and as what: a user's role is per practice (migration 0033)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, utcnow


class PracticeMember(Base):
    """A user's place in one practice: a biller of a billing office can be an admin for one
    practice and a biller for another. The installation's own table (no row-level security):
    the login reads it before any practice is chosen."""

    __tablename__ = "practice_members"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
