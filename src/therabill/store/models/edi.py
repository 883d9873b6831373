"""Electronic claims and remittances (X12): control numbers handed out for 837P files, and
posted remittances (835): which files and payments were posted, what each claim and
line received and why, the claims that could not be matched, and the files refused.

Idempotency lives in two unique keys: a file's SHA-256 (``remittance_files``) and a payment's
payer + trace number (TRN03/TRN02, ``remittances``). Both rows are inserted before anything of
the file or payment is posted, so a second poster (another process) waits on the key and then
finds it taken. The money itself is in the ledger; these tables keep the payer's own figures
(charge, paid, adjustments by group and reason) for reconciliation and for the biller.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store import tenancy
from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow


class RemittanceFile(PracticeOwned, Base):
    """One 835 file posted (or found to hold only payments posted before)."""

    __tablename__ = "remittance_files"
    __table_args__ = (UniqueConstraint("practice_id", "sha256", name="uq_remittance_files_sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int]
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(400), default="")
    # While a posting in parts (a post-835 job on SQLite) is under way or stopped part-way:
    # where it got to (JSON, ``remittances.posting_steps``); NULL once the file is posted.
    posting: Mapped[str | None] = mapped_column(Text, default=None)


class RemittanceRecord(PracticeOwned, Base):
    """One 835 transaction (ST…SE): one payment (BPR) with its trace number (TRN)."""

    __tablename__ = "remittances"
    __table_args__ = (
        UniqueConstraint(
            "practice_id", "payer_key", "trace_number", name="uq_remittances_payer_key"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("remittance_files.id"), index=True)
    payer_key: Mapped[str] = mapped_column(String(80))
    trace_number: Mapped[str] = mapped_column(String(80))
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    payment_cents: Mapped[Cents]
    payment_method: Mapped[str] = mapped_column(String(3), default="")
    payment_date: Mapped[dt.date | None]
    claim_count: Mapped[int] = mapped_column(default=0)
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RemittanceClaim(PracticeOwned, Base):
    """One CLP posted to one of our claims, with the payer's figures and whether it reconciles."""

    __tablename__ = "remittance_claims"
    __table_args__ = (Index("ix_remittance_claims_claim", "claim_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittances.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    status_code: Mapped[str] = mapped_column(String(2))
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")
    charge_cents: Mapped[Cents]
    paid_cents: Mapped[Cents]
    patient_cents: Mapped[Cents]
    secondary: Mapped[bool] = mapped_column(default=False)
    reconciled: Mapped[bool] = mapped_column(default=True)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("remittance_claims.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class RemittanceLine(PracticeOwned, Base):
    """One SVC (or its share of a bundled SVC) posted to one of our claim lines."""

    __tablename__ = "remittance_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_claim_id: Mapped[int] = mapped_column(ForeignKey("remittance_claims.id"), index=True)
    claim_line_id: Mapped[int] = mapped_column(ForeignKey("claim_lines.id"), index=True)
    paid_code: Mapped[str] = mapped_column(String(48), default="")
    paid_modifiers: Mapped[str] = mapped_column(String(20), default="")
    paid_units: Mapped[str] = mapped_column(String(12), default="")
    charge_cents: Mapped[Cents]
    paid_cents: Mapped[Cents]
    adjusted_cents: Mapped[Cents]
    patient_cents: Mapped[Cents]
    how_matched: Mapped[str] = mapped_column(String(40), default="")


class RemittanceAdjustment(PracticeOwned, Base):
    """One CAS amount, with its group (CO/PR/OA/PI), reason (CARC) and remarks (RARC)."""

    __tablename__ = "remittance_adjustments"
    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_claim_id: Mapped[int] = mapped_column(ForeignKey("remittance_claims.id"), index=True)
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_lines.id"))
    group_code: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(String(5))
    amount_cents: Mapped[Cents]
    remarks: Mapped[str] = mapped_column(String(100), default="")


class ProviderAdjustmentRecord(PracticeOwned, Base):
    """One PLB amount: money the payer took or added outside any claim."""

    __tablename__ = "remittance_provider_adjustments"
    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittances.id"), index=True)
    provider_id: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(5))
    reference: Mapped[str] = mapped_column(String(80), default="")
    amount_cents: Mapped[Cents]
    fiscal_period_end: Mapped[dt.date | None]
    # the claim PLB03-2 names and how the amount was applied (therabill.posting.provider_adjustments)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    applied_as: Mapped[str] = mapped_column(String(24), default="")


class RemittanceException(PracticeOwned, Base):
    """A CLP the poster could not match to a claim: nothing of it is posted; a biller looks."""

    __tablename__ = "remittance_exceptions"
    # The open exceptions, newest first (one 835 can leave hundreds of thousands).
    __table_args__ = (Index("ix_remittance_exceptions_open", "practice_id", "resolved_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittances.id"), index=True)
    patient_control_number: Mapped[str] = mapped_column(String(50))
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")
    status_code: Mapped[str] = mapped_column(String(2))
    charge_cents: Mapped[Cents]
    paid_cents: Mapped[Cents]
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolution: Mapped[str | None] = mapped_column(Text)  # what the biller did about it


class QuarantinedFile(PracticeOwned, Base):
    """An 835 refused whole (unreadable, or its own arithmetic does not hold): nothing posted."""

    __tablename__ = "remittance_quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))


class ControlNumberCounter(PracticeOwned, Base):
    """The last X12 control number handed out per kind (interchange, group, transaction);
    raised in the same transaction that marks the claims submitted, so never reused."""

    __tablename__ = "x12_control_numbers"
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id"), primary_key=True, default=tenancy.practice_default
    )
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class InstallationControlNumber(Base):
    """The last X12 control number of each kind handed out by any practice of the
    installation: the floor under every practice's own counter.

    A receiver rejects an interchange whose ISA13 it has seen before from the same sender
    (TA1 note code 025, "duplicate interchange control number"; GS06 likewise per sender).
    A billing office sends all its practices' files under one submitter id, so the numbers
    must be unique across practices, on every app host: the host file mirror alone does
    not reach across hosts. Not practice-owned on purpose (tenancy.GLOBAL_TABLES): it holds
    three counters, nothing of any practice's."""

    __tablename__ = "x12_installation_numbers"
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class SubmittedClaim(PracticeOwned, Base):
    """Which 837P file, functional group (GS06) and transaction (ST02) carried a claim: how a
    999 acknowledgement (which names group and transaction, not claims) finds its claims."""

    __tablename__ = "submitted_claims"
    __table_args__ = (
        Index("ix_submitted_claims_control", "practice_id", "group_number", "transaction_number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    interchange_number: Mapped[int]
    group_number: Mapped[int]
    transaction_number: Mapped[str] = mapped_column(String(9))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
