"""The report sums: small tables the database keeps up to date as the ledger, the claims and
the sessions are written (triggers, ``therabill.store.report_sums``), so a report over years
of a practice reads a few thousand rows instead of millions. Each is a pure projection of its
base tables (grouped sums); ``report_sums.differences`` checks that it still is. Key columns
hold 0 or '' for "none" (a unique key treats NULLs as all different, so an upsert could not
find the row)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, PracticeRows


class LedgerDaySum(PracticeRows, Base):
    """Ledger entries by day they take effect, payer (the entry's, else its claim's), the
    claim's payer and provider, the line's code and the kind: the revenue report and the
    charges of days in A/R."""

    __tablename__ = "ledger_day_sums"
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    effective_date: Mapped[dt.date] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(primary_key=True)  # 0: none
    claim_payer_id: Mapped[int] = mapped_column(primary_key=True)  # 0: no claim
    provider_id: Mapped[int] = mapped_column(primary_key=True)  # 0: no claim
    code: Mapped[str] = mapped_column(String(5), primary_key=True)  # '': no line
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(BigInteger)


class ServiceDaySum(PracticeRows, Base):
    """Ledger entries on claims by the claim's date of service, payer and provider, kind and
    responsibility: aging (who owes what, how old), days in A/R and what was collected per
    provider for the services of a period."""

    __tablename__ = "service_day_sums"
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    date_of_service: Mapped[dt.date] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    responsibility: Mapped[str] = mapped_column(String(10), primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(BigInteger)


class ClientSum(PracticeRows, Base):
    """Ledger entries per client, kind and responsibility: every client's balance at once
    (the largest client balances)."""

    __tablename__ = "client_sums"
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    responsibility: Mapped[str] = mapped_column(String(10), primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(BigInteger)


class SessionDayCount(PracticeRows, Base):
    """Sessions per day of service and provider (provider productivity)."""

    __tablename__ = "session_day_counts"
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    date_of_service: Mapped[dt.date] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(primary_key=True)
    sessions: Mapped[int] = mapped_column(BigInteger)


class LineDaySum(PracticeRows, Base):
    """Lines of original primary claims (frequency 1) per line date of service and the
    claim's provider: units and charges billed (provider productivity)."""

    __tablename__ = "line_day_sums"
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    date_of_service: Mapped[dt.date] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(primary_key=True)
    units: Mapped[int] = mapped_column(BigInteger)
    charge_cents: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[int] = mapped_column(BigInteger)


class VisitDay(PracticeRows, Base):
    """Claims that count as a visit (not void, not a void-frequency claim) per client, payer,
    the provider's discipline and date of service."""

    __tablename__ = "visit_days"
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(primary_key=True)
    discipline: Mapped[str] = mapped_column(String(20), primary_key=True)
    date_of_service: Mapped[dt.date] = mapped_column(primary_key=True)
    claims: Mapped[int] = mapped_column(BigInteger)


class VisitYear(PracticeRows, Base):
    """Visits (dates of service with a claim that counts) per client, payer, discipline and
    year: the visit-limit report."""

    __tablename__ = "visit_years"
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(primary_key=True)
    discipline: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    visits: Mapped[int] = mapped_column(BigInteger)


class ClientBalance(PracticeRows, Base):
    """What each client owes (their share, cents), kept per entry with
    ``therabill.ledger.effect``: the largest client balances are the top of an index."""

    __tablename__ = "client_balances"
    __table_args__ = (
        Index("ix_client_balances_owed", "practice_id", "patient_cents", "client_id"),
    )
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(primary_key=True)
    patient_cents: Mapped[int] = mapped_column(BigInteger)


class ClientRevision(PracticeRows, Base):
    """A stamp of each client's billing data, moved by triggers whenever a row the live
    check reads changes (``therabill.store.revisions``); client 0: the practice's own rows."""

    __tablename__ = "client_revisions"
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)
