"""A claim and its lines as ``claims build`` drafts them, and the sessions it reads: plain
objects, not ORM rows.

The build writes its rows in bulk (``build_batch.ClaimRows``), so a drafted claim never
enters the database session; as transient ORM objects its claim and lines cost the build
attribute instrumentation on every read and write (a tenth of its CPU). The fields are the
ORM rows' (``ClaimRecord``, ``ClaimLine``) with their values before the first write: the
claim document, the scrubber and the ledger's charge rows read either alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from therabill.store.models import ServiceLocation


@dataclass(slots=True)
class DraftLine:
    """A ``ClaimLine`` not written yet: ``id`` once the build takes the line's id,
    ``authorization_id`` once an authorization covers it."""

    line_number: int
    session_id: int | None
    date_of_service: dt.date
    code: str
    modifiers: str
    minutes: int
    units: int
    charge_cents: int
    diagnosis_pointers: str
    id: int | None = None
    authorization_id: int | None = None
    control_number: str | None = None  # set as the row is written (control_number_of)


@dataclass(slots=True)
class DraftClaim:
    """A new original claim (``ClaimRecord``, frequency 1) not written yet: ``id``, its
    document and findings once the build numbers and keeps it."""

    client_id: int
    payer_id: int
    policy_id: int
    provider_id: int
    date_of_service: dt.date
    status: str
    total_charge_cents: int
    lines: list[DraftLine] = field(default_factory=list)
    frequency_code: str = "1"
    id: int | None = None
    findings_json: str = "[]"
    document_json: str | None = None
    # what a new original claim has none of (a replacement's or a secondary claim's)
    original_claim_id: int | None = None
    primary_claim_id: int | None = None
    reference_claim_number: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """A ``SessionService`` as the build reads it: the minutes of one code."""

    code: str
    minutes: int
    modifiers: str


@dataclass(frozen=True, slots=True)
class DiagnosisRow:
    """A ``SessionDiagnosis`` as the build reads it."""

    code: str


@dataclass(slots=True)
class SessionRow:
    """An unbilled ``TherapySession`` as the build reads it, from Core rows (three queries
    for the whole batch) instead of ORM objects: the fields the claim document, the unit
    engine and the plan of care read, with its services and diagnoses in their order and its
    service location (an ORM row: a practice has a handful)."""

    id: int
    client_id: int
    provider_id: int
    date_of_service: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    place_of_service: str
    techniques: str | None
    note: str | None
    service_location: ServiceLocation | None
    services: list[ServiceRow] = field(default_factory=list)
    diagnoses: list[DiagnosisRow] = field(default_factory=list)
