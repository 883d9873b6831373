"""What happened and what it is worth: sessions, claims and their lines, status history,
invoices and the append-only ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from therabill.claims.number import control_number_of
from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow
from therabill.store.models.practice import ServiceLocation


class TherapySession(PracticeOwned, Base):
    """One encounter. ``claim_id`` is set once, when a claim is built: never billed twice."""

    __tablename__ = "sessions"
    __table_args__ = (
        # Indexes over what every practice has (dates, statuses, "not billed yet") lead with
        # the practice, which every query names (models.base._name_the_practice): one
        # practice's rows are one range of the index however many practices there are.
        Index("ix_sessions_unbilled", "practice_id", "claim_id", "date_of_service"),
        Index("ix_sessions_client", "client_id", "date_of_service"),
        # The day's sessions in the order of the day (dashboard, day sheet, sessions list).
        Index("ix_sessions_day", "practice_id", "date_of_service", "start_time", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    date_of_service: Mapped[dt.date]
    start_time: Mapped[dt.time | None]
    end_time: Mapped[dt.time | None]
    place_of_service: Mapped[str] = mapped_column(String(2), default="11")
    # Where the session took place when not at the practice's address (837P 2310C).
    service_location_id: Mapped[int | None] = mapped_column(ForeignKey("service_locations.id"))
    techniques: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    services: Mapped[list[SessionService]] = relationship(
        cascade="all, delete-orphan", order_by="SessionService.position"
    )
    diagnoses: Mapped[list[SessionDiagnosis]] = relationship(
        cascade="all, delete-orphan", order_by="SessionDiagnosis.position"
    )
    service_location: Mapped[ServiceLocation | None] = relationship()


class SessionService(PracticeOwned, Base):
    """Minutes spent on one code in a session (units are decided when the claim is built)."""

    __tablename__ = "session_services"
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5))
    minutes: Mapped[int]
    modifiers: Mapped[str] = mapped_column(String(20), default="")


class SessionDiagnosis(PracticeOwned, Base):
    __tablename__ = "session_diagnoses"
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8))


class ClaimRecord(PracticeOwned, Base):
    """One client, one payer, one date of service; lines are its charges."""

    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_status", "practice_id", "status", "id"),
        # The claims queue in date order, the reports' claims of a period.
        Index("ix_claims_date", "practice_id", "date_of_service", "id"),
        # ... and by claim number (the API's newest claims; migration 0038)
        Index("ix_claims_practice", "practice_id", "id"),
        Index("ix_claims_client", "client_id", "date_of_service"),
        # the claims that follow a claim (a secondary's, a correction's), by practice: on
        # SQLite the practice alone would be taken for a narrow search (migration 0049)
        Index("ix_claims_prior", "practice_id", "prior_claim_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    date_of_service: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    total_charge_cents: Mapped[Cents] = mapped_column(default=0)
    frequency_code: Mapped[str] = mapped_column(String(1), default="1")
    original_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    payer_claim_number: Mapped[str | None] = mapped_column(String(50))
    # A replacement (7) or void (8): the payer's claim control number of the claim it
    # replaces or voids (837P REF*F8), taken from the 835's CLP07 when it was made.
    reference_claim_number: Mapped[str | None] = mapped_column(String(50))
    # The referring provider the biller set on this claim (claims edit), over the plan of
    # care's certifier: 837P 2310A, CMS-1500 box 17.
    referring_npi: Mapped[str | None] = mapped_column(String(10))
    referring_first_name: Mapped[str | None] = mapped_column(String(35))
    referring_last_name: Mapped[str | None] = mapped_column(String(60))
    # Coordination of benefits: the payer's place for this claim (a claim to the secondary or
    # tertiary payer carries what the payers before it decided, 837P 2320/2430), the first
    # payer's claim and the claim of the payer just before; ``crossed_over`` when the payer
    # before forwarded it itself (835 CLP02 19/20/21, Medicare crossover): never sent by us.
    priority: Mapped[str] = mapped_column(String(10), default="primary")
    primary_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    prior_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    crossed_over: Mapped[bool] = mapped_column(default=False)
    findings_json: Mapped[str] = mapped_column(Text, default="[]")
    document_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[ClaimLine]] = relationship(
        cascade="all, delete-orphan", order_by="ClaimLine.line_number"
    )
    history: Mapped[list[ClaimStatusChange]] = relationship(order_by="ClaimStatusChange.id")


class ClaimLine(PracticeOwned, Base):
    """One billed service. ``control_number`` is the line item control number the 837P sends
    (2400 REF*6R) and the 835 returns (2110 REF*6R), set when the line is first written
    (``control_number_of``) and never changed, so a payer's answer finds its line exactly."""

    __tablename__ = "claim_lines"
    __table_args__ = (
        UniqueConstraint("claim_id", "line_number"),
        Index("ix_claim_lines_control_number", "practice_id", "control_number", unique=True),
        # a batch of claims' lines (posting an 835): practice and claim (migration 0049)
        Index("ix_claim_lines_claim", "practice_id", "claim_id", "line_number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    line_number: Mapped[int]
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), index=True)
    date_of_service: Mapped[dt.date]
    code: Mapped[str] = mapped_column(String(5))
    modifiers: Mapped[str] = mapped_column(String(20), default="")
    minutes: Mapped[int] = mapped_column(default=0)
    units: Mapped[int]
    charge_cents: Mapped[Cents]
    diagnosis_pointers: Mapped[str] = mapped_column(String(10), default="1")
    authorization_id: Mapped[int | None] = mapped_column(ForeignKey("authorizations.id"))
    control_number: Mapped[str | None] = mapped_column(String(50))


@event.listens_for(ClaimLine, "before_insert")
def _number_new_line(_mapper: object, _connection: object, line: ClaimLine) -> None:
    """Every line the ORM writes gets its control number (the build, corrections, secondary
    claims and the demo alike); lines written before migration 0022 got theirs there."""
    if line.control_number is None:
        line.control_number = control_number_of(line.claim_id, line.line_number)


class ClaimStatusChange(PracticeOwned, Base):
    """Every move through the lifecycle, with who, when and why (draft on creation too)."""

    __tablename__ = "claim_status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class Invoice(PracticeOwned, Base):
    """A statement of the client's share, sent to the client."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("practice_id", "number", name="uq_invoices_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    issued_on: Mapped[dt.date]
    due_on: Mapped[dt.date | None]
    total_cents: Mapped[Cents]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[InvoiceLine]] = relationship(
        cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )


class InvoiceLine(PracticeOwned, Base):
    __tablename__ = "invoice_lines"
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_lines.id"))
    description: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[Cents]


class LedgerEntry(PracticeOwned, Base):
    """One movement of money. Never updated or deleted (database triggers refuse it);
    a mistake is undone by a reversing entry (``reverses_id``, negated amount)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('charge','insurance_payment','patient_payment','contractual_adjustment',"
            "'write_off','refund','transfer_to_patient','transfer_to_insurance')",
            name="kind",
        ),
        CheckConstraint("responsibility IN ('insurance','patient')", name="responsibility"),
        Index("ix_ledger_entries_client", "client_id", "id"),
        Index("ix_ledger_entries_payer", "payer_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    amount_cents: Mapped[Cents]
    responsibility: Mapped[str] = mapped_column(String(10))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_lines.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    effective_date: Mapped[dt.date]
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    memo: Mapped[str] = mapped_column(String(200), default="")
    receipt: Mapped[str | None] = mapped_column(String(60))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
