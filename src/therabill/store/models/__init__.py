"""All tables, importable from one place (Alembic's target metadata is ``Base.metadata``)."""

from therabill.store.models.audit import AuditEntry, LedgerUnsealed
from therabill.store.models.base import Base, utcnow
from therabill.store.models.billing import (
    ClaimLine,
    ClaimRecord,
    ClaimStatusChange,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    SessionDiagnosis,
    SessionService,
    TherapySession,
)
from therabill.store.models.claim_status import ClaimStatusResponse
from therabill.store.models.clearinghouse import ClearinghouseTransfer
from therabill.store.models.contracts import ContractRate, Underpayment
from therabill.store.models.corrections import ClaimChange, ClaimReopening
from therabill.store.models.denials import Denial
from therabill.store.models.edi import (
    ControlNumberCounter,
    InstallationControlNumber,
    ProviderAdjustmentRecord,
    QuarantinedFile,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceException,
    RemittanceFile,
    RemittanceLine,
    RemittanceRecord,
    SubmittedClaim,
)
from therabill.store.models.eligibility import EligibilityCheck, EligibilityRequest
from therabill.store.models.jobs import Job
from therabill.store.models.members import PracticeMember
from therabill.store.models.payment_plans import PaymentPlan
from therabill.store.models.payments import ClientPayment
from therabill.store.models.plans import PlanOfCare, ProgressReport
from therabill.store.models.practice import (
    Authorization,
    AuthorizationCode,
    AuthorizationUse,
    CaseloadEntry,
    Client,
    Fee,
    Payer,
    Policy,
    Practice,
    Provider,
    ServiceLocation,
    User,
)
from therabill.store.models.reminders import ReminderMessage, ReminderSettings
from therabill.store.models.statements import Statement, StatementRun
from therabill.store.models.sums import (
    ClientBalance,
    ClientRevision,
    ClientSum,
    LedgerDaySum,
    LineDaySum,
    ServiceDaySum,
    SessionDayCount,
    VisitDay,
    VisitYear,
)

__all__ = [
    "AuditEntry",
    "Authorization",
    "AuthorizationCode",
    "AuthorizationUse",
    "Base",
    "CaseloadEntry",
    "ClaimChange",
    "ClaimLine",
    "ClaimRecord",
    "ClaimReopening",
    "ClaimStatusChange",
    "ClaimStatusResponse",
    "ClearinghouseTransfer",
    "Client",
    "ClientBalance",
    "ClientPayment",
    "ClientRevision",
    "ClientSum",
    "ContractRate",
    "ControlNumberCounter",
    "Denial",
    "EligibilityCheck",
    "EligibilityRequest",
    "Fee",
    "InstallationControlNumber",
    "Invoice",
    "InvoiceLine",
    "Job",
    "LedgerDaySum",
    "LedgerEntry",
    "LedgerUnsealed",
    "LineDaySum",
    "Payer",
    "PaymentPlan",
    "PlanOfCare",
    "Policy",
    "Practice",
    "PracticeMember",
    "ProgressReport",
    "Provider",
    "ProviderAdjustmentRecord",
    "QuarantinedFile",
    "ReminderMessage",
    "ReminderSettings",
    "RemittanceAdjustment",
    "RemittanceClaim",
    "RemittanceException",
    "RemittanceFile",
    "RemittanceLine",
    "RemittanceRecord",
    "ServiceDaySum",
    "ServiceLocation",
    "SessionDayCount",
    "SessionDiagnosis",
    "SessionService",
    "Statement",
    "StatementRun",
    "SubmittedClaim",
    "TherapySession",
    "Underpayment",
    "User",
    "VisitDay",
    "VisitYear",
    "utcnow",
]
