"""Eligibility (270/271): the inquiries sent for a policy and the answers stored on it.

An answer is kept whole (``summary_json``: what ``therabill.x12.eligibility.summarize``
made of it) with the day it was checked, so the session form can say "eligibility checked 3
days ago: 12 of 20 PT visits left; copay $30". A 271 finds its policy by the trace number
our 270 sent (``eligibility_requests.trace``, echoed in TRN*2), else by payer and member id.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, PracticeOwned, utcnow


class EligibilityRequest(PracticeOwned, Base):
    """One 270 written for a policy."""

    __tablename__ = "eligibility_requests"
    __table_args__ = (
        UniqueConstraint("practice_id", "trace", name="uq_eligibility_requests_trace"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    trace: Mapped[str] = mapped_column(String(50))
    file_name: Mapped[str] = mapped_column(String(200))
    service_types: Mapped[str] = mapped_column(String(300))
    date_of_service: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))


class EligibilityCheck(PracticeOwned, Base):
    """One member's 271 answer, stored on the policy it is about."""

    __tablename__ = "eligibility_checks"
    __table_args__ = (Index("ix_eligibility_checks_policy", "policy_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    response_date: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(10))  # active | inactive | rejected | unknown
    summary_json: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    transaction: Mapped[str] = mapped_column(String(9), default="")
    trace: Mapped[str] = mapped_column(String(50), default="")
    actor: Mapped[str] = mapped_column(String(80))
