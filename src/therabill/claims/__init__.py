"""The claim document (JSON) and how to read it."""

from therabill.claims.document import (
    FREQUENCY_CODES,
    RELATIONSHIP_CODES,
    Address,
    Authorization,
    BillingProvider,
    Claim,
    Client,
    Payer,
    Provider,
    ReferringProvider,
    SameDayService,
    ServiceFacility,
    ServiceLine,
    Session,
    Subscriber,
    TherapyAllowed,
    frequency_of,
)
from therabill.claims.reader import iter_claims, read_claims

__all__ = [
    "FREQUENCY_CODES",
    "RELATIONSHIP_CODES",
    "Address",
    "Authorization",
    "BillingProvider",
    "Claim",
    "Client",
    "Payer",
    "Provider",
    "ReferringProvider",
    "SameDayService",
    "ServiceFacility",
    "ServiceLine",
    "Session",
    "Subscriber",
    "TherapyAllowed",
    "frequency_of",
    "iter_claims",
    "read_claims",
]
