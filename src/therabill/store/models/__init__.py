"""All tables, importable from one place (Alembic's target metadata is ``Base.metadata``)."""

from therabill.store.models.audit import AuditEntry
from therabill.store.models.base import Base, utcnow
from therabill.store.models.billing import (
    Claim,
    ClaimLine,
    ClaimStatusChange,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    SessionDiagnosis,
    SessionService,
    TherapySession,
)
from therabill.store.models.practice import (
    Authorisation,
    AuthorisationCode,
    AuthorisationUse,
    Client,
    Fee,
    Payer,
    Policy,
    Practice,
    Provider,
    User,
)

__all__ = [
    "AuditEntry",
    "Authorisation",
    "AuthorisationCode",
    "AuthorisationUse",
    "Base",
    "Claim",
    "ClaimLine",
    "ClaimStatusChange",
    "Client",
    "Fee",
    "Invoice",
    "InvoiceLine",
    "LedgerEntry",
    "Payer",
    "Policy",
    "Practice",
    "Provider",
    "SessionDiagnosis",
    "SessionService",
    "TherapySession",
    "User",
    "utcnow",
]
