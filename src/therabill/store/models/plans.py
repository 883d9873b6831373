"""Therapy plans of care: who certified them, for which dates, and the progress reports
written under them (CMS Pub 100-02 ch.15 §220.1 and §220.3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from therabill.store.models.base import Base, PracticeOwned, utcnow


class PlanOfCare(PracticeOwned, Base):
    """A client's plan of care for one discipline, certified by a physician or NPP who is
    the claim's referring provider (837P loop 2310A; CMS-1500 box 17). ``certified_on`` is
    the date of the signature (or the verbal order); None while it is not back."""

    __tablename__ = "plans_of_care"
    __table_args__ = (Index("ix_plans_of_care_client", "client_id", "discipline", "start_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    discipline: Mapped[str] = mapped_column(String(20))
    referring_npi: Mapped[str] = mapped_column(String(10))
    referring_first_name: Mapped[str] = mapped_column(String(100))
    referring_last_name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    certified_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    progress_reports: Mapped[list[ProgressReport]] = relationship(
        cascade="all, delete-orphan", order_by="ProgressReport.report_date"
    )


class ProgressReport(PracticeOwned, Base):
    """A progress report written under a plan of care (at least one every 10 treatment
    days, CMS Pub 100-02 ch.15 §220.3)."""

    __tablename__ = "progress_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans_of_care.id"), index=True)
    report_date: Mapped[dt.date]
