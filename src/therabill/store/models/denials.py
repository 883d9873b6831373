"""Denials: what a payer did not pay for a reason the practice can act on.

A denial is opened by the remittance poster for each amount whose group and reason code
(CAS01/CAS02, classed in ``therabill.x12.adjustment_codes``) is neither the patient's share
nor a contractual write-down: the payer still owes it. It stays in the work queue until one
of the closing actions (corrected and resubmitted, written off, transferred to the client or
to another payer, paid when the payer adjudicated it again) closes it with who, when and how;
a row is never deleted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from therabill.store.models.base import Base, Cents, PracticeOwned, utcnow

DENIAL_STATUSES = ("open", "appealed", "closed")
CLOSED_HOW = (
    "corrected",
    "written_off",
    "transferred_to_client",
    "transferred_to_payer",
    "paid",
    "reversed",
)


class Denial(PracticeOwned, Base):
    """One denied claim (``claim_line_id`` empty: the whole claim) or line, per reason."""

    __tablename__ = "denials"
    __table_args__ = (
        CheckConstraint("status IN ('open','appealed','closed')", name="status"),
        CheckConstraint(
            "closed_how IS NULL OR closed_how IN ('corrected','written_off',"
            "'transferred_to_client','transferred_to_payer','paid','reversed')",
            name="closed_how",
        ),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed"),
        Index("ix_denials_status", "practice_id", "status", "opened_on"),
        Index("ix_denials_claim", "claim_id", "id"),
        # a batch's claims' denials and a reversal's payments' (posting an 835; on SQLite
        # the practice alone would be taken for a narrow search: migration 0049)
        Index("ix_denials_practice_claim", "practice_id", "claim_id", "id"),
        Index("ix_denials_practice_payment", "practice_id", "remittance_claim_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_lines.id"))
    remittance_claim_id: Mapped[int | None] = mapped_column(ForeignKey("remittance_claims.id"))
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    group_code: Mapped[str] = mapped_column(String(2))
    carc: Mapped[str] = mapped_column(String(5))
    rarc: Mapped[str] = mapped_column(String(100), default="")
    amount_cents: Mapped[Cents]
    action_class: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), default="open")
    next_action: Mapped[str] = mapped_column(String(300), default="")
    opened_on: Mapped[dt.date]
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deadline: Mapped[dt.date | None]
    appealed_on: Mapped[dt.date | None]
    appeal_letter: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(80))
    closed_how: Mapped[str | None] = mapped_column(String(24))
    close_note: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(80))
    replacement_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
